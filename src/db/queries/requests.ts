/**
 * Requests, their lines and their messages. Every query that serves a caller takes the caller's
 * organization: a request of another organization is simply not found.
 *
 * PHI is encrypted here on write and decrypted on read (sealed-rows.ts): message payloads and the
 * summary's PHI fields. Rows returned carry plaintext, as if nothing were encrypted.
 */
import { randomUUID } from 'node:crypto';
import { and, arrayOverlaps, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { batched, driverValue, insertReturning, updateReturning, type Batch, type Part } from '../batch.ts';
import { preparedRead } from '../prepared.ts';
import { withRepeatable } from '../tx.ts';
import type { RequestState } from '../../workflow/states.ts';
import type { Db, Tx } from '../client.ts';
import { cipherOf } from '../crypto/index.ts';
import { memberRequests, messages, requestItems, requests } from '../schema.ts';
import { openMessage, openRequest, openRequests, sealPayload, sealSummary, splitSummary, type MessageRow, type RequestRow } from './sealed-rows.ts';

export type { MessageRow, RequestRow };

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
export async function insertRequest(tx: Db, r: NewRequest, initial: RequestState = 'queued', batch?: Batch): Promise<{ row: RequestRow; created: boolean }> {
  const id = randomUUID();
  const sealed = sealSummary(cipherOf(tx), id, r.summary ?? {});
  const inserted = await insertReturning(
    tx,
    requests,
    {
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
      ...sealed,
    },
    { onConflictDoNothing: true },
  );
  if (inserted.length === 0) {
    const [existing] = await tx
      .select()
      .from(requests)
      .where(and(eq(requests.orgId, r.orgId), eq(requests.kind, r.kind), eq(requests.idempotencyKey, r.idempotencyKey)));
    return { row: openRequest(tx, existing!), created: false };
  }
  const row = inserted[0]!;
  if (r.items?.length || sealed.memberIdHashes.length) {
    // Its lines and its member index go with the caller's batch, when there is one.
    await batched(tx, batch, (b) => {
      for (const i of r.items ?? []) b.insert(requestItems, { requestId: id, sequence: i.sequence, traceNumber: i.traceNumber ?? null, detail: i.detail ?? {} });
      for (const m of memberIndexRows({ id, orgId: r.orgId, createdAt: row.createdAt }, sealed.memberIdHashes)) b.insert(memberRequests, m);
    });
  }
  // The summary just sealed, whole: nothing to decrypt.
  return { row: { ...row, summary: r.summary ?? {} }, created: true };
}

/** A request's rows in the member index (`member_requests`): one per member id hash. */
export function memberIndexRows(request: Pick<RequestRow, 'id' | 'orgId' | 'createdAt'>, hashes: readonly string[]): (typeof memberRequests.$inferInsert)[] {
  return hashes.map((memberHash) => ({ orgId: request.orgId, memberHash, createdAt: request.createdAt, requestId: request.id }));
}

export async function findRequest(db: Db, orgId: string, id: string): Promise<RequestRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await withRepeatable(db, () => db.select().from(requests).where(and(eq(requests.orgId, orgId), eq(requests.id, id))));
  return row && openRequest(db, row);
}

/** Internal (workers, payer callbacks): not scoped to a caller. */
export async function requestById(db: Db, id: string): Promise<RequestRow | undefined> {
  const [row] = await withRepeatable(db, () => db.select().from(requests).where(eq(requests.id, id)));
  return row && openRequest(db, row);
}

/** Whether a request row exists (did the transaction that inserted it commit? `withTransaction`'s `committed`). */
export async function requestExists(db: Db, id: string): Promise<boolean> {
  return (await db.select({ id: requests.id }).from(requests).where(eq(requests.id, id))).length > 0;
}

/** Whether a message row exists (did the transaction that inserted it commit?). */
export async function messageExists(db: Db, id: string): Promise<boolean> {
  return (await db.select({ id: messages.id }).from(messages).where(eq(messages.id, id))).length > 0;
}

/** A request locked until the caller's transaction ends (state changes that must not race). */
export async function lockRequest(tx: Tx, id: string): Promise<RequestRow | undefined> {
  const [row] = await tx.select().from(requests).where(eq(requests.id, id)).for('update');
  return row && openRequest(tx, row);
}

