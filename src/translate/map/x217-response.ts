/**
 * 278 response (005010X217, BHT02 11) → PAS response Bundle: the positions `x12ResponseToPas` maps
 * today, and — marked `pending` — the ones whose PAS mapping is the conformance work of issue 13
 * (event-level authorized detail and dates, pended-answer requests, provider detail). The fidelity
 * suite reports pending positions and enforces every other one; when issue 13's mapping lands, its
 * entries lose `pending` and are enforced too.
 */
import { EXT } from '../codes/systems.ts';
import type { MapEntry, Representation } from './types.ts';

const CR = 'ClaimResponse';
const LINES = `(${CR}.item | ${CR}.addItem)`;
const ERROR = `${CR}.error`;
const REVIEW = (at: string) => `${at}.adjudication.extension.where(url='${EXT.reviewAction}')`;
const PROVIDER = (at: string) => `${at}.extension.where(url='${EXT.itemAuthorizedProvider}')`;
const ISSUE_13 = 'issue 13 (conformance helper): 278 response → PAS ClaimResponse';

const e = (loop: string, segment: string, element: number | number[], fhir: string, as: Representation = 'value', extra: Partial<MapEntry> = {}): MapEntry => ({
  set: '278 response', loop, segment, element, fhir, as, ...extra,
});
const pending = (loop: string, segment: string, element: number | number[], why: string, extra: Partial<MapEntry> = {}): MapEntry =>
  e(loop, segment, element, '', 'present', { pending: `${ISSUE_13}: ${why}`, ...extra });

