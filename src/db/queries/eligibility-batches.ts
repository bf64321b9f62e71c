/**
 * Staff eligibility batches and their result rows. A batch is run under a lease: the runner that
 * claims it renews `lease_until` while it works; a batch whose lease ran out (its process died) is
 * claimable again and resumes from the result rows already stored.
 */
import { and, asc, desc, eq, getTableColumns, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { cipherOf } from '../crypto/index.ts';
import { eligibilityBatches, eligibilityBatchResults } from '../schema.ts';
import { openBatchResult, openRoster, sealBatchResult, sealRoster } from './sealed-rows.ts';

export type BatchRow = typeof eligibilityBatches.$inferSelect;
/** A batch without its roster (what lists and status pages show). */
export type BatchInfo = Omit<BatchRow, 'roster'>;

const { roster: _roster, ...infoColumns } = getTableColumns(eligibilityBatches);

export const FINAL_BATCH_STATES = ['done', 'incomplete', 'cancelled', 'failed'] as const;

/** Stores a batch; its roster (PHI) is sealed under the current data key. */
export async function insertBatch(tx: Db, b: Pick<BatchRow, 'id' | 'orgId' | 'payerId' | 'createdBy' | 'concurrency' | 'total' | 'roster'>): Promise<void> {
  await tx.insert(eligibilityBatches).values({ ...b, roster: sealRoster(tx, b.id, b.roster), status: 'queued' });
}

/** One batch, only within the caller's organization (`null`: any). */
export async function getBatch(db: Db, id: string, orgId: string | null): Promise<BatchInfo | undefined> {
  const [row] = await db
    .select(infoColumns)
    .from(eligibilityBatches)
    .where(and(eq(eligibilityBatches.id, id), orgId === null ? undefined : eq(eligibilityBatches.orgId, orgId)));
  return row;
}

export async function listBatches(db: Db, orgId: string | null, limit = 50): Promise<BatchInfo[]> {
  return db
    .select(infoColumns)
    .from(eligibilityBatches)
    .where(orgId === null ? undefined : eq(eligibilityBatches.orgId, orgId))
    .orderBy(desc(eligibilityBatches.createdAt))
    .limit(limit);
}

/**
 * Takes a batch to run: queued, or running with an expired lease. Returns it with its roster, or
 * nothing when another process holds it or it has finished.
 */
export async function claimBatch(db: Db, id: string, leaseMs: number): Promise<BatchRow | undefined> {
  const [row] = await db
    .update(eligibilityBatches)
    .set({
      status: 'running',
      leaseUntil: sql`now() + (${leaseMs}::int * interval '1 millisecond')`,
      startedAt: sql`coalesce(${eligibilityBatches.startedAt}, now())`,
    })
    .where(
      and(
        eq(eligibilityBatches.id, id),
        or(eq(eligibilityBatches.status, 'queued'), and(eq(eligibilityBatches.status, 'running'), or(isNull(eligibilityBatches.leaseUntil), lt(eligibilityBatches.leaseUntil, sql`now()`)))),
      ),
    )
    .returning();
  return row && { ...row, roster: openRoster(db, row.id, row.roster) };
}

/** Batches waiting for a runner: queued, or running with an expired lease. */
export async function claimableBatchIds(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: eligibilityBatches.id })
    .from(eligibilityBatches)
    .where(or(eq(eligibilityBatches.status, 'queued'), and(eq(eligibilityBatches.status, 'running'), lt(eligibilityBatches.leaseUntil, sql`now()`))))
    .orderBy(asc(eligibilityBatches.createdAt));
  return rows.map((r) => r.id);
}

/** Renews the lease. False when the batch is no longer running (cancelled). */
export async function renewBatch(db: Db, id: string, leaseMs: number): Promise<boolean> {
  const rows = await db
    .update(eligibilityBatches)
    .set({ leaseUntil: sql`now() + (${leaseMs}::int * interval '1 millisecond')` })
    .where(and(eq(eligibilityBatches.id, id), eq(eligibilityBatches.status, 'running')))
    .returning({ id: eligibilityBatches.id });
  return rows.length > 0;
}

/** Gives a running batch up (graceful stop): any process may resume it at once. */
export async function releaseBatch(db: Db, id: string): Promise<void> {
  await db
    .update(eligibilityBatches)
    .set({ leaseUntil: sql`now() - interval '1 second'` })
    .where(and(eq(eligibilityBatches.id, id), eq(eligibilityBatches.status, 'running')));
}