export async function requestsByTrace(db: Db, trace: string): Promise<RequestRow[]> {
  return openRequests(db, await db.select().from(requests).where(eq(requests.traceNumber, trace)).orderBy(desc(requests.createdAt)));
}

/** The organization's prior-auth request with this idempotency key, if it exists. */
const byIdempotencyKey = preparedRead('request_by_idempotency_key', (db) =>
  db
    .select()
    .from(requests)
    .where(and(eq(requests.orgId, sql.placeholder('orgId')), eq(requests.kind, sql.placeholder('kind')), eq(requests.idempotencyKey, sql.placeholder('key'))))
    .limit(1),
);

export async function requestByIdempotencyKey(db: Db, orgId: string, kind: string, key: string): Promise<RequestRow | undefined> {
  const [row] = await byIdempotencyKey(db, { orgId, kind, key });
  return row && openRequest(db, row);
}

/** The organization's newest prior-auth request an update points at, by trace number or `Claim/{id}`. */
export async function priorAuthReferencedBy(db: Db, orgId: string, ref: { traceNumbers: string[]; claimResourceIds: string[] }): Promise<RequestRow | undefined> {
  const byTrace = ref.traceNumbers.length ? inArray(requests.traceNumber, ref.traceNumbers) : undefined;
  const byId = ref.claimResourceIds.length ? inArray(sql<string>`${requests.summary}->>'claimResourceId'`, ref.claimResourceIds) : undefined;
  const match = byTrace && byId ? or(byTrace, byId) : (byTrace ?? byId);
  if (!match) return undefined;
  const [row] = await db
    .select()
    .from(requests)
    .where(and(eq(requests.orgId, orgId), eq(requests.kind, 'prior-auth'), match))
    .orderBy(desc(requests.createdAt))
    .limit(1);
  return row && openRequest(db, row);
}

/**
 * `$inquire` candidates: prior-auth requests of one of these member ids (matched by keyed hash: the
 * ids are stored encrypted), newest first — the organization's own, and (PAS spec-52) another
 * organization's where `npi`, the asking organization's own NPI, is one of the request's providers.
 * The caller applies the inquiry's other criteria to the decrypted rows.
 */
export async function inquiryCandidates(db: Db, q: { orgId: string; npi?: string | null; memberIds: string[]; limit: number }): Promise<RequestRow[]> {
  const cipher = cipherOf(db);
  const hashes = [...new Set(q.memberIds.map((m) => cipher.searchHash('member-id', m)))];
  if (hashes.length === 0) return [];
  const scope = q.npi ? or(eq(requests.orgId, q.orgId), sql`${requests.summary}->'providerIds' @> ${JSON.stringify([q.npi])}::jsonb`) : eq(requests.orgId, q.orgId);
  const rows = await db
    .select()
    .from(requests)
    .where(and(scope, eq(requests.kind, 'prior-auth'), arrayOverlaps(requests.memberIdHashes, hashes)))
    .orderBy(desc(requests.createdAt))
    .limit(q.limit);
  return openRequests(db, rows);
}

/** The newest request that revises this one, directly or through later revisions (PAS spec-47/48). */
export async function latestRevision(db: Db, request: RequestRow): Promise<RequestRow> {
  let current = request;
  for (let hops = 0; hops < 50; hops++) {
    const [next] = await db
      .select()
      .from(requests)
      .where(and(eq(requests.priorRequestId, current.id), eq(requests.orgId, current.orgId)))
      .orderBy(desc(requests.createdAt))
      .limit(1);
    if (!next) return current;
    current = openRequest(db, next);
  }
  return current;
}

export async function requestItemsOf(db: Db, requestId: string) {
  return db.select().from(requestItems).where(eq(requestItems.requestId, requestId)).orderBy(requestItems.sequence);
}

