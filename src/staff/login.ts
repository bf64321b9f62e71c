/**
 * Staff login, first factor: scrypt password check, throttling of repeated failures, a new
 * session, and an audit event for every attempt (`staff.login`, success or failure) and every
 * logout.
 *
 * Throttling (throttle.ts): 5 failures (wrong passwords and wrong TOTP codes alike) within 15
 * minutes pause that user name's sign-in from that client address for 15 minutes, and 20 from one
 * address pause the address; while paused, even the right password is refused (and not checked).
 * Someone failing on purpose pauses only their own address: nobody can lock a colleague out. A
 * complete sign-in clears the count; a right password alone does not when a TOTP code is still
 * owed, or an attacker who knows the password could interleave it with code guesses forever.
 *
 * A user with MFA gets a half-signed-in session (`mfa`) that only the TOTP step can turn into a
 * real one; a user whose role requires MFA but who has none gets one (`enrol`) that only leads to
 * the enrolment page. Unknown usernames cost the same scrypt work as known ones.
 */
import { appendAudit, recordAudit } from '../audit/index.ts';
import { hashPassword, verifyPassword } from '../auth/index.ts';
import type { Db } from '../db/client.ts';
import { deleteSession } from '../db/queries/staff-auth.ts';
import { staffByUsername, type StaffUserRow } from '../db/queries/staff.ts';
import type { Config } from '../config/index.ts';
import { newToken, openSession } from './session.ts';
import { clearAttempts, countFailedAttempt, pausedUntil, type Attempt, type Pause } from './throttle.ts';
import { actorOf, roleOf, type Role, type StaffDeps } from './types.ts';
import { withTransaction } from '../db/tx.ts';

export { ACCOUNT_MAX_FAILURES as MAX_FAILURES, LOCK_MS } from './throttle.ts';

let dummyHash: Promise<string> | undefined;
/** A real scrypt hash of nothing anyone knows, so unknown users take as long as known ones. */
const dummy = () => (dummyHash ??= hashPassword(newToken()));

export type LoginStage = 'full' | 'mfa' | 'enrol';
export type LoginResult = { ok: true; token: string; maxAgeS: number; stage: LoginStage; role: Role } | { ok: false; reason: 'invalid' | 'locked'; pause?: Pause };

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
  /** The client's address (http/remote-address.ts clientAddress): what failures are counted by. */
  address?: string;
}

export async function login(deps: StaffDeps, username: string, password: string, ctx: LoginContext = {}): Promise<LoginResult> {
  const now = deps.now();
  const name = username.trim().slice(0, 200);
  const attempt: Attempt = { username: name, address: ctx.address };
  const paused = await pausedUntil(deps.db, attempt, now);
  const user = name ? await staffByUsername(deps.db, name) : undefined;
  // The attempted name is not recorded: people type passwords into the username field.
  const anonymous = { actor: 'anonymous', action: 'staff.login', requestId: ctx.httpRequestId ?? null, at: now };
  const audit = user ? { actor: actorOf(user), action: 'staff.login', orgId: user.orgId, entityType: 'staff_user', entityId: user.id, requestId: ctx.httpRequestId ?? null, at: now } : anonymous;
  if (paused) {
    await recordAudit(deps.db, { ...audit, outcome: 'failure', detail: { reason: 'paused', scope: paused.scope, until: paused.until.toISOString() } });
    return { ok: false, reason: 'locked', pause: paused };
  }
  if (!user) await verifyPassword(password, await dummy());
  if (!user || !(await verifyPassword(password, user.passwordHash))) {
    const pause = await countFailure(deps.db, attempt, now, (tx, failures, lockedNow) =>
      appendAudit(tx, { ...audit, outcome: 'failure', detail: { reason: user ? 'bad-password' : 'unknown-user', failures, locked: lockedNow } }),
    );
    return pause ? { ok: false, reason: 'locked', pause } : { ok: false, reason: 'invalid' };
  }
  const stage = stageAfterPassword(deps.config, user);
  return withTransaction(deps.db, async (tx) => {
    const replaced = ctx.previousTokenHash ? await deleteSession(tx, ctx.previousTokenHash) : false;
    if (stage !== 'mfa') await clearAttempts(tx, attempt);
    const s = await openSession(tx, deps.config, { userId: user.id, stage, now, userAgent: ctx.userAgent });
    await appendAudit(tx, { ...audit, outcome: 'success', detail: { factor: 'password', sessionId: s.id, ...(stage === 'full' ? {} : { owed: stage === 'mfa' ? 'totp' : 'mfa-enrolment' }), ...(replaced ? { replacedSession: true } : {}) } });
    return { ok: true as const, token: s.token, maxAgeS: s.maxAgeS, stage, role: roleOf(user.role) };
  });
}

/** Counts a failed attempt (password or code) toward throttling, with its audit event, in one transaction: the pause it started. */
export function countFailure(db: Db, attempt: Attempt, now: Date, audit: (tx: Db, failures: number, lockedNow: boolean) => Promise<unknown>): Promise<Pause | undefined> {
  return withTransaction(db, async (tx) => {
    const { failures, pause } = await countFailedAttempt(tx, attempt, now);
    await audit(tx, failures, Boolean(pause));
    return pause;
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
