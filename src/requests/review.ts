/**
 * Human review before sending. A request the payer's rules (rules/prior-auth `review`) or its
 * organization's setting hold waits in `review`: nothing is queued for the payer, the provider's
 * answer is the gateway's own A4 pended ("held for review"), and the decision deadline runs on.
 * Staff then approve it (review → queued, the delivery job enqueued in the same transaction),
 * change the attachable documentation (a new stored request Bundle, which is what will be sent), or
 * return it to the provider with a reason (review → returned: a ClaimResponse with an AAA-style
 * error the provider's `$inquire` returns and its Subscriptions are notified of). Every step
 * writes its audit event in the transaction that makes it.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Db, Tx } from '../db/client.ts';
import { enqueue } from '../db/queries/jobs.ts';
import { latestMessage, lockRequest, saveMessage, type RequestRow } from '../db/queries/requests.ts';
import { transition } from './transition.ts';
import { AppError } from '../errors/index.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { enqueueNotifications } from '../notify/index.ts';
import { answer278, pasRequestTo278, pendedAnswer, seg, x12ResponseToPas } from '../translate/index.ts';
import { REQUEST_SET, RESPONSE_SET, stampResponse } from './answer.ts';
import { DELIVER_JOB } from '../jobs/index.ts';

/** The stored provider request (the latest one: staff edits of the documentation replace it). */
export { REQUEST_SET };

/**
 * Why staff return a request, each with the X12 901 reject reason (AAA03) the provider's response
 * carries and AAA04 follow-up C (correct and resubmit): the provider's system reads a standard
 * code, the staff member's note rides along in words.
 */
export const RETURN_REASONS = {
  'missing-documentation': { code: '15', label: 'Documentation the payer requires is missing' },
  'member-id': { code: '72', label: 'Member id is wrong or missing' },
  provider: { code: '43', label: 'Provider identification is wrong or missing' },
  'service-code': { code: 'AG', label: 'Procedure or service code is wrong or missing' },
  diagnosis: { code: 'AF', label: 'Diagnosis code is wrong or missing' },
  dates: { code: '57', label: 'Service dates are wrong or missing' },
  other: { code: '33', label: 'Other errors in the request' },
} as const;
export type ReturnReason = keyof typeof RETURN_REASONS;

const HELD_TEXT = 'Held for review by the submitting organization before it is sent to the payer; the decision follows later.';

/** The provider's answer while the request is held: every line A4 pended, saying why. */
export function heldAnswer(request: Bundle, now: Date): Bundle {
  const body = pendedAnswer(pasRequestTo278(request as never, { now }).segments, now);
  const bundle = x12ResponseToPas(body, { request: request as never, now, ids: randomUUID }) as unknown as Bundle;
  const cr = bundle.entry?.[0]?.resource as { disposition?: string } | undefined;
  if (cr) cr.disposition = HELD_TEXT;
  return bundle;
}

/**
 * The provider's answer to a returned request: rejected at the patient event (2000E AAA N, the
 * reason's 901 code, follow-up C), with the staff member's note as the disposition and a note.
 */
export function returnedAnswer(request: Bundle, now: Date, reason: ReturnReason, note: string): Bundle {
  const { code, label } = RETURN_REASONS[reason];
  const body = answer278(pasRequestTo278(request as never, { now }).segments, {
    now,
    answer: (loop) => (loop.level === 'EV' ? { reject: [seg('AAA', 'N', '', code, 'C')] } : undefined),
  });
  const bundle = x12ResponseToPas(body, { request: request as never, now, ids: randomUUID }) as unknown as Bundle;
  const cr = bundle.entry?.[0]?.resource as { disposition?: string; processNote?: { number: number; type: string; text: string }[] } | undefined;
  if (cr) {
    const text = note.trim() ? `${label}: ${note.trim()}` : label;
    cr.disposition = `Returned to the provider without sending it to the payer. ${text}. Correct it and submit it again.`;
    cr.processNote = [...(cr.processNote ?? []), { number: (cr.processNote?.length ?? 0) + 1, type: 'display', text }];
  }
  return bundle;
}

/** In the transaction that stores a held request: its provider answer and the `request.hold` event. */
export async function recordHold(tx: Db, request: RequestRow, bundle: Bundle, reason: string, now: Date): Promise<void> {
  const answer = stampResponse(heldAnswer(bundle, now), request);
  await saveMessage(tx, { orgId: request.orgId, requestId: request.id, direction: 'out', format: 'fhir', transactionSet: RESPONSE_SET, payload: JSON.stringify(answer) });
  await appendAudit(tx, { actor: 'system', action: 'request.hold', orgId: request.orgId, entityType: 'request', entityId: request.id, detail: { reason }, at: now });
}

