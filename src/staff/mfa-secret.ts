/**
 * TOTP secrets at rest: sealed with the data key ring (src/db/crypto), like every other secret the
 * database holds, bound to the user's row (a sealed secret copied onto another user does not open),
 * and moved to a new key by rotation passes. No page shows a secret after enrolment.
 *
 * Two earlier forms are still read: `plain:<base32>` (stored unsealed; the next data key pass seals
 * it) and `v1:<iv>:<ciphertext+tag>` (sealed with `PRIORGATE_MFA_KEY`, which only those need; each
 * is sealed with the data key at its user's next successful sign-in, `isLegacySecret`).
 */
import { createDecipheriv } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { cipherOf } from '../db/crypto/index.ts';
import { MFA_KEY_SEALED, MFA_PLAIN as PLAIN, mfaSecretAddress } from '../db/queries/sealed-rows.ts';
import { AppError } from '../errors/index.ts';

export function sealSecret(db: Db, base32: string, userId: string): string {
  return cipherOf(db).seal(base32, mfaSecretAddress(userId));
}

/** Stored in a form from before the data key ring sealed secrets. */
export const isLegacySecret = (stored: string) => stored.startsWith(PLAIN) || stored.startsWith(MFA_KEY_SEALED);

/**
 * The base32 secret; throws `internal` when it does not open (altered, or sealed with a
 * `PRIORGATE_MFA_KEY` that is missing or wrong).
 */
export function openSecret(db: Db, stored: string, userId: string, mfaKey: Buffer | undefined): string {
  if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
  if (stored.startsWith(MFA_KEY_SEALED)) return openWithMfaKey(stored, userId, mfaKey);
  return cipherOf(db).open(stored, mfaSecretAddress(userId));
}

function openWithMfaKey(stored: string, userId: string, key: Buffer | undefined): string {
  const [, iv, body] = stored.split(':');
  if (!iv || !body) throw new AppError('internal', 'unreadable MFA secret');
  if (!key) throw new AppError('internal', 'an MFA secret is sealed with PRIORGATE_MFA_KEY, which is not set');
  try {
    const data = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(userId));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new AppError('internal', 'the MFA secret does not open with PRIORGATE_MFA_KEY');
  }
}
