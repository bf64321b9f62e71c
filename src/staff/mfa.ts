/**
 * The second factor: TOTP enrolment (a secret shown once as QR code and text, confirmed by a valid
 * code, with ten one-time recovery codes), the TOTP/recovery step after the password, and the
 * reset an administrator (or the operator's CLI) does for a user who lost their device.
 *
 * Every outcome is audited in the transaction that makes it: `staff.mfa.enrol` (start, confirm,
 * failure), `staff.mfa.verify` (TOTP code right or wrong or replayed), `staff.mfa.recovery`
 * (recovery code used or refused), `staff.mfa.reset`. Wrong and replayed codes count toward the
 * login lockout; a right one rotates the session (the half-signed-in token stops working).
 */
import QRCode from 'qrcode';
import { appendAudit, recordAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { claimTotpStep, clearMfa, deleteSession, deleteUserSessions, enableMfa, recoveryCodesLeft, replaceMfaSecret, setPendingMfaSecret, useRecoveryCode } from '../db/queries/staff-auth.ts';
import { staffById, type StaffUserRow } from '../db/queries/staff.ts';
import { countFailure } from './login.ts';
import { clearAttempts, pausedUntil, type Attempt } from './throttle.ts';
import { isLegacySecret, openSecret, sealSecret } from './mfa-secret.ts';
import { openSession } from './session.ts';
import { classifyCode, newRecoveryCodes, newTotpSecret, recoveryCodeHash, totpStep, totpUri } from './totp.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';
import { withTransaction } from '../db/tx.ts';

export interface StepContext {
  httpRequestId?: string;
  userAgent?: string;
  /** The client's address: wrong codes count toward the same throttling as wrong passwords. */
  address?: string;
}

const auditBase = (user: Pick<StaffUserRow, 'id' | 'username' | 'orgId'>, ctx: StepContext, now: Date) => ({
  actor: actorOf(user),
  orgId: user.orgId,
  entityType: 'staff_user',
  entityId: user.id,
  requestId: ctx.httpRequestId ?? null,
  at: now,
});

// ---- enrolment -----------------------------------------------------------------------------

export interface EnrolmentMaterial {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  uri: string;
  /** The `otpauth://` URI as a QR code PNG data: URL (the CSP allows data: images). */
  qr: string;
}

/**
 * The secret to enrol, with its QR code; undefined when the user already has MFA (a confirmed
 * secret is never shown again). An unconfirmed secret is kept and shown until confirmed, so a
 * reload does not invalidate what the phone already scanned.
 */
export async function enrolmentMaterial(deps: StaffDeps, who: StaffPrincipal, ctx: StepContext = {}): Promise<EnrolmentMaterial | undefined> {
  const user = await staffById(deps.db, who.userId);
  if (!user || user.mfaEnabledAt) return undefined;
  let secret = user.mfaSecret ? openSecret(deps.db, user.mfaSecret, user.id, deps.config.mfaKey) : undefined;
  if (!secret) {
    const fresh = newTotpSecret();
    await withTransaction(deps.db, async (tx) => {
      if (!(await setPendingMfaSecret(tx, user.id, sealSecret(tx, fresh, user.id)))) return;
      await appendAudit(tx, { ...auditBase(user, ctx, deps.now()), action: 'staff.mfa.enrol', detail: { step: 'start' } });
    });
    secret = fresh;
  }
  const uri = totpUri(secret, user.username);
  return { secret, uri, qr: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 }) };
}

export type EnrolResult = { ok: true; token: string; maxAgeS: number; recoveryCodes: string[] } | { ok: false; reason: 'invalid' | 'already' };

/** Confirms the enrolment with a code from the app; returns the recovery codes (shown once). */
export async function confirmEnrolment(deps: StaffDeps, who: StaffPrincipal, code: string, ctx: StepContext = {}): Promise<EnrolResult> {
  const now = deps.now();
  const user = await staffById(deps.db, who.userId);
  if (!user || user.mfaEnabledAt) return { ok: false, reason: 'already' };
  const secret = user.mfaSecret ? openSecret(deps.db, user.mfaSecret, user.id, deps.config.mfaKey) : undefined;
  const step = secret ? totpStep(secret, code.replace(/\s/g, ''), now) : undefined;
  if (step === undefined) {
    await recordAudit(deps.db, { ...auditBase(user, ctx, now), action: 'staff.mfa.enrol', outcome: 'failure', detail: { reason: 'bad-code' } });
    return { ok: false, reason: 'invalid' };
  }
  const codes = newRecoveryCodes();
  return withTransaction(deps.db, async (tx) => {
    if (!(await enableMfa(tx, user.id, step, now, codes.map((c) => recoveryCodeHash(user.id, c))))) return { ok: false as const, reason: 'already' as const };
    await deleteSession(tx, who.tokenHash);
    const s = await openSession(tx, deps.config, { userId: user.id, stage: 'full', now, userAgent: ctx.userAgent });
    await appendAudit(tx, { ...auditBase(user, ctx, now), action: 'staff.mfa.enrol', detail: { step: 'confirm', recoveryCodes: codes.length, sessionId: s.id, previousSessionId: who.sessionId ?? null } });
    return { ok: true as const, token: s.token, maxAgeS: s.maxAgeS, recoveryCodes: codes };
  });
}

// ---- the TOTP step of a sign-in --------------------------------------------------------------

