/**
 * CoverageEligibilityRequest Bundle → 270 (005010X279A1): where each position `inquiryTo270`
 * writes comes from (`readEligibilityRequest` reads the Bundle).
 */
import type { MapEntry, Representation } from './types.ts';

const CER = 'CoverageEligibilityRequest';
const PROVIDER = `(${CER}.provider.target | ${CER}.provider.target.practitioner.target | ${CER}.provider.target.organization.target)`;
const SUBSCRIBER = `(Coverage.subscriber.target | ${CER}.patient.target)`;
const PATIENT = `${CER}.patient.target`;

const e = (loop: string, segment: string, element: number | number[], fhir: string, as: Representation = 'value', extra: Partial<MapEntry> = {}): MapEntry => ({
  set: '270', loop, segment, element, fhir, as, ...extra,
});

function nm1(loop: string, at: string, idPath: string, note: string): MapEntry[] {
  return [
    e(loop, 'NM1', 1, at, 'present', { note: 'PR payer, 1P (or FA …) provider, IL subscriber, 03 dependent' }),
    e(loop, 'NM1', 2, at, 'present'),
    e(loop, 'NM1', 3, `(${at}.name.family | ${at}.name)`, 'prefix'),
    e(loop, 'NM1', 4, `${at}.name.given`, 'prefix'),
    e(loop, 'NM1', 5, `${at}.name.given`, 'prefix'),
    e(loop, 'NM1', 7, `${at}.name.suffix`, 'prefix'),
    e(loop, 'NM1', 8, idPath, 'present', { note }),
    e(loop, 'NM1', 9, idPath),
  ];
}

const demographics = (loop: string, at: string): MapEntry[] => [
  e(loop, 'DMG', 1, `${at}.birthDate`, 'present'),
  e(loop, 'DMG', 2, `${at}.birthDate`, 'date'),
  e(loop, 'DMG', 3, `${at}.gender`, 'map', { map: { M: 'male', F: 'female', U: 'unknown' } }),
];

function patientLevel(level: 'C' | 'D', at: string): MapEntry[] {
  const loop = `2100${level}`;
  return [
    e(`2000${level}`, 'TRN', 1, CER, 'present', { note: '1: our trace, kept as the request\'s trace number (the 271 echoes it)' }),
    e(`2000${level}`, 'TRN', 2, CER, 'present'),
    e(`2000${level}`, 'TRN', 3, CER, 'present', { note: '9 + the gateway\'s sender id' }),
    e(loop, 'DTP', 1, `(${CER}.servicedDate | ${CER}.servicedPeriod)`, 'present', { note: '291 plan' }),
    e(loop, 'DTP', 2, `(${CER}.servicedDate | ${CER}.servicedPeriod)`, 'present'),
    e(loop, 'DTP', 3, `(${CER}.servicedDate | ${CER}.servicedPeriod)`, 'date'),
    e(`2110${level}`, 'EQ', 1, `${CER}.item.category.coding.code`, 'value', { note: '30 when the request names no service type', defaults: ['30'] }),
    ...demographics(loop, at),
  ];
}

export const X279_270_MAP: readonly MapEntry[] = [
  e('HEADER', 'BHT', 2, CER, 'present', { note: '13 request' }),
  e('HEADER', 'BHT', 3, `(${CER}.identifier.value | Bundle.identifier.value)`, 'present', { note: 'the request\'s trace number' }),
  e('HEADER', 'BHT', [4, 5], CER, 'present', { note: 'when the 270 was written' }),
  ...nm1('2100A', `${CER}.insurer.target`, `${CER}.insurer.target.identifier.value`, 'PI payer id (or the payer configuration\'s umoId)'),
  ...nm1('2100B', PROVIDER, `${PROVIDER}.identifier.value`, 'XX NPI, SV service provider number …'),
  e('2100B', 'PRV', [1, 2], PROVIDER, 'present', { note: 'PE performing, PXC taxonomy' }),
  e('2100B', 'PRV', 3, `(${CER}.provider.target.specialty.coding.code | ${PROVIDER}.qualification.code.coding.code)`),
  ...nm1('2100C', SUBSCRIBER, '(Coverage.subscriberId | Patient.identifier.value)', 'MI member id'),
  e('2100C', 'REF', 1, 'Coverage.class', 'present', { note: '6P group number' }),
  e('2100C', 'REF', 2, "Coverage.class.where(type.coding.code = 'group').value"),
  ...patientLevel('C', SUBSCRIBER),
  ...nm1('2100D', PATIENT, `${PATIENT}.identifier.value`, 'not sent for a dependent'),
  e('2100D', 'INS', 1, 'Coverage.relationship', 'present', { note: 'N: not the subscriber' }),
  e('2100D', 'INS', 2, 'Coverage.relationship.coding.code', 'map', { map: { '01': 'spouse', '19': 'child', '34': 'other' } }),
  ...patientLevel('D', PATIENT),
];
