/**
 * Data quality and interface health (src/quality): pre-send findings, payer rejection reasons,
 * payer calls and circuit-breaker events, and the look-ups the checks need. Report and health
 * aggregations are in quality-report.ts.
 */
import { and, asc, desc, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import { rows, type Db } from '../client.ts';
import { preparedRead } from '../prepared.ts';
import { withTransaction } from '../tx.ts';
import { cipherOf } from '../crypto/index.ts';
import { auditAlerts, auditEvents, messages, payerBreakerEvents, payerCalls, payerHealthScan, payerRejections, memberRequests, qualityWarnings, requests } from '../schema.ts';
import type { AlertRow } from './monitor.ts';
import { openMessage, openRequest, type RequestRow } from './sealed-rows.ts';

export type QualityWarningRow = typeof qualityWarnings.$inferSelect;
export type NewQualityWarning = typeof qualityWarnings.$inferInsert;
export type NewPayerRejection = typeof payerRejections.$inferInsert;
export type PayerCallRow = typeof payerCalls.$inferSelect;
export type BreakerEventRow = typeof payerBreakerEvents.$inferSelect;

export async function insertFindings(tx: Db, rows: NewQualityWarning[]): Promise<void> {
  if (rows.length) await tx.insert(qualityWarnings).values(rows);
}

/** The findings stored with a request, in the order they were found. */
export function findingsOfRequest(db: Db, requestId: string): Promise<QualityWarningRow[]> {
  return db.select().from(qualityWarnings).where(eq(qualityWarnings.requestId, requestId)).orderBy(asc(qualityWarnings.createdAt), asc(qualityWarnings.expression));
}

const newestByMemberHashes = preparedRead('requests_by_member_hashes', (db) => {
  const ids = sql`unnest(${sql.placeholder('hashes')}::text[]) as h(hash)`;
  const newest = db
    .select({ requestId: memberRequests.requestId, createdAt: memberRequests.createdAt })
    .from(memberRequests)
    .where(and(eq(memberRequests.orgId, sql.placeholder('orgId')), eq(memberRequests.memberHash, sql`h.hash`)))
    .orderBy(desc(memberRequests.createdAt))
    .limit(sql.placeholder('limit'))
    .as('m');
  return db
    .select({ request: requests })
    .from(ids)
    .innerJoinLateral(newest, sql`true`)
    .innerJoin(requests, eq(requests.id, newest.requestId))
    .orderBy(desc(newest.createdAt))
    .limit(sql.placeholder('limit'));
});

/**
 * The organization's newest requests naming one of these member ids (by keyed hash: the ids are
 * stored encrypted), newest first, each decrypted only when the caller reaches it (a caller that
 * stops at the first opens one). One index probe per member id (`member_requests`), whatever the
 * member's or the organization's history.
 */
export async function requestsByMemberIds(db: Db, orgId: string, memberIds: string[], limit = 3): Promise<Iterable<RequestRow>> {
  const cipher = cipherOf(db);
  const hashes = [...new Set(memberIds.map((m) => cipher.searchHash('member-id', m)))];
  if (hashes.length === 0) return [];
  const found = await newestByMemberHashes(db, { orgId, hashes, limit });
  return (function* () {
    const seen = new Set<string>();
    for (const { request } of found) {
      if (seen.has(request.id)) continue;
      seen.add(request.id);
      yield openRequest(db, request);
    }
  })();
}

export async function insertRejections(tx: Db, rows: NewPayerRejection[]): Promise<void> {
  if (rows.length) await tx.insert(payerRejections).values(rows);
}

/** One stored message's payload, decrypted (the 999 or TA1 that carried a rejection). */
export async function messagePayload(db: Db, id: string): Promise<string | undefined> {
  const [row] = await db.select({ id: messages.id, payload: messages.payload }).from(messages).where(eq(messages.id, id));
  return row ? openMessage(db, row).payload : undefined;
}

/**
 * A batch of payer calls, in a transaction of its own: a connection lost while it runs has it
 * written again, and one lost at its COMMIT is found committed by its transaction id (db/tx.ts),
 * so a failover's moment costs health figures no calls, unless that COMMIT itself did not land.
 */
export async function insertPayerCalls(db: Db, rows: (typeof payerCalls.$inferInsert)[]): Promise<void> {
  await withTransaction(db, async (tx) => {
    await tx.insert(payerCalls).values(rows);
  });
}

export async function insertBreakerEvent(db: Db, row: typeof payerBreakerEvents.$inferInsert): Promise<void> {
  await db.insert(payerBreakerEvents).values(row);
}

/** The newest calls to a payer since `since` (at most `limit`): the health window. */
export function recentCalls(db: Db, payerId: string, since: Date, limit: number): Promise<PayerCallRow[]> {
  return db
    .select()
    .from(payerCalls)
    .where(and(eq(payerCalls.payerId, payerId), gte(payerCalls.at, since)))
    .orderBy(desc(payerCalls.at), desc(payerCalls.id))
    .limit(limit);
}

export function breakerHistory(db: Db, payerIds: string[], limit: number): Promise<BreakerEventRow[]> {
  if (payerIds.length === 0) return Promise.resolve([]);
  return db.select().from(payerBreakerEvents).where(inArray(payerBreakerEvents.payerId, payerIds)).orderBy(desc(payerBreakerEvents.at), desc(payerBreakerEvents.id)).limit(limit);
}

// ---- payer health alerts (rows of audit_alerts, rule payer-*, group = payer id) --------------------

/** The open (not cleared) alert of a rule for a payer, if any. */
export async function openConditionAlert(db: Db, rule: string, groupKey: string): Promise<AlertRow | undefined> {
  const [row] = await db
    .select()
    .from(auditAlerts)
    .where(and(eq(auditAlerts.rule, rule), eq(auditAlerts.groupKey, groupKey), isNull(auditAlerts.clearedAt)))
    .orderBy(desc(auditAlerts.firstAt))
    .limit(1);
  return row;
}

/** The condition still holds: note when it was last seen and how it looks now. */
export async function touchConditionAlert(tx: Db, id: string, at: Date, detail: Record<string, unknown>): Promise<void> {
  await tx.update(auditAlerts).set({ lastAt: at, detail, count: sql`${auditAlerts.count} + 1` }).where(eq(auditAlerts.id, id));
}

/**
 * Where in the audit log a health episode starts: the newest sealed event's seq (its own
 * `alert.raise` event is sealed later, by the sequencer). 0 before anything is sealed.
 */
export async function sealedLogPosition(tx: Db): Promise<number> {
  const [row] = await tx.select({ seq: sql<string | null>`max(${auditEvents.seq})` }).from(auditEvents);
  return Number(row?.seq ?? 0);
}

/**
 * A condition back before anything more was sealed: the episode that starts at this position is
 * opened again instead of a second one at the same place. Its id, or undefined when there is none.
 */
export async function reopenConditionAlert(tx: Db, rule: string, groupKey: string, firstSeq: number, at: Date, detail: Record<string, unknown>): Promise<string | undefined> {
  const [row] = await tx
    .update(auditAlerts)
    .set({ clearedAt: null, lastAt: at, detail, count: sql`${auditAlerts.count} + 1` })
    .where(and(eq(auditAlerts.rule, rule), eq(auditAlerts.groupKey, groupKey), eq(auditAlerts.firstSeq, firstSeq)))
    .returning({ id: auditAlerts.id });
  return row?.id;
}

export async function clearConditionAlert(tx: Db, id: string, at: Date): Promise<void> {
  await tx.update(auditAlerts).set({ clearedAt: at, lastAt: at }).where(and(eq(auditAlerts.id, id), isNull(auditAlerts.clearedAt)));
}

/** The newest health alerts of these payers (open and cleared), for the health page. */
export function healthAlerts(db: Db, rules: string[], payerIds: string[], limit: number): Promise<AlertRow[]> {
  if (payerIds.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(auditAlerts)
    .where(and(inArray(auditAlerts.rule, rules), inArray(auditAlerts.groupKey, payerIds)))
    .orderBy(desc(auditAlerts.createdAt))
    .limit(limit);
}

/** Takes the health scan for this transaction, or false when another process is running it. */
export async function lockHealthScan(tx: Db, now: Date): Promise<boolean> {
  await tx.insert(payerHealthScan).values({ id: 1 }).onConflictDoNothing();
  const [row] = await rows<{ id: number }>(tx, sql`select id from payer_health_scan where id = 1 for update skip locked`);
  if (!row) return false;
  await tx.update(payerHealthScan).set({ lastScanAt: now }).where(eq(payerHealthScan.id, 1));
  return true;
}

/** Calls older than the cutoff are not needed for any window: dropped. */
export async function pruneCalls(db: Db, before: Date): Promise<void> {
  await db.delete(payerCalls).where(lt(payerCalls.at, before));
}
