/**
 * The payer inbox (`payer_inbox`, `payer_inbox_parts`): what `/payer/x12` accepted, and which of
 * its parts are recorded. Idempotency lives in two keys: the interchange key (unique, so a second
 * delivery of an interchange, even a concurrent one, finds the first) and (inbox, part) (claimed
 * in the transaction that records the part, so a part is recorded once however often its job runs).
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { payerInbox, payerInboxParts } from '../schema.ts';

export type InboxRow = typeof payerInbox.$inferSelect;
export type InboxPartOutcome = 'recorded' | 'unchanged' | 'unmatched' | 'failed';

/** The interchange keys among `keys` already in the inbox. */
export async function inboxKeysSeen(db: Db, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const found = await db.select({ key: payerInbox.interchangeKey }).from(payerInbox).where(inArray(payerInbox.interchangeKey, keys));
  return new Set(found.map((r) => r.key));
}

/**
 * Inserts the rows whose interchange key is new; returns how many were. A concurrent transaction
 * inserting the same key makes this one wait for its commit and then skip the row.
 */
export async function insertInbox(tx: Db, rows: (typeof payerInbox.$inferInsert)[]): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await tx.insert(payerInbox).values(rows).onConflictDoNothing({ target: payerInbox.interchangeKey }).returning({ id: payerInbox.id });
  return inserted.length;
}

/** Whether an inbox row exists (did the transaction that inserted it commit?). */
export async function inboxExists(db: Db, id: string): Promise<boolean> {
  return (await db.select({ id: payerInbox.id }).from(payerInbox).where(eq(payerInbox.id, id))).length > 0;
}

export async function inboxById(db: Db, id: string): Promise<InboxRow | undefined> {
  const [row] = await db.select().from(payerInbox).where(eq(payerInbox.id, id));
  return row;
}

/**
 * Claims one part for recording in the caller's transaction: false when it is recorded already (or
 * is being recorded by a transaction that then commits: this one waits for it on the key).
 */
export async function claimInboxPart(tx: Db, inboxId: string, part: string): Promise<boolean> {
  const claimed = await tx.insert(payerInboxParts).values({ inboxId, part, outcome: 'pending' }).onConflictDoNothing().returning({ part: payerInboxParts.part });
  return claimed.length === 1;
}

/** What became of a claimed part (same transaction as the claim). */
export async function settleInboxPart(tx: Db, inboxId: string, part: string, r: { outcome: InboxPartOutcome; messageId?: string | null; requestId?: string | null }): Promise<void> {
  await tx
    .update(payerInboxParts)
    .set({ outcome: r.outcome, messageId: r.messageId ?? null, requestId: r.requestId ?? null })
    .where(and(eq(payerInboxParts.inboxId, inboxId), eq(payerInboxParts.part, part)));
}

export async function inboxParts(db: Db, inboxId: string): Promise<(typeof payerInboxParts.$inferSelect)[]> {
  return db.select().from(payerInboxParts).where(eq(payerInboxParts.inboxId, inboxId)).orderBy(payerInboxParts.createdAt, payerInboxParts.part);
}

export async function markInboxProcessed(db: Db, id: string, at: Date): Promise<void> {
  await db.update(payerInbox).set({ processedAt: at }).where(and(eq(payerInbox.id, id), isNull(payerInbox.processedAt)));
}

/** Interchanges accepted but not yet fully recorded (operators, tests). */
export async function unprocessedInbox(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(payerInbox).where(isNull(payerInbox.processedAt));
  return Number(row?.n ?? 0);
}
