/**
 * RFC 6238 TOTP (through `otpauth`: SHA-1, 6 digits, 30 s, what every authenticator app reads)
 * and one-time recovery codes. Pure: the clock comes in as an argument.
 */
import { createHash } from 'node:crypto';
import { Secret, TOTP, URI } from 'otpauth';

export const TOTP_PERIOD_S = 30;
/** Codes of the step before and after are accepted too (clock drift between phone and server). */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app scans. */
export function totpUri(base32: string, username: string): string {
  return URI.stringify(new TOTP({ issuer: 'Priorgate', label: username, secret: Secret.fromBase32(base32), period: TOTP_PERIOD_S }));
}

/** The time step a code belongs to (after it was accepted), or undefined when it is wrong. */
export function totpStep(base32: string, code: string, now: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const timestamp = now.getTime();
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(base32), period: TOTP_PERIOD_S, timestamp, window: WINDOW });
  return delta === null ? undefined : TOTP.counter({ period: TOTP_PERIOD_S, timestamp }) + delta;
}

/** Ten codes of 80 random bits each, shown as `XXXX-XXXX-XXXX-XXXX` (base32). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => new Secret({ size: 10 }).base32.match(/.{4}/g)!.join('-'));
}

/** What a typed code is: six digits are TOTP; 16 base32 letters (any case, dashes, spaces) recovery. */
export function classifyCode(input: string): { kind: 'totp'; code: string } | { kind: 'recovery'; code: string } | undefined {
  const compact = input.replace(/[\s-]/g, '').toUpperCase();
  if (/^\d{6}$/.test(compact)) return { kind: 'totp', code: compact };
  if (/^[A-Z2-7]{16}$/.test(compact)) return { kind: 'recovery', code: compact };
  return undefined;
}

/**
 * Recovery codes carry 80 random bits, so a fast hash suffices (no password-style stretching);
 * salting with the user id keeps equal codes of two users apart.
 */
export function recoveryCodeHash(userId: string, code: string): string {
  return createHash('sha256').update(`${userId}:${code.replace(/[\s-]/g, '').toUpperCase()}`).digest('hex');
}
