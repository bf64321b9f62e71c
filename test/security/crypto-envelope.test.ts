/**
 * The envelope and the key ring on their own: AES-256-GCM with a fresh IV per value, associated
 * data binding table, column, row and key id, search hashes that survive rotation, and key ring
 * files validated with errors that name the variable (never a key).
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, readKeyRingFile } from '../../src/config/index.ts';
import {
  DecryptError,
  FieldCipher,
  generateKeyRingFile,
  isEnvelope,
  keyRingFromFile,
  normalizeIdentifier,
  withNewKey,
  writeKeyRingFile,
} from '../../src/db/crypto/index.ts';
import { configErrorOf } from '../helpers/config.ts';

const at = { table: 'messages', column: 'payload', id: '6f1c1a52-5a8e-4d0b-9b49-6d1f3e0c2a11' };
const source = { kind: 'file' as const, path: '/dev/null', explicit: true };
const ringFile = generateKeyRingFile(new Date('2026-01-01T00:00:00Z'));
const cipher = () => new FieldCipher(keyRingFromFile(ringFile, source));

function decryptError(fn: () => unknown): DecryptError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecryptError) return e;
    throw e;
  }
  throw new Error('expected a DecryptError');
}

describe('envelope', () => {
  it('round-trips text (unicode, empty, large) and never repeats an IV', () => {
    const c = cipher();
    for (const text of ['', 'ISA*00*…~', 'Zoë Ñandú 漢字 🙂', 'x'.repeat(200_000)]) expect(c.open(c.seal(text, at), at)).toBe(text);
    const ivs = new Set(Array.from({ length: 2000 }, () => c.seal('same', at).split('.')[2]));
    expect(ivs.size).toBe(2000);
  });

  it('is versioned, names its key id, and shows nothing of the plaintext', () => {
    const c = cipher();
    const sealed = c.seal('{"name":"Quixgrove"}', at);
    expect(sealed).toMatch(new RegExp(`^v1\\.${ringFile.current}\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]+$`));
    expect(isEnvelope(sealed)).toBe(true);
    expect(sealed).not.toMatch(/Quixgrove|name/);
    expect(isEnvelope('{"resourceType":"Bundle"}')).toBe(false);
    expect(isEnvelope('ISA*00*          *00*')).toBe(false);
  });

  it('fails authentication when the value moves to another row, column or table', () => {
    const c = cipher();
    const sealed = c.seal('payload of one row', at);
    for (const other of [{ ...at, id: 'another-row' }, { ...at, column: 'summary_phi' }, { ...at, table: 'jobs' }]) {
      expect(decryptError(() => c.open(sealed, other)).reason).toBe('authentication');
    }
  });

  it('fails on any altered character, on a relabelled key id, and on truncation', () => {
    const c = cipher();
    const sealed = c.seal('x'.repeat(64), at);
    const iv = sealed.indexOf('.', 3) + 1;
    // Every character of IV and ciphertext+tag, changed both ways (also in the last character's spare bits).
    for (let i = iv; i < sealed.length; i++) {
      if (sealed[i] === '.') continue;
      for (const to of ['A', 'B']) {
        if (sealed[i] === to) continue;
        const flipped = sealed.slice(0, i) + to + sealed.slice(i + 1);
        expect(['authentication', 'malformed']).toContain(decryptError(() => c.open(flipped, at)).reason);
      }
    }
    const relabelled = withNewKey(ringFile, new Date());
    const both = new FieldCipher(keyRingFromFile(relabelled.file, source));
    const moved = sealed.replace(`v1.${ringFile.current}.`, `v1.${relabelled.kid}.`);
    expect(decryptError(() => both.open(moved, at)).reason).toBe('authentication');
    expect(['authentication', 'malformed']).toContain(decryptError(() => c.open(sealed.slice(0, sealed.length - 30), at)).reason);
    expect(decryptError(() => c.open('v1.nokey.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAA', at))).toMatchObject({ reason: 'unknown-key', kid: 'nokey' });
  });

  it('messages name the place and the key, never the value', () => {
    const c = cipher();
    const e = decryptError(() => c.open(c.seal('Quixgrove 1911-02-03', at), { ...at, id: 'row-2' }));
    expect(e.message).toContain('messages.payload of row row-2');
    expect(e.message).toContain(ringFile.current);
    expect(e.message).not.toMatch(/Quixgrove|1911/);
    expect(e.phiFree).toBe(true);
  });

  it('refuses plaintext once it is no longer accepted as legacy', () => {
    const c = cipher();
    expect(c.open('{"legacy":true}', at)).toBe('{"legacy":true}');
    c.acceptPlaintext = false;
    expect(decryptError(() => c.open('{"legacy":true}', at)).reason).toBe('plaintext');
  });
});

describe('key ring and search hashes', () => {
  it('after rotation the old key still decrypts, the new one encrypts, and search hashes stay the same', () => {
    const before = cipher();
    const sealed = before.seal('old row', at);
    const rotated = withNewKey(ringFile, new Date('2026-06-01T00:00:00Z'));
    const after = new FieldCipher(keyRingFromFile(rotated.file, source));
    expect(after.open(sealed, at)).toBe('old row');
    expect(after.seal('new row', at)).toMatch(new RegExp(`^v1\\.${rotated.kid}\\.`));
    expect(after.ring.olderIds()).toEqual([ringFile.current]);
    expect(after.searchHash('member-id', 'W1234A')).toBe(before.searchHash('member-id', 'W1234A'));
  });

  it('search hashes: normalised (NFKC, trimmed, case-insensitive), keyed, and separated by kind', () => {
    const c = cipher();
    expect(normalizeIdentifier(' ｗ1234a\t')).toBe('W1234A');
    expect(c.searchHash('member-id', ' w1234a ')).toBe(c.searchHash('member-id', 'W1234A'));
    expect(c.searchHash('member-id', 'W1234A')).not.toBe(c.searchHash('member-id', 'W1234B'));
    const otherRing = new FieldCipher(keyRingFromFile(generateKeyRingFile(new Date()), source));
    expect(otherRing.searchHash('member-id', 'W1234A')).not.toBe(c.searchHash('member-id', 'W1234A'));
    expect(c.searchHash('member-id', 'W1234A')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('ring files are written 0600 and read back; a bad one is a ConfigError naming the variable and the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-ring-'));
    const file = path.join(dir, 'keys', 'ring.json');
    writeKeyRingFile(file, ringFile);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readKeyRingFile(file)).toEqual(ringFile);
    const bad = (content: unknown) => {
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      return configErrorOf(() => readKeyRingFile(file));
    };
    expect(bad('{not json')).toMatch(/PRIORGATE_DATA_KEY_FILE: .* is not JSON/);
    expect(bad({ ...ringFile, current: 'nope' })).toMatch(/PRIORGATE_DATA_KEY_FILE: .*current: "nope" is not one of the listed keys/);
    expect(bad({ ...ringFile, keys: [{ ...ringFile.keys[0], key: 'c2hvcnQ=' }] })).toMatch(/keys\.0\.key: must be 32 bytes/);
    expect(bad({ ...ringFile, keys: [ringFile.keys[0], ringFile.keys[0]] })).toMatch(/is listed twice/);
    const msg = bad({ ...ringFile, version: 2 });
    expect(msg).toMatch(/version/);
    expect(msg).not.toContain(ringFile.keys[0]!.key);
  });

  it('loadConfig: PRIORGATE_DATA_KEY must be 32 base64 bytes; a missing key file or both variables are refused', () => {
    const err = (env: Record<string, string>) => configErrorOf(() => loadConfig(env));
    expect(err({ PRIORGATE_DATA_KEY: 'c2hvcnQ=' })).toMatch(/PRIORGATE_DATA_KEY: must be 32 bytes, base64-encoded/);
    expect(err({ PRIORGATE_DATA_KEY_FILE: '/nonexistent/ring.json' })).toMatch(/PRIORGATE_DATA_KEY_FILE: cannot read \/nonexistent\/ring\.json \(no such file\)/);
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(err({ PRIORGATE_DATA_KEY: key, PRIORGATE_DATA_KEY_FILE: '/x' })).toMatch(/not both/);
    const ok = loadConfig({ PRIORGATE_DATA_KEY: key });
    expect(ok.dataKeys.kind).toBe('env');
    expect(JSON.stringify(ok)).not.toContain(key);
    expect(loadConfig({ PRIORGATE_DATA_DIR: '/srv/pg' }).dataKeys).toEqual({ kind: 'file', path: '/srv/pg/data-keys.json', explicit: false });
  });
});
