/**
 * The audit monitor's reads and writes: its cursor over the audit trail, the look-back windows its
 * rules need, record flags, and the alerts themselves. Alert queries take a `scope` organization
 * like the staff queries (`null`: all organizations).
 */
import { and, asc, desc, eq, gt, inArray, isNull, lte, sql, type SQL } from 'drizzle-orm';
import { rows, type Db } from '../client.ts';
import { auditAlerts, auditEvents, auditMonitorCursor, recordFlags } from '../schema.ts';

export type AlertRow = typeof auditAlerts.$inferSelect;
export type FlagRow = typeof recordFlags.$inferSelect;
/** A sealed event (the monitor reads the log in its sealed order: `seq` is set). */
export type MonitoredEvent = Pick<typeof auditEvents.$inferSelect, 'at' | 'orgId' | 'actor' | 'action' | 'entityType' | 'entityId' | 'outcome' | 'detail'> & { seq: number };

const eventColumns = {
  seq: auditEvents.seq,
  at: auditEvents.at,
  orgId: auditEvents.orgId,
  actor: auditEvents.actor,
  action: auditEvents.action,
  entityType: auditEvents.entityType,
  entityId: auditEvents.entityId,
  outcome: auditEvents.outcome,
  detail: auditEvents.detail,
};

// ---- cursor --------------------------------------------------------------------------------

/**
 * Takes the cursor for this transaction, or undefined when another scanner (another process)
 * holds it: that one is doing the work, this one skips its turn.
 */
export async function lockCursor(tx: Db): Promise<number | undefined> {
  await tx.insert(auditMonitorCursor).values({ id: 1, lastSeq: 0 }).onConflictDoNothing();
  const [row] = await rows<{ last_seq: string | number }>(tx, sql`select last_seq from audit_monitor_cursor where id = 1 for update skip locked`);
  return row ? Number(row.last_seq) : undefined;
}

export async function setCursor(tx: Db, lastSeq: number, now: Date) {
  await tx.update(auditMonitorCursor).set({ lastSeq, updatedAt: now }).where(eq(auditMonitorCursor.id, 1));
}

/** Puts the cursor back (operators re-scanning after changing thresholds; tests). */
export async function resetCursor(db: Db, lastSeq = 0) {
  await db.insert(auditMonitorCursor).values({ id: 1, lastSeq }).onConflictDoUpdate({ target: auditMonitorCursor.id, set: { lastSeq } });
}

/** Sealed events after `seq`, in log order (unsealed ones wait for the sequencer). */
export async function eventsAfter(db: Db, seq: number, limit: number): Promise<MonitoredEvent[]> {
  const found = await db.select(eventColumns).from(auditEvents).where(gt(auditEvents.seq, seq)).orderBy(asc(auditEvents.seq)).limit(limit);
  return found as MonitoredEvent[];
}

/** The given actors' events of the given actions in `[from, …]` up to `upToSeq`: a rule's look-back window. */
export async function actorWindow(db: Db, q: { actors: string[]; actions: string[]; outcome?: string; from: Date; upToSeq: number }): Promise<MonitoredEvent[]> {
  if (q.actors.length === 0) return Promise.resolve([]);
  const where: SQL[] = [
    inArray(auditEvents.actor, q.actors),
    inArray(auditEvents.action, q.actions),
    sql`${auditEvents.at} >= ${q.from.toISOString()}::timestamptz`,
    lte(auditEvents.seq, q.upToSeq),
  ];
  if (q.outcome) where.push(eq(auditEvents.outcome, q.outcome));
  return (await db.select(eventColumns).from(auditEvents).where(and(...where)).orderBy(asc(auditEvents.seq))) as MonitoredEvent[];
}

/**
 * For a successful token event: has this client had a token before, and from this address since
 * `since`? (Only events before `seq` count.)
 */
