/**
 * Encrypting and decrypting column values, and the keyed search hashes that stand in for the
 * encrypted identifiers in indexes. One FieldCipher per process, attached to the database handle
 * at start (`attachCipher`), so the query layer (src/db/queries) encrypts on write and decrypts on
 * read while its callers keep seeing plaintext.
 */
import { createHmac } from 'node:crypto';
import type { Db } from '../client.ts';
import { envelopeKid, isEnvelope, open, seal } from './envelope.ts';
import { DecryptError, type FieldAddress } from './errors.ts';
import type { KeyRing } from './key-ring.ts';

/**
 * How identifiers are normalised before hashing, so a search finds what was stored however the
 * caller spaced or cased it: Unicode NFKC, surrounding whitespace trimmed, upper case
 * (X12 NM109 and FHIR identifier values are compared case-insensitively by payers).
 */
export function normalizeIdentifier(value: string): string {
  return value.normalize('NFKC').trim().toUpperCase();
}

/** What a keyed hash is of: member ids (search), staff user names and client addresses (sign-in throttling). */
export type SearchKind = 'member-id' | 'staff-login' | 'client-address';

export class FieldCipher {
  #ring: KeyRing;
  #lastReload = 0;
  /**
   * Legacy plaintext (rows from before encryption) is read as is until the first encryption pass
   * has covered every table; after that a plaintext value is refused like a tampered one.
   */
  acceptPlaintext = true;

  constructor(
    ring: KeyRing,
    /** Re-reads the ring when a value names a key this process does not know yet (another process rotated). */
    private readonly reload?: () => KeyRing | undefined,
  ) {
    this.#ring = ring;
  }

  get ring(): KeyRing {
    return this.#ring;
  }

  replaceRing(ring: KeyRing): void {
    this.#ring = ring;
  }

  seal(plaintext: string, at: FieldAddress): string {
    const k = this.#ring.current();
    return seal(k.key, k.id, plaintext, at);
  }

  /** The plaintext of a stored value (an envelope, or legacy plaintext while that is accepted). */
  open(stored: string, at: FieldAddress): string {
    if (!stored.startsWith('v1.') || !isEnvelope(stored)) {
      if (this.acceptPlaintext) return stored;
      throw new DecryptError(at, 'plaintext');
    }
    return open((kid) => this.#ring.key(kid) ?? this.#reloaded()?.key(kid), stored, at);
  }

  /** The key id a stored value is sealed under (undefined: plaintext). */
  kidOf(stored: string): string | undefined {
    return envelopeKid(stored);
  }

  /** HMAC-SHA256 of the normalised identifier under the search key, base64url. */
  searchHash(kind: SearchKind, value: string): string {
    return createHmac('sha256', this.#ring.searchKey).update(`${kind}\0${normalizeIdentifier(value)}`).digest('base64url');
  }

  #reloaded(): KeyRing | undefined {
    // At most once a second: a flood of unknown key ids must not become a flood of file reads.
    if (!this.reload || Date.now() - this.#lastReload < 1000) return undefined;
    this.#lastReload = Date.now();
    const next = this.reload();
    if (next) this.#ring = next;
    return next;
  }
}

const CIPHER = Symbol.for('priorgate.fieldCipher');
type WithCipher = { [CIPHER]?: FieldCipher };

/**
 * Gives a database handle its cipher. Transactions opened on it (and savepoints inside them)
 * carry the same cipher, whatever cipher the handle holds when they start.
 */
export function attachCipher(db: Db, cipher: FieldCipher): void {
  const holder = db as Db & WithCipher;
  const wrapped = holder[CIPHER] !== undefined;
  holder[CIPHER] = cipher;
  if (wrapped) return;
  const original = db.transaction.bind(db);
  db.transaction = ((fn: (tx: Db) => Promise<unknown>, config?: unknown) =>
    original(
      (tx) => {
        attachCipher(tx, holder[CIPHER]!);
        return fn(tx);
      },
      config as never,
    )) as Db['transaction'];
}

/** The cipher of a database handle; a handle opened without one cannot touch PHI columns. */
export function cipherOf(db: Db): FieldCipher {
  const c = (db as Db & WithCipher)[CIPHER];
  if (!c) throw new Error('this database handle has no data key ring attached (src/db/crypto attachCipher): PHI columns cannot be read or written');
  return c;
}

export function hasCipher(db: Db): boolean {
  return (db as Db & WithCipher)[CIPHER] !== undefined;
}
