/**
 * Recording a payer's answer (or the gateway's own pended answer): the response Bundle, the line
 * decisions, the state transition, its audit event and any Subscription notifications commit in
 * one transaction.
 */
import type { Db, Tx } from '../db/client.ts';
import { Batch } from '../db/batch.ts';
import { batchMessage, latestMessage, lockRequest, updateItemDecisions, type RequestRow } from '../db/queries/requests.ts';
import { transition } from './transition.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { enqueueNotifications } from '../notify/index.ts';
import { recordRejections } from '../quality/index.ts';
import { withCurrentResults } from './current-results.ts';
import { canTransition, stateFromReviewActions, type RequestState } from '../workflow/states.ts';

export const RESPONSE_SET = 'pas-response';
/** The provider's PAS request Bundle, as received (and as sent on, with documentation the rules added). */
export const REQUEST_SET = 'pas-request';

export interface AnswerSummary {
  /** Line review actions (X12 306), or `rejected` when the payer refused the request (AAA, 999). */
  overall: string;
  items: { sequence: number; code?: string; authNumber?: string }[];
  authNumber?: string;
}

/** The state an answer puts a request in. */
export function stateOf(a: AnswerSummary): RequestState {
  if (a.overall === 'rejected') return 'rejected';
  const codes = a.items.map((i) => i.code).filter((c): c is string => Boolean(c));
  return stateFromReviewActions(codes.length ? codes : [a.overall]);
}

/** Gives the response's ClaimResponse the request's id: `GET /fhir/ClaimResponse/{id}` finds it. */
export function stampResponse(bundle: Bundle, request: RequestRow): Bundle {
  const first = bundle.entry?.[0];
  if (first?.resource?.resourceType === 'ClaimResponse') {
    first.resource.id = request.id;
    first.fullUrl = `urn:uuid:${request.id}`;
  }
  return bundle;
}

export interface RecordAnswerInput {
  requestId: string;
  actor: string;
  responseBundle: Bundle;
  summary: AnswerSummary;
  /** The inbound message that carried the answer, when there was one. */
  messageId?: string | null;
  /** Only move if the request is still in one of these states (guards races with late answers). */
  onlyFrom?: RequestState[];
  /** The request's row, locked by the caller in this transaction (it is not locked and read again). */
  locked?: RequestRow;
  /** The request's PAS Bundle, when the caller holds it (it is not read back and parsed again). */
  requestBundle?: Bundle;
  /**
   * The caller's batch (db/batch.ts): the answer's writes join it and the caller flushes it. With a
   * `locked` row the whole answer — response, line decisions, transition and its audit event — is
   * then one statement; the rarer follow-ups (rejection reasons, a cancelled prior request,
   * notifications) flush it first and run after.
   */
  batch?: Batch;
}