/** The request is not (or no longer) waiting for review: answered 409, like any conflict. */
export class ReviewError extends AppError {
  override name = 'ReviewError';
  constructor(message: string) {
    super('conflict', message);
  }
}

async function lockedInReview(tx: Tx, id: string): Promise<RequestRow> {
  const row = await lockRequest(tx, id);
  if (!row) throw new ReviewError('no such request');
  if (row.status !== 'review') throw new ReviewError(`the request is ${row.status.replace(/_/g, ' ')}, not waiting for review`);
  return row;
}

interface StepInput {
  requestId: string;
  /** `staff:<username>` */
  actor: string;
  httpRequestId?: string;
  now: Date;
}

/** Approve and send: review → queued with the delivery job, in one transaction. */
export async function approveReview(tx: Tx, i: StepInput & { maxAttempts: number }): Promise<RequestRow> {
  const row = await lockedInReview(tx, i.requestId);
  const updated = await transition(tx, row.id, 'queued', {
    actor: i.actor,
    httpRequestId: i.httpRequestId,
    summary: { reviewedBy: i.actor, reviewedAt: i.now.toISOString(), reviewOutcome: 'approved' },
    detail: { review: 'approved' },
  });
  await enqueue(tx, { kind: DELIVER_JOB, orgId: row.orgId, requestId: row.id, maxAttempts: i.maxAttempts });
  await appendAudit(tx, { actor: i.actor, action: 'request.review.approve', orgId: row.orgId, entityType: 'request', entityId: row.id, requestId: i.httpRequestId ?? null, at: i.now });
  return updated;
}

/** Return to the provider: the returned answer stored, review → returned, the provider notified. */
export async function returnReview(tx: Tx, i: StepInput & { reason: ReturnReason; note: string }): Promise<RequestRow> {
  const row = await lockedInReview(tx, i.requestId);
  const stored = await latestMessage(tx, row.id, REQUEST_SET);
  if (!stored) throw new ReviewError('the stored request is missing');
  const answer = stampResponse(returnedAnswer(JSON.parse(stored.payload) as Bundle, i.now, i.reason, i.note), row);
  const responseId = await saveMessage(tx, { orgId: row.orgId, requestId: row.id, direction: 'out', format: 'fhir', transactionSet: RESPONSE_SET, payload: JSON.stringify(answer) });
  const updated = await transition(tx, row.id, 'returned', {
    actor: i.actor,
    httpRequestId: i.httpRequestId,
    summary: { decision: 'returned', responseId, returnReason: i.reason, reviewedBy: i.actor, reviewedAt: i.now.toISOString(), reviewOutcome: 'returned' },
    detail: { review: 'returned', reason: i.reason },
  });
  // The note may hold PHI: it lives in the (encrypted) response only; the audit keeps its length.
  await appendAudit(tx, {
    actor: i.actor,
    action: 'request.review.return',
    orgId: row.orgId,
    entityType: 'request',
    entityId: row.id,
    requestId: i.httpRequestId ?? null,
    detail: { reason: i.reason, code: RETURN_REASONS[i.reason].code, noteLength: i.note.trim().length, responseId },
    at: i.now,
  });
  // The provider was told "pended"; now it is told what to fix (PAS notification, §spec-60).
  await enqueueNotifications(tx, { orgId: row.orgId, requestId: row.id, responseBundle: answer, now: i.now });
  return updated;
}

/**
 * Replaces what will be sent with an edited Bundle (documentation removed or added) while the
 * request is still held. The new Bundle is stored as the request's latest; the old one stays.
 */
export async function replaceHeldRequest(tx: Tx, i: StepInput & { bundle: Bundle; change: { removed: number; added: number } }): Promise<string> {
  const row = await lockedInReview(tx, i.requestId);
  const messageId = await saveMessage(tx, { orgId: row.orgId, requestId: row.id, direction: 'in', format: 'fhir', transactionSet: REQUEST_SET, payload: JSON.stringify(i.bundle) });
  await appendAudit(tx, {
    actor: i.actor,
    action: 'request.review.documents',
    orgId: row.orgId,
    entityType: 'request',
    entityId: row.id,
    requestId: i.httpRequestId ?? null,
    detail: { ...i.change, messageId },
    at: i.now,
  });
  return messageId;
}