/** Stored result rows by status, for each of the batches (one grouped query). */
export async function resultCountsOf(db: Db, batchIds: string[]): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>(batchIds.map((id) => [id, {}]));
  if (batchIds.length === 0) return counts;
  const rows = await db
    .select({ batchId: eligibilityBatchResults.batchId, status: eligibilityBatchResults.status, n: sql<number>`count(*)::int` })
    .from(eligibilityBatchResults)
    .where(inArray(eligibilityBatchResults.batchId, batchIds))
    .groupBy(eligibilityBatchResults.batchId, eligibilityBatchResults.status);
  for (const r of rows) counts.get(r.batchId)![r.status] = Number(r.n);
  return counts;
}

/** Stored result rows of one batch by status. */
export async function resultCounts(db: Db, batchId: string): Promise<Record<string, number>> {
  return (await resultCountsOf(db, [batchId])).get(batchId)!;
}

export async function finishBatch(tx: Db, id: string, status: (typeof FINAL_BATCH_STATES)[number], counts: Record<string, number>, error?: string): Promise<void> {
  await tx
    .update(eligibilityBatches)
    .set({ status, counts, error: error ?? null, leaseUntil: null, finishedAt: sql`now()` })
    .where(and(eq(eligibilityBatches.id, id), eq(eligibilityBatches.status, 'running')));
}

/** Cancels a batch that has not finished; true when it did. */
export async function cancelBatch(tx: Db, id: string, orgId: string | null): Promise<boolean> {
  const rows = await tx
    .update(eligibilityBatches)
    .set({ status: 'cancelled', leaseUntil: null, finishedAt: sql`now()` })
    .where(and(eq(eligibilityBatches.id, id), inArray(eligibilityBatches.status, ['queued', 'running']), orgId === null ? undefined : eq(eligibilityBatches.orgId, orgId)))
    .returning({ id: eligibilityBatches.id });
  return rows.length > 0;
}

export interface StoredResult {
  line: number;
  /** member|service type (the engine's resume key); stored only as a keyed hash. */
  key: string;
  status: string;
  /** The CSV columns; sealed at rest (member id, names, amounts). */
  row: Record<string, string | number | null>;
}

/**
 * The rows a resumed run keeps (opened, for their keys); rows that failed or were invalid are
 * deleted to be done again.
 */
export async function resumeResults(db: Db, batchId: string, again: readonly string[]): Promise<{ kept: Record<string, string | number | null>[]; retried: number }> {
  const dropped = await db
    .delete(eligibilityBatchResults)
    .where(and(eq(eligibilityBatchResults.batchId, batchId), inArray(eligibilityBatchResults.status, [...again])))
    .returning({ line: eligibilityBatchResults.line });
  const kept = await db.select({ line: eligibilityBatchResults.line, row: eligibilityBatchResults.row }).from(eligibilityBatchResults).where(eq(eligibilityBatchResults.batchId, batchId));
  return { kept: kept.map((k) => openBatchResult(db, batchId, k.line, k.row)), retried: dropped.length };
}

/** Stores result rows; a row already stored for the line is kept (a re-sent flush changes nothing). */
export async function insertResults(db: Db, batchId: string, rows: StoredResult[]): Promise<void> {
  if (rows.length === 0) return;
  const cipher = cipherOf(db);
  await db
    .insert(eligibilityBatchResults)
    .values(rows.map((r) => ({ batchId, line: r.line, status: r.status, key: cipher.searchHash('member-id', r.key), row: sealBatchResult(db, batchId, r.line, r.row) })))
    .onConflictDoNothing();
}

/** One page of results (opened) in roster order, after `afterLine` (keyset paging: constant memory for any size). */
export async function resultsPage(db: Db, batchId: string, afterLine: number, size: number): Promise<Omit<StoredResult, 'key'>[]> {
  const page = await db
    .select({ line: eligibilityBatchResults.line, status: eligibilityBatchResults.status, row: eligibilityBatchResults.row })
    .from(eligibilityBatchResults)
    .where(and(eq(eligibilityBatchResults.batchId, batchId), gt(eligibilityBatchResults.line, afterLine)))
    .orderBy(asc(eligibilityBatchResults.line))
    .limit(size);
  return page.map((r) => ({ ...r, row: openBatchResult(db, batchId, r.line, r.row) }));
}
