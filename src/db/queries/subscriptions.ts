/**
 * Subscriptions and their delivery attempts. Queries that serve a caller take the caller's
 * organization: another organization's subscription is simply not found. Rows are never deleted
 * (status `deleted`), because their delivery attempts record where PHI was sent.
 */
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { notificationAttempts, subscriptions } from '../schema.ts';

export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type NotificationAttemptRow = typeof notificationAttempts.$inferSelect;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function insertSubscription(
  tx: Db,
  s: { id: string; orgId: string; status: string; endpoint: string; resource: Record<string, unknown> },
): Promise<SubscriptionRow> {
  const [row] = await tx.insert(subscriptions).values(s).returning();
  return row!;
}

/** A caller's subscription (not deleted), or undefined: wrong organization, unknown or malformed id. */
export async function findSubscription(db: Db, orgId: string, id: string): Promise<SubscriptionRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.orgId, orgId), eq(subscriptions.id, id), ne(subscriptions.status, 'deleted')));
  return row;
}

export async function listSubscriptions(db: Db, orgId: string): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.orgId, orgId), ne(subscriptions.status, 'deleted')))
    .orderBy(asc(subscriptions.createdAt), asc(subscriptions.id));
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
  return row;
}

/** The subscriptions of an organization in the given statuses, locked until the caller's transaction ends. */
export async function subscriptionsForUpdate(tx: Db, orgId: string, statuses: string[]): Promise<SubscriptionRow[]> {
  return tx
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.orgId, orgId), inArray(subscriptions.status, statuses)))
    .orderBy(asc(subscriptions.createdAt), asc(subscriptions.id))
    .for('update');
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

/** Moves a subscription to `to` if it is in one of `from`; returns the previous row, or undefined when it was not. */
export async function setSubscriptionStatus(tx: Db, id: string, from: string[], to: string): Promise<SubscriptionRow | undefined> {
  const [before] = await tx
    .select()
    .from(subscriptions)
    .where(and(eq(subscriptions.id, id), inArray(subscriptions.status, from)))
    .for('update');
  if (!before) return undefined;
  await tx.update(subscriptions).set({ status: to }).where(eq(subscriptions.id, id));
  return before;
}

export async function insertAttempt(
  tx: Db,
  a: { subscriptionId: string; requestId?: string | null; status: string; httpStatus?: number | null; error?: string | null },
): Promise<void> {
  await tx.insert(notificationAttempts).values({
    subscriptionId: a.subscriptionId,
    requestId: a.requestId ?? null,
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
