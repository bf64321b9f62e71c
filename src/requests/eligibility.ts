/**
 * Eligibility requests through the shared request machinery: accepting one (request row of kind
 * `eligibility`, idempotent on organization + request identifier; the inbound Bundle; the
 * `payer.eligibility` delivery job; the audit event — one transaction) and recording the payer's
 * answer (response Bundle, state change and its audit event — one transaction).
 *
 * Eligibility reuses the request state table: a 271 saying coverage is active moves the request to
 * `certified`, inactive to `denied`, a 271 that states neither to `certified` (answered), and an
 * AAA or a 999/TA1 rejection to `rejected`. `summary.coverage` says it in eligibility's own words
 * (active | inactive | unknown | error), so nobody has to read "denied" as "not covered".
 */
import type { Db, Tx } from '../db/client.ts';
import { insertRequest, lockRequest, saveMessage, type RequestRow } from '../db/queries/requests.ts';
import { transition } from './transition.ts';
import type { Bundle } from '../fhir/bundle.ts';
import type { EligibilitySummary } from '../translate/index.ts';
import type { RequestState } from '../workflow/states.ts';
import { recordRejections } from '../quality/index.ts';
import { recordSubmission } from './accept.ts';
import { withTransaction } from '../db/tx.ts';

export const ELIGIBILITY_JOB = 'payer.eligibility';
/** messages.transaction_set of the inbound request Bundle and of the response Bundle. */
export const ELIGIBILITY_REQUEST_SET = 'eligibility-request';
export const ELIGIBILITY_RESPONSE_SET = 'eligibility-response';

export const ELIGIBILITY_STATE: Record<EligibilitySummary['status'], RequestState> = {
  active: 'certified',
  inactive: 'denied',
  unknown: 'certified',
  error: 'rejected',
};

export interface AcceptEligibilityInput {
  orgId: string;
  clientId: string;
  bundle: Bundle;
  /** The bundle's JSON as received, when it is (else the bundle is serialized). */
  payload?: string;
  /** `system|value` of the request identifier. */
  idempotencyKey: string;
  payerId: string;
  maxAttempts: number;
  /** 2000C/D TRN02 the 270 carries and the 271 echoes. */
  trace: string;
  httpRequestId?: string;
  /** Identifiers only (member id, provider NPI, service date): what staff search by. */
  summary?: Record<string, unknown>;
  /** More to store with a new request, in its transaction (the data-quality findings). */
  afterInsert?: (tx: Db, request: RequestRow) => Promise<void>;
}

export async function acceptEligibility(db: Db, input: AcceptEligibilityInput): Promise<{ request: RequestRow; created: boolean }> {
  return withTransaction(db, async (tx) => {
    const { row, created } = await insertRequest(tx, {
      orgId: input.orgId,
      kind: 'eligibility',
      payerId: input.payerId,
      idempotencyKey: input.idempotencyKey,
      traceNumber: input.trace,
      summary: input.summary ?? {},
    });
    if (!created) return { request: row, created };
    await recordSubmission(tx, {
      request: row,
      clientId: input.clientId,
      bundle: input.bundle,
      ...(input.payload !== undefined ? { payload: input.payload } : {}),
      messageSet: ELIGIBILITY_REQUEST_SET,
      jobKind: ELIGIBILITY_JOB,
      maxAttempts: input.maxAttempts,
      httpRequestId: input.httpRequestId,
      detail: { kind: 'eligibility', payerId: input.payerId },
    });
    await input.afterInsert?.(tx, row);
    return { request: row, created };
  });
}

export interface RecordEligibilityInput {
  requestId: string;
  actor: string;
  responseBundle: Bundle;
  summary: EligibilitySummary;
  /** The inbound message that carried the answer. */
  messageId?: string | null;
  /** Only move if the request is still in one of these states. */
  onlyFrom: RequestState[];
}

/** Gives the CoverageEligibilityResponse the request's id, as ClaimResponses get theirs. */
function stamp(bundle: Bundle, request: RequestRow): Bundle {
  const first = bundle.entry?.[0];
  if (first?.resource?.resourceType === 'CoverageEligibilityResponse') first.resource.id = request.id;
  if (first) first.fullUrl = `urn:uuid:${request.id}`;
  return bundle;
}

/** Must run inside a transaction. */
export async function recordEligibilityAnswer(tx: Tx, input: RecordEligibilityInput): Promise<{ request: RequestRow; changed: boolean } | undefined> {
  const current = await lockRequest(tx, input.requestId);
  if (!current) return undefined;
  if (!input.onlyFrom.includes(current.status as RequestState)) return { request: current, changed: false };
  const responseId = await saveMessage(tx, {
    orgId: current.orgId,
    requestId: current.id,
    direction: 'out',
    format: 'fhir',
    transactionSet: ELIGIBILITY_RESPONSE_SET,
    payload: JSON.stringify(stamp(input.responseBundle, current)),
  });
  const to = ELIGIBILITY_STATE[input.summary.status];
  const summary = { coverage: input.summary.status, responseId, errorCodes: input.summary.errors.map((e) => e.code) };
  const updated = await transition(tx, current.id, to, {
    actor: input.actor,
    messageId: input.messageId ?? null,
    summary,
    detail: { coverage: input.summary.status, errorCodes: summary.errorCodes },
  });
  if (to === 'rejected') await recordRejections(tx, { request: current, errors: input.summary.errors, messageId: input.messageId });
  return { request: updated, changed: true };
}
