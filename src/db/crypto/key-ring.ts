/**
 * The data key ring in memory: every key that decrypts, the one that encrypts (`current`), and the
 * secret the search hashes are keyed with. Built from PRIORGATE_DATA_KEY (one key) or from a key
 * ring file (src/config/data-keys.ts has its format); rotation adds a key to the file.
 */
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { key32, type DataKeySource, type KeyRingFile } from '../../config/index.ts';

export interface DataKey {
  id: string;
  key: Buffer;
  created?: string;
}

const derive = (ikm: Buffer, info: string) => Buffer.from(hkdfSync('sha256', ikm, Buffer.from('priorgate'), Buffer.from(info), 32));

export class KeyRing {
  readonly #keys: Map<string, DataKey>;
  /** HMAC key of the search hashes: derived from the search secret, the same on every rotation. */
  readonly searchKey: Buffer;

  constructor(
    keys: DataKey[],
    readonly currentId: string,
    searchSecret: Buffer,
    readonly source: DataKeySource | { kind: 'ephemeral' },
  ) {
    this.#keys = new Map(keys.map((k) => [k.id, k]));
    if (!this.#keys.has(currentId)) throw new Error(`current data key ${currentId} is not in the ring`);
    this.searchKey = derive(searchSecret, 'priorgate/search-hash/v1');
  }

  current(): DataKey {
    return this.#keys.get(this.currentId)!;
  }

  key(kid: string): Buffer | undefined {
    return this.#keys.get(kid)?.key;
  }

  ids(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Keys whose rows a rotation pass moves to the current key: all but the current one, except keys
   * created after it (a host whose ring is behind must not drag rows back to an older key).
   */
  olderIds(): string[] {
    const cur = this.current().created;
    return this.ids().filter((id) => {
      if (id === this.currentId) return false;
      const created = this.#keys.get(id)!.created;
      return !(cur && created && Date.parse(created) > Date.parse(cur));
    });
  }

  /**
   * A value that proves which key bytes a key id stood for (stored in `data_keys`), so a start with
   * a different key under the same id is refused instead of failing row by row. Reveals nothing of
   * the key: an HMAC under a key derived from it.
   */
  checkValue(kid: string): string | undefined {
    const k = this.#keys.get(kid);
    return k ? createHmac('sha256', derive(k.key, 'priorgate/key-check/v1')).update('priorgate data key check').digest('hex') : undefined;
  }
}

/** A short, sortable, unique id for a new key, e.g. `k20260301-9f3c`. */
export function newKeyId(now: Date): string {
  return `k${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(2).toString('hex')}`;
}

/** The key id of PRIORGATE_DATA_KEY: a fingerprint, so the same key keeps the same id across starts. */
export function envKeyId(key: Buffer): string {
  return `env-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

export function keyRingFromFile(file: KeyRingFile, source: DataKeySource): KeyRing {
  return new KeyRing(
    file.keys.map((k) => ({ id: k.id, key: key32(k.key)!, created: k.created })),
    file.current,
    key32(file.searchKey)!,
    source,
  );
}

/** One key from the environment; it also seeds the search key (see README for moving to a ring file). */
export function keyRingFromEnv(source: Extract<DataKeySource, { kind: 'env' }>): KeyRing {
  const key = source.key();
  return new KeyRing([{ id: envKeyId(key), key }], envKeyId(key), key, source);
}

/** A random ring held in memory only (tests, benchmarks): what it encrypts is gone with the process. */
export function ephemeralKeyRing(): KeyRing {
  const key = randomBytes(32);
  const id = `t-${randomBytes(3).toString('hex')}`;
  return new KeyRing([{ id, key, created: new Date().toISOString() }], id, randomBytes(32), { kind: 'ephemeral' });
}

export function generateKeyRingFile(now: Date): KeyRingFile {
  const id = newKeyId(now);
  return {
    version: 1,
    current: id,
    searchKey: randomBytes(32).toString('base64'),
    keys: [{ id, key: randomBytes(32).toString('base64'), created: now.toISOString() }],
  };
}

/** The file with a new key that becomes current; the search key stays. */
export function withNewKey(file: KeyRingFile, now: Date): { file: KeyRingFile; kid: string } {
  let kid = newKeyId(now);
  while (file.keys.some((k) => k.id === kid)) kid = newKeyId(now);
  return { kid, file: { ...file, current: kid, keys: [...file.keys, { id: kid, key: randomBytes(32).toString('base64'), created: now.toISOString() }] } };
}

export function withoutKey(file: KeyRingFile, kid: string): KeyRingFile {
  return { ...file, keys: file.keys.filter((k) => k.id !== kid) };
}

/** Writes the ring atomically (temp file + rename) with mode 0600, in a 0700 directory it creates. */
export function writeKeyRingFile(file: string, ring: KeyRingFile): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(ring, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
