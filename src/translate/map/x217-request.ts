/**
 * PAS request Bundle → 278 request (005010X217, BHT02 13 / 01): for every position the 278 request
 * table allows, the FHIR element of the request it comes from (`pasRequestTo278`). Complete: a
 * position Priorgate never writes says so in its note.
 */
import { EXT } from '../codes/systems.ts';
import type { MapEntry, Representation } from './types.ts';

const CLAIM = 'Claim';
const PROVIDER = `(${CLAIM}.provider.target | ${CLAIM}.provider.target.practitioner.target)`;
const PROVIDER_PLACE = `(${CLAIM}.provider.target | ${CLAIM}.provider.target.location.target)`;
const SUBSCRIBER = `(Coverage.subscriber.target | ${CLAIM}.patient.target)`;
const PATIENT = `${CLAIM}.patient.target`;
const CARE = `${CLAIM}.careTeam.provider.target`;
const CARE_PARTY = `(${CARE} | ${CARE}.practitioner.target)`;
const CARE_PLACE = `(${CARE} | ${CARE}.location.target | ${CARE}.practitioner.target)`;
const ITEM = `${CLAIM}.item`;
const DOC_INFO = `${CLAIM}.supportingInfo.extension.where(url='${EXT.documentInformation}')`;
const REQUESTED = `${ITEM}.extension.where(url='${EXT.requestedService}').valueReference.target`;
const GENDER = { M: 'male', F: 'female', U: 'unknown' };
const RELATIONSHIP = { '18': 'self', '01': 'spouse', '19': 'child', '53': 'common', G8: 'other' };

const e = (loop: string, segment: string, element: number | number[], fhir: string, as: Representation = 'value', extra: Partial<MapEntry> = {}): MapEntry => ({
  set: '278 request', loop, segment, element, fhir, as, ...extra,
});
const ext = (base: string, url: string, value = 'valueString') => `${base}.extension.where(url='${url}').${value}`;

function nm1(loop: string, at: string, entity: string, idNote?: string): MapEntry[] {
  const a = `(${at})`;
  return [
    e(loop, 'NM1', 1, entity, 'present', { note: 'entity identifier: the role (X3 UMO, 1P requester, IL subscriber, QC patient, careTeam.role)' }),
    e(loop, 'NM1', 2, a, 'present', { note: '1 a Patient, Practitioner or PractitionerRole, 2 an Organization' }),
    e(loop, 'NM1', 3, `(${a}.name.family | ${a}.name.text | ${a}.name)`, 'prefix', { note: 'cut to 60 with a warning' }),
    e(loop, 'NM1', 4, `${a}.name.given`, 'prefix'),
    e(loop, 'NM1', 5, `${a}.name.given`, 'prefix'),
    e(loop, 'NM1', 7, `${a}.name.suffix`, 'prefix'),
    e(loop, 'NM1', 8, `${a}.identifier`, 'present', { note: idNote ?? 'qualifier by identifier system or type: XX NPI, 24 EIN, FI tax id, 34 SSN, PI payer id' }),
    e(loop, 'NM1', 9, `${a}.identifier.value`),
  ];
}

function address(loop: string, at: string): MapEntry[] {
  const a = `(${at})`;
  return [
    e(loop, 'N3', [1, 2], `${a}.address.line`, 'prefix'),
    e(loop, 'N4', 1, `${a}.address.city`, 'prefix'),
    e(loop, 'N4', 2, `${a}.address.state`),
    e(loop, 'N4', 3, `${a}.address.postalCode`, 'compact', { note: 'ZIP+4 without its dash' }),
    e(loop, 'N4', 4, `${a}.address.country`, 'value', { note: 'outside the US only' }),
    e(loop, 'N4', 7, `${a}.address.district`, 'value', { note: 'not sent by Priorgate' }),
  ];
}

function contact(loop: string, at: string): MapEntry[] {
  const a = `(${at})`;
  return [
    e(loop, 'PER', 1, `${a}.telecom`, 'present', { note: 'IC information contact' }),
    e(loop, 'PER', 2, `${a}.telecom`, 'present', { note: 'contact name: not sent by Priorgate' }),
    e(loop, 'PER', [3, 5, 7], `${a}.telecom.system`, 'present', { note: 'phone TE, fax FX, email EM, url UR' }),
    e(loop, 'PER', [4, 6, 8], `${a}.telecom.value`),
  ];
}

