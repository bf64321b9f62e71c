/**
 * What staff can do to a request beyond the metrics records (actions.ts), each permission-checked
 * here (the routes check too), scoped to the user's organization, and audited in the transaction
 * that makes the change:
 *
 * - review (`requests.review`): approve and send, change the attached documentation, return to the
 *   provider with a reason (workflow/review.ts);
 * - delivery (`requests.act`): retry a failed delivery (the same interchange again), resend it as a
 *   new interchange, cancel a request the payer has not answered, record a call to the payer.
 *
 * Which action applies in which state is `ACTIONS_BY_STATE` (request-story.ts shows the same list).
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Tx } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { enqueue } from '../db/queries/jobs.ts';
import { latestMessage, lockRequest, saveMessage, type RequestRow } from '../db/queries/requests.ts';
import { approveReview, replaceHeldRequest, REQUEST_SET, RESPONSE_SET, RETURN_REASONS, type ReturnReason, returnReview, stampResponse, transition } from '../requests/index.ts';
import { mergeSummary, scopedRequest } from '../db/queries/staff.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { AppError } from '../errors/index.ts';
import { enqueueNotifications } from '../notify/index.ts';
import { answer278, pasRequestTo278, seg, x12ResponseToPas } from '../translate/index.ts';
import { DELIVER_JOB } from '../jobs/index.ts';
import type { RequestState } from '../workflow/states.ts';
import { editDocumentation, type DocumentEdit } from './documents.ts';
import { can, type Permission } from './permissions.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';

export type RequestAction = 'approve' | 'documents' | 'return' | 'retry' | 'resend' | 'cancel' | 'call';

/** The states each action applies in, and the permission it needs: the one table of both. */
export const REQUEST_ACTIONS: Record<RequestAction, { states: readonly RequestState[]; permission: Permission; label: string }> = {
  approve: { states: ['review'], permission: 'requests.review', label: 'Approve and send' },
  documents: { states: ['review'], permission: 'requests.review', label: 'Change documentation' },
  return: { states: ['review'], permission: 'requests.review', label: 'Return to the provider' },
  retry: { states: ['error'], permission: 'requests.act', label: 'Retry delivery' },
  resend: { states: ['error'], permission: 'requests.act', label: 'Resend as a new interchange' },
  cancel: { states: ['queued', 'error'], permission: 'requests.act', label: 'Cancel' },
  call: { states: ['queued', 'sent', 'pended', 'error', 'denied', 'rejected', 'partially_certified', 'modified'], permission: 'requests.act', label: 'Record a call to the payer' },
};

