/**
 * TOTP secrets at rest. With `PRIORGATE_MFA_KEY` set, a secret is sealed with AES-256-GCM, the
 * user id as associated data (a sealed secret copied onto another user does not open). Without
 * a key it is stored as is, marked `plain:`; either way no page shows it after enrolment.
 *
 * Format: `v1:<iv>:<ciphertext+tag>` (base64url) or `plain:<base32>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors/index.ts';

export function sealSecret(base32: string, userId: string, key: Buffer | undefined): string {
  if (!key) return `plain:${base32}`;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(userId));
  const body = Buffer.concat([cipher.update(base32, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

/** The base32 secret; throws `internal` when it is sealed and the key is missing or wrong. */
export function openSecret(sealed: string, userId: string, key: Buffer | undefined): string {
  if (sealed.startsWith('plain:')) return sealed.slice(6);
  const [version, iv, body] = sealed.split(':');
  if (version !== 'v1' || !iv || !body) throw new AppError('internal', 'unreadable MFA secret');
  if (!key) throw new AppError('internal', 'an MFA secret is sealed but PRIORGATE_MFA_KEY is not set');
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
