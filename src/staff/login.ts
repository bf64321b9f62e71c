/**
 * Staff login, first factor: scrypt password check, lockout after repeated failures, a new
 * session, and an audit event for every attempt (`staff.login`, success or failure) and every
 * logout.
 *
 * Lockout: 5 consecutive failures (wrong passwords and wrong TOTP codes alike) lock the account
 * for 15 minutes; while locked, even the right password is refused (and not checked). The first
 * failure after a lock has run out starts a new count; a complete sign-in resets it. A right
 * password alone does not reset it when a TOTP code is still owed, or an attacker who knows the
 * password could interleave it with code guesses forever.
 *
 * A user with MFA gets a half-signed-in session (`mfa`) that only the TOTP step can turn into a
 * real one; a user whose role requires MFA but who has none gets one (`enrol`) that only leads to
 * the enrolment page. Unknown usernames cost the same scrypt work as known ones.
 */
import { appendAudit, recordAudit } from '../audit/index.ts';
import { hashPassword, verifyPassword } from '../auth/index.ts';
import type { Db } from '../db/client.ts';
import { deleteSession } from '../db/queries/staff-auth.ts';
import { clearLoginFailures, recordLoginFailure, staffByUsername, type StaffUserRow } from '../db/queries/staff.ts';
import type { Config } from '../config/index.ts';
import { newToken, openSession } from './session.ts';
import { actorOf, roleOf, type Role, type StaffDeps } from './types.ts';
import { withTransaction } from '../db/tx.ts';

export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;

let dummyHash: Promise<string> | undefined;
/** A real scrypt hash of nothing anyone knows, so unknown users take as long as known ones. */
const dummy = () => (dummyHash ??= hashPassword(newToken()));

export type LoginStage = 'full' | 'mfa' | 'enrol';
export type LoginResult = { ok: true; token: string; maxAgeS: number; stage: LoginStage; role: Role } | { ok: false; reason: 'invalid' | 'locked' };

/** What a user with the right password gets next. */
export function stageAfterPassword(config: Config, user: Pick<StaffUserRow, 'mfaEnabledAt' | 'role'>): LoginStage {
  if (user.mfaEnabledAt) return 'mfa';
  return config.mfaRequiredRoles.includes(roleOf(user.role)) ? 'enrol' : 'full';
}

export interface LoginContext {
  httpRequestId?: string;
  userAgent?: string;
  /** The token hash of a session the browser already had: it ends here (no fixation). */
  previousTokenHash?: string;
}

export async function login(deps: StaffDeps, username: string, password: string, ctx: LoginContext = {}): Promise<LoginResult> {
  const now = deps.now();
  const name = username.trim().slice(0, 200);
  const user = name ? await staffByUsername(deps.db, name) : undefined;
  if (!user) {
    await verifyPassword(password, await dummy());
    // The attempted name is not recorded: people type passwords into the username field.
    await recordAudit(deps.db, { actor: 'anonymous', action: 'staff.login', outcome: 'failure', requestId: ctx.httpRequestId ?? null, detail: { reason: 'unknown-user' }, at: now });
    return { ok: false, reason: 'invalid' };
  }
  const audit = { actor: actorOf(user), action: 'staff.login', orgId: user.orgId, entityType: 'staff_user', entityId: user.id, requestId: ctx.httpRequestId ?? null, at: now };
  if (user.lockedUntil && user.lockedUntil > now) {
    await recordAudit(deps.db, { ...audit, outcome: 'failure', detail: { reason: 'locked', lockedUntil: user.lockedUntil.toISOString() } });
    return { ok: false, reason: 'locked' };
  }
  if (!(await verifyPassword(password, user.passwordHash))) {
    const locked = await countFailure(deps.db, user.id, now, (tx, row, lockedNow) =>
      appendAudit(tx, { ...audit, outcome: 'failure', detail: { reason: 'bad-password', failures: row?.failedLogins ?? null, locked: lockedNow } }),
    );
    return { ok: false, reason: locked ? 'locked' : 'invalid' };
  }
  const stage = stageAfterPassword(deps.config, user);
  return withTransaction(deps.db, async (tx) => {
    const replaced = ctx.previousTokenHash ? await deleteSession(tx, ctx.previousTokenHash) : false;
    if (stage !== 'mfa') await clearLoginFailures(tx, user.id);
    const s = await openSession(tx, deps.config, { userId: user.id, stage, now, userAgent: ctx.userAgent });
    await appendAudit(tx, { ...audit, outcome: 'success', detail: { factor: 'password', sessionId: s.id, ...(stage === 'full' ? {} : { owed: stage === 'mfa' ? 'totp' : 'mfa-enrolment' }), ...(replaced ? { replacedSession: true } : {}) } });
    return { ok: true as const, token: s.token, maxAgeS: s.maxAgeS, stage, role: roleOf(user.role) };
  });
}

/** Counts a failed attempt (password or code) toward the lockout, with its audit event, in one transaction. */
export function countFailure(
  db: Db,
  userId: string,
  now: Date,
  audit: (tx: Db, row: Awaited<ReturnType<typeof recordLoginFailure>>, lockedNow: boolean) => Promise<unknown>,
): Promise<boolean> {
  return withTransaction(db, async (tx) => {
    const row = await recordLoginFailure(tx, userId, now, MAX_FAILURES, LOCK_MS);
    const lockedNow = Boolean(row?.lockedUntil && row.lockedUntil > now);
    await audit(tx, row, lockedNow);
    return lockedNow;
  });
}

export async function logout(deps: StaffDeps, who: { tokenHash: string; username: string; userId: string; orgId: string | null; sessionId?: string }, httpRequestId?: string) {
  await withTransaction(deps.db, async (tx) => {
    await deleteSession(tx, who.tokenHash);
    await appendAudit(tx, {
      actor: actorOf(who),
      action: 'staff.logout',
      orgId: who.orgId,
      entityType: 'staff_user',
      entityId: who.userId,
      requestId: httpRequestId ?? null,
      detail: who.sessionId ? { sessionId: who.sessionId } : {},
      at: deps.now(),
    });
  });
}