function prv(loop: string, taxonomy: string): MapEntry[] {
  return [
    e(loop, 'PRV', 1, taxonomy, 'present', { note: 'provider code by entity (AT attending, PE performing …)' }),
    e(loop, 'PRV', 2, taxonomy, 'present', { note: 'PXC: NUCC taxonomy' }),
    e(loop, 'PRV', 3, taxonomy),
  ];
}

function demographics(loop: string, at: string): MapEntry[] {
  return [
    e(loop, 'DMG', 1, `${at}.birthDate`, 'present'),
    e(loop, 'DMG', 2, `${at}.birthDate`, 'date'),
    e(loop, 'DMG', 3, `${at}.gender`, 'map', { map: GENDER }),
  ];
}

/** PWK and MSG, in 2000E (claim-level supportingInfo) and 2000F (the item's). */
function attachments(loop: string): MapEntry[] {
  return [
    e(loop, 'PWK', 1, `${DOC_INFO}.extension.where(url='reportTypeCode').valueCodeableConcept.coding.code`, 'value', { note: 'OZ when the document has no documentInformation' }),
    e(loop, 'PWK', 2, `${DOC_INFO}.extension.where(url='transmissionMethod').valueCodeableConcept.coding.code`, 'present', { note: 'EL, or the payer\'s document route (x12.attachments) when it takes no 275' }),
    e(loop, 'PWK', 5, `${CLAIM}.supportingInfo`, 'present', { note: 'AC attachment control number' }),
    e(loop, 'PWK', 6, `(${DOC_INFO}.extension.where(url='controlNumber').valueString | ${CLAIM}.supportingInfo.valueReference.target.identifier.value | ${CLAIM}.identifier.value)`, 'built', { note: 'else <2000E trace>-<supportingInfo sequence>, as the 275 TRN02 repeats it' }),
    e(loop, 'PWK', 7, `${DOC_INFO}.extension.where(url='description').valueString`, 'prefix'),
    e(loop, 'MSG', 1, `${CLAIM}.supportingInfo.valueString`, 'prefix', { note: 'freeFormMessage, cut to 264' }),
  ];
}

function providers(loop: string): MapEntry[] {
  return [
    ...nm1(loop, CARE_PARTY, `${CLAIM}.careTeam`),
    ...address(loop, CARE_PLACE),
    ...contact(loop, `${CARE} | ${CARE}.practitioner.target`),
    ...prv(loop, `(${CLAIM}.careTeam.qualification.coding.code | ${CARE}.specialty.coding.code | ${CARE}.qualification.code.coding.code)`),
    e(loop, 'REF', [1, 2], `${CARE_PARTY}.identifier.value`, 'value', { note: 'not sent by Priorgate' }),
  ];
}

function um(loop: string, scope: string): MapEntry[] {
  return [
    e(loop, 'UM', 1, ext(scope, EXT.serviceItemRequestType, 'valueCodeableConcept.coding.code'), 'present', { note: 'else derived: AR admission, SC consultation, HS' }),
    e(loop, 'UM', 2, ext(scope, EXT.certificationType, 'valueCodeableConcept.coding.code'), 'present', { note: 'else I; S for an update, 3 for a cancel' }),
    e(loop, 'UM', 3, `${ITEM}.category.coding.code`),
    e(loop, 'UM', 4, `${ITEM}.locationCodeableConcept.coding.code`, 'value', { component: 1 }),
    e(loop, 'UM', 4, `${ITEM}.locationCodeableConcept.coding.system`, 'present', { component: 2, note: 'B place of service, A bill type' }),
  ];
}

