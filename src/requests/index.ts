/**
 * requests: the one home of a request's state. It accepts requests (the request, its messages, its
 * delivery job and audit event in one transaction), records answers (one function, one transaction
 * shape, for the payer's answers and the gateway's own), and makes every other state change —
 * sent, error, review holds and their outcome, staff actions — through `transition`, which checks
 * the move against the pure state machine (workflow/states.ts) and audits it. Reads never write a
 * request: a pended answer that is only shown is not recorded. docs/architecture.md draws it.
 */
export { acceptPriorAuth, claimFacts, findByIdempotencyKey, priorRequest, recordSubmission, type AcceptInput, type ClaimFacts } from './accept.ts';
export { recordAnswer, stampResponse, stateOf, summarizeResponse, REQUEST_SET, RESPONSE_SET, type AnswerSummary, type RecordAnswerInput } from './answer.ts';
export {
  acceptEligibility,
  recordEligibilityAnswer,
  ELIGIBILITY_JOB,
  ELIGIBILITY_REQUEST_SET,
  ELIGIBILITY_RESPONSE_SET,
  ELIGIBILITY_STATE,
  type AcceptEligibilityInput,
  type RecordEligibilityInput,
} from './eligibility.ts';
export { approveReview, heldAnswer, recordHold, replaceHeldRequest, returnedAnswer, returnReview, ReviewError, RETURN_REASONS, type ReturnReason } from './review.ts';
export { transition, transitionFrom, type TransitionCause } from './transition.ts';
