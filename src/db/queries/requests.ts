/**
 * Requests, their lines and their messages. Every query that serves a caller takes the caller's
 * organization: a request of another organization is simply not found.
 */
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { appendAudit } from '../../audit/index.ts';
import { assertTransition, type RequestState } from '../../workflow/states.ts';
import type { Db } from '../client.ts';
import { messages, requestItems, requests } from '../schema.ts';

export type RequestRow = typeof requests.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;

export interface NewRequest {
  orgId: string;
  kind: 'prior-auth' | 'eligibility';
  payerId: string | null;
  urgency?: string | null;
  deadlineAt?: Date | null;
  idempotencyKey: string;
  traceNumber: string;
  priorRequestId?: string | null;
  summary?: Record<string, unknown>;
  items?: { sequence: number; traceNumber?: string | null; detail?: Record<string, unknown> }[];
}

/**
 * Inserts a request unless one with the same (organization, kind, idempotency key) exists.
 * Returns the row and whether it is new.
 */
export async function insertRequest(tx: Db, r: NewRequest, initial: RequestState = 'queued'): Promise<{ row: RequestRow; created: boolean }> {
  const id = randomUUID();
  const inserted = await tx
    .insert(requests)
    .values({
      id,
      orgId: r.orgId,
      kind: r.kind,
      status: initial,
      payerId: r.payerId,
      urgency: r.urgency ?? null,
      deadlineAt: r.deadlineAt ?? null,
      idempotencyKey: r.idempotencyKey,
      traceNumber: r.traceNumber,
      priorRequestId: r.priorRequestId ?? null,
      summary: r.summary ?? {},
    })
    .onConflictDoNothing()
    .returning();
  if (inserted.length === 0) {
    const [existing] = await tx
      .select()
      .from(requests)
      .where(and(eq(requests.orgId, r.orgId), eq(requests.kind, r.kind), eq(requests.idempotencyKey, r.idempotencyKey)));
    return { row: existing!, created: false };
  }
  if (r.items?.length) {
    await tx.insert(requestItems).values(
      r.items.map((i) => ({ requestId: id, sequence: i.sequence, traceNumber: i.traceNumber ?? null, detail: i.detail ?? {} })),
    );
  }
  return { row: inserted[0]!, created: true };
}

export async function findRequest(db: Db, orgId: string, id: string): Promise<RequestRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await db.select().from(requests).where(and(eq(requests.orgId, orgId), eq(requests.id, id)));
  return row;
}

/** Internal (workers, payer callbacks): not scoped to a caller. */
export async function requestById(db: Db, id: string): Promise<RequestRow | undefined> {
  const [row] = await db.select().from(requests).where(eq(requests.id, id));
  return row;
}

export async function requestsByTrace(db: Db, trace: string): Promise<RequestRow[]> {
  return db.select().from(requests).where(eq(requests.traceNumber, trace)).orderBy(desc(requests.createdAt));
}

export async function requestItemsOf(db: Db, requestId: string) {
  return db.select().from(requestItems).where(eq(requestItems.requestId, requestId)).orderBy(requestItems.sequence);
}

export async function updateItemDecisions(
  tx: Db,
  requestId: string,
  items: { sequence: number; decision: string; authNumber?: string | null; quantity?: string | null }[],
) {
  for (const i of items) {
    await tx
      .update(requestItems)
      .set({ decision: i.decision, authNumber: i.authNumber ?? null, quantity: i.quantity ?? null })
      .where(and(eq(requestItems.requestId, requestId), eq(requestItems.sequence, i.sequence)));
  }
}

/**
 * Moves a request to a new state (row locked, transition checked against the table) and audits
 * it with the message that caused it, all in the caller's transaction.
 */
export async function transition(
  tx: Db,
  requestId: string,
  to: RequestState,
  cause: { actor: string; messageId?: string | null; detail?: Record<string, unknown>; httpRequestId?: string; summary?: Record<string, unknown> },
): Promise<RequestRow> {
  const [row] = await tx.select().from(requests).where(eq(requests.id, requestId)).for('update');
  if (!row) throw new Error(`request ${requestId} not found`);
  const from = row.status as RequestState;
  assertTransition(from, to);
  const [updated] = await tx
    .update(requests)
    .set({ status: to, updatedAt: new Date(), ...(cause.summary ? { summary: { ...row.summary, ...cause.summary } } : {}) })
    .where(eq(requests.id, requestId))
    .returning();
  await appendAudit(tx, {
    actor: cause.actor,
    action: 'request.transition',
    orgId: row.orgId,
    entityType: 'request',
    entityId: requestId,
    requestId: cause.httpRequestId ?? null,
    detail: { from, to, messageId: cause.messageId ?? null, ...cause.detail },
  });
  return updated!;
}

export interface NewMessage {
  orgId?: string | null;
  requestId?: string | null;
  direction: 'in' | 'out';
  format: 'fhir' | 'x12';
  transactionSet?: string | null;
  senderId?: string | null;
  controlNumber?: string | null;
  payload: string;
}

export async function saveMessage(tx: Db, m: NewMessage): Promise<string> {
  const id = randomUUID();
  await tx.insert(messages).values({ id, ...m });
  return id;
}

/** The newest message of a kind for a request (e.g. the current response bundle). */
export async function latestMessage(db: Db, requestId: string, transactionSet: string): Promise<MessageRow | undefined> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.requestId, requestId), eq(messages.transactionSet, transactionSet)))
    .orderBy(desc(messages.seq))
    .limit(1);
  return row;
}

/** Has this (sender, control number) arrived before? (Duplicate inbound interchanges.) */
export async function seenInbound(db: Db, senderId: string, controlNumber: string): Promise<boolean> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.direction, 'in'), eq(messages.senderId, senderId), eq(messages.controlNumber, controlNumber)))
    .limit(1);
  return Boolean(row);
}

export async function requestsByIds(db: Db, orgId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db.select().from(requests).where(and(eq(requests.orgId, orgId), inArray(requests.id, ids)));
}