export async function updateItemDecisions(
  tx: Db,
  requestId: string,
  items: { sequence: number; decision: string; authNumber?: string | null; quantity?: string | null }[],
  batch?: Batch,
) {
  if (!items.length) return;
  // One statement for every line: the new values joined in as a VALUES list.
  const values = sql.join(
    items.map((i) => sql`(${i.sequence}::int, ${i.decision}::text, ${i.authNumber ?? null}::text, ${i.quantity ?? null}::text)`),
    sql`, `,
  );
  await batched(tx, batch, (b) =>
    b.add(sql`update request_items set decision = v.decision, auth_number = v.auth_number, quantity = v.quantity
    from (values ${values}) as v(sequence, decision, auth_number, quantity)
    where request_items.request_id = ${requestId} and request_items.sequence = v.sequence`),
  );
}

/**
 * The statement that moves a request to `to` — only if it is still in `from`, when given — merging
 * clear summary fields into the stored ones. The state machine and the audit event are the
 * `requests` module's (src/requests/transition.ts); this is only its SQL.
 */
export function statusUpdate(id: string, to: RequestState, o: { at: Date; summary?: Record<string, unknown>; from?: RequestState }): Part {
  // Written as text (one of four shapes): drizzle's update builder cost tens of microseconds per
  // call, on every answer.
  const patch = o.summary ? clearPatch(o.summary) : undefined;
  const params: unknown[] = [to, driverValue(requests.updatedAt, o.at)];
  let set = '"status" = $1, "updated_at" = $2';
  if (patch) set += `, "summary" = "requests"."summary" || $${params.push(JSON.stringify(patch))}::jsonb`;
  let where = `"requests"."id" = $${params.push(id)}`;
  if (o.from) where += ` and "requests"."status" = $${params.push(o.from)}`;
  return { text: `update "requests" set ${set} where ${where}`, params };
}

/** `statusUpdate` run: the request as it now is, or undefined when it was not in `from`. */
export async function moveRequest(db: Db, id: string, to: RequestState, o: { at: Date; summary?: Record<string, unknown>; from?: RequestState }): Promise<RequestRow | undefined> {
  const [row] = await updateReturning(db, requests, statusUpdate(id, to, o));
  return row && openRequest(db, row);
}

/** Summary updates after insert carry no PHI (the PHI fields are written once, encrypted, at insert). */
export function clearPatch(patch: Record<string, unknown>): Record<string, unknown> {
  const { clear, phi } = splitSummary(patch);
  if (Object.keys(phi).length) throw new Error(`summary fields ${Object.keys(phi).join(', ')} hold PHI and are set only when the request is stored`);
  return clear;
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

/** @param id the message's id, when the caller needs it before the insert (to send statements together) */
export async function saveMessage(tx: Db, m: NewMessage, id: string = randomUUID()): Promise<string> {
  await tx.insert(messages).values({ id, ...m, payload: sealPayload(tx, id, m.payload) });
  return id;
}

/** `saveMessage` as part of the caller's batch: the id is known at once, the row goes with the batch. */
export function batchMessage(batch: Batch, m: NewMessage, id: string = randomUUID()): string {
  batch.insert(messages, { id, ...m, payload: sealPayload(batch.tx, id, m.payload) });
  return id;
}

/** The newest message of a kind for a request (e.g. the current response bundle). */
export async function latestMessage(db: Db, requestId: string, transactionSet: string): Promise<MessageRow | undefined> {
  const [row] = await withRepeatable(db, () =>
    db
      .select()
      .from(messages)
      .where(and(eq(messages.requestId, requestId), eq(messages.transactionSet, transactionSet)))
      .orderBy(desc(messages.seq))
      .limit(1),
  );
  return row && openMessage(db, row);
}

/** Does the request have a message of one of these kinds (e.g. did anything leave for the payer)? */
export async function hasMessage(db: Db, requestId: string, transactionSets: string[]): Promise<boolean> {
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.requestId, requestId), inArray(messages.transactionSet, transactionSets)))
    .limit(1);
  return Boolean(row);
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
  return openRequests(db, await db.select().from(requests).where(and(eq(requests.orgId, orgId), inArray(requests.id, ids))));
}

/** One of our outbound interchanges by its sender and ISA13 (what a payer's 999 or TA1 acknowledges). */
export async function outboundMessage(db: Db, senderId: string, controlNumber: string): Promise<MessageRow | undefined> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.direction, 'out'), eq(messages.senderId, senderId), eq(messages.controlNumber, controlNumber)))
    .orderBy(desc(messages.seq))
    .limit(1);
  return row && openMessage(db, row);
}
