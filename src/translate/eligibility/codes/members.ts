/**
 * Member-level code maps of X279A1: 2100C/D DTP dates (element 374), 2100C/D and 2110C/D REF
 * qualifiers (element 128), 2100D INS02 relationship (element 1069), and the code systems the
 * CoverageEligibilityResponse uses.
 */
import { X12CS } from '../../codes/systems.ts';

/**
 * Which coverage period a 2100C/D (or plan-level 2110C/D) DTP gives, most authoritative first:
 * plan dates, then eligibility dates, then benefit dates, then policy dates. A period qualifier
 * (RD8 or D8) gives both ends; begin/end qualifiers give one end each.
 */
export const COVERAGE_DATES: { kind: string; period?: string; begin?: string; end?: string }[] = [
  { kind: 'plan', period: '291', begin: '346', end: '347' },
  { kind: 'eligibility', period: '307', begin: '356', end: '357' },
  { kind: 'benefit', period: '292', begin: '348', end: '349' },
  { kind: 'policy', begin: '539', end: '540' },
];

/** 270 2100C/D DTP01: 291 plan (the date of service the inquiry is about). */
export const INQUIRY_DATE_QUALIFIER = '291';

/** REF01 qualifiers that name the plan and the group. */
export const PLAN_REF = ['18'] as const;
export const GROUP_REF = ['6P', '1L', 'IG'] as const;

/**
 * 2100D INS02 individual relationship code: X279A1 allows 01 spouse, 19 child, 34 other adult.
 * From FHIR subscriber-relationship (Coverage.relationship).
 */
export const RELATIONSHIP_TO_INS02: Record<string, string> = {
  spouse: '01',
  common: '01',
  child: '19',
  parent: '34',
  other: '34',
  injured: '34',
};
/** Coverage.relationship values that make the patient the subscriber (no 2000D loop). */
export const SELF_RELATIONSHIPS = new Set(['self', '18']);

/** 2100C/D DMG03 gender (element 1068) from Patient.gender, and back. */
export const GENDER_TO_DMG: Record<string, string> = { male: 'M', female: 'F', other: 'U', unknown: 'U' };

export const ECS = {
  benefitInfo: X12CS('1390'),
  coverageLevel: X12CS('1207'),
  serviceType: X12CS('1365'),
  timePeriod: X12CS('615'),
  quantity: X12CS('673'),
  rejectReason: X12CS('901'),
  followUp: X12CS('889'),
  benefitType: 'http://terminology.hl7.org/CodeSystem/benefit-type',
  benefitUnit: 'http://terminology.hl7.org/CodeSystem/benefit-unit',
  benefitTerm: 'http://terminology.hl7.org/CodeSystem/benefit-term',
  benefitNetwork: 'http://terminology.hl7.org/CodeSystem/benefit-network',
  coverageClass: 'http://terminology.hl7.org/CodeSystem/coverage-class',
  npi: 'http://hl7.org/fhir/sid/us-npi',
  eligibilityPurpose: 'http://hl7.org/fhir/eligibilityrequest-purpose',
} as const;

/** FHIR R4 CoverageEligibilityRequest.purpose codes. */
export const PURPOSES = new Set(['auth-requirements', 'benefits', 'discovery', 'validation']);
