/**
 * 278 response (005010X217, BHT02 11) → PAS response Bundle: where `x12ResponseToPas` puts each
 * X12 position. Positions marked `pending` are listed, not enforced, and say why: either no PAS
 * profile has an element for them, or the translation does not (or not always) write the PAS
 * element named. The fidelity suite reports pending positions and enforces every other one.
 */
import { PER_TO_TELECOM, UNIT_BASIS_UNIT } from '../codes/response.ts';
import { CS, EXT } from '../codes/systems.ts';
import type { MapEntry, Representation } from './types.ts';

const CR = 'ClaimResponse';
const LINES = `(${CR}.item | ${CR}.addItem)`;
const ERROR = `${CR}.error`;
const REVIEW = (at: string) => `${at}.adjudication.extension.where(url='${EXT.reviewAction}')`;
const PROVIDER = (at: string) => `${at}.extension.where(url='${EXT.itemAuthorizedProvider}')`;
const DETAIL = `${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}')`;
/** An extension of what was authorized for a line: in itemAuthorizedDetail (item) or on the addItem. */
const AUTHORIZED = (url: string) => `(${DETAIL}.extension.where(url='${url}') | ${CR}.addItem.extension.where(url='${url}'))`;
const QUANTITY = `(${DETAIL}.extension.where(url='quantity').valueQuantity | ${CR}.addItem.quantity)`;
const COMM = 'CommunicationRequest';
/** The fidelity report and `priorgate x12 map --pending` name the open work (issue 14) first. */
const ISSUE_14 = 'issue 14';

const e = (loop: string, segment: string, element: number | number[], fhir: string, as: Representation = 'value', extra: Partial<MapEntry> = {}): MapEntry => ({
  set: '278 response', loop, segment, element, fhir, as, ...extra,
});
const pending = (loop: string, segment: string, element: number | number[], why: string, extra: Partial<MapEntry> = {}): MapEntry =>
  e(loop, segment, element, '', 'present', { pending: `${ISSUE_14}: ${why}`, ...extra });
/** A position no PAS profile has an element for: listed with the reason, not open work. */
const outside = (loop: string, segment: string, element: number | number[], why: string, extra: Partial<MapEntry> = {}): MapEntry =>
  e(loop, segment, element, '', 'present', { outsidePas: why, ...extra });
/**
 * The PAS translation fills the position, and the payer simulator's `pasResponseTo278`
 * (src/sim/pas-response-to-278.ts) writes it back: the round trip 278 → PAS → 278
 * (test/fidelity/roundtrip.test.ts) keeps it.
 */
const filled = e;
/** No PAS profile has an element for the position. */
const NO_PAS = (what: string) => `${what}: no element in the PAS profiles, not translated`;
/** PAS has an element for it, the translation does not write it (or only in some answers). */
const DROPPED = (what: string, home: string) => `${what}: not translated (PAS home: ${home})`;

function aaa(loop: string): MapEntry[] {
  return [
    outside(loop, 'AAA', 1, NO_PAS('AAA01 valid request indicator (ClaimResponse.error has no slot for it)')),
    e(loop, 'AAA', 3, `${ERROR}.code.coding.code`),
    e(loop, 'AAA', 4, `${ERROR}.extension.where(url='${EXT.errorFollowupAction}').valueCodeableConcept.coding.code`),
  ];
}

/** A party's NM1 as the response builds it (name, identifier). */
function nm1(loop: string, at: string, role?: string): MapEntry[] {
  return [
    e(loop, 'NM1', 1, role ?? at, role ? 'value' : 'present', { note: 'entity identifier: the role (insurer, requestor, patient, authorized provider type)' }),
    e(loop, 'NM1', 2, at, 'present', { note: '1 person, 2 organization: the resource type' }),
    e(loop, 'NM1', 3, `(${at}.name.family | ${at}.name)`),
    e(loop, 'NM1', 4, `${at}.name.given`),
    e(loop, 'NM1', 5, `${at}.name.given`),
    e(loop, 'NM1', 7, `${at}.name.suffix`),
    e(loop, 'NM1', 8, `${at}.identifier`, 'present', { note: 'XX → NPI system, MI → member id type' }),
    e(loop, 'NM1', 9, `${at}.identifier.value`),
  ];
}

