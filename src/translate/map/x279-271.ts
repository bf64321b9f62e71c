/**
 * 271 (005010X279A1) → CoverageEligibilityResponse Bundle: every data-bearing position of the
 * table in `x12/spec/x279-270-271.ts`, and where `eligibility271ToFhir` puts it.
 */
import { X12_EXT } from '../eligibility/x12-extensions.ts';
import { EXT } from '../codes/systems.ts';
import type { MapEntry, Representation } from './types.ts';

const CER = 'CoverageEligibilityResponse';
const PAT = `${CER}.patient.target`;
// The Coverage the payer answered about (an answer of errors only names it in no insurance entry).
const COV = 'Coverage';
const SUB = `${COV}.subscriber.target`;
const INSURER = `${CER}.insurer.target`;
const REQUESTOR = `(${CER}.requestor.target | ${CER}.requestor.target.practitioner.target | ${CER}.requestor.target.organization.target)`;
const REQUESTOR_ROLE = `${CER}.requestor.target`;
const ITEM = `${CER}.insurance.item`;
const ENTITY_ROLE = `${ITEM}.extension.where(url='${X12_EXT.relatedEntity}').valueReference.target`;
const ENTITY = `(${ENTITY_ROLE}.practitioner.target | ${ENTITY_ROLE}.organization.target)`;
const ERROR = `${CER}.error`;

/** `<base>.extension.where(url=U)[.extension.where(url=sub)].<value>`. */
const ext = (base: string, url: string, sub?: string, value = 'valueString') =>
  `${base}.extension.where(url='${url}')${sub ? `.extension.where(url='${sub}')` : ''}.${value}`;

const e = (loop: string, segment: string, element: number | number[], fhir: string, as: Representation = 'value', extra: Partial<MapEntry> = {}): MapEntry => ({
  set: '271', loop, segment, element, fhir, as, ...extra,
});

const GENDER = { M: 'male', F: 'female', U: 'unknown' };

/** NM1 of a person or organization into a resource at `at` (its name parts and identifier). */
function nm1(loop: string, at: string, qualifierPath: string, idPath: string): MapEntry[] {
  return [
    e(loop, 'NM1', 1, at, 'present', { note: 'entity identifier: the role the resource plays (its place in the response)' }),
    e(loop, 'NM1', 2, at, 'present', { note: '1 person (Patient/Practitioner), 2 organization' }),
    e(loop, 'NM1', 3, `(${at}.name.family | ${at}.name)`),
    e(loop, 'NM1', 4, `${at}.name.given`),
    e(loop, 'NM1', 5, `${at}.name.given`),
    e(loop, 'NM1', 7, `${at}.name.suffix`),
    e(loop, 'NM1', 8, qualifierPath, 'present', { note: 'identification code qualifier: Identifier.type (X12 66), system when known' }),
    e(loop, 'NM1', 9, idPath),
  ];
}

function address(loop: string, at: string): MapEntry[] {
  return [
    e(loop, 'N3', [1, 2], `${at}.address.line`),
    e(loop, 'N4', 1, `${at}.address.city`),
    e(loop, 'N4', 2, `${at}.address.state`),
    e(loop, 'N4', 3, `${at}.address.postalCode`),
    e(loop, 'N4', 4, `${at}.address.country`),
    e(loop, 'N4', 7, ext(`${at}.address`, X12_EXT.subdivision)),
  ];
}

/** PER into Organization.contact (purpose, name, telecom) or a Practitioner's telecom and contact-name extension. */
function contact(loop: string, at: string): MapEntry[] {
  return [
    e(loop, 'PER', 1, `(${at}.contact.purpose.coding.code | ${ext(at, X12_EXT.contact, 'function', 'valueCoding.code')})`, 'value', { note: 'a Practitioner has no contact: function and name in the x12-contact extension, numbers in telecom' }),
    e(loop, 'PER', 2, `(${at}.contact.name.text | ${ext(at, X12_EXT.contact, 'name')})`),
    e(loop, 'PER', [3, 5, 7], `(${at}.contact.telecom | ${at}.telecom)`, 'present', { note: 'communication number qualifier → ContactPoint.system (TE phone, FX fax, EM email, UR url)' }),
    e(loop, 'PER', [4, 6, 8], `(${at}.contact.telecom.value | ${at}.telecom.value)`),
  ];
}

