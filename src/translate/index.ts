/**
 * translate: PAS FHIR ⇄ X12 278 mappings. Pure functions, table-driven code maps (`codes/`).
 * Produces and consumes the `Segment[]` body of one 278 transaction (BHT … before SE); the codec in
 * `x12/` adds envelopes, delimiters and control numbers.
 */
export { pasRequestTo278, type PasRequestOptions, type PasRequestResult } from './pas-to-278.ts';
export type { AttachmentRoute, PriorNumbers } from './request/context.ts';
export { PWK02_BY_ROUTE, bundleControlNumber } from './request/clinical.ts';
export { promisedDocuments, type MissingDocument, type PromisedDocument } from './attachments/documents.ts';
export { pasTo275, mimeEntity, type Attachment275Options, type Heading275Options } from './attachments/to-275.ts';
export { pasBundleTo275, BUNDLE_275_VERSION } from './attachments/bundle-275.ts';
export { read275, type Received275, type Received275Binary, type Received275Document } from './attachments/read-275.ts';
export type { PayerOverride } from './request/members.ts';
export { TranslateError, type TranslateWarning, type WarningCode } from './errors.ts';
export { groupLoops, type HlLoop, type NameLoop, type Transaction } from './hl.ts';
export type { Bundle, Claim, Resource } from './fhir-types.ts';
export { x12ResponseToPas, type ResponseContext } from './x12-to-pas.ts';
export { refusalResponse, type Refusal, type RefusalKind } from './response/refusal.ts';
export { decisionOf, type Decision, type ItemDecision, type AaaSummary } from './response/decision.ts';
export { answer278, pendedAnswer, type AnswerOptions, type LoopAnswer } from './answer-278.ts';
export { seg, el, comp } from './x12-util.ts';
export { assertCarriable, assertSendable, sendableAsChecked, type EnvelopeShape } from './self-check.ts';
export { X12_MAP, MAP_SETS, DIRECTION, mapEntryFor, positionLabel, requestPathOf, bundlePath, type MapEntry, type MapSet, type Representation } from './map/index.ts';
export { fidelityOf, checkTransaction, lands, translated, type FidelityReport, type Finding, type FindingStatus, type SourceOf } from './map/check.ts';
export { read999, ackErrors, setAccepted, ACK_SYSTEMS, ACCEPTING, type AckGroup, type AckSet, type AckSegmentError, type AckElementError } from './acks.ts';
export {
  inquiryTo270, traceOriginator, readEligibilityRequest, read270, parse271, parse271All, patientOf, summarize271, eligibility271ToFhir, eligibility271ToFhirAll, eligibilityOutcomeBundle, X12_EXT,
  validNpi, isServiceType, DEFAULT_SERVICE_TYPE, SERVICE_TYPES, ERROR_EXPRESSION_EXT,
  type EligibilityInquiry, type EligibilityRequestRead, type EligibilityResponseContext, type EligibilitySummary, type Parsed271,
} from './eligibility/index.ts';
// What the payer simulator needs to write a PAS response back as a 278 response.
export { EXT, CS, X12CS } from './codes/systems.ts';
export { PER_TO_TELECOM, PROVIDER_CODE_SYSTEM, QUANTITY_UNITS_SYSTEM, REPORT_TYPE_SYSTEM, TRANSMISSION_CODE_SYSTEM, LOINC_REQUEST_QUALIFIER } from './codes/response.ts';
export { responseLoopId } from './response/parse.ts';