/** REF supplemental identifiers of a party: Identifier typed by REF01 (X12 128), REF03 its description. */
function refs(loop: string, at: string): MapEntry[] {
  return [
    e(loop, 'REF', 1, `${at}.identifier.type.coding.code`, 'value', { note: 'Identifier.type (X12 128), system by qualifier' }),
    e(loop, 'REF', 2, `${at}.identifier.value`),
    e(loop, 'REF', 3, `${at}.identifier.type.text`),
  ];
}

/** N3/N4 → the party's Address. */
function address(loop: string, at: string): MapEntry[] {
  return [
    filled(loop, 'N3', [1, 2], `${at}.address.line`),
    filled(loop, 'N4', 1, `${at}.address.city`),
    filled(loop, 'N4', 2, `${at}.address.state`),
    filled(loop, 'N4', 3, `${at}.address.postalCode`),
    filled(loop, 'N4', 4, `${at}.address.country`),
    e(loop, 'N4', 7, `${at}.address.state`, 'value', { note: 'country subdivision: X12 sends it instead of N402 outside the US and Canada' }),
  ];
}

/** PER: an Organization's contact (name, telecom), a Practitioner's telecom. */
function contact(loop: string, at: string, name: 'organization' | 'either'): MapEntry[] {
  return [
    filled(loop, 'PER', 1, `(${at}.contact | ${at}.telecom)`, 'present', { note: 'IC information contact' }),
    name === 'organization'
      ? filled(loop, 'PER', 2, `${at}.contact.name.text`)
      : e(loop, 'PER', 2, `${at}.contact.name.text`, 'value', { outsidePas: 'contact name of a person: Practitioner has no contact in the PAS profiles (an organization\'s lands in Organization.contact.name.text)' }),
    filled(loop, 'PER', [3, 5, 7], `(${at}.contact.telecom.system | ${at}.telecom.system)`, 'map', { map: PER_TO_TELECOM, note: 'communication number qualifier → ContactPoint.system' }),
    filled(loop, 'PER', [4, 6, 8], `(${at}.contact.telecom.value | ${at}.telecom.value)`),
  ];
}

/** 2010EA / 2010F: the provider resource and its itemAuthorizedProvider extension (`authorized`). */
function providerDetail(loop: string, at: string, authorized: string): MapEntry[] {
  return [
    ...refs(loop, at),
    ...address(loop, at),
    ...contact(loop, at, 'either'),
    filled(loop, 'PRV', 1, `${authorized}.extension.where(url='role').valueCodeableConcept.coding.code`, 'value', { note: 'provider code, beside its claim-careteamrole' }),
    filled(loop, 'PRV', 2, `${authorized}.extension.where(url='qualification')`, 'present', { note: 'PXC: NUCC taxonomy' }),
    filled(loop, 'PRV', 3, `${authorized}.extension.where(url='qualification').valueCodeableConcept.coding.code`),
    ...aaa(loop),
  ];
}

function review(loop: string, at: string): MapEntry[] {
  const r = REVIEW(at);
  return [
    e(loop, 'HCR', 1, `${r}.extension.where(url='${EXT.reviewActionCode}').valueCodeableConcept.coding.code`),
    e(loop, 'HCR', 2, `(${r}.extension.where(url='number').valueString | ${CR}.preAuthRef)`),
    e(loop, 'HCR', 3, `${r}.extension.where(url='reasonCode').valueCodeableConcept.coding.code`),
    e(loop, 'HCR', 4, `${r}.extension.where(url='secondSurgicalOpinionFlag').valueBoolean`, 'present'),
  ];
}

function patientLevel(level: 'C' | 'D'): MapEntry[] {
  const loop = `2010${level}`;
  const at = `${CR}.patient.target`;
  return [
    ...nm1(loop, at),
    ...refs(loop, at),
    ...address(loop, at),
    ...aaa(loop),
    e(loop, 'DMG', 1, `${at}.birthDate`, 'present'),
    e(loop, 'DMG', 2, `${at}.birthDate`, 'date'),
    e(loop, 'DMG', 3, `${at}.gender`, 'map', { map: { M: 'male', F: 'female', U: 'unknown' } }),
    pending(loop, 'INS', [1, 2, 3, 4, 5, 8, 9, 17], DROPPED('relationship and member status', 'Coverage.relationship: the response echoes the request\'s Coverage when it has the request, and builds none from the 278')),
  ];
}