/** Rolls the step back when its half-signed-in session vanished meanwhile. */
class SessionGone extends Error {}

export type VerifyResult =
  | { ok: true; token: string; maxAgeS: number; method: 'totp' | 'recovery'; recoveryCodesLeft?: number }
  | { ok: false; reason: 'invalid' | 'locked' };

/**
 * Checks the code a half-signed-in user typed: a TOTP code (not of a step already used) or an
 * unused recovery code. Success ends the half-signed-in session and opens a new full one.
 */
export async function verifySecondFactor(deps: StaffDeps, who: StaffPrincipal, input: string, ctx: StepContext = {}): Promise<VerifyResult> {
  const now = deps.now();
  const user = await staffById(deps.db, who.userId);
  if (!user?.mfaEnabledAt || !user.mfaSecret) return { ok: false, reason: 'invalid' };
  const base = auditBase(user, ctx, now);
  const attempt = { username: user.username, address: ctx.address };
  const paused = await pausedUntil(deps.db, attempt, now);
  if (paused) {
    await recordAudit(deps.db, { ...base, action: 'staff.mfa.verify', outcome: 'failure', detail: { reason: 'paused', scope: paused.scope, until: paused.until.toISOString() } });
    return { ok: false, reason: 'locked' };
  }
  const typed = classifyCode(input);
  const action = typed?.kind === 'recovery' ? 'staff.mfa.recovery' : 'staff.mfa.verify';
  const fail = async (reason: string) => {
    const locked = await countFailure(deps.db, attempt, now, (tx, failures, lockedNow) =>
      appendAudit(tx, { ...base, action, outcome: 'failure', detail: { reason, failures, locked: lockedNow } }),
    );
    return { ok: false as const, reason: locked ? ('locked' as const) : ('invalid' as const) };
  };
  if (!typed) return fail('bad-code');

  const secret = typed.kind === 'totp' ? openSecret(deps.db, user.mfaSecret, user.id, deps.config.mfaKey) : undefined;
  const step = secret ? totpStep(secret, typed.code, now) : undefined;
  if (typed.kind === 'totp' && step === undefined) return fail('bad-code');
  // A secret in an earlier form, proven by this code, is sealed with the data key as it is taken.
  const upgrade = secret && isLegacySecret(user.mfaSecret) ? { from: user.mfaSecret, to: sealSecret(deps.db, secret, user.id) } : undefined;
  const outcome = await acceptCode(deps, who, { ...typed, upgrade }, step, base, action, ctx.userAgent, attempt);
  if (outcome === 'gone') return { ok: false, reason: 'invalid' };
  return outcome ?? fail(typed.kind === 'totp' ? 'replayed' : 'unknown-or-used');
}

/**
 * Spends the code (the TOTP step, or the recovery code) and swaps the half-signed-in session for
 * a full one, all in one transaction; undefined when the code was already spent (replay).
 */
async function acceptCode(
  deps: StaffDeps,
  who: StaffPrincipal,
  typed: { kind: 'totp' | 'recovery'; code: string; upgrade?: { from: string; to: string } | undefined },
  step: number | undefined,
  base: ReturnType<typeof auditBase>,
  action: string,
  userAgent: string | undefined,
  attempt: Attempt,
) {
  const userId = who.userId;
  try {
    return await withTransaction(deps.db, async (tx) => {
      const accepted = typed.kind === 'totp' ? await claimTotpStep(tx, userId, step!) : await useRecoveryCode(tx, userId, recoveryCodeHash(userId, typed.code), base.at);
      if (!accepted) return undefined;
      if (typed.upgrade) await replaceMfaSecret(tx, userId, typed.upgrade.from, typed.upgrade.to);
      // The half-signed-in session must still exist (not timed out, not used by a parallel request).
      if (!(await deleteSession(tx, who.tokenHash))) throw new SessionGone();
      await clearAttempts(tx, attempt);
      const s = await openSession(tx, deps.config, { userId, stage: 'full', now: base.at, userAgent });
      const left = typed.kind === 'recovery' ? { recoveryCodesLeft: await recoveryCodesLeft(tx, userId) } : {};
      await appendAudit(tx, { ...base, action, detail: { sessionId: s.id, previousSessionId: who.sessionId ?? null, ...left } });
      return { ok: true as const, token: s.token, maxAgeS: s.maxAgeS, method: typed.kind, ...left };
    });
  } catch (e) {
    if (e instanceof SessionGone) return 'gone' as const;
    throw e;
  }
}

// ---- reset -----------------------------------------------------------------------------------

/**
 * Turns a user's MFA off and ends all their sessions (the device may be in the wrong hands); at
 * their next sign-in they enrol again if their role requires it. `actor` is `staff:<admin>` or
 * `operator` (CLI). The caller checks who may do it.
 */
export async function resetMfa(db: Db, target: Pick<StaffUserRow, 'id' | 'username' | 'orgId'>, actor: string, now: Date, httpRequestId?: string) {
  return withTransaction(db, async (tx) => {
    await clearMfa(tx, target.id);
    const sessionsEnded = await deleteUserSessions(tx, target.id);
    await appendAudit(tx, {
      actor,
      action: 'staff.mfa.reset',
      orgId: target.orgId,
      entityType: 'staff_user',
      entityId: target.id,
      requestId: httpRequestId ?? null,
      detail: { username: target.username, sessionsEnded },
      at: now,
    });
    return { sessionsEnded };
  });
}
