/**
 * Subscriptions and their delivery attempts. Queries that serve a caller take the caller's
 * organization: another organization's subscription is simply not found. Rows are never deleted
 * (status `deleted`), because their delivery attempts record where PHI was sent. The rest-hook's
 * header lines are sealed at rest (sealed-rows.ts); every row returned has them back in `resource`.
 */
import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { cipherOf } from '../crypto/index.ts';
import { notificationAttempts, subscriptionEvents, subscriptions } from '../schema.ts';
import { openSubscription, sealSubscription, type SubscriptionRow } from './sealed-rows.ts';

export type { SubscriptionRow };
export type NotificationAttemptRow = typeof notificationAttempts.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function insertSubscription(
  tx: Db,
  s: { id: string; orgId: string; status: string; endpoint: string; resource: Record<string, unknown> },
): Promise<SubscriptionRow> {
  const [row] = await tx.insert(subscriptions).values({ ...s, ...sealSubscription(cipherOf(tx), s.id, s.resource) }).returning();
  return openSubscription(tx, row!);
}

/**
 * A caller's subscription (not deleted), or undefined: wrong organization, unknown or malformed id.
 * `lock`: held until the transaction ends (`FOR NO KEY UPDATE`, as subscriptionsForUpdate).
 */
export async function findSubscription(db: Db, orgId: string, id: string, opts: { lock?: boolean } = {}): Promise<SubscriptionRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const query = db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.orgId, orgId), eq(subscriptions.id, id), ne(subscriptions.status, 'deleted')));
  const [row] = opts.lock ? await query.for('no key update') : await query;
  return row && openSubscription(db, row);
}

export async function listSubscriptions(db: Db, orgId: string): Promise<SubscriptionRow[]> {
  const rows = await db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.orgId, orgId), ne(subscriptions.status, 'deleted')))
    .orderBy(asc(subscriptions.createdAt), asc(subscriptions.id));
  return rows.map((r) => openSubscription(db, r));
}

export async function countSubscriptions(db: Db, orgId: string, statuses: string[]): Promise<number> {
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(subscriptions)
    .where(and(eq(subscriptions.orgId, orgId), inArray(subscriptions.status, statuses)));
  return Number(r?.n ?? 0);
}

/** Internal (workers): by id alone, whatever its status. */
export async function subscriptionById(db: Db, id: string): Promise<SubscriptionRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await db.select().from(subscriptions).where(eq(subscriptions.id, id));
  return row && openSubscription(db, row);
}

/**
 * The subscriptions of an organization in the given statuses, locked until the caller's transaction
 * ends, oldest first (the lock order, docs/architecture.md). `FOR NO KEY UPDATE`: enough to number
 * events and change a status, and it does not wait for a delivery attempt being recorded (whose
 * foreign key takes only `FOR KEY SHARE` on the same row).
 */
export async function subscriptionsForUpdate(tx: Db, orgId: string, statuses: string[]): Promise<{ id: string; end: string | null }[]> {
  // Only what numbering an event needs: no header lines opened for every event.
  return tx
    .select({ id: subscriptions.id, end: sql<string | null>`${subscriptions.resource} ->> 'end'` })
    .from(subscriptions)
    .where(and(eq(subscriptions.orgId, orgId), inArray(subscriptions.status, statuses)))
    .orderBy(asc(subscriptions.createdAt), asc(subscriptions.id))
    .for('no key update');
}

/** Replaces a subscription's resource (header lines sealed), endpoint and status; its id, event count and creation stay. */
export async function replaceSubscription(tx: Db, id: string, v: { status: string; endpoint: string; resource: Record<string, unknown> }): Promise<SubscriptionRow> {
  const [row] = await tx
    .update(subscriptions)
    .set({ status: v.status, endpoint: v.endpoint, statusReason: null, ...sealSubscription(cipherOf(tx), id, v.resource) })
    .where(eq(subscriptions.id, id))
    .returning();
  return openSubscription(tx, row!);
}

/** Counts one more event for a subscription and returns its number (backport events-since-subscription-start). */
export async function nextEventNumber(tx: Db, id: string): Promise<number> {
  const [row] = await tx
    .update(subscriptions)
    .set({ eventCount: sql`${subscriptions.eventCount} + 1` })
    .where(eq(subscriptions.id, id))
    .returning({ n: subscriptions.eventCount });
  return row!.n;
}

