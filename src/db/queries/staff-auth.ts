/**
 * Staff sign-in state: sessions (stored by token hash, listed and revoked by their public id)
 * and the second factor (TOTP secret, last used time step, recovery code hashes). The updates
 * that guard against replays are single statements, safe under concurrent requests.
 */
import { and, asc, count, desc, eq, gt, isNull, lt, lte, or } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { staffRecoveryCodes, staffSessions, staffUsers } from '../schema.ts';
import { UUID } from './staff.ts';

export type SessionRow = typeof staffSessions.$inferSelect;

// ---- sessions ------------------------------------------------------------------------------

export interface NewSession {
  id: string;
  tokenHash: string;
  userId: string;
  stage: 'full' | 'mfa' | 'enrol';
  expiresAt: Date;
  now: Date;
  userAgent?: string | null;
}

export async function createSession(db: Db, s: NewSession) {
  // Housekeeping: this user's dead sessions go when a new one starts.
  await db.delete(staffSessions).where(and(eq(staffSessions.userId, s.userId), lte(staffSessions.expiresAt, s.now)));
  await db.insert(staffSessions).values({
    id: s.id,
    tokenHash: s.tokenHash,
    userId: s.userId,
    stage: s.stage,
    expiresAt: s.expiresAt,
    createdAt: s.now,
    lastSeenAt: s.now,
    userAgent: s.userAgent ?? null,
  });
}

export async function sessionByTokenHash(db: Db, tokenHash: string) {
  const [row] = await db
    .select({ session: staffSessions, user: staffUsers })
    .from(staffSessions)
    .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.userId))
    .where(eq(staffSessions.tokenHash, tokenHash));
  return row;
}

/** A session by its public handle, with its user (to decide who may revoke it). */
export async function sessionById(db: Db, id: string) {
  if (!UUID.test(id)) return undefined;
  const [row] = await db
    .select({ session: staffSessions, user: staffUsers })
    .from(staffSessions)
    .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.userId))
    .where(eq(staffSessions.id, id));
  return row;
}

export async function touchSession(db: Db, tokenHash: string, now: Date) {
  await db.update(staffSessions).set({ lastSeenAt: now }).where(eq(staffSessions.tokenHash, tokenHash));
}

/** Deletes one session; true when it still existed (so a caller audits each end once). */
export async function deleteSession(db: Db, tokenHash: string): Promise<boolean> {
  const rows = await db.delete(staffSessions).where(eq(staffSessions.tokenHash, tokenHash)).returning({ id: staffSessions.id });
  return rows.length > 0;
}

export async function deleteSessionById(db: Db, id: string): Promise<boolean> {
  const rows = await db.delete(staffSessions).where(eq(staffSessions.id, id)).returning({ id: staffSessions.id });
  return rows.length > 0;
}

/** Ends every session of a user (MFA reset); returns how many there were. */
export async function deleteUserSessions(db: Db, userId: string): Promise<number> {
  const rows = await db.delete(staffSessions).where(eq(staffSessions.userId, userId)).returning({ id: staffSessions.id });
  return rows.length;
}

const sessionCols = {
  id: staffSessions.id,
  stage: staffSessions.stage,
  createdAt: staffSessions.createdAt,
  lastSeenAt: staffSessions.lastSeenAt,
  expiresAt: staffSessions.expiresAt,
  userAgent: staffSessions.userAgent,
  username: staffUsers.username,
  orgId: staffUsers.orgId,
};
export type SessionListRow = { id: string; stage: string; createdAt: Date; lastSeenAt: Date; expiresAt: Date; userAgent: string | null; username: string; orgId: string | null };

/** Live sessions of one user, or (userId undefined) of every user in scope; newest first. */
export async function listSessions(db: Db, q: { userId?: string; scope: string | null; now: Date }): Promise<SessionListRow[]> {
  return db
    .select(sessionCols)
    .from(staffSessions)
    .innerJoin(staffUsers, eq(staffUsers.id, staffSessions.userId))
    .where(
      and(
        gt(staffSessions.expiresAt, q.now),
        q.userId ? eq(staffSessions.userId, q.userId) : undefined,
        q.scope ? eq(staffUsers.orgId, q.scope) : undefined,
      ),
    )
    .orderBy(desc(staffSessions.createdAt), asc(staffSessions.id));
}

// ---- MFA -----------------------------------------------------------------------------------

/** Keeps a new, unconfirmed TOTP secret (only while the user has no confirmed one). */
export async function setPendingMfaSecret(db: Db, userId: string, sealed: string): Promise<boolean> {
  const rows = await db
    .update(staffUsers)
    .set({ mfaSecret: sealed, mfaLastStep: null })
    .where(and(eq(staffUsers.id, userId), isNull(staffUsers.mfaEnabledAt)))
    .returning({ id: staffUsers.id });
  return rows.length === 1;
}

/** Stores the secret in another form (sealed anew), unless it changed meanwhile (a reset, a new enrolment). */
export async function replaceMfaSecret(db: Db, userId: string, from: string, to: string): Promise<void> {
  await db.update(staffUsers).set({ mfaSecret: to }).where(and(eq(staffUsers.id, userId), eq(staffUsers.mfaSecret, from)));
}

/** Confirms the enrolment: MFA on from `now`, `step` used, and a fresh set of recovery codes. */
export async function enableMfa(db: Db, userId: string, step: number, now: Date, codeHashes: string[]): Promise<boolean> {
  const rows = await db
    .update(staffUsers)
    .set({ mfaEnabledAt: now, mfaLastStep: step })
    .where(and(eq(staffUsers.id, userId), isNull(staffUsers.mfaEnabledAt)))
    .returning({ id: staffUsers.id });
  if (rows.length !== 1) return false;
  await db.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, userId));
  await db.insert(staffRecoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
  return true;
}

/**
 * Takes a TOTP time step for the user, in one statement: false when that step (or a later one)
 * was already used, so the same code never signs in twice, even under concurrent attempts.
 */
export async function claimTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const rows = await db
    .update(staffUsers)
    .set({ mfaLastStep: step })
    .where(and(eq(staffUsers.id, userId), or(isNull(staffUsers.mfaLastStep), lt(staffUsers.mfaLastStep, step))))
    .returning({ id: staffUsers.id });
  return rows.length === 1;
}

/** Spends a recovery code (atomically: a code works once); false when unknown or spent. */
export async function useRecoveryCode(db: Db, userId: string, codeHash: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(staffRecoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(staffRecoveryCodes.userId, userId), eq(staffRecoveryCodes.codeHash, codeHash), isNull(staffRecoveryCodes.usedAt)))
    .returning({ userId: staffRecoveryCodes.userId });
  return rows.length === 1;
}

export async function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(staffRecoveryCodes)
    .where(and(eq(staffRecoveryCodes.userId, userId), isNull(staffRecoveryCodes.usedAt)));
  return Number(row?.n ?? 0);
}

/** Turns MFA off for a user (secret, last step and recovery codes gone). */
export async function clearMfa(db: Db, userId: string) {
  await db.update(staffUsers).set({ mfaSecret: null, mfaEnabledAt: null, mfaLastStep: null }).where(eq(staffUsers.id, userId));
  await db.delete(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, userId));
}
