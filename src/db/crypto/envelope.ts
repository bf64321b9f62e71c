/**
 * The envelope of one encrypted value: `v1.<kid>.<iv>.<ciphertext+tag>` (base64url parts).
 * AES-256-GCM with a random 96-bit IV and a 128-bit tag. The associated data is the envelope
 * version, key id and the value's place (table, column, row id), so a value copied to another row
 * or column, or relabelled with another key id, fails authentication instead of decrypting.
 *
 * A random 96-bit IV per value is safe for up to 2^32 encryptions under one key (NIST SP 800-38D
 * §8.3); rotating the data key (`priorgate keys rotate --data`) long before that keeps it so.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptError, type FieldAddress } from './errors.ts';

export const ENVELOPE_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE = /^v1\.([A-Za-z0-9_-]{1,40})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;

function aad(kid: string, at: FieldAddress): Buffer {
  return Buffer.from(`priorgate|${ENVELOPE_VERSION}|${kid}|${at.table}|${at.column}|${at.id}`, 'utf8');
}

/** The prefix every value sealed under `kid` starts with (rotation selects rows by it). */
export const envelopePrefix = (kid: string) => `${ENVELOPE_VERSION}.${kid}.`;

/** True when the text has the envelope's shape (anything else is legacy plaintext). */
export const isEnvelope = (text: string) => text.startsWith(`${ENVELOPE_VERSION}.`) && ENVELOPE.test(text);

/** The key id of an envelope, or undefined for anything else. */
export function envelopeKid(text: string): string | undefined {
  return text.startsWith(`${ENVELOPE_VERSION}.`) ? ENVELOPE.exec(text)?.[1] : undefined;
}

/** @example seal(key, 'k1', '{"a":1}', { table: 'messages', column: 'payload', id }) // 'v1.k1.…' */
export function seal(key: Buffer, kid: string, plaintext: string, at: FieldAddress): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kid, at));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${ENVELOPE_VERSION}.${kid}.${iv.toString('base64url')}.${ct.toString('base64url')}`;
}

/** Opens an envelope with the key `keyFor(kid)` returns. Throws DecryptError, never returns garbage. */
export function open(keyFor: (kid: string) => Buffer | undefined, envelope: string, at: FieldAddress): string {
  const m = ENVELOPE.exec(envelope);
  if (!m) throw new DecryptError(at, 'malformed');
  const [, kid, ivText, ctText] = m as unknown as [string, string, string, string];
  const key = keyFor(kid);
  if (!key) throw new DecryptError(at, 'unknown-key', kid);
  const body = Buffer.from(ctText, 'base64url');
  // Canonical encodings only: a character changed in the unused bits of the last one is refused too.
  if (body.length < TAG_BYTES || body.toString('base64url') !== ctText) throw new DecryptError(at, 'malformed', kid);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid, at));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new DecryptError(at, 'authentication', kid);
  }
}