function aaa(loop: string): MapEntry[] {
  return [
    e(loop, 'AAA', 1, ext(ERROR, X12_EXT.validRequest, undefined, 'valueCoding.code')),
    e(loop, 'AAA', 3, `${ERROR}.code.coding.code`),
    e(loop, 'AAA', 4, ext(ERROR, EXT.errorFollowupAction, undefined, 'valueCodeableConcept.coding.code')),
  ];
}

function prv(loop: string, at: string): MapEntry[] {
  return [
    e(loop, 'PRV', 1, `${at}.code.coding.code`),
    e(loop, 'PRV', 2, `${at}.specialty.text`),
    e(loop, 'PRV', 3, `${at}.specialty.coding.code`),
  ];
}

function refs(loop: string, at: string, coverage: boolean): MapEntry[] {
  const CLASS_REFS = ['18', '6P', '1L', 'IG'];
  const other = coverage ? `${COV}.identifier` : `${at}.identifier`;
  return [
    ...(coverage
      ? [
          e(loop, 'REF', 1, `${COV}.class.type.coding.code`, 'present', { when: [1, ...CLASS_REFS], note: '18 plan → class plan, 6P/1L/IG group → class group' }),
          e(loop, 'REF', 2, `${COV}.class.value`, 'value', { when: [1, ...CLASS_REFS] }),
          e(loop, 'REF', 3, `${COV}.class.name`, 'value', { when: [1, ...CLASS_REFS] }),
        ]
      : []),
    e(loop, 'REF', 1, `${other}.type.coding.code`, 'value', coverage ? { note: 'other member references → Coverage.identifier typed by REF01 (X12 128)' } : {}),
    e(loop, 'REF', 2, `${other}.value`),
    e(loop, 'REF', 3, `${other}.type.text`),
  ];
}

/** 2100C/D: the member's name loop. */
function member(level: 'C' | 'D'): MapEntry[] {
  const loop = `2100${level}`;
  const at = level === 'C' ? SUB : PAT;
  const idPath = level === 'C' ? `${COV}.subscriberId` : `${PAT}.identifier.value`;
  const qualifierPath = level === 'C' ? `${COV}.subscriberId` : `${PAT}.identifier.type.coding.code`;
  return [
    e(`2000${level}`, 'TRN', 1, `(${CER}.identifier | ${CER}.request.identifier)`, 'present', { note: '1 the payer\'s trace → CoverageEligibilityResponse.identifier; 2 ours echoed → request.identifier' }),
    e(`2000${level}`, 'TRN', 2, `(${CER}.identifier.value | ${CER}.request.identifier.value)`),
    e(`2000${level}`, 'TRN', 3, `(${CER}.identifier.system | ${CER}.request.identifier.system)`, 'contains'),
    e(`2000${level}`, 'TRN', 4, `(${ext(`${CER}.identifier`, EXT.identifierSubDepartment)} | ${ext(`${CER}.request.identifier`, EXT.identifierSubDepartment)})`),
    ...nm1(loop, at, qualifierPath, idPath),
    ...refs(loop, at, level === 'C'),
    ...address(loop, at),
    ...aaa(loop),
    e(loop, 'PRV', 1, ext(at, X12_EXT.provider, 'code', 'valueCoding.code')),
    e(loop, 'PRV', 2, ext(at, X12_EXT.provider, 'qualifier', 'valueCoding.code')),
    e(loop, 'PRV', 3, ext(at, X12_EXT.provider, 'id')),
    e(loop, 'DMG', 1, `${at}.birthDate`, 'present', { note: 'D8: the format of DMG02' }),
    e(loop, 'DMG', 2, `${at}.birthDate`, 'date'),
    e(loop, 'DMG', 3, `${at}.gender`, 'map', { map: GENDER }),
    e(loop, 'INS', 1, ext(at, X12_EXT.insured, 'insured', 'valueCoding.code')),
    e(loop, 'INS', 2, `(${COV}.relationship.coding.code | ${ext(at, X12_EXT.insured, 'relationship', 'valueCoding.code')})`),
    e(loop, 'INS', 3, ext(at, X12_EXT.insured, 'maintenanceType', 'valueCoding.code')),
    e(loop, 'INS', 4, ext(at, X12_EXT.insured, 'maintenanceReason', 'valueCoding.code')),
    e(loop, 'INS', 9, ext(at, X12_EXT.insured, 'studentStatus', 'valueCoding.code')),
    e(loop, 'INS', 10, ext(at, X12_EXT.insured, 'handicapped', 'valueCoding.code')),
    e(loop, 'INS', 17, ext(at, X12_EXT.insured, 'birthSequence')),
    e(loop, 'HI', [1, 2, 3, 4, 5, 6, 7, 8], ext(at, X12_EXT.diagnosis, undefined, 'valueCoding.display'), 'value', { component: 1 }),
    e(loop, 'HI', [1, 2, 3, 4, 5, 6, 7, 8], ext(at, X12_EXT.diagnosis, undefined, 'valueCoding.code'), 'value', { component: 2 }),
    e(loop, 'DTP', 1, ext(COV, X12_EXT.date, 'qualifier', 'valueCoding.code')),
    e(loop, 'DTP', 2, ext(COV, X12_EXT.date, 'format', 'valueCoding.code')),
    e(loop, 'DTP', 3, ext(COV, X12_EXT.date, 'period', 'valuePeriod'), 'date', { note: 'also the coverage period (insurance.benefitPeriod) when it is a plan or eligibility date' }),
    e(loop, 'MPI', 1, ext(at, X12_EXT.military, 'informationStatus', 'valueCoding.code')),
    e(loop, 'MPI', 2, ext(at, X12_EXT.military, 'employmentStatus', 'valueCoding.code')),
    e(loop, 'MPI', 3, ext(at, X12_EXT.military, 'affiliation', 'valueCoding.code')),
    e(loop, 'MPI', 4, ext(at, X12_EXT.military, 'description')),
    e(loop, 'MPI', 5, ext(at, X12_EXT.military, 'rank', 'valueCoding.code')),
    e(loop, 'MPI', 6, ext(at, X12_EXT.military, 'period', 'valuePeriod'), 'present'),
    e(loop, 'MPI', 7, ext(at, X12_EXT.military, 'period', 'valuePeriod'), 'date'),
    ...benefit(level),
  ];
}