export const X217_REQUEST_MAP: readonly MapEntry[] = [
  e('HEADER', 'BHT', 2, `${CLAIM}`, 'present', { note: '13 request; 01 cancellation when Claim certificationType is 3' }),
  e('HEADER', 'BHT', 3, `(Bundle.identifier.value | ${CLAIM}.identifier.value)`),
  e('HEADER', 'BHT', 4, `${CLAIM}.created`, 'date'),
  e('HEADER', 'BHT', 5, `${CLAIM}.created`, 'present', { note: 'the time as written in Claim.created' }),
  e('HEADER', 'BHT', 6, ext(ITEM, EXT.serviceItemRequestType, 'valueCodeableConcept.coding.code'), 'present', { note: 'RU for a medical services reservation (IN)' }),
  ...nm1('2010A', `${CLAIM}.insurer.target`, `${CLAIM}.insurer`, 'PI payer id (or the payer configuration\'s umoIdQualifier and umoId)'),
  ...nm1('2010B', PROVIDER, `${CLAIM}.provider`),
  e('2010B', 'REF', [1, 2], `${PROVIDER}.identifier.value`, 'value', { note: 'not sent by Priorgate' }),
  ...address('2010B', PROVIDER_PLACE),
  ...contact('2010B', `${CLAIM}.provider.target`),
  ...prv('2010B', `(${CLAIM}.provider.target.specialty.coding.code | ${PROVIDER}.qualification.code.coding.code)`),
  ...nm1('2010C', SUBSCRIBER, 'Coverage', 'MI member identification number (Coverage.subscriberId)').map((x) =>
    x.element === 9 ? { ...x, fhir: `(Coverage.subscriberId | ${SUBSCRIBER}.identifier.value)` } : x),
  e('2010C', 'REF', 1, 'Coverage.class', 'present', { when: [1, '6P'] }),
  e('2010C', 'REF', 2, "Coverage.class.where(type.coding.code = 'group').value", 'value', { when: [1, '6P'] }),
  ...address('2010C', SUBSCRIBER),
  ...demographics('2010C', SUBSCRIBER),
  e('2010C', 'INS', 1, 'Coverage', 'present', { note: 'Y: the subscriber' }),
  e('2010C', 'INS', 2, 'Coverage', 'present', { note: '18 self' }),
  e('2010C', 'INS', 8, ext(SUBSCRIBER, EXT.militaryStatus, 'valueCodeableConcept.coding.code')),
  ...nm1('2010D', PATIENT, PATIENT),
  ...address('2010D', PATIENT),
  ...demographics('2010D', PATIENT),
  e('2010D', 'INS', 1, 'Coverage.relationship', 'present', { note: 'N: not the subscriber' }),
  e('2010D', 'INS', 2, 'Coverage.relationship.coding.code', 'map', { map: RELATIONSHIP }),
  e('2010D', 'INS', 8, ext(PATIENT, EXT.militaryStatus, 'valueCodeableConcept.coding.code')),
  // 2000E patient event.
  e('2000E', 'TRN', 1, `${CLAIM}.identifier`, 'present', { note: '1: our trace' }),
  e('2000E', 'TRN', 2, `(${CLAIM}.identifier.value | Bundle.identifier.value)`),
  e('2000E', 'TRN', 3, `(${CLAIM}.identifier.assigner.identifier.value | ${CLAIM}.identifier.system)`, 'contains'),
  e('2000E', 'TRN', 4, ext(`${CLAIM}.identifier`, EXT.identifierSubDepartment)),
  ...um('2000E', ITEM),
  e('2000E', 'UM', 5, `${CLAIM}.accident.type.coding.code`, 'value', { component: 1 }),
  e('2000E', 'UM', 5, `${CLAIM}.accident.locationAddress.state`, 'value', { component: 4 }),
  e('2000E', 'UM', 6, `(${ext(CLAIM, EXT.levelOfServiceCode, 'valueCodeableConcept.coding.code')} | ${CLAIM}.priority.coding.code)`, 'present', { note: 'levelOfServiceCode, else 03 for priority stat' }),
  e('2000E', 'REF', 1, CLAIM, 'present', { when: [1, 'BB', 'NT'] }),
  e('2000E', 'REF', 2, `(${ext(CLAIM, EXT.authorizationNumber)} | ${ext(CLAIM, EXT.administrationReferenceNumber)})`, 'value', {
    when: [1, 'BB', 'NT'],
    note: 'for an update or cancel without them: the numbers of the payer\'s answer to the prior request',
  }),
  e('2000E', 'DTP', 1, `(${CLAIM}.accident.date | ${CLAIM}.supportingInfo.category)`, 'present', { note: '439 accident; AAH event, 435 admission, 096 discharge from supportingInfo categories' }),
  e('2000E', 'DTP', 2, `(${CLAIM}.accident.date | ${CLAIM}.supportingInfo.timingDate | ${CLAIM}.supportingInfo.timingPeriod)`, 'present'),
  e('2000E', 'DTP', 3, `(${CLAIM}.accident.date | ${CLAIM}.supportingInfo.timingDate | ${CLAIM}.supportingInfo.timingPeriod)`, 'date'),
  e('2000E', 'HI', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], `${CLAIM}.diagnosis.diagnosisCodeableConcept.coding.system`, 'present', { component: 1, note: 'code list by system and diagnosis type (ABK principal, ABF other, ABJ admitting, APR reason for visit)' }),
  e('2000E', 'HI', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], `${CLAIM}.diagnosis.diagnosisCodeableConcept.coding.code`, 'compact', { component: 2 }),
  e('2000E', 'HI', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], `${CLAIM}.diagnosis`, 'present', { component: 3, note: 'D8' }),
  e('2000E', 'HI', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], ext(`${CLAIM}.diagnosis`, EXT.diagnosisRecordedDate, 'valueDate'), 'date', { component: 4 }),
  e('2000E', 'CRC', 1, `${CLAIM}.extension.where(url='${EXT.conditionCode}').extension.where(url='category').valueCodeableConcept.coding.code`),
  e('2000E', 'CRC', 2, `${CLAIM}.extension.where(url='${EXT.conditionCode}').extension.where(url='indicator').valueBoolean`, 'present'),
  e('2000E', 'CRC', [3, 4, 5, 6, 7], `${CLAIM}.extension.where(url='${EXT.conditionCode}').extension.where(url='code').valueCodeableConcept.coding.code`),
  e('2000E', 'CL1', 1, `${CLAIM}.extension.where(url='${EXT.claimEncounter}').valueReference.target.type.coding.code`),
  e('2000E', 'CL1', 2, `${CLAIM}.extension.where(url='${EXT.claimEncounter}').valueReference.target.hospitalization.admitSource.coding.code`),
  e('2000E', 'CL1', 3, ext(`${CLAIM}.extension.where(url='${EXT.claimEncounter}').valueReference.target`, EXT.patientStatus, 'valueCodeableConcept.coding.code')),
  e('2000E', 'CR6', 1, `${CLAIM}.extension.where(url='${EXT.homeHealthCareInformation}').extension.where(url='prognosis').valueCodeableConcept.coding.code`),
  e('2000E', 'CR6', 2, `${CLAIM}.extension.where(url='${EXT.homeHealthCareInformation}').extension.where(url='date').valueDate`, 'date'),
  ...attachments('2000E'),
  ...providers('2010EA'),
  // 2000F service lines.
  e('2000F', 'TRN', 1, ITEM, 'present'),
  e('2000F', 'TRN', 2, `(${ext(ITEM, EXT.itemTraceNumber, 'valueIdentifier.value')} | ${CLAIM}.identifier.value)`, 'built', { note: 'itemTraceNumber, else <2000E trace>-<item sequence>' }),
  e('2000F', 'TRN', 3, `(${CLAIM}.identifier.assigner.identifier.value | ${CLAIM}.identifier.system)`, 'contains'),
  ...um('2000F', ITEM),
  e('2000F', 'REF', 1, ITEM, 'present', { when: [1, 'BB', 'NT'] }),
  e('2000F', 'REF', 2, `(${ext(ITEM, EXT.authorizationNumber)} | ${ext(ITEM, EXT.administrationReferenceNumber)})`, 'value', { when: [1, 'BB', 'NT'], note: 'for an update or cancel: else the line\'s number in the prior answer' }),
  e('2000F', 'DTP', 1, `(${ITEM}.servicedDate | ${ITEM}.servicedPeriod)`, 'present', { note: '472 service date' }),
  e('2000F', 'DTP', 2, `(${ITEM}.servicedDate | ${ITEM}.servicedPeriod)`, 'present'),
  e('2000F', 'DTP', 3, `(${ITEM}.servicedDate | ${ITEM}.servicedPeriod)`, 'date'),
  ...(['SV1', 'SV3'] as const).flatMap((tag) => [
    e('2000F', tag, 1, `${ITEM}.productOrService.coding.system`, 'present', { component: 1, note: 'HC HCPCS/CPT, AD CDT, N4 NDC … by code system' }),
    e('2000F', tag, 1, `${ITEM}.productOrService.coding.code`, 'value', { component: 2 }),
    ...[3, 4, 5, 6].map((c) => e('2000F', tag, 1, `${ITEM}.modifier.coding.code`, 'value', { component: c })),
    e('2000F', tag, 2, `(${ITEM}.net.value | ${ITEM}.unitPrice.value)`, 'present', { note: 'net, else unit price × quantity' }),
  ]),
  e('2000F', 'SV1', 3, `${ITEM}.quantity`, 'present', { note: 'the quantity code when it is an X12 unit (MJ, UN), else UN' }),
  e('2000F', 'SV1', 4, `${ITEM}.quantity.value`, 'decimal'),
  e('2000F', 'SV1', 20, ext(ITEM, EXT.nursingHomeLevelOfCare, 'valueCodeableConcept.coding.code')),
  e('2000F', 'SV3', 6, `${ITEM}.quantity.value`, 'decimal'),
  e('2000F', 'SV2', 1, `${ITEM}.revenue.coding.code`),
  e('2000F', 'SV2', 2, `${ITEM}.productOrService.coding.system`, 'present', { component: 1 }),
  e('2000F', 'SV2', 2, `${ITEM}.productOrService.coding.code`, 'value', { component: 2 }),
  ...[3, 4, 5, 6].map((c) => e('2000F', 'SV2', 2, `${ITEM}.modifier.coding.code`, 'value', { component: c })),
  e('2000F', 'SV2', 3, `(${ITEM}.net.value | ${ITEM}.unitPrice.value)`, 'present'),
  e('2000F', 'SV2', 4, `${ITEM}.quantity`, 'present', { note: 'DA days, UN units' }),
  e('2000F', 'SV2', 5, `${ITEM}.quantity.value`, 'decimal'),
  e('2000F', 'SV2', 6, ext(ITEM, EXT.revenueUnitRateLimit, 'valueDecimal'), 'decimal'),
  e('2000F', 'SV2', 9, ext(ITEM, EXT.nursingHomeResidentialStatus, 'valueCodeableConcept.coding.code')),
  e('2000F', 'SV2', 10, ext(ITEM, EXT.nursingHomeLevelOfCare, 'valueCodeableConcept.coding.code')),
  e('2000F', 'HSD', 1, `(${REQUESTED}.quantityQuantity | ${REQUESTED}.quantity | ${ITEM}.quantity)`, 'present', { note: 'quantity qualifier by unit (DY days, VS visits, FL units …)' }),
  e('2000F', 'HSD', 2, `(${REQUESTED}.quantityQuantity.value | ${REQUESTED}.quantity.value | ${ITEM}.quantity.value)`, 'decimal'),
  e('2000F', 'HSD', 3, `${REQUESTED}.occurrenceTiming.repeat.periodUnit`, 'present', { note: 'DA per day, WK per week, MO per month' }),
  e('2000F', 'HSD', 4, `${REQUESTED}.occurrenceTiming.repeat.frequency`, 'decimal'),
  e('2000F', 'HSD', 5, `${REQUESTED}.occurrenceTiming.repeat.boundsDuration`, 'present', { note: 'time period qualifier by duration unit' }),
  e('2000F', 'HSD', 6, `${REQUESTED}.occurrenceTiming.repeat.boundsDuration.value`, 'decimal'),
  e('2000F', 'HSD', 7, `(${REQUESTED}.occurrenceTiming | ${REQUESTED}).extension.where(url='${EXT.timingCalendarPattern}').valueCodeableConcept.coding.code`),
  e('2000F', 'HSD', 8, `(${REQUESTED}.occurrenceTiming | ${REQUESTED}).extension.where(url='${EXT.timingDeliveryPattern}').valueCodeableConcept.coding.code`),
  ...attachments('2000F'),
  ...providers('2010F'),
];
