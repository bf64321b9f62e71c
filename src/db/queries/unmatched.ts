/** Late payer answers that could not be delivered (unmatched_answers) and the messages holding them. */
import { and, arrayContains, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { messages, unmatchedAnswers } from '../schema.ts';
import { openMessage } from './sealed-rows.ts';

export type UnmatchedRow = typeof unmatchedAnswers.$inferSelect;

export async function insertUnmatched(tx: Db, row: typeof unmatchedAnswers.$inferInsert): Promise<void> {
  await tx.insert(unmatchedAnswers).values(row).onConflictDoNothing();
}

/**
 * Unresolved (or all) unmatched answers, newest first: those naming the organization `scope`, or
 * every one when `scope` is null (a user with no organization). Rows whose message was purged drop out.
 */
export async function listUnmatched(db: Db, opts: { scope: string | null; openOnly: boolean; limit: number }): Promise<UnmatchedRow[]> {
  const rows = await db
    .select({ u: unmatchedAnswers })
    .from(unmatchedAnswers)
    .innerJoin(messages, eq(messages.id, unmatchedAnswers.messageId))
    .where(
      and(
        opts.scope ? arrayContains(unmatchedAnswers.candidateOrgIds, [opts.scope]) : undefined,
        opts.openOnly ? isNull(unmatchedAnswers.resolvedAt) : undefined,
      ),
    )
    .orderBy(desc(unmatchedAnswers.createdAt))
    .limit(opts.limit);
  return rows.map((r) => r.u);
}

/** The unresolved row and its stored interchange, locked for applying. */
export async function lockUnmatched(tx: Db, messageId: string): Promise<{ row: UnmatchedRow; payload: string } | undefined> {
  const [row] = await tx.select().from(unmatchedAnswers).where(and(eq(unmatchedAnswers.messageId, messageId), isNull(unmatchedAnswers.resolvedAt))).for('update');
  if (!row) return undefined;
  const m = await messageById(tx, messageId);
  return m ? { row, payload: m.payload } : undefined;
}

export async function resolveUnmatched(tx: Db, messageId: string, by: string, requestId: string, at: Date): Promise<void> {
  await tx.update(unmatchedAnswers).set({ resolvedAt: at, resolvedBy: by, resolvedRequestId: requestId }).where(eq(unmatchedAnswers.messageId, messageId));
}

/** A stored message (decrypted), by id. */
export async function messageById(db: Db, id: string): Promise<{ id: string; payload: string } | undefined> {
  const [m] = await db.select({ id: messages.id, payload: messages.payload }).from(messages).where(eq(messages.id, id));
  return m && openMessage(db, m);
}