export async function tokenHistory(db: Db, q: { actor: string; address: string; seq: number; since: Date }) {
  const [row] = await rows<{ any_prior: boolean; seen: boolean }>(
    db,
    sql`select
      exists (select 1 from audit_events where actor = ${q.actor} and action = 'auth.token' and outcome = 'success' and seq < ${q.seq}) as any_prior,
      exists (select 1 from audit_events where actor = ${q.actor} and action = 'auth.token' and outcome = 'success' and seq < ${q.seq}
                and at >= ${q.since.toISOString()}::timestamptz and detail->>'address' = ${q.address}) as seen`,
  );
  return { anyPrior: Boolean(row?.any_prior), seenRecently: Boolean(row?.seen) };
}

// ---- flags ---------------------------------------------------------------------------------

export async function flagsFor(db: Db, requestIds: string[]): Promise<FlagRow[]> {
  const ids = [...new Set(requestIds)].filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  if (ids.length === 0) return [];
  return db.select().from(recordFlags).where(inArray(recordFlags.requestId, ids));
}

export async function setFlag(tx: Db, f: { requestId: string; reason: string; flaggedBy: string; flaggedAt: Date }) {
  await tx
    .insert(recordFlags)
    .values(f)
    .onConflictDoUpdate({ target: recordFlags.requestId, set: { reason: f.reason, flaggedBy: f.flaggedBy, flaggedAt: f.flaggedAt } });
}

export async function clearFlag(tx: Db, requestId: string): Promise<boolean> {
  return (await tx.delete(recordFlags).where(eq(recordFlags.requestId, requestId)).returning({ id: recordFlags.requestId })).length > 0;
}

// ---- alerts --------------------------------------------------------------------------------

/** The latest episode of this rule and group that started at or before `seq`. */
export async function episodeAt(db: Db, rule: string, groupKey: string, seq: number): Promise<AlertRow | undefined> {
  const [row] = await db
    .select()
    .from(auditAlerts)
    .where(and(eq(auditAlerts.rule, rule), eq(auditAlerts.groupKey, groupKey), lte(auditAlerts.firstSeq, seq)))
    .orderBy(desc(auditAlerts.firstSeq))
    .limit(1);
  return row;
}

/** Inserts a new episode; false when that exact episode exists already (a re-scan). */
export async function insertAlert(tx: Db, a: typeof auditAlerts.$inferInsert): Promise<boolean> {
  const inserted = await tx.insert(auditAlerts).values(a).onConflictDoNothing().returning({ id: auditAlerts.id });
  return inserted.length === 1;
}

export async function extendAlert(tx: Db, id: string, lastSeq: number, lastAt: Date) {
  await tx
    .update(auditAlerts)
    .set({ lastSeq, lastAt, count: sql`${auditAlerts.count} + 1` })
    .where(and(eq(auditAlerts.id, id), sql`${auditAlerts.lastSeq} < ${lastSeq}`));
}

const inScope = (scope: string | null) => (scope ? eq(auditAlerts.orgId, scope) : undefined);

export async function alertById(db: Db, id: string, scope: string | null = null): Promise<AlertRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await db.select().from(auditAlerts).where(and(eq(auditAlerts.id, id), inScope(scope)));
  return row;
}

export function listAlerts(db: Db, q: { scope: string | null; openOnly?: boolean; limit: number }): Promise<AlertRow[]> {
  return db
    .select()
    .from(auditAlerts)
    .where(and(inScope(q.scope), q.openOnly ? isNull(auditAlerts.acknowledgedAt) : undefined))
    .orderBy(desc(auditAlerts.createdAt), desc(auditAlerts.lastSeq))
    .limit(q.limit);
}

/** Marks an open alert acknowledged; the row, or undefined when absent, out of scope or done already. */
export async function acknowledgeAlert(tx: Db, id: string, scope: string | null, by: string, at: Date): Promise<AlertRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await tx
    .update(auditAlerts)
    .set({ acknowledgedBy: by, acknowledgedAt: at })
    .where(and(eq(auditAlerts.id, id), inScope(scope), isNull(auditAlerts.acknowledgedAt)))
    .returning();
  return row;
}
