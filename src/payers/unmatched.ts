/**
 * Late 278s that `/payer/x12` could not deliver. Matching never crosses organizations (see
 * match-answer.ts): an answer whose trace fits requests of several organizations — which another
 * organization can cause on purpose by copying a request's Claim identifier, member id and
 * provider — or of none is stored, audited (`payer.unmatched`, which the audit monitor raises as an
 * `undelivered-answer` alert for each organization it names) and listed for staff: staff of each
 * organization it names see that an answer for their request is waiting (not its content, which may
 * belong to another organization); an administrator with no organization sees it whole and applies
 * it to the request it answers (`payer.unmatched.apply`), exactly as if it had matched.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Db, Tx } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { lockRequest, type RequestRow } from '../db/queries/requests.ts';
import { insertUnmatched, lockUnmatched, resolveUnmatched } from '../db/queries/unmatched.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { AppError } from '../errors/index.ts';
import { x12ResponseToPas } from '../translate/index.ts';
import { recordAnswer } from '../requests/index.ts';
import { parseX12, type Segment } from '../x12/index.ts';
import { storedBundle, summaryOf278 } from './reply.ts';
import { bodyOf, envelopeOf } from './x12-io.ts';

/** States a late answer may still settle. */
export const LATE_ANSWER_FROM = ['queued', 'sent', 'pended', 'error'] as const;

/** Records a late 278 body as the answer of `request` (in the caller's transaction); whether the state changed. */
export async function applyLate278(
  tx: Tx,
  opts: { request: RequestRow; body: Segment[]; envelope?: ReturnType<typeof envelopeOf>; payerId: string; actor: string; messageId: string; now: Date },
): Promise<boolean> {
  const requestBundle = await storedBundle(tx, opts.request.id);
  const bundle = x12ResponseToPas(opts.body, { request: requestBundle as never, ...(opts.envelope ? { envelope: opts.envelope } : {}), now: opts.now, ids: randomUUID }) as unknown as Bundle;
  const summary = summaryOf278(opts.body, bundle);
  const r = await recordAnswer(tx, { requestId: opts.request.id, actor: opts.actor, responseBundle: bundle, summary, messageId: opts.messageId, onlyFrom: [...LATE_ANSWER_FROM] });
  return Boolean(r?.changed);
}

/** Stores the undelivered answer for staff, with its audit event (in the caller's transaction). */
export async function recordUnmatched(
  tx: Db,
  opts: { messageId: string; payerId: string; controlNumber: string; ambiguous: boolean; candidates: RequestRow[] },
): Promise<void> {
  const orgIds = [...new Set(opts.candidates.map((r) => r.orgId))];
  const reason = opts.ambiguous ? 'ambiguous' : 'no-match';
  await insertUnmatched(tx, {
    messageId: opts.messageId,
    payerId: opts.payerId,
    reason,
    controlNumber: opts.controlNumber,
    candidateOrgIds: orgIds,
    candidateRequestIds: opts.candidates.map((r) => r.id),
  });
  await appendAudit(tx, {
    actor: `payer:${opts.payerId}`,
    action: 'payer.unmatched',
    outcome: 'failure',
    entityType: 'message',
    entityId: opts.messageId,
    detail: { messageId: opts.messageId, controlNumber: opts.controlNumber, reason, candidateOrgIds: orgIds, candidateRequestIds: opts.candidates.map((r) => r.id) },
  });
}

/** The 278 of a stored message (one set per message), as the body translate reads (BHT … before SE). */
export function stored278(payload: string): Segment[] | undefined {
  const tx = parseX12(payload).interchanges.flatMap((ic) => ic.groups.flatMap((g) => g.transactions)).find((t) => t.setId === '278');
  return tx ? bodyOf(tx) : undefined;
}

/**
 * Applies an undelivered answer to the request it answers (an administrator's decision): the
 * request must be the same payer's and still open. Returns the request id when its state changed.
 */
export async function applyUnmatched(db: Db, opts: { messageId: string; requestId: string; actor: string; now: Date; requestIdHttp?: string }): Promise<{ changed: boolean }> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  if (!uuid.test(opts.messageId)) throw new AppError('not_found', 'no such unresolved payer answer');
  if (!uuid.test(opts.requestId)) throw new AppError('invalid', 'give the id of the request this answer belongs to', 'requestId');
  return withTransaction(db, async (tx) => {
    const found = await lockUnmatched(tx, opts.messageId);
    if (!found) throw new AppError('not_found', 'no such unresolved payer answer');
    const request = await lockRequest(tx, opts.requestId);
    if (!request || request.payerId !== found.row.payerId) throw new AppError('invalid', `request ${opts.requestId.slice(0, 36)} is not one of payer ${found.row.payerId}'s requests`, 'requestId');
    if (!(LATE_ANSWER_FROM as readonly string[]).includes(request.status)) throw new AppError('conflict', `request ${request.id} is ${request.status}: it takes no late answer`, 'requestId');
    const body = stored278(found.payload);
    if (!body) throw new AppError('unprocessable', 'the stored interchange no longer holds that 278');
    const changed = await applyLate278(tx, { request, body, payerId: found.row.payerId, actor: opts.actor, messageId: opts.messageId, now: opts.now });
    await resolveUnmatched(tx, opts.messageId, opts.actor, request.id, opts.now);
    await appendAudit(tx, {
      actor: opts.actor,
      action: 'payer.unmatched.apply',
      orgId: request.orgId,
      entityType: 'request',
      entityId: request.id,
      requestId: opts.requestIdHttp ?? null,
      detail: { messageId: opts.messageId, payerId: found.row.payerId, changed },
      at: opts.now,
    });
    return { changed };
  });
}