/** PWK → a PAS CommunicationRequest (what the UMO asks the provider to send). */
function pwk(loop: string): MapEntry[] {
  return [
    filled(loop, 'PWK', 1, `${COMM}.category.coding.code`, 'value', { note: 'report type (X12 755)' }),
    filled(loop, 'PWK', 2, `${COMM}.medium.coding.code`, 'value', { note: 'transmission code (X12 756)' }),
    filled(loop, 'PWK', 5, `${COMM}.identifier`, 'present', { note: 'AC: PWK06 is the attachment control number' }),
    filled(loop, 'PWK', 6, `${COMM}.identifier.value`),
    e(loop, 'PWK', 7, `${COMM}.note.text`, 'value', { note: 'the description of what is asked for' }),
  ];
}

/**
 * HI*LOI (a LOINC attachment code, then its modifiers) → CommunicationRequest.payload; other HI
 * codes (the event's diagnoses) land at `others` where PAS has one, and are outside PAS otherwise.
 */
function loi(loop: string, why: string, others?: string): MapEntry[] {
  const HI = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  return [
    filled(loop, 'HI', HI, `${COMM}.payload`, 'present', { component: 1, when: [1, 'LOI'], note: 'LOI: the LOINC code of what is asked for' }),
    filled(loop, 'HI', HI, `(${COMM}.payload.contentString | ${COMM}.payload.extension.where(url='${EXT.contentModifier}').valueCodeableConcept.coding.code)`, 'value', { component: 2, when: [1, 'LOI'], note: 'a code, or a LOINC modifier of the code before it (contentModifier)' }),
    ...(others
      ? [e(loop, 'HI', HI, `${others}.coding`, 'present', { component: 1, outsidePas: why }), e(loop, 'HI', HI, `${others}.coding.code`, 'compact', { component: 2, outsidePas: why })]
      : [outside(loop, 'HI', HI, why, { component: 1 }), outside(loop, 'HI', HI, why, { component: 2 })]),
  ];
}

const EVENT_ONLY = 'PAS ClaimResponse has no event-level element for it';

const CLINICAL_PENDING: MapEntry[] = [
  ...loi('2000E', `event diagnoses: on the lines the event answers (communicatedDiagnosis), else ${EVENT_ONLY}`, `${LINES}.extension.where(url='${EXT.communicatedDiagnosis}').valueCodeableConcept`),
  e('2000E', 'HSD', 1, `${QUANTITY}.code`, 'value', { outsidePas: `the quantity qualifier authorized at the event: on the lines the event answers, else ${EVENT_ONLY}` }),
  e('2000E', 'HSD', 2, `${QUANTITY}.value`, 'decimal', { outsidePas: `the quantity authorized at the event: on the lines the event answers, else ${EVENT_ONLY}` }),
  outside('2000E', 'HSD', [3, 4, 5, 6, 7, 8], NO_PAS('authorized frequency and duration (itemAuthorizedDetail and addItem carry a quantity, no timing)')),
  outside('2000E', 'CRC', [1, 2, 3, 4, 5, 6, 7], NO_PAS('condition codes (a request\'s Claim supportingInfo, not the ClaimResponse)')),
  outside('2000E', 'CL1', [1, 2, 3, 4], NO_PAS('institutional claim codes (a request\'s Claim supportingInfo)')),
  outside('2000E', 'CR1', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], NO_PAS('ambulance information (a request\'s Claim supportingInfo)')),
  outside('2000E', 'CR2', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], NO_PAS('spinal manipulation information (a request\'s Claim supportingInfo)')),
  outside('2000E', 'CR5', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18], NO_PAS('home oxygen information (a request\'s Claim supportingInfo)')),
  outside('2000E', 'CR6', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21], NO_PAS('home health information (homeHealthCareInformation is a Claim extension)')),
  ...pwk('2000E'),
];

