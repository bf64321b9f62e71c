/**
 * translate: PAS FHIR ⇄ X12 278 mappings. Pure functions, table-driven code maps (`codes/`).
 * Produces and consumes the `Segment[]` body of one 278 transaction (BHT … before SE); the codec in
 * `x12/` adds envelopes, delimiters and control numbers.
 */
export { pasRequestTo278, type PasRequestOptions, type PasRequestResult } from './pas-to-278.ts';
export type { PayerOverride } from './request/members.ts';
export { TranslateError, type TranslateWarning, type WarningCode } from './errors.ts';
export { groupLoops, type HlLoop, type NameLoop, type Transaction } from './hl.ts';
export type { Bundle, Claim, Resource } from './fhir-types.ts';
export { x12ResponseToPas, type ResponseContext } from './x12-to-pas.ts';
export { refusalResponse, type Refusal, type RefusalKind } from './response/refusal.ts';
export { decisionOf, type Decision, type ItemDecision, type AaaSummary } from './response/decision.ts';
export { answer278, pendedAnswer, type AnswerOptions, type LoopAnswer } from './answer-278.ts';
export { seg, el, comp } from './x12-util.ts';
export {
  inquiryTo270, traceOriginator, readEligibilityRequest, read270, parse271, summarize271, eligibility271ToFhir, eligibilityOutcomeBundle,
  validNpi, isServiceType, DEFAULT_SERVICE_TYPE, SERVICE_TYPES, ERROR_EXPRESSION_EXT,
  type EligibilityInquiry, type EligibilityRequestRead, type EligibilityResponseContext, type EligibilitySummary, type Parsed271,
} from './eligibility/index.ts';