/**
 * Moves a subscription to `to` if it is in one of `from` (with the reason `$status` shows, for
 * `error`); returns whether it did. `as`: only if its endpoint and
 * stored header lines are still those of that row (an update, or a data key pass, changes them).
 */
export async function setSubscriptionStatus(
  tx: Db,
  id: string,
  from: string[],
  to: string,
  reason: string | null = null,
  as?: Pick<SubscriptionRow, 'endpoint' | 'channelHeaders'>,
): Promise<boolean> {
  const [before] = await tx
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.id, id),
        inArray(subscriptions.status, from),
        as ? eq(subscriptions.endpoint, as.endpoint) : undefined,
        as ? sql`${subscriptions.channelHeaders} is not distinct from ${as.channelHeaders}` : undefined,
      ),
    )
    .for('no key update');
  if (!before) return false;
  await tx.update(subscriptions).set({ status: to, statusReason: reason?.slice(0, 300) ?? null }).where(eq(subscriptions.id, id));
  return true;
}

export async function insertAttempt(
  tx: Db,
  a: { subscriptionId: string; requestId?: string | null; eventNumber?: number | null; status: string; httpStatus?: number | null; error?: string | null },
): Promise<void> {
  await tx.insert(notificationAttempts).values({
    subscriptionId: a.subscriptionId,
    requestId: a.requestId ?? null,
    eventNumber: a.eventNumber ?? null,
    status: a.status,
    httpStatus: a.httpStatus ?? null,
    error: a.error?.slice(0, 500) ?? null,
  });
}

export async function attemptsOf(db: Db, subscriptionId: string): Promise<NotificationAttemptRow[]> {
  return db
    .select()
    .from(notificationAttempts)
    .where(eq(notificationAttempts.subscriptionId, subscriptionId))
    .orderBy(asc(notificationAttempts.id));
}

// ---- events owed to subscribers ----------------------------------------------------------------

export type SubscriptionEventRow = typeof subscriptionEvents.$inferSelect;

/** Records an event a subscription owes; a number already used is left as it is (re-sends). */
export async function insertSubscriptionEvent(tx: Db, e: { subscriptionId: string; eventNumber: number; requestId: string | null; occurredAt: Date }) {
  await tx.insert(subscriptionEvents).values(e).onConflictDoNothing();
}

export async function markEventDelivered(tx: Db, subscriptionId: string, eventNumber: number, at: Date) {
  await tx
    .update(subscriptionEvents)
    .set({ deliveredAt: at })
    .where(and(eq(subscriptionEvents.subscriptionId, subscriptionId), eq(subscriptionEvents.eventNumber, eventNumber), isNull(subscriptionEvents.deliveredAt)));
}

export async function markEventGivenUp(tx: Db, subscriptionId: string, eventNumber: number, at: Date) {
  await tx
    .update(subscriptionEvents)
    .set({ givenUpAt: at })
    .where(and(eq(subscriptionEvents.subscriptionId, subscriptionId), eq(subscriptionEvents.eventNumber, eventNumber), isNull(subscriptionEvents.deliveredAt)));
}

/** What a subscriber has had and is owed: the newest event delivered, and every event not delivered, oldest first. */
export async function deliveryState(db: Db, subscriptionId: string, limit = 100): Promise<{ lastDelivered: number | null; owed: SubscriptionEventRow[]; owedCount: number }> {
  const [agg] = await db
    .select({
      lastDelivered: sql<number | null>`max(${subscriptionEvents.eventNumber}) filter (where ${subscriptionEvents.deliveredAt} is not null)`,
      owed: sql<number>`count(*) filter (where ${subscriptionEvents.deliveredAt} is null)`,
    })
    .from(subscriptionEvents)
    .where(eq(subscriptionEvents.subscriptionId, subscriptionId));
  const owed = await db
    .select()
    .from(subscriptionEvents)
    .where(and(eq(subscriptionEvents.subscriptionId, subscriptionId), isNull(subscriptionEvents.deliveredAt)))
    .orderBy(asc(subscriptionEvents.eventNumber))
    .limit(limit);
  return { lastDelivered: agg?.lastDelivered == null ? null : Number(agg.lastDelivered), owed, owedCount: Number(agg?.owed ?? 0) };
}