/** 2110C/D EB with HSD, REF, DTP, AAA, MSG; 2115 III; 2120 entities. */
function benefit(level: 'C' | 'D'): MapEntry[] {
  const loop = `2110${level}`;
  return [
    e(loop, 'EB', 1, `${ITEM}.benefit.type.coding.code`, 'value', { note: 'EB01 → benefit.type (X12 1390, and benefit-type where one fits), its meaning in description, excluded' }),
    e(loop, 'EB', 2, `${ITEM}.unit.coding.code`),
    e(loop, 'EB', 3, `${ITEM}.category.coding.code`, 'value', { note: 'each repetition is its own item' }),
    e(loop, 'EB', 4, ext(ITEM, X12_EXT.insuranceType, undefined, 'valueCoding.code')),
    e(loop, 'EB', 5, `${ITEM}.name`),
    e(loop, 'EB', 6, `${ITEM}.term.coding.code`, 'value', { note: 'every time period of the EBs merged into the item (23 calendar year and 29 remaining …)' }),
    e(loop, 'EB', 7, `${ITEM}.benefit`, 'money', { note: 'allowedMoney; a year-to-date amount is usedMoney; a remaining amount (EB06 29) is allowedMoney − usedMoney' }),
    e(loop, 'EB', 8, `(${ITEM}.benefit.allowedUnsignedInt | ${ITEM}.benefit.allowedString)`, 'percent'),
    e(loop, 'EB', 9, `${ITEM}.benefit.type.coding.code`),
    e(loop, 'EB', 10, `(${ITEM}.benefit.allowedUnsignedInt | ${ITEM}.benefit.allowedString)`, 'decimal'),
    e(loop, 'EB', 11, `${ITEM}.authorizationRequired`, 'present'),
    e(loop, 'EB', 12, `${ITEM}.network.coding.code`, 'present', { note: 'Y in / N out of network (benefit-network)' }),
    e(loop, 'EB', 13, `${ITEM}.productOrService.coding`, 'present', { component: 1, note: 'the product/service qualifier chooses the code system' }),
    e(loop, 'EB', 13, `${ITEM}.productOrService.coding.code`, 'value', { component: 2 }),
    e(loop, 'EB', 13, `${ITEM}.modifier.coding.code`, 'value', { component: 3 }),
    e(loop, 'EB', 13, `${ITEM}.modifier.coding.code`, 'value', { component: 4 }),
    e(loop, 'EB', 13, `${ITEM}.modifier.coding.code`, 'value', { component: 5 }),
    e(loop, 'EB', 13, `${ITEM}.modifier.coding.code`, 'value', { component: 6 }),
    ...[1, 2, 3, 4].map((c) => e(loop, 'EB', 14, ext(ITEM, X12_EXT.diagnosisPointer, undefined, 'valuePositiveInt'), 'decimal', { component: c })),
    e(loop, 'HSD', 1, ext(ITEM, X12_EXT.delivery, 'quantityQualifier', 'valueCoding.code')),
    e(loop, 'HSD', 2, ext(ITEM, X12_EXT.delivery, 'quantity', 'valueDecimal'), 'decimal'),
    e(loop, 'HSD', 3, ext(ITEM, X12_EXT.delivery, 'unit', 'valueCoding.code')),
    e(loop, 'HSD', 4, ext(ITEM, X12_EXT.delivery, 'sampleSelectionModulus', 'valueDecimal'), 'decimal'),
    e(loop, 'HSD', 5, ext(ITEM, X12_EXT.delivery, 'periodQualifier', 'valueCoding.code')),
    e(loop, 'HSD', 6, ext(ITEM, X12_EXT.delivery, 'periods', 'valueDecimal'), 'decimal'),
    e(loop, 'HSD', 7, ext(ITEM, X12_EXT.delivery, 'pattern', 'valueCoding.code')),
    e(loop, 'HSD', 8, ext(ITEM, X12_EXT.delivery, 'patternTime', 'valueCoding.code')),
    e(loop, 'REF', 1, ext(ITEM, X12_EXT.reference, 'qualifier', 'valueCoding.code')),
    e(loop, 'REF', 2, ext(ITEM, X12_EXT.reference, 'value')),
    e(loop, 'REF', 3, ext(ITEM, X12_EXT.reference, 'description')),
    e(loop, 'DTP', 1, ext(ITEM, X12_EXT.date, 'qualifier', 'valueCoding.code')),
    e(loop, 'DTP', 2, ext(ITEM, X12_EXT.date, 'format', 'valueCoding.code')),
    e(loop, 'DTP', 3, ext(ITEM, X12_EXT.date, 'period', 'valuePeriod'), 'date'),
    ...aaa(loop),
    e(loop, 'MSG', 1, `${ITEM}.description`, 'contains'),
    e(`2115${level}`, 'III', 1, ext(ITEM, X12_EXT.additionalInformation, 'codeListQualifier', 'valueCoding.code')),
    e(`2115${level}`, 'III', 2, ext(ITEM, X12_EXT.additionalInformation, 'code')),
    e(`2115${level}`, 'III', 3, ext(ITEM, X12_EXT.additionalInformation, 'category', 'valueCoding.code')),
    e(`2115${level}`, 'III', 4, ext(ITEM, X12_EXT.additionalInformation, 'text')),
    e(`2120${level}`, 'NM1', 1, `${ENTITY_ROLE}.code.coding.code`),
    ...nm1(`2120${level}`, ENTITY, `${ENTITY}.identifier.type.coding.code`, `${ENTITY}.identifier.value`).filter((x) => x.element !== 1),
    ...address(`2120${level}`, ENTITY),
    ...contact(`2120${level}`, ENTITY),
    ...prv(`2120${level}`, ENTITY_ROLE),
  ];
}

