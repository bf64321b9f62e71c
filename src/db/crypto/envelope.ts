/**
 * The envelope of one encrypted value: `v1.<kid>.<iv>.<ciphertext+tag>` (base64url parts).
 * AES-256-GCM with a random 96-bit IV and a 128-bit tag. The associated data is the envelope
 * version, key id and the value's place (table, column, row id), so a value copied to another row
 * or column, or relabelled with another key id, fails authentication instead of decrypting.
 *
 * Inside the ciphertext, one byte says how the text is encoded: 0 UTF-8 as is, 1 deflate-raw.
 * Values from 1 kB up are compressed first because ciphertext does not compress: stored as is, a
 * 21 kB Bundle that Postgres keeps in 3.3 kB (TOAST) would take 28 kB. Values above 1 MB are not:
 * compressing is synchronous, and deflating a 9 MB attachment held the event loop (every other
 * request) for half a second or more; such values are mostly base64 documents that compress poorly
 * anyway. Compressing before
 * encrypting lets the ciphertext length vary with content; that only leaks where an attacker who
 * sees stored lengths can also mix chosen text into the same value as a secret, and a stored
 * message holds one party's submission or one payer answer, never two parties' data.
 *
 * A random 96-bit IV per value is safe for up to 2^32 encryptions under one key (NIST SP 800-38D
 * §8.3); rotating the data key (`priorgate keys rotate --data`) long before that keeps it so.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DecryptError, type FieldAddress } from './errors.ts';

export const ENVELOPE_VERSION = 'v1';
const IV_BYTES = 12;
const IV_CHARS = 16;
const TAG_BYTES = 16;
const KID = /^[A-Za-z0-9_-]{1,40}$/;
const IV_TEXT = /^[A-Za-z0-9_-]{16}$/;
const COMPRESS_FROM = 1024;
const COMPRESS_UP_TO = 1024 * 1024;
const RAW = 0;
const DEFLATE = 1;

interface Parsed {
  kid: string;
  iv: string;
  body: string;
}

/** Splits an envelope without scanning the (large) ciphertext with a regex; undefined for anything else. */
function parse(text: string): Parsed | undefined {
  if (!text.startsWith('v1.')) return undefined;
  const dot = text.indexOf('.', 3);
  if (dot < 4) return undefined;
  const kid = text.slice(3, dot);
  const ivEnd = dot + 1 + IV_CHARS;
  if (!KID.test(kid) || text[ivEnd] !== '.') return undefined;
  const iv = text.slice(dot + 1, ivEnd);
  const body = text.slice(ivEnd + 1);
  if (!IV_TEXT.test(iv) || body.length < 22 || body.includes('.')) return undefined;
  return { kid, iv, body };
}

/**
 * IVs are cut from a pool of random bytes refilled 4 KiB at a time: `randomBytes(12)` is one call
 * into OpenSSL per value (7 µs measured), a fill of 341 IVs costs 5 µs. Each IV is copied out and
 * used once; the bytes are as random as `randomBytes`'s (same source).
 */
const ivPool = Buffer.allocUnsafeSlow(IV_BYTES * 341);
let ivAt = ivPool.length;

function freshIv(): Buffer {
  if (ivAt + IV_BYTES > ivPool.length) {
    randomFillSync(ivPool);
    ivAt = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivAt, ivAt + IV_BYTES));
  ivAt += IV_BYTES;
  return iv;
}

function aad(kid: string, at: FieldAddress): Buffer {
  return Buffer.from(`priorgate|${ENVELOPE_VERSION}|${kid}|${at.table}|${at.column}|${at.id}`, 'utf8');
}

/** The prefix every value sealed under `kid` starts with (rotation selects rows by it). */
export const envelopePrefix = (kid: string) => `${ENVELOPE_VERSION}.${kid}.`;

/** True when the text has the envelope's shape (anything else is legacy plaintext). */
export const isEnvelope = (text: string) => parse(text) !== undefined;

/** The key id of an envelope, or undefined for anything else. */
export function envelopeKid(text: string): string | undefined {
  return parse(text)?.kid;
}

function encode(plaintext: string): Buffer {
  const utf8 = Buffer.from(plaintext, 'utf8');
  if (utf8.length >= COMPRESS_FROM && utf8.length <= COMPRESS_UP_TO) {
    // Level 3: a 21 kB PAS Bundle packs to 4.2 kB in 47 µs; the default (6) gains 6 % for 4× the time.
    const packed = deflateRawSync(utf8, { level: 3 });
    if (packed.length < utf8.length) return Buffer.concat([Buffer.of(DEFLATE), packed]);
  }
  return Buffer.concat([Buffer.of(RAW), utf8]);
}

/** @example seal(key, 'k1', '{"a":1}', { table: 'messages', column: 'payload', id }) // 'v1.k1.…' */
export function seal(key: Buffer, kid: string, plaintext: string, at: FieldAddress): string {
  const iv = freshIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kid, at));
  const ct = Buffer.concat([cipher.update(encode(plaintext)), cipher.final(), cipher.getAuthTag()]);
  return `${ENVELOPE_VERSION}.${kid}.${iv.toString('base64url')}.${ct.toString('base64url')}`;
}

/** Opens an envelope with the key `keyFor(kid)` returns. Throws DecryptError, never returns garbage. */
export function open(keyFor: (kid: string) => Buffer | undefined, envelope: string, at: FieldAddress): string {
  const p = parse(envelope);
  if (!p) throw new DecryptError(at, 'malformed');
  const key = keyFor(p.kid);
  if (!key) throw new DecryptError(at, 'unknown-key', p.kid);
  const body = Buffer.from(p.body, 'base64url');
  // Canonical encodings only: a character changed in the unused bits of the last one is refused too.
  if (body.length < TAG_BYTES + 1 || body.toString('base64url') !== p.body) throw new DecryptError(at, 'malformed', p.kid);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(p.iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(p.kid, at));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    plain = Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptError(at, 'authentication', p.kid);
  }
  // Authenticated: the encoding byte is ours. Anything else would be a bug, not an attack.
  if (plain[0] === DEFLATE) return inflateRawSync(plain.subarray(1)).toString('utf8');
  if (plain[0] === RAW) return plain.subarray(1).toString('utf8');
  throw new DecryptError(at, 'malformed', p.kid);
}