export const CALL_OUTCOMES = ['reached', 'left-message', 'no-answer'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** The actions a user may take on a request in its state. */
export function actionsFor(staff: StaffPrincipal, status: string, kind: string): RequestAction[] {
  if (kind !== 'prior-auth') return [];
  return (Object.keys(REQUEST_ACTIONS) as RequestAction[]).filter((a) => REQUEST_ACTIONS[a].states.includes(status as RequestState) && can(staff, REQUEST_ACTIONS[a].permission));
}

interface Ctx {
  deps: StaffDeps;
  staff: StaffPrincipal;
  id: string;
  httpRequestId?: string;
}

/** Permission, scope and state checks shared by every action; returns the row as it was. */
async function check(c: Ctx, action: RequestAction): Promise<RequestRow> {
  const spec = REQUEST_ACTIONS[action];
  if (!can(c.staff, spec.permission)) throw new AppError('forbidden', `${spec.label.toLowerCase()} needs the ${spec.permission} permission`);
  const row = await scopedRequest(c.deps.db, c.staff.orgId, c.id);
  if (!row || row.kind !== 'prior-auth') throw new AppError('not_found', 'no such prior-authorization request');
  if (!spec.states.includes(row.status as RequestState)) {
    throw new AppError('conflict', `"${spec.label}" does not apply to a request that is ${row.status.replace(/_/g, ' ')}`);
  }
  return row;
}

function maxAttemptsOf(c: Ctx, row: RequestRow): number {
  const payer = row.payerId ? c.deps.services?.payers.get(row.payerId) : undefined;
  if (!payer) throw new AppError('unavailable', `payer ${row.payerId ?? '(none)'} is not configured in this gateway`);
  return payer.config.maxAttempts;
}

/** Runs a workflow step; its refusal (the request moved meanwhile) is a ReviewError, answered 409. */
function inTx<T>(c: Ctx, run: (tx: Tx, now: Date) => Promise<T>): Promise<T> {
  return withTransaction(c.deps.db, (tx) => run(tx, c.deps.now()));
}

export async function approve(c: Ctx): Promise<void> {
  const row = await check(c, 'approve');
  const maxAttempts = maxAttemptsOf(c, row);
  await inTx(c, (tx, now) => approveReview(tx, { requestId: row.id, actor: actorOf(c.staff), httpRequestId: c.httpRequestId, now, maxAttempts }));
  c.deps.services?.wake();
}

export async function returnToProvider(c: Ctx, reason: string, note: string): Promise<void> {
  if (!(reason in RETURN_REASONS)) throw new AppError('invalid', `reason must be one of ${Object.keys(RETURN_REASONS).join(', ')}`, 'reason');
  if (note.length > 500) throw new AppError('invalid', 'the note is limited to 500 characters', 'note');
  // The note reaches the provider in a ClaimResponse: no control characters.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(note)) throw new AppError('invalid', 'the note holds control characters', 'note');
  const row = await check(c, 'return');
  await inTx(c, (tx, now) => returnReview(tx, { requestId: row.id, actor: actorOf(c.staff), httpRequestId: c.httpRequestId, now, reason: reason as ReturnReason, note }));
}

export async function changeDocuments(c: Ctx, edit: DocumentEdit): Promise<void> {
  const row = await check(c, 'documents');
  const stored = await latestMessage(c.deps.db, row.id, REQUEST_SET);
  if (!stored) throw new AppError('conflict', 'the stored request is missing');
  const attached = Array.isArray(row.summary.attached) ? (row.summary.attached as string[]) : [];
  const result = editDocumentation(JSON.parse(stored.payload) as Bundle, attached, edit, { newUrl: () => `urn:uuid:${randomUUID()}`, now: c.deps.now() });
  if (result.removed === 0 && result.added === 0) throw new AppError('invalid', 'choose a document to remove or a file to attach');
  await inTx(c, async (tx, now) => {
    await replaceHeldRequest(tx, { requestId: row.id, actor: actorOf(c.staff), httpRequestId: c.httpRequestId, now, bundle: result.bundle, change: { removed: result.removed, added: result.added } });
    // Documents staff added can be removed again before sending, like the EHR's (fullUrls only).
    await mergeSummary(tx, row.id, { attached: result.attached }, now);
  });
}

async function requeue(c: Ctx, action: 'retry' | 'resend'): Promise<void> {
  const row = await check(c, action);
  const maxAttempts = maxAttemptsOf(c, row);
  await inTx(c, async (tx, now) => {
    const current = await lockRequest(tx, row.id);
    if (current?.status !== 'error') throw new AppError('conflict', `the request is ${current?.status ?? 'gone'} now`);
    await transition(tx, row.id, 'queued', { actor: actorOf(c.staff), httpRequestId: c.httpRequestId, detail: { action } });
    await enqueue(tx, { kind: DELIVER_JOB, orgId: row.orgId, requestId: row.id, maxAttempts, ...(action === 'resend' ? { payload: { fresh: true } } : {}) });
    await appendAudit(tx, { actor: actorOf(c.staff), action: `request.${action}`, orgId: row.orgId, entityType: 'request', entityId: row.id, requestId: c.httpRequestId ?? null, at: now });
  });
  c.deps.services?.wake();
}

/** The same stored interchange again (same control numbers: a payer that got it de-duplicates). */
export const retryDelivery = (c: Ctx) => requeue(c, 'retry');
/** A new interchange with new control numbers (after the payer confirmed it has nothing). */
export const resend = (c: Ctx) => requeue(c, 'resend');

/**
 * Cancels a request the payer has not answered: a "cancelled" (HCR01 C) answer for the provider,
 * its notification, the transition and the audit event in one transaction. A request the payer
 * holds is cancelled by the provider (certification type 3), not here.
 */
export async function cancel(c: Ctx, reason: string): Promise<void> {
  if (reason.length > 200 || /[\u0000-\u001f\u007f]/.test(reason)) throw new AppError('invalid', 'the reason is limited to 200 characters without control characters', 'reason');
  const row = await check(c, 'cancel');
  await inTx(c, async (tx, now) => {
    const current = await lockRequest(tx, row.id);
    if (!current || !REQUEST_ACTIONS.cancel.states.includes(current.status as RequestState)) throw new AppError('conflict', `the request is ${current?.status ?? 'gone'} now`);
    const stored = await latestMessage(tx, row.id, REQUEST_SET);
    const request = JSON.parse(stored!.payload) as Bundle;
    const body = answer278(pasRequestTo278(request as never, { now }).segments, { now, answer: (loop) => (loop.level === 'EV' || loop.level === 'SS' ? { review: [seg('HCR', 'C')] } : undefined) });
    const answer = stampResponse(x12ResponseToPas(body, { request: request as never, now, ids: randomUUID }) as unknown as Bundle, current);
    const cr = answer.entry?.[0]?.resource as { disposition?: string } | undefined;
    if (cr) cr.disposition = `Cancelled by the submitting organization before the payer answered${reason.trim() ? `: ${reason.trim()}` : ''}.`;
    const responseId = await saveMessage(tx, { orgId: row.orgId, requestId: row.id, direction: 'out', format: 'fhir', transactionSet: RESPONSE_SET, payload: JSON.stringify(answer) });
    await transition(tx, row.id, 'cancelled', { actor: actorOf(c.staff), httpRequestId: c.httpRequestId, summary: { decision: 'C', responseId }, detail: { action: 'cancel' } });
    await appendAudit(tx, { actor: actorOf(c.staff), action: 'request.cancel', orgId: row.orgId, entityType: 'request', entityId: row.id, requestId: c.httpRequestId ?? null, detail: { from: current.status, reasonLength: reason.trim().length }, at: now });
    await enqueueNotifications(tx, { orgId: row.orgId, requestId: row.id, responseBundle: answer, now });
  });
}

/** A call to the payer's desk, recorded on the request's timeline (outcome and the payer's reference). */
export async function recordCall(c: Ctx, outcome: string, reference: string): Promise<void> {
  if (!(CALL_OUTCOMES as readonly string[]).includes(outcome)) throw new AppError('invalid', `outcome must be one of ${CALL_OUTCOMES.join(', ')}`, 'outcome');
  if (reference && !/^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,39}$/.test(reference)) throw new AppError('invalid', 'the call reference is up to 40 letters, digits, spaces, dots, slashes or dashes', 'reference');
  const row = await check(c, 'call');
  await inTx(c, (tx, now) =>
    appendAudit(tx, {
      actor: actorOf(c.staff),
      action: 'request.payer-call',
      orgId: row.orgId,
      entityType: 'request',
      entityId: row.id,
      requestId: c.httpRequestId ?? null,
      detail: { outcome, reference: reference || null, payerId: row.payerId, status: row.status },
      at: now,
    }),
  );
}
