/**
 * translate/eligibility: CoverageEligibilityRequest ⇄ 005010X279A1 270/271. Pure functions over
 * the codec's `Segment[]` bodies (BHT … before SE); the codec adds envelopes and delimiters.
 *
 * request Bundle ─readEligibilityRequest→ EligibilityInquiry ─inquiryTo270→ 270 body
 * 271 body ─parse271→ Parsed271 ─eligibility271ToFhir→ response Bundle, summarize271→ roster row facts
 */
export { inquiryTo270, traceOriginator, type EligibilityInquiry, type Inquiry270Options, type PersonName } from './inquiry.ts';
export { readEligibilityRequest, type EligibilityRequestRead } from './read-request.ts';
export { validNpi } from './request-parties.ts';
export { read270, type Read270 } from './read-270.ts';
export { parse271, parse271All, patientOf, type Benefit, type Member, type Parsed271, type Rejection } from './parse-271.ts';
export { summarize271, coverageStatus, type EligibilitySummary, type SummaryError } from './summary.ts';
export { eligibility271ToFhir, eligibility271ToFhirAll, eligibilityOutcomeBundle, type EligibilityResponseContext } from './to-fhir.ts';
export { X12_EXT } from './x12-extensions.ts';
export { ERROR_EXPRESSION_EXT } from './fhir-errors.ts';
export { readLevels, repeatsOf } from './levels.ts';
export { SERVICE_TYPES, DEFAULT_SERVICE_TYPE, isServiceType } from './codes/service-types.ts';
export { EB01 } from './codes/benefits.ts';
export { AAA03, AAA04 } from './codes/rejections.ts';