function aaa(loop: string): MapEntry[] {
  return [
    e(loop, 'AAA', 1, ERROR, 'present', { pending: `${ISSUE_13}: AAA01 valid request indicator` }),
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

function providerDetail(loop: string): MapEntry[] {
  return [
    pending(loop, 'REF', [1, 2, 3], 'provider supplemental identification (REF*ZH …)'),
    pending(loop, 'N3', [1, 2], 'provider address'),
    pending(loop, 'N4', [1, 2, 3, 4, 7], 'provider address'),
    pending(loop, 'PER', [1, 2, 3, 4, 5, 6, 7, 8], 'provider contact'),
    pending(loop, 'PRV', [1, 2, 3], 'provider taxonomy'),
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
  return [
    ...nm1(loop, `${CR}.patient.target`),
    pending(loop, 'REF', [1, 2, 3], 'member supplemental identification'),
    pending(loop, 'N3', [1, 2], 'member address'),
    pending(loop, 'N4', [1, 2, 3, 4, 7], 'member address'),
    ...aaa(loop),
    e(loop, 'DMG', 1, `${CR}.patient.target.birthDate`, 'present'),
    e(loop, 'DMG', 2, `${CR}.patient.target.birthDate`, 'date'),
    e(loop, 'DMG', 3, `${CR}.patient.target.gender`, 'map', { map: { M: 'male', F: 'female', U: 'unknown' } }),
    pending(loop, 'INS', [1, 2, 3, 4, 5, 8, 9, 17], 'relationship and member status'),
  ];
}

const CLINICAL_PENDING: MapEntry[] = [
  pending('2000E', 'HI', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'event diagnoses / requested information (HI*LOI)', { component: 1 }),
  pending('2000E', 'HI', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'event diagnoses / requested information (HI*LOI)', { component: 2 }),
  pending('2000E', 'HSD', [1, 2, 3, 4, 5, 6, 7, 8], 'what was authorized at the event level (A6 HSD*DY*5)'),
  pending('2000E', 'CRC', [1, 2, 3, 4, 5, 6, 7], 'condition codes'),
  pending('2000E', 'CL1', [1, 2, 3, 4], 'institutional claim codes'),
  pending('2000E', 'CR1', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'ambulance information'),
  pending('2000E', 'CR2', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'spinal manipulation information'),
  pending('2000E', 'CR5', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18], 'home oxygen information'),
  pending('2000E', 'CR6', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21], 'home health information'),
  pending('2000E', 'PWK', [1, 2, 5, 6, 7], 'which documents the payer asks for, and how (CommunicationRequest)'),
];

export const X217_RESPONSE_MAP: readonly MapEntry[] = [
  e('HEADER', 'BHT', 2, `${CR}.use`, 'present', { note: '11: a response (ClaimResponse.use preauthorization)' }),
  e('HEADER', 'BHT', 3, 'Bundle.identifier.value', 'value', { note: 'without the request at hand; with it the request Bundle identifier is echoed' }),
  pending('HEADER', 'BHT', [4, 5], 'the payer\'s transaction date and time'),
  pending('HEADER', 'BHT', 6, 'transaction type code'),
  ...aaa('2000A'),
  ...nm1('2010A', `${CR}.insurer.target`),
  pending('2010A', 'PER', [1, 2, 3, 4, 5, 6, 7, 8], 'the UMO contact (who to call, where to send information)'),
  ...aaa('2010A'),
  ...nm1('2010B', `${CR}.requestor.target`),
  pending('2010B', 'REF', [1, 2, 3], 'requester supplemental identification (REF*ZH)'),
  pending('2010B', 'PRV', [1, 2, 3], 'requester provider taxonomy'),
  ...aaa('2010B'),
  ...patientLevel('C'),
  ...patientLevel('D'),
  // 2000E patient event.
  e('2000E', 'TRN', 1, `${CR}.identifier`, 'present', { note: '2 our trace echoed (the Claim identifier), 1 the payer\'s own' }),
  e('2000E', 'TRN', 2, `${CR}.identifier.value`),
  e('2000E', 'TRN', 3, `${CR}.identifier.system`, 'contains'),
  pending('2000E', 'TRN', 4, 'trace sub-department (PAS identifierSubDepartment)'),
  ...aaa('2000E'),
  pending('2000E', 'UM', [1, 2, 3, 6, 7, 8, 9, 10], 'the event review information the UMO echoes'),
  pending('2000E', 'UM', [4, 5], 'facility and related causes', { component: 1 }),
  pending('2000E', 'UM', [4, 5], 'facility and related causes', { component: 2 }),
  pending('2000E', 'UM', 5, 'related causes', { component: 4 }),
  ...review('2000E', CR),
  e('2000E', 'REF', 1, `${CR}.preAuthRef`, 'present', { when: [1, 'BB'] }),
  e('2000E', 'REF', 2, `${CR}.preAuthRef`, 'value', { when: [1, 'BB'] }),
  pending('2000E', 'REF', [1, 2], 'the administrative reference number to quote (REF*NT)', { when: [1, 'NT'] }),
  e('2000E', 'DTP', 1, `${CR}.preAuthPeriod`, 'present', { when: [1, '007', '036', 'AAH'] }),
  e('2000E', 'DTP', 2, `${CR}.preAuthPeriod`, 'present', { when: [1, '007', '036', 'AAH'] }),
  e('2000E', 'DTP', 3, `${CR}.preAuthPeriod`, 'date', { when: [1, '007', '036', 'AAH'] }),
  pending('2000E', 'DTP', [1, 2, 3], 'admission, discharge and processed dates (435, 096, 102) at the event level', { when: [1, '435', '096', '102', '439', '484', 'ABC', '431'] }),
  ...CLINICAL_PENDING,
  e('2000E', 'MSG', 1, `${CR}.processNote.text`),
  // 2010EA patient event providers (ClaimResponse-level itemAuthorizedProvider today).
  ...nm1('2010EA', `${PROVIDER(CR)}.extension.where(url='provider').valueReference.target`, `${PROVIDER(CR)}.extension.where(url='${EXT.authorizedProviderType}').valueCodeableConcept.coding.code`),
  ...providerDetail('2010EA'),
  pending('2010EB', 'NM1', [1, 2, 3, 4, 5, 7, 8, 9], 'who to send additional information to'),
  pending('2010EB', 'N3', [1, 2], 'additional information contact address'),
  pending('2010EB', 'N4', [1, 2, 3, 4, 7], 'additional information contact address'),
  pending('2010EB', 'PER', [1, 2, 3, 4, 5, 6, 7, 8], 'additional information contact'),
  pending('2010EC', 'NM1', [1, 2, 3, 8, 9], 'transport locations'),
  pending('2010EC', 'N3', [1, 2], 'transport address'),
  pending('2010EC', 'N4', [1, 2, 3, 4, 7], 'transport address'),
  // 2000F service lines.
  e('2000F', 'TRN', 1, `${LINES}.extension.where(url='${EXT.itemTraceNumber}')`, 'present'),
  e('2000F', 'TRN', 2, `${LINES}.extension.where(url='${EXT.itemTraceNumber}').valueIdentifier.value`),
  pending('2000F', 'TRN', 3, 'line trace originator (SS TRN03)'),
  pending('2000F', 'TRN', 4, 'line trace sub-department'),
  ...aaa('2000F'),
  pending('2000F', 'UM', [1, 2, 6, 7, 8, 9, 10], 'the line review information the UMO echoes'),
  e('2000F', 'UM', 3, `${LINES}.extension.where(url='${EXT.itemCategory}').valueCodeableConcept.coding.code`, 'value', { pending: `${ISSUE_13}: UM03 only reaches addItem (itemCategory), not answered lines` }),
  pending('2000F', 'UM', [4, 5], 'line facility', { component: 1 }),
  pending('2000F', 'UM', [4, 5], 'line facility', { component: 2 }),
  ...review('2000F', LINES),
  e('2000F', 'REF', 1, `${LINES}.extension.where(url='${EXT.authorizationNumber}' or url='${EXT.administrationReferenceNumber}')`, 'present', { when: [1, 'BB', 'NT'] }),
  e('2000F', 'REF', 2, `${LINES}.extension.where(url='${EXT.authorizationNumber}' or url='${EXT.administrationReferenceNumber}').valueString`, 'value', { when: [1, 'BB', 'NT'] }),
  e('2000F', 'DTP', 1, `${LINES}.extension.where(url='${EXT.itemRequestedServiceDate}' or url='${EXT.itemPreAuthPeriod}')`, 'present', { when: [1, '472', '007', '036'] }),
  e('2000F', 'DTP', 2, `${LINES}.extension.where(url='${EXT.itemRequestedServiceDate}' or url='${EXT.itemPreAuthPeriod}')`, 'present', { when: [1, '472', '007', '036'] }),
  e('2000F', 'DTP', 3, `(${LINES}.extension.where(url='${EXT.itemRequestedServiceDate}').valuePeriod | ${LINES}.extension.where(url='${EXT.itemRequestedServiceDate}').valueDateTime | ${LINES}.extension.where(url='${EXT.itemPreAuthPeriod}').valuePeriod)`, 'date', { when: [1, '472', '007', '036'] }),
  pending('2000F', 'DTP', [1, 2, 3], 'processed date (102)', { when: [1, '102'] }),
  ...(['SV1', 'SV3'] as const).flatMap((tag) => [
    e('2000F', tag, 1, `${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='productOrServiceCode').valueCodeableConcept.coding | ${CR}.addItem.productOrService.coding`, 'present', { component: 1 }),
    e('2000F', tag, 1, `(${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='productOrServiceCode').valueCodeableConcept.coding.code | ${CR}.addItem.productOrService.coding.code)`, 'value', { component: 2 }),
    ...[3, 4, 5, 6].map((c) => e('2000F', tag, 1, `(${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='modifier').valueCodeableConcept.coding.code | ${CR}.addItem.modifier.coding.code)`, 'value', { component: c })),
    e('2000F', tag, 2, `(${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='unitPrice').valueMoney | ${CR}.addItem.unitPrice)`, 'present', { note: 'unit price = charge ÷ quantity' }),
  ]),
  pending('2000F', 'SV1', [3, 5, 11, 20], 'unit basis, place of service and level of care of the line'),
  e('2000F', 'SV1', 4, `(${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='quantity').valueQuantity.value | ${CR}.addItem.quantity.value)`, 'decimal'),
  pending('2000F', 'SV3', [4, 5, 6, 7], 'dental detail'),
  e('2000F', 'SV2', 1, `${CR}.addItem.extension.where(url='${EXT.revenueCode}').valueCodeableConcept.coding.code`, 'value', { pending: `${ISSUE_13}: SV201 only reaches addItem (revenueCode)` }),
  e('2000F', 'SV2', 2, `(${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='productOrServiceCode').valueCodeableConcept.coding.code | ${CR}.addItem.productOrService.coding.code)`, 'value', { component: 2 }),
  e('2000F', 'SV2', 2, `${CR}.addItem.productOrService.coding`, 'present', { component: 1 }),
  e('2000F', 'SV2', 3, `(${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='unitPrice').valueMoney | ${CR}.addItem.unitPrice)`, 'present'),
  e('2000F', 'SV2', 5, `(${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='quantity').valueQuantity.value | ${CR}.addItem.quantity.value)`, 'decimal'),
  pending('2000F', 'SV2', [4, 6, 9, 10], 'unit basis, rate, residential status and level of care of the line'),
  pending('2000F', 'TOO', [1, 2, 3], 'tooth information'),
  pending('2000F', 'HI', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'what the UMO asks for per line (HI*LOI)', { component: 1 }),
  pending('2000F', 'HI', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'what the UMO asks for per line (HI*LOI)', { component: 2 }),
  e('2000F', 'HSD', 2, `(${LINES}.extension.where(url='${EXT.itemAuthorizedDetail}').extension.where(url='quantity').valueQuantity.value | ${CR}.addItem.quantity.value)`, 'decimal', { pending: `${ISSUE_13}: HSD02 only when the line has no SV quantity` }),
  pending('2000F', 'HSD', [1, 3, 4, 5, 6, 7, 8], 'authorized frequency and duration of the line'),
  pending('2000F', 'PWK', [1, 2, 5, 6, 7], 'documents the UMO asks for per line'),
  e('2000F', 'MSG', 1, `${CR}.processNote.text`),
  ...nm1('2010F', `${PROVIDER(LINES)}.extension.where(url='provider').valueReference.target | ${CR}.addItem.provider.target`, `(${PROVIDER(LINES)}.extension.where(url='${EXT.authorizedProviderType}').valueCodeableConcept.coding.code | ${CR}.addItem.provider.extension.where(url='${EXT.authorizedProviderType}').valueCodeableConcept.coding.code)`),
  ...providerDetail('2010F'),
];