export const X279_271_MAP: readonly MapEntry[] = [
  e('HEADER', 'BHT', 2, ext(CER, X12_EXT.transaction, 'purpose', 'valueCoding.code')),
  e('HEADER', 'BHT', 3, `(Bundle.identifier.value | ${CER}.request.identifier.value)`, 'value', { note: 'without a request at hand the Bundle identifier (urn:x12:bht03); with one, the request Bundle\'s identifier' }),
  e('HEADER', 'BHT', 4, ext(CER, X12_EXT.transaction, 'date', 'valueDate'), 'date'),
  e('HEADER', 'BHT', 5, ext(CER, X12_EXT.transaction, 'time', 'valueTime'), 'time'),
  ...aaa('2000A'),
  ...nm1('2100A', INSURER, `${INSURER}.identifier.type.coding.code`, `${INSURER}.identifier.value`),
  ...contact('2100A', INSURER),
  ...aaa('2100A'),
  ...nm1('2100B', REQUESTOR, `${REQUESTOR}.identifier.type.coding.code`, `${REQUESTOR}.identifier.value`),
  ...refs('2100B', REQUESTOR, false),
  ...aaa('2100B'),
  ...prv('2100B', REQUESTOR_ROLE),
  ...member('C'),
  ...member('D'),
];
