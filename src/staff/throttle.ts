/**
 * Sign-in throttling that an attacker cannot turn against staff. Failed sign-ins (wrong passwords,
 * wrong or replayed codes) are counted twice, both keyed by the client's address:
 *
 * - per user name and address: ACCOUNT_MAX_FAILURES within WINDOW_MS pause that name's sign-in
 *   from that address for LOCK_MS (even the right password is refused there, and not checked);
 * - per address, whatever the name: ADDRESS_MAX_FAILURES within WINDOW_MS pause every sign-in
 *   from that address for LOCK_MS (password spraying).
 *
 * So someone failing on purpose from their own address pauses only themselves: the colleague whose
 * name they typed still signs in from anywhere else. Unknown names are counted like known ones
 * (a pause reveals nothing about which names exist). A complete sign-in clears its name's counter
 * for that address; an administrator can clear them all (`priorgate staff unlock`, or Unlock on
 * the admin page). Guessing from many addresses at once is what the audit monitor's failed-logins
 * alert is for. Names and addresses are stored as keyed hashes only.
 */
import { appendAudit } from '../audit/index.ts';
import { cipherOf } from '../db/crypto/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { clearKey, clearUsername, countFailure, lockedUntil, usernameStates } from '../db/queries/login-throttle.ts';

export const ACCOUNT_MAX_FAILURES = 5;
export const ADDRESS_MAX_FAILURES = 20;
export const WINDOW_MS = 15 * 60_000;
export const LOCK_MS = 15 * 60_000;

/** Where a sign-in comes from; undefined (no socket, as in `app.request()` tests) counts as one address. */
export interface Attempt {
  username: string;
  address: string | undefined;
}

const usernameHash = (db: Db, username: string) => cipherOf(db).searchHash('staff-login', username);
const addressHash = (db: Db, address: string | undefined) => cipherOf(db).searchHash('client-address', address ?? 'unknown');
const keys = (db: Db, a: Attempt) => ({
  account: `account:${usernameHash(db, a.username)}:${addressHash(db, a.address)}`,
  address: `address:${addressHash(db, a.address)}`,
});

export interface Pause {
  until: Date;
  /** 'address': every sign-in from the address is paused; 'account': this name's, from this address. */
  scope: 'address' | 'account';
}

/** The pause in force for this attempt, if any. */
export async function pausedUntil(db: Db, a: Attempt, now: Date): Promise<Pause | undefined> {
  const k = keys(db, a);
  const lock = await lockedUntil(db, [k.account, k.address], now);
  return lock ? { until: lock.until, scope: lock.key === k.address ? 'address' : 'account' } : undefined;
}

/** Counts a failed attempt (in the caller's transaction, beside its audit event): the pause it started, if any. */
export async function countFailedAttempt(tx: Db, a: Attempt, now: Date): Promise<{ failures: number; pause?: Pause }> {
  const k = keys(tx, a);
  const account = await countFailure(tx, { key: k.account, usernameHash: usernameHash(tx, a.username), now, max: ACCOUNT_MAX_FAILURES, windowMs: WINDOW_MS, lockMs: LOCK_MS });
  const address = await countFailure(tx, { key: k.address, now, max: ADDRESS_MAX_FAILURES, windowMs: WINDOW_MS, lockMs: LOCK_MS });
  const pause =
    address.lockedUntil && address.lockedUntil > now
      ? { until: address.lockedUntil, scope: 'address' as const }
      : account.lockedUntil && account.lockedUntil > now
        ? { until: account.lockedUntil, scope: 'account' as const }
        : undefined;
  return { failures: account.failures, pause };
}

/** A complete sign-in: this name's failures from this address are forgotten. */
export async function clearAttempts(tx: Db, a: Attempt): Promise<void> {
  await clearKey(tx, keys(tx, a).account);
}

/**
 * An administrator (or the operator) lifts every pause of a user's name, from all addresses, and
 * forgets its failures; audited (`staff.unlock`). Pauses of whole addresses stay: they are not
 * about this user.
 */
export async function unlockUser(db: Db, target: { id: string; username: string; orgId: string | null }, actor: string, now: Date, httpRequestId?: string): Promise<{ cleared: number }> {
  return withTransaction(db, async (tx) => {
    const cleared = await clearUsername(tx, usernameHash(tx, target.username));
    await appendAudit(tx, { actor, action: 'staff.unlock', orgId: target.orgId, entityType: 'staff_user', entityId: target.id, requestId: httpRequestId ?? null, detail: { cleared }, at: now });
    return { cleared };
  });
}

/** Running pause and recent failures of each user name (the admin page). */
export async function loginStates(db: Db, usernames: string[], now: Date): Promise<Map<string, { lockedUntil: Date | null; failures: number }>> {
  const byHash = new Map(usernames.map((u) => [usernameHash(db, u), u]));
  const states = await usernameStates(db, [...byHash.keys()], now, WINDOW_MS);
  return new Map([...states].map(([h, s]) => [byHash.get(h)!, s]));
}

/** What to tell someone whose sign-in is paused: until when, and what to do about it. */
export function pauseMessage(p: Pause): string {
  const at = `${p.until.toISOString().slice(11, 16)} UTC`;
  return p.scope === 'address'
    ? `Too many failed sign-ins came from your network, so signing in from it is paused until ${at}. Wait until then, or ask an administrator to check the security alerts. If you did not cause this, tell your administrator.`
    : `Too many failed sign-ins for this user name from your network, so it is paused here until ${at}. Wait until then and try again with the right password, or ask an administrator to unlock it (Admin page, or priorgate staff unlock). If you did not cause this, tell your administrator: someone may be guessing your password.`;
}