export async function recordAnswer(tx: Tx, input: RecordAnswerInput): Promise<{ request: RequestRow; changed: boolean; responseText?: string } | undefined> {
  // Lock the row first: a late payer answer and the gateway's own pended answer may race.
  const current = input.locked ?? (await lockRequest(tx, input.requestId));
  if (!current) return undefined;
  if (input.onlyFrom && !input.onlyFrom.includes(current.status as RequestState)) return { request: current, changed: false };
  const bundle = stampResponse(input.responseBundle, current);
  // PAS spec-46: an update's answer carries the current result of every item it submitted.
  const request = input.requestBundle ?? (await storedRequest(tx, current.id));
  const prior = current.priorRequestId ? await latestMessage(tx, current.priorRequestId, RESPONSE_SET) : undefined;
  const completed = request ? withCurrentResults(bundle, request, prior ? (JSON.parse(prior.payload) as Bundle) : undefined).added : 0;
  const answer = completed && input.summary.overall !== 'rejected' ? { ...summarizeResponse(bundle), ...(input.summary.authNumber ? { authNumber: input.summary.authNumber } : {}) } : input.summary;
  const to = stateOf(answer);
  const responseText = JSON.stringify(bundle);
  const batch = input.batch ?? new Batch(tx);
  const responseId = batchMessage(batch, { orgId: current.orgId, requestId: current.id, direction: 'out', format: 'fhir', transactionSet: RESPONSE_SET, payload: responseText });
  const decisions = answer.items.filter((i) => i.code).map((i) => ({ sequence: i.sequence, decision: i.code!, authNumber: i.authNumber ?? null }));
  await updateItemDecisions(tx, current.id, decisions, batch);
  const summary = { decision: answer.overall, authNumber: answer.authNumber ?? null, responseId };
  if (current.status === to) {
    if (!input.batch) await batch.flush();
    return { request: current, changed: false, responseText };
  }
  const updated = await transition(tx, current.id, to, { actor: input.actor, messageId: input.messageId, summary, detail: { decision: answer.overall } }, current, batch);
  const cancelsPrior = to === 'cancelled' && current.priorRequestId;
  const notifies = (current.status === 'pended' || current.summary.reviewHeld === true) && to !== 'pended';
  // The follow-ups read and lock other rows, or refer to what the batch holds: it goes first.
  if (!input.batch || to === 'rejected' || cancelsPrior || notifies) await batch.flush();
  // Why, for the data-quality report: AAA reasons, or the 999/TA1 errors with their loop and element.
  if (to === 'rejected') await recordRejections(tx, { request: current, bundle, messageId: input.messageId });
  // A cancel (UM02 3) the payer confirmed also ends the request it cancels.
  if (cancelsPrior) {
    const prior = await lockRequest(tx, current.priorRequestId!);
    if (prior && canTransition(prior.status as RequestState, 'cancelled')) {
      await transition(tx, prior.id, 'cancelled', { actor: input.actor, messageId: input.messageId, detail: { cancelledBy: current.id } });
    }
  }
  // A request answered "pended" earlier (by the payer, or by the gateway while it was held for
  // staff review) is now decided: tell the provider's subscriptions.
  if (notifies) {
    await enqueueNotifications(tx, { orgId: current.orgId, requestId: current.id, responseBundle: bundle });
  }
  return { request: updated, changed: true, responseText };
}

async function storedRequest(tx: Db, requestId: string): Promise<Bundle | undefined> {
  const stored = await latestMessage(tx, requestId, REQUEST_SET);
  return stored ? (JSON.parse(stored.payload) as Bundle) : undefined;
}

interface ExtensionLike {
  url?: string;
  valueString?: string;
  valueCodeableConcept?: { coding?: { system?: string; code?: string }[] };
  extension?: ExtensionLike[];
}

const REVIEW_ACTION_URL = /extension-reviewAction$/;
const X12_306 = 'https://codesystem.x12.org/005010/306';

function reviewOf(adjudications: { extension?: ExtensionLike[] }[] | undefined): { code?: string; number?: string } {
  for (const adj of adjudications ?? []) {
    for (const ext of adj.extension ?? []) {
      if (!ext.url || !REVIEW_ACTION_URL.test(ext.url)) continue;
      const code = ext.extension?.flatMap((e) => e.valueCodeableConcept?.coding ?? []).find((c) => c.system === X12_306)?.code;
      const number = ext.extension?.find((e) => e.url === 'number')?.valueString;
      return { code, number };
    }
  }
  return {};
}

/**
 * Reads the decision out of a PAS response Bundle (ours, translated from a 278, or a FHIR-native
 * payer's): each item's reviewAction code and number; `rejected` when it carries only errors.
 */
export function summarizeResponse(bundle: Bundle): AnswerSummary {
  const cr = bundle.entry?.[0]?.resource as
    | { resourceType?: string; outcome?: string; error?: unknown[]; preAuthRef?: string; item?: { itemSequence?: number; adjudication?: { extension?: ExtensionLike[] }[] }[] }
    | undefined;
  if (cr?.resourceType !== 'ClaimResponse') return { overall: 'rejected', items: [] };
  const items = (cr.item ?? []).map((i, n) => {
    const r = reviewOf(i.adjudication);
    return { sequence: i.itemSequence ?? n + 1, ...(r.code ? { code: r.code } : {}), ...(r.number ? { authNumber: r.number } : {}) };
  });
  const codes = items.map((i) => i.code).filter(Boolean) as string[];
  if (codes.length === 0 && (cr.error?.length || cr.outcome === 'error')) return { overall: 'rejected', items };
  const overall = codes.length === 0 ? 'A4' : new Set(codes).size === 1 ? codes[0]! : 'mixed';
  return { overall, items, ...(cr.preAuthRef ? { authNumber: cr.preAuthRef } : items.find((i) => i.authNumber) ? { authNumber: items.find((i) => i.authNumber)!.authNumber } : {}) };
}
