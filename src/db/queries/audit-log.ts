/**
 * The audit log's SQL: appending events (one insert, no lock), the sequencer's batch (advisory lock,
 * unsealed events, their places, the tree nodes, the signed head), and the reads that verification,
 * proofs and the witnesses need.
 */
import { and, asc, desc, eq, gt, isNull, lte, sql } from 'drizzle-orm';
import { rows, type Db } from '../client.ts';
import { withRepeatable } from '../tx.ts';
import { auditEvents, auditHead, auditHeads, auditTreeNodes, auditWitnessCursors } from '../schema.ts';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type HeadRow = typeof auditHeads.$inferSelect;
export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, 'id' | 'seq' | 'prevHash' | 'hash' | 'loggedAt'>;

/** One sequencer at a time, across processes and instances (transaction-scoped, so a killed process lets go). */
export const SEQUENCER_LOCK = 727_000_003;
/** One exporter per witness at a time. */
const WITNESS_LOCK = 727_000_004;

export async function insertAuditEvent(db: Db, e: NewAuditEvent): Promise<number> {
  const [row] = await db.insert(auditEvents).values(e).returning({ id: auditEvents.id });
  return row!.id;
}

async function tryXactLock(tx: Db, key: number): Promise<boolean> {
  const [r] = await rows<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${key}) as ok`);
  return Boolean(r?.ok);
}

export const tryWitnessLock = (tx: Db, name: string) => tryXactLock(tx, WITNESS_LOCK + (name === 'file' ? 0 : 1));

/** The database clock (heads are stamped with it, so time-to-seal compares like with like). */
export async function databaseNow(db: Db): Promise<Date> {
  const [r] = await rows<{ now: string | Date }>(db, sql`select clock_timestamp() as now`);
  return new Date(r!.now);
}

export async function latestHead(db: Db): Promise<HeadRow | undefined> {
  const [row] = await db.select().from(auditHeads).orderBy(desc(auditHeads.headNo)).limit(1);
  return row;
}

export async function headByNo(db: Db, headNo: number): Promise<HeadRow | undefined> {
  const [row] = await db.select().from(auditHeads).where(eq(auditHeads.headNo, headNo));
  return row;
}

export function headsAfter(db: Db, headNo: number, limit: number): Promise<HeadRow[]> {
  return db.select().from(auditHeads).where(gt(auditHeads.headNo, headNo)).orderBy(asc(auditHeads.headNo)).limit(limit);
}

export async function insertHead(tx: Db, h: typeof auditHeads.$inferInsert) {
  await tx.insert(auditHeads).values(h);
}

/**
 * The sequencer's first statement: its lock (false: another process is sealing), the newest head,
 * and the highest place given so far (must be the head's end: anything beyond it means a head was
 * removed). One round trip: the sequencer runs beside the whole gateway's load.
 */
export async function sequencerStart(tx: Db): Promise<{ locked: boolean; maxSeq: number; head: HeadRow | undefined }> {
  const [r] = await rows<{
    locked: boolean;
    max_seq: string | number | null;
    head_no: string | number | null;
    tree_size: string | number;
    root_hash: string;
    base: string | number;
    sealed_at: string | Date;
    kid: string;
    jws: string;
    frontier: string[] | string;
  }>(
    tx,
    sql`select pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) as locked, (select max(seq) from audit_events) as max_seq, h.*
        from (select 1) as one left join lateral (select * from audit_heads order by head_no desc limit 1) as h on true`,
  );
  const head =
    r && r.head_no != null
      ? {
          headNo: Number(r.head_no),
          treeSize: Number(r.tree_size),
          rootHash: r.root_hash,
          base: Number(r.base),
          sealedAt: new Date(r.sealed_at),
          kid: r.kid,
          jws: r.jws,
          frontier: typeof r.frontier === 'string' ? (JSON.parse(r.frontier) as string[]) : r.frontier,
        }
      : undefined;
  return { locked: Boolean(r?.locked), maxSeq: r?.max_seq == null ? 0 : Number(r.max_seq), head };
}

/** Gives events their places in the log; returns the database clock after it (the seal's time). */
export async function placeEvents(tx: Db, places: { id: number; seq: number }[]): Promise<Date> {
  const values = sql.join(
    places.map((p) => sql`(${p.id}::bigint, ${p.seq}::bigint)`),
    sql`, `,
  );
  const [r] = await rows<{ now: string | Date; n: number }>(
    tx,
    sql`with placed as (update audit_events set seq = v.seq from (values ${values}) as v(id, seq) where audit_events.id = v.id and audit_events.seq is null returning 1)
        select clock_timestamp() as now, count(*)::int as n from placed`,
  );
  if (Number(r?.n) !== places.length) throw new Error(`placed ${r?.n} of ${places.length} audit events: another sequencer ran`);
  return new Date(r!.now);
}

/** Stores a batch's new tree nodes and its signed head in one statement. */
export async function storeSeal(tx: Db, nodes: { level: number; idx: number; hash: string }[], h: typeof auditHeads.$inferInsert) {
  const head = sql`insert into audit_heads (head_no, tree_size, root_hash, base, sealed_at, kid, jws, frontier)
    values (${h.headNo}, ${h.treeSize}, ${h.rootHash}, ${h.base}, ${h.sealedAt.toISOString()}::timestamptz, ${h.kid}, ${h.jws}, ${JSON.stringify(h.frontier)}::jsonb)`;
  if (nodes.length === 0 || nodes.length > 5000) {
    await insertNodes(tx, nodes);
    await tx.execute(head);
    return;
  }
  const values = sql.join(
    nodes.map((n) => sql`(${n.level}::int, ${n.idx}::bigint, ${n.hash})`),
    sql`, `,
  );
  await tx.execute(sql`with nodes as (insert into audit_tree_nodes (level, idx, hash) values ${values}) ${head}`);
}

/** Events not yet in the log, oldest insert first. */
export function unsealedEvents(tx: Db, limit: number): Promise<AuditEventRow[]> {
  return tx.select().from(auditEvents).where(isNull(auditEvents.seq)).orderBy(asc(auditEvents.id)).limit(limit);
}

export async function insertNodes(tx: Db, nodes: { level: number; idx: number; hash: string }[]) {
  for (let i = 0; i < nodes.length; i += 5000) await tx.insert(auditTreeNodes).values(nodes.slice(i, i + 5000));
}

/** The stored hashes of the given nodes, keyed `level:idx`. */
export async function nodesByIds(db: Db, ids: { level: number; idx: number }[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const pairs = sql.join(
      chunk.map((n) => sql`(${n.level}::int, ${n.idx}::bigint)`),
      sql`, `,
    );
    const found = await rows<{ level: number; idx: string | number; hash: string }>(db, sql`select level, idx, hash from audit_tree_nodes where (level, idx) in (${pairs})`);
    for (const r of found) out.set(`${r.level}:${Number(r.idx)}`, r.hash);
  }
  return out;
}

export type EventWithLeaf = AuditEventRow & { leaf: string | null };

/**
 * Sealed events after `seq` (up to `upTo`), each with the leaf hash the sequencer stored for it
 * (`base`: the tree's offset).
 */
export async function sealedEventsPage(db: Db, afterSeq: number, base: number, limit: number, upTo?: number): Promise<EventWithLeaf[]> {
  const page = await db
    .select({ event: auditEvents, leaf: auditTreeNodes.hash })
    .from(auditEvents)
    .leftJoin(auditTreeNodes, and(eq(auditTreeNodes.level, 0), eq(auditTreeNodes.idx, sql`${auditEvents.seq} - 1 - ${base}`)))
    .where(and(gt(auditEvents.seq, afterSeq), upTo === undefined ? undefined : lte(auditEvents.seq, upTo)))
    .orderBy(asc(auditEvents.seq))
    .limit(limit);
  return page.map((r) => ({ ...r.event, leaf: r.leaf }));
}

export async function eventById(db: Db, id: number): Promise<AuditEventRow | undefined> {
  const [row] = await db.select().from(auditEvents).where(eq(auditEvents.id, id));
  return row;
}

export async function eventIdsBySeq(db: Db, seqs: number[]): Promise<Map<number, number>> {
  if (seqs.length === 0) return new Map();
  const found = await db
    .select({ id: auditEvents.id, seq: auditEvents.seq })
    .from(auditEvents)
    .where(sql`${auditEvents.seq} in (${sql.join(seqs.map((s) => sql`${s}`), sql`, `)})`);
  return new Map(found.map((r) => [r.seq!, r.id]));
}

export async function countAuditEvents(db: Db): Promise<number> {
  const [r] = await rows<{ n: number }>(db, sql`select count(*)::int as n from audit_events`);
  return Number(r?.n ?? 0);
}

export async function unsealedStats(db: Db): Promise<{ count: number; oldest: Date | null }> {
  const [r] = await withRepeatable(db, () => rows<{ n: number; oldest: string | Date | null }>(db, sql`select count(*)::int as n, min(logged_at) as oldest from audit_events where seq is null`));
  return { count: Number(r?.n ?? 0), oldest: r?.oldest ? new Date(r.oldest) : null };
}

/** Events waiting for a seal, or an upgraded database's old events not in the tree yet (no transaction needed). */
export async function anythingToSeal(db: Db): Promise<boolean> {
  const [r] = await rows<{ due: boolean }>(
    db,
    sql`select exists (select 1 from audit_events where seq is null)
        or (not exists (select 1 from audit_heads) and exists (select 1 from audit_events where seq is not null)) as due`,
  );
  return Boolean(r?.due);
}

// ---- events from before the Merkle log (the old hash chain) ---------------------------------------

/** Sealed events that are not from the old chain (with no head at all, they mean the heads were removed). */
export async function sealedWithoutChain(db: Db): Promise<number> {
  const [r] = await rows<{ n: number }>(db, sql`select count(*)::int as n from audit_events where seq is not null and hash is null`);
  return Number(r?.n ?? 0);
}

/** Events sealed by the old hash chain and not yet in the tree: they have a seq, and no head exists. */
export async function legacyBounds(db: Db): Promise<{ lo: number; hi: number; count: number } | undefined> {
  const [r] = await rows<{ lo: string | null; hi: string | null; n: number }>(db, sql`select min(seq) as lo, max(seq) as hi, count(*)::int as n from audit_events where seq is not null`);
  return r?.lo == null ? undefined : { lo: Number(r.lo), hi: Number(r.hi), count: Number(r.n) };
}

export function legacyPage(db: Db, afterSeq: number, limit: number): Promise<AuditEventRow[]> {
  return db.select().from(auditEvents).where(gt(auditEvents.seq, afterSeq)).orderBy(asc(auditEvents.seq)).limit(limit);
}

export async function legacyChainHead(db: Db): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  return row;
}

// ---- witnesses ---------------------------------------------------------------------------------

export async function witnessCursor(db: Db, name: string): Promise<number> {
  const [row] = await db.select().from(auditWitnessCursors).where(eq(auditWitnessCursors.name, name));
  return row?.headNo ?? 0;
}

/** The witness has every head up to `headNo`. */
export async function advanceWitness(db: Db, name: string, headNo: number) {
  await db
    .insert(auditWitnessCursors)
    .values({ name, headNo, lastError: null })
    .onConflictDoUpdate({ target: auditWitnessCursors.name, set: { headNo, lastError: null, updatedAt: new Date() } });
}

/** The last export to the witness failed (shown in the audit status; retried later). */
export async function witnessFailed(db: Db, name: string, error: string) {
  await db
    .insert(auditWitnessCursors)
    .values({ name, headNo: 0, lastError: error.slice(0, 500) })
    .onConflictDoUpdate({ target: auditWitnessCursors.name, set: { lastError: error.slice(0, 500), updatedAt: new Date() } });
}

export function witnessCursors(db: Db) {
  return db.select().from(auditWitnessCursors).orderBy(asc(auditWitnessCursors.name));
}

