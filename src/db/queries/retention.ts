/**
 * Retention: what a purge exports and deletes, and the audit checkpoints it leaves. A purge removes
 * a sealed prefix of the audit log (every event up to the last one older than the cutoff, so the rest
 * still links), stored messages older than the cutoff that belong to no surviving request, and
 * requests that are closed (a final state) and untouched since before the cutoff.
 */
import { and, asc, desc, gt, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { SETTLED_STATES } from '../../workflow/states.ts';
import { rows, type Db } from '../client.ts';
import { auditCheckpoints, auditEvents, messages, requestItems, requests } from '../schema.ts';
import { openMessage, openRequests } from './sealed-rows.ts';

export interface CheckpointInfo {
  seq: number;
  hash: string;
  at: string;
  cutoff: string;
  manifestSha256: string;
}

/** Closed requests: nothing more happens to them (the state machine's settled states). */
export const CLOSED_STATES: string[] = [...SETTLED_STATES];

/** Serializes purges (any process, either driver): a transaction-scoped advisory lock. */
const RETENTION_LOCK = 727_000_002;

export async function lockRetention(tx: Db) {
  await tx.execute(sql`select pg_advisory_xact_lock(${RETENTION_LOCK})`);
}

export async function latestCheckpoint(db: Db): Promise<CheckpointInfo | undefined> {
  const [row] = await db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.id)).limit(1);
  return row ? { seq: row.seq, hash: row.hash, at: row.at.toISOString(), cutoff: row.cutoff.toISOString(), manifestSha256: row.manifestSha256 } : undefined;
}

export async function insertCheckpoint(tx: Db, c: { seq: number; hash: string; cutoff: Date; manifestSha256: string; at: Date }) {
  await tx.insert(auditCheckpoints).values(c);
}

/**
 * The sealed audit events a purge before `cutoff` removes: `(after, upTo]`, where `after` is the last
 * event already purged (or the log's start) and `upTo` the last event before the first one at or
 * after the cutoff. `upTo === after` means none. Events not yet sealed are never purged.
 */
export async function auditPurgeRange(tx: Db, cutoff: Date): Promise<{ after: number; upTo: number }> {
  const [bounds] = await tx
    .select({ lo: sql<string | null>`min(${auditEvents.seq})`, hi: sql<string | null>`max(${auditEvents.seq})` })
    .from(auditEvents);
  if (bounds?.lo == null || bounds.hi == null) return { after: 0, upTo: 0 };
  const lo = Number(bounds.lo);
  const [young] = await tx.select({ seq: sql<string | null>`min(${auditEvents.seq})` }).from(auditEvents).where(gte(auditEvents.at, cutoff));
  const upTo = young?.seq == null ? Number(bounds.hi) : Number(young.seq) - 1;
  return upTo < lo ? { after: lo - 1, upTo: lo - 1 } : { after: lo - 1, upTo };
}

/** Closed, untouched since before the cutoff, and with no message from after it. */
function purgeableRequest(cutoff: Date): SQL {
  const at = cutoff.toISOString();
  return sql`${requests.status} in (${sql.join(CLOSED_STATES.map((s) => sql`${s}`), sql`, `)})
    and ${requests.updatedAt} < ${at}::timestamptz and ${requests.createdAt} < ${at}::timestamptz
    and not exists (select 1 from messages m where m.request_id = ${requests.id} and m.created_at >= ${at}::timestamptz)`;
}

/** Locks the requests a purge removes (so none is re-opened between export and delete); their ids. */
export async function lockPurgeableRequests(tx: Db, cutoff: Date): Promise<string[]> {
  const found = await rows<{ id: string }>(tx, sql`select id from requests where ${purgeableRequest(cutoff)} order by id for update`);
  return found.map((r) => r.id);
}

/** The requests, opened: an export is read without our keys, so it holds the plaintext (owner-only files). */
export async function requestsByIdsOrdered(db: Db, ids: string[]) {
  return openRequests(db, await db.select().from(requests).where(inArray(requests.id, ids)).orderBy(asc(requests.id)));
}

export function requestItemsByIds(db: Db, ids: string[]) {
  return db.select().from(requestItems).where(inArray(requestItems.requestId, ids)).orderBy(asc(requestItems.requestId), asc(requestItems.sequence));
}

/** Stored messages older than the cutoff that belong to no request, or to a purged one. */
function purgeableMessage(cutoff: Date): SQL {
  return sql`${messages.createdAt} < ${cutoff.toISOString()}::timestamptz
    and (${messages.requestId} is null or ${messages.requestId} in (select id from requests where ${purgeableRequest(cutoff)}))`;
}

/** One page of purgeable messages, opened (see requestsByIdsOrdered). */
export async function messagesPage(db: Db, cutoff: Date, afterSeq: number, limit: number) {
  const page = await db
    .select()
    .from(messages)
    .where(and(gt(messages.seq, afterSeq), purgeableMessage(cutoff)))
    .orderBy(asc(messages.seq))
    .limit(limit);
  return page.map((m) => openMessage(db, m));
}

/** Deletes what was exported, children first. Returns the rows deleted per table. */
export async function deletePurged(tx: Db, cutoff: Date, requestIds: string[], auditUpTo: number) {
  const counts = { auditEvents: 0, messages: 0, requests: 0, requestItems: 0 };
  counts.messages = (await tx.delete(messages).where(purgeableMessage(cutoff)).returning({ id: messages.id })).length;
  for (let i = 0; i < requestIds.length; i += 1000) {
    const chunk = requestIds.slice(i, i + 1000);
    counts.requestItems += (await tx.delete(requestItems).where(inArray(requestItems.requestId, chunk)).returning({ id: requestItems.requestId })).length;
    counts.requests += (await tx.delete(requests).where(inArray(requests.id, chunk)).returning({ id: requests.id })).length;
  }
  counts.auditEvents = (await tx.delete(auditEvents).where(lte(auditEvents.seq, auditUpTo)).returning({ seq: auditEvents.seq })).length;
  return counts;
}