const EVENT_PROVIDER = `${PROVIDER(CR)}.extension.where(url='provider').valueReference.target`;
const LINE_PROVIDER = `(${PROVIDER(LINES)}.extension.where(url='provider').valueReference.target | ${CR}.addItem.provider.target)`;
/** 2010EB: the contact the CommunicationRequests name as recipient. */
const INFO_CONTACT = `${COMM}.recipient.target`;

export const X217_RESPONSE_MAP: readonly MapEntry[] = [
  e('HEADER', 'BHT', 2, `${CR}.use`, 'present', { note: '11: a response (ClaimResponse.use preauthorization)' }),
  e('HEADER', 'BHT', 3, 'Bundle.identifier.value', 'value', { note: 'without the request at hand; with it the request Bundle identifier is echoed' }),
  pending('HEADER', 'BHT', [4, 5], DROPPED('the payer\'s transaction date and time', 'ClaimResponse.created; it carries the gateway\'s receipt time, since BHT05 has no time zone and a FHIR dateTime with a time needs one (the date alone could be kept)')),
  outside('HEADER', 'BHT', 6, NO_PAS('transaction type code')),
  ...aaa('2000A'),
  ...nm1('2010A', `${CR}.insurer.target`),
  ...contact('2010A', `${CR}.insurer.target`, 'organization'),
  ...aaa('2010A'),
  ...nm1('2010B', `${CR}.requestor.target`),
  ...refs('2010B', `${CR}.requestor.target`),
  outside('2010B', 'PRV', [1, 2, 3], 'requester provider code and taxonomy: not translated; their PAS home would be PractitionerRole.code / specialty, but a PractitionerRole built from the response\'s 2010B breaks US Core pd-1 (the loop has no PER to give it contact information), and an organization requester has no specialty'),
  ...aaa('2010B'),
  ...patientLevel('C'),
  ...patientLevel('D'),
  // 2000E patient event.
  e('2000E', 'TRN', 1, `${CR}.identifier`, 'present', { note: '2 our trace echoed (the Claim identifier), 1 the payer\'s own' }),
  e('2000E', 'TRN', 2, `${CR}.identifier.value`),
  e('2000E', 'TRN', 3, `${CR}.identifier.system`, 'contains'),
  e('2000E', 'TRN', 4, `${CR}.identifier.extension.where(url='${EXT.identifierSubDepartment}').valueString`),
  ...aaa('2000E'),
  e('2000E', 'UM', 1, `${CR}.addItem.extension.where(url='${EXT.serviceItemRequestType}').valueCodeableConcept.coding.code`, 'value', { outsidePas: `request category at the event: on the addItem of a modified answer, else ${EVENT_ONLY}` }),
  e('2000E', 'UM', 2, `${CR}.addItem.extension.where(url='${EXT.certificationType}').valueCodeableConcept.coding.code`, 'value', { outsidePas: `certification type at the event: on the addItem of a modified answer, else ${EVENT_ONLY}` }),
  e('2000E', 'UM', 3, `${CR}.addItem.extension.where(url='${EXT.itemCategory}').valueCodeableConcept.coding.code`, 'value', { outsidePas: `service type at the event: on the addItem of a modified answer, else ${EVENT_ONLY}` }),
  outside('2000E', 'UM', [6, 7, 8, 9, 10], NO_PAS('level of service, patient condition, prognosis, release of information and delay reason (the request\'s, echoed)')),
  outside('2000E', 'UM', [4, 5], NO_PAS('facility and related causes (the request\'s, echoed)'), { component: 1 }),
  outside('2000E', 'UM', [4, 5], NO_PAS('facility and related causes (the request\'s, echoed)'), { component: 2 }),
  outside('2000E', 'UM', 5, NO_PAS('related causes (the request\'s, echoed)'), { component: 4 }),
  ...review('2000E', CR),
  e('2000E', 'REF', 1, `${CR}.preAuthRef`, 'present', { when: [1, 'BB'] }),
  e('2000E', 'REF', 2, `${CR}.preAuthRef`, 'value', { when: [1, 'BB'] }),
  e('2000E', 'REF', 1, `${CR}.identifier.type.coding.code`, 'value', { when: [1, 'NT'], note: 'the administrative reference number: a ClaimResponse identifier typed NT (X12 128)' }),
  e('2000E', 'REF', 2, `${CR}.identifier.value`, 'value', { when: [1, 'NT'] }),
  e('2000E', 'DTP', 1, `${CR}.preAuthPeriod`, 'present', { when: [1, '007', '036', 'AAH'] }),
  e('2000E', 'DTP', 2, `${CR}.preAuthPeriod`, 'present', { when: [1, '007', '036', 'AAH'] }),
  e('2000E', 'DTP', 3, `${CR}.preAuthPeriod`, 'date', { when: [1, '007', '036', 'AAH'] }),
  e('2000E', 'DTP', [1, 2], `${LINES}.extension.where(url='${EXT.admissionDates}' or url='${EXT.dischargeDate}' or url='${EXT.itemPreAuthIssueDate}')`, 'present', { when: [1, '435', '096', '102'], outsidePas: `admission, discharge and issue dates at the event: on the lines the event answers, else ${EVENT_ONLY}` }),
  e('2000E', 'DTP', 3, `(${LINES}.extension.where(url='${EXT.admissionDates}').value | ${LINES}.extension.where(url='${EXT.dischargeDate}').valueDate | ${LINES}.extension.where(url='${EXT.itemPreAuthIssueDate}').valueDate)`, 'date', { when: [1, '435', '096', '102'], outsidePas: `admission, discharge and issue dates at the event: on the lines the event answers, else ${EVENT_ONLY}` }),
  outside('2000E', 'DTP', [1, 2, 3], NO_PAS('accident, last menstrual period, estimated birth and onset dates (439, 484, ABC, 431: the request\'s, echoed)'), { when: [1, '439', '484', 'ABC', '431'] }),
  ...CLINICAL_PENDING,
  e('2000E', 'MSG', 1, `${CR}.processNote.text`),
  // 2010EA patient event providers (ClaimResponse-level itemAuthorizedProvider, and on the lines the event answers).
  ...nm1('2010EA', EVENT_PROVIDER, `${PROVIDER(CR)}.extension.where(url='${EXT.authorizedProviderType}').valueCodeableConcept.coding.code`),
  ...providerDetail('2010EA', EVENT_PROVIDER, PROVIDER(CR)),
  // 2010EB additional patient information contact: the recipient of the CommunicationRequests.
  ...nm1('2010EB', INFO_CONTACT),
  ...address('2010EB', INFO_CONTACT),
  ...contact('2010EB', INFO_CONTACT, 'either'),
  outside('2010EC', 'NM1', [1, 2, 3, 8, 9], NO_PAS('transport locations (the request\'s ambulance pick-up and drop-off, echoed)')),
  outside('2010EC', 'N3', [1, 2], NO_PAS('transport address')),
  outside('2010EC', 'N4', [1, 2, 3, 4, 7], NO_PAS('transport address')),
  // 2000F service lines.
  e('2000F', 'TRN', 1, `${LINES}.extension.where(url='${EXT.itemTraceNumber}')`, 'present'),
  e('2000F', 'TRN', 2, `${LINES}.extension.where(url='${EXT.itemTraceNumber}').valueIdentifier.value`),
  e('2000F', 'TRN', 3, `${LINES}.extension.where(url='${EXT.itemTraceNumber}').valueIdentifier.system`, 'contains', { note: 'urn:trnorg:<TRN03>' }),
  e('2000F', 'TRN', 4, `${LINES}.extension.where(url='${EXT.itemTraceNumber}').valueIdentifier.extension.where(url='${EXT.identifierSubDepartment}').valueString`),
  ...aaa('2000F'),
  e('2000F', 'UM', 1, `${CR}.addItem.extension.where(url='${EXT.serviceItemRequestType}').valueCodeableConcept.coding.code`, 'value', { outsidePas: 'request category of an answered line: PAS ClaimResponse.item has no element for it (an addItem has requestType)' }),
  e('2000F', 'UM', 2, `${CR}.addItem.extension.where(url='${EXT.certificationType}').valueCodeableConcept.coding.code`, 'value', { outsidePas: 'certification type of an answered line: PAS ClaimResponse.item has no element for it (an addItem has certificationType)' }),
  outside('2000F', 'UM', [6, 7, 8, 9, 10], NO_PAS('level of service, patient condition, prognosis, release of information and delay reason of the line (the request\'s, echoed)')),
  e('2000F', 'UM', 3, `(${LINES}.extension.where(url='${EXT.itemCategory}').valueCodeableConcept.coding.code | ${DETAIL}.extension.where(url='productOrServiceCode').valueCodeableConcept.coding.where(system='${CS.serviceType}').code)`, 'value', { outsidePas: 'service type of an answered line with a procedure: PAS ClaimResponse.item has no category (an addItem has itemCategory; a line without SV has it as its productOrServiceCode)' }),
  outside('2000F', 'UM', [4, 5], NO_PAS('facility and related causes of the line (the request\'s, echoed): itemAuthorizedDetail has no place; a modified line\'s addItem keeps the request item\'s location'), { component: 1 }),
  outside('2000F', 'UM', [4, 5], NO_PAS('facility and related causes of the line (the request\'s, echoed): itemAuthorizedDetail has no place; a modified line\'s addItem keeps the request item\'s location'), { component: 2 }),
  ...review('2000F', LINES),
  e('2000F', 'REF', 1, `${LINES}.extension.where(url='${EXT.authorizationNumber}' or url='${EXT.administrationReferenceNumber}')`, 'present', { when: [1, 'BB', 'NT'] }),
  e('2000F', 'REF', 2, `${LINES}.extension.where(url='${EXT.authorizationNumber}' or url='${EXT.administrationReferenceNumber}').valueString`, 'value', { when: [1, 'BB', 'NT'] }),
  e('2000F', 'DTP', 1, `${LINES}.extension.where(url='${EXT.itemRequestedServiceDate}' or url='${EXT.itemPreAuthPeriod}')`, 'present', { when: [1, '472', '007', '036'] }),
  e('2000F', 'DTP', 2, `${LINES}.extension.where(url='${EXT.itemRequestedServiceDate}' or url='${EXT.itemPreAuthPeriod}')`, 'present', { when: [1, '472', '007', '036'] }),
  e('2000F', 'DTP', 3, `(${LINES}.extension.where(url='${EXT.itemRequestedServiceDate}').valuePeriod | ${LINES}.extension.where(url='${EXT.itemRequestedServiceDate}').valueDateTime | ${LINES}.extension.where(url='${EXT.itemPreAuthPeriod}').valuePeriod)`, 'date', { when: [1, '472', '007', '036'] }),
  filled('2000F', 'DTP', 1, `${LINES}.extension.where(url='${EXT.itemPreAuthIssueDate}')`, 'present', { when: [1, '102'] }),
  filled('2000F', 'DTP', 2, `${LINES}.extension.where(url='${EXT.itemPreAuthIssueDate}')`, 'present', { when: [1, '102'], note: 'D8' }),
  filled('2000F', 'DTP', 3, `${LINES}.extension.where(url='${EXT.itemPreAuthIssueDate}').valueDate`, 'date', { when: [1, '102'] }),
  ...(['SV1', 'SV3'] as const).flatMap((tag) => [
    e('2000F', tag, 1, `${DETAIL}.extension.where(url='productOrServiceCode').valueCodeableConcept.coding | ${CR}.addItem.productOrService.coding`, 'present', { component: 1 }),
    e('2000F', tag, 1, `(${DETAIL}.extension.where(url='productOrServiceCode').valueCodeableConcept.coding.code | ${CR}.addItem.productOrService.coding.code)`, 'value', { component: 2 }),
    ...[3, 4, 5, 6].map((c) => e('2000F', tag, 1, `(${DETAIL}.extension.where(url='modifier').valueCodeableConcept.coding.code | ${CR}.addItem.modifier.coding.code)`, 'value', { component: c })),
    e('2000F', tag, 2, `(${DETAIL}.extension.where(url='unitPrice').valueMoney | ${CR}.addItem.unitPrice)`, 'present', { note: 'unit price = charge ÷ quantity' }),
  ]),
  e('2000F', 'SV1', 3, `${QUANTITY}.unit`, 'map', { map: UNIT_BASIS_UNIT, outsidePas: 'unit basis beside an HSD: the one PAS Quantity carries HSD01\'s unit' }),
  e('2000F', 'SV1', 4, `${QUANTITY}.value`, 'decimal'),
  e('2000F', 'SV1', 5, `${CR}.addItem.locationCodeableConcept.coding.code`, 'value', { outsidePas: 'place of service of an answered line: itemAuthorizedDetail has no place (an addItem has locationCodeableConcept)' }),
  e('2000F', 'SV1', 11, `${AUTHORIZED(EXT.epsdtIndicator)}.valueBoolean`, 'map', { map: { Y: 'true', N: 'false' }, note: 'EPSDT indicator (epsdtIndicator)' }),
  filled('2000F', 'SV1', 20, `${AUTHORIZED(EXT.nursingHomeLevelOfCare)}.valueCodeableConcept.coding.code`, 'value', { note: 'level of care (nursingHomeLevelOfCare)' }),
  outside('2000F', 'SV3', [4, 5, 7], NO_PAS('oral cavity designation, prosthesis and description of a dental line (itemAuthorizedDetail has no body site)')),
  filled('2000F', 'SV3', 6, `${QUANTITY}.value`, 'decimal'),
  filled('2000F', 'SV2', 1, `${AUTHORIZED(EXT.revenueCode)}.valueCodeableConcept.coding.code`, 'value', { note: 'revenue code (NUBC)' }),
  e('2000F', 'SV2', 2, `(${DETAIL}.extension.where(url='productOrServiceCode').valueCodeableConcept.coding.code | ${CR}.addItem.productOrService.coding.code)`, 'value', { component: 2 }),
  e('2000F', 'SV2', 2, `${DETAIL}.extension.where(url='productOrServiceCode').valueCodeableConcept.coding | ${CR}.addItem.productOrService.coding`, 'present', { component: 1 }),
  e('2000F', 'SV2', 3, `(${DETAIL}.extension.where(url='unitPrice').valueMoney | ${CR}.addItem.unitPrice)`, 'present'),
  e('2000F', 'SV2', 4, `${QUANTITY}.unit`, 'map', { map: UNIT_BASIS_UNIT, outsidePas: 'unit basis beside an HSD: the one PAS Quantity carries HSD01\'s unit' }),
  e('2000F', 'SV2', 5, `${QUANTITY}.value`, 'decimal'),
  filled('2000F', 'SV2', 6, `${AUTHORIZED(EXT.revenueUnitRateLimit)}.valueDecimal`, 'decimal', { note: 'unit rate (revenueUnitRateLimit)' }),
  e('2000F', 'SV2', 9, `${CR}.addItem.extension.where(url='${EXT.nursingHomeResidentialStatus}').valueCodeableConcept.coding.code`, 'value', { outsidePas: 'nursing home residential status of an answered line: itemAuthorizedDetail has no element for it (an addItem has nursingHomeResidentialStatus)' }),
  filled('2000F', 'SV2', 10, `${AUTHORIZED(EXT.nursingHomeLevelOfCare)}.valueCodeableConcept.coding.code`, 'value', { note: 'level of care (nursingHomeLevelOfCare)' }),
  outside('2000F', 'TOO', [1, 2, 3], NO_PAS('tooth information (ClaimResponse.item and itemAuthorizedDetail have no body site)')),
  ...loi('2000F', NO_PAS('a line HI other than HI*LOI (X217 asks for additional information with LOINC codes only)')),
  filled('2000F', 'HSD', 1, `${QUANTITY}.code`, 'value', { note: 'quantity qualifier (X12 673) as the Quantity code' }),
  filled('2000F', 'HSD', 2, `${QUANTITY}.value`, 'decimal', { note: 'the authorized quantity (before an SV quantity)' }),
  outside('2000F', 'HSD', [3, 4, 5, 6, 7, 8], NO_PAS('authorized frequency and duration of the line (itemAuthorizedDetail and addItem carry a quantity, no timing)')),
  ...pwk('2000F'),
  e('2000F', 'MSG', 1, `${CR}.processNote.text`),
  ...nm1('2010F', LINE_PROVIDER, `(${PROVIDER(LINES)}.extension.where(url='${EXT.authorizedProviderType}').valueCodeableConcept.coding.code | ${CR}.addItem.provider.extension.where(url='${EXT.authorizedProviderType}').valueCodeableConcept.coding.code)`),
  ...providerDetail('2010F', LINE_PROVIDER, PROVIDER(LINES)),
];
