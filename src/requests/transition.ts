/**
 * Every state change of a request goes through here: the move is checked against the transition
 * table (workflow/states.ts, the pure state machine), made, and audited with what caused it, in the
 * caller's transaction — or, with the caller's batch, as part of its one statement.
 */
import { appendAudit, batchAudit, type AuditEventInput } from '../audit/index.ts';
import { batched, type Batch } from '../db/batch.ts';
import type { Tx } from '../db/client.ts';
import { clearPatch, lockRequest, moveRequest, statusUpdate, type RequestRow } from '../db/queries/requests.ts';
import { assertTransition, type RequestState } from '../workflow/states.ts';

export interface TransitionCause {
  actor: string;
  messageId?: string | null;
  detail?: Record<string, unknown>;
  httpRequestId?: string;
  /** Clear (non-PHI) summary fields the move sets. */
  summary?: Record<string, unknown>;
}

/**
 * Moves a request to `to`, its row locked first, and audits it.
 * @param locked the request's row as the caller locked it in this transaction (no second lock and read)
 * @param batch with `locked`: the update and its audit event join the caller's batch, and the row
 *   returned is what the update will make of it (nothing is read back)
 */
export async function transition(tx: Tx, requestId: string, to: RequestState, cause: TransitionCause, locked?: RequestRow, batch?: Batch): Promise<RequestRow> {
  const row = locked ?? (await lockRequest(tx, requestId));
  if (!row) throw new Error(`request ${requestId} not found`);
  const from = row.status as RequestState;
  assertTransition(from, to);
  const at = new Date();
  const change = { at, ...(cause.summary ? { summary: cause.summary } : {}) };
  if (locked && batch) {
    batch.addText(statusUpdate(row.id, to, change));
    batchAudit(batch, transitionEvent(row, from, to, cause));
    return { ...row, status: to, updatedAt: at, ...(cause.summary ? { summary: { ...row.summary, ...clearPatch(cause.summary) } } : {}) };
  }
  // The row is locked: the update cannot miss, so it and its audit event go out together.
  const [updated] = await Promise.all([moveRequest(tx, row.id, to, change), appendAudit(tx, transitionEvent(row, from, to, cause))]);
  return updated!;
}

/**
 * Moves a request from `from` to `to` if it is still in `from`, in one statement (no lock and read
 * first); undefined when it no longer is (another answer got there first).
 */
export async function transitionFrom(tx: Tx, requestId: string, from: RequestState, to: RequestState, cause: TransitionCause, batch?: Batch): Promise<RequestRow | undefined> {
  assertTransition(from, to);
  const row = await moveRequest(tx, requestId, to, { at: new Date(), from, ...(cause.summary ? { summary: cause.summary } : {}) });
  if (!row) return undefined;
  await batched(tx, batch, (b) => batchAudit(b, transitionEvent(row, from, to, cause)));
  return row;
}

function transitionEvent(row: Pick<RequestRow, 'id' | 'orgId'>, from: RequestState, to: RequestState, cause: TransitionCause): AuditEventInput {
  return {
    actor: cause.actor,
    action: 'request.transition',
    orgId: row.orgId,
    entityType: 'request',
    entityId: row.id,
    requestId: cause.httpRequestId ?? null,
    detail: { from, to, messageId: cause.messageId ?? null, ...cause.detail },
  };
}
