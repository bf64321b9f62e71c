/**
 * Staff login: scrypt password check, lockout after repeated failures, session creation, and an
 * audit event for every attempt (`staff.login`, success or failure) and every logout.
 *
 * Lockout: 5 consecutive failures lock the account for 15 minutes; while locked, even the right
 * password is refused (and not checked). The first failure after a lock has run out starts a new
 * count; a successful login resets it. Unknown usernames cost the same scrypt work as known ones.
 */
import { appendAudit, recordAudit } from '../audit/index.ts';
import { hashPassword, verifyPassword } from '../auth/index.ts';
import type { Db } from '../db/client.ts';
import { clearLoginFailures, createSession, deleteSession, recordLoginFailure, staffByUsername } from '../db/queries/staff.ts';
import { hashToken, newToken, SESSION_TTL_MS } from './session.ts';
import { actorOf, type StaffDeps } from './types.ts';

export const MAX_FAILURES = 5;
export const LOCK_MS = 15 * 60_000;

let dummyHash: Promise<string> | undefined;
/** A real scrypt hash of nothing anyone knows, so unknown users take as long as known ones. */
const dummy = () => (dummyHash ??= hashPassword(newToken()));

export type LoginResult = { ok: true; token: string } | { ok: false; reason: 'invalid' | 'locked' };

export async function login(deps: StaffDeps, username: string, password: string, httpRequestId?: string): Promise<LoginResult> {
  const now = deps.now();
  const name = username.trim().slice(0, 200);
  const user = name ? await staffByUsername(deps.db, name) : undefined;
  if (!user) {
    await verifyPassword(password, await dummy());
    // The attempted name is not recorded: people type passwords into the username field.
    await recordAudit(deps.db, { actor: 'anonymous', action: 'staff.login', outcome: 'failure', requestId: httpRequestId ?? null, detail: { reason: 'unknown-user' }, at: now });
    return { ok: false, reason: 'invalid' };
  }
  const audit = { actor: actorOf(user), action: 'staff.login', orgId: user.orgId, entityType: 'staff_user', entityId: user.id, requestId: httpRequestId ?? null, at: now };
  if (user.lockedUntil && user.lockedUntil > now) {
    await recordAudit(deps.db, { ...audit, outcome: 'failure', detail: { reason: 'locked', lockedUntil: user.lockedUntil.toISOString() } });
    return { ok: false, reason: 'locked' };
  }
  if (!(await verifyPassword(password, user.passwordHash))) {
    const locked = await deps.db.transaction(async (t) => {
      const tx = t as unknown as Db;
      const row = await recordLoginFailure(tx, user.id, now, MAX_FAILURES, LOCK_MS);
      const lockedNow = Boolean(row?.lockedUntil && row.lockedUntil > now);
      await appendAudit(tx, { ...audit, outcome: 'failure', detail: { reason: 'bad-password', failures: row?.failedLogins ?? null, locked: lockedNow } });
      return lockedNow;
    });
    return { ok: false, reason: locked ? 'locked' : 'invalid' };
  }
  const token = newToken();
  await deps.db.transaction(async (t) => {
    const tx = t as unknown as Db;
    await clearLoginFailures(tx, user.id);
    await createSession(tx, { tokenHash: hashToken(token), userId: user.id, expiresAt: new Date(now.getTime() + SESSION_TTL_MS), now });
    await appendAudit(tx, { ...audit, outcome: 'success', detail: {} });
  });
  return { ok: true, token };
}

export async function logout(deps: StaffDeps, who: { tokenHash: string; username: string; userId: string; orgId: string | null }, httpRequestId?: string) {
  await deps.db.transaction(async (t) => {
    const tx = t as unknown as Db;
    await deleteSession(tx, who.tokenHash);
    await appendAudit(tx, {
      actor: actorOf(who),
      action: 'staff.logout',
      orgId: who.orgId,
      entityType: 'staff_user',
      entityId: who.userId,
      requestId: httpRequestId ?? null,
      at: deps.now(),
    });
  });
}
