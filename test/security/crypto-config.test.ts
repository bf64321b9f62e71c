/**
 * Data key configuration: zero configuration generates a key ring (mode 0600) and says so without
 * logging a key; a wrong, different or missing key ring is a clear start-up error (exit 2, the
 * variable named) instead of rows failing one by one later. Both stores.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type DataKeySource, type KeyRingFile } from '../../src/config/index.ts';
import { envKeyId, generateKeyRingFile, withNewKey, writeKeyRingFile } from '../../src/db/crypto/index.ts';
import { openDataKeys } from '../../src/db/data-keys/index.ts';
import { enqueue } from '../../src/db/queries/jobs.ts';
import { insertRequest, requestById } from '../../src/db/queries/requests.ts';
import { rows } from '../../src/db/client.ts';
import { sql } from 'drizzle-orm';
import { organizations } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log/index.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';
import { testGateway } from '../helpers/gateway.ts';
import { cli, startServer } from '../helpers/process.ts';
import { until } from './crypto-kit.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'pg-keys-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const quiet = () => createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) as never });
const defaultSource = (dir: string): DataKeySource => ({ kind: 'file', path: path.join(dir, 'data-keys.json'), explicit: false });
function explicitRing(ring: KeyRingFile): DataKeySource {
  const file = path.join(tmp(), 'ring.json');
  writeKeyRingFile(file, ring);
  return { kind: 'file', path: file, explicit: true };
}
const envSource = (key: Buffer): DataKeySource => ({ kind: 'env', variable: 'PRIORGATE_DATA_KEY', key: () => key });

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return (e as Error).message;
}

describe('data keys in process', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await testDatabase();
  });
  afterAll(() => db?.close());

  it('zero configuration: the first start generates a 0600 key ring under the data dir and says so, without the key', async () => {
    const gw = await testGateway();
    try {
      const file = path.join(gw.dataDir, 'data-keys.json');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const ring = JSON.parse(readFileSync(file, 'utf8')) as KeyRingFile;
      expect(ring.current).toBe(gw.dataKeys.cipher.ring.currentId);
      const log = gw.logText();
      expect(log).toContain('generated a data key ring for encryption at rest');
      expect(log).toContain(file);
      for (const secret of [ring.searchKey, ...ring.keys.map((k) => k.key)]) expect(log).not.toContain(secret);
    } finally {
      await gw.stop();
    }
  }, 120_000);

  it('a database written with one ring refuses another ring, and another key under the same id', async () => {
    const dir = tmp();
    const first = await openDataKeys(db.db, defaultSource(dir), { log: quiet() });
    const kid = first.cipher.ring.currentId;
    await first.stop();
    const other = generateKeyRingFile(new Date());
    expect(await refusal(openDataKeys(db.db, explicitRing(other), { log: quiet() }))).toMatch(
      new RegExp(`has been written with data key "${kid}", which PRIORGATE_DATA_KEY_FILE \\(.*ring\\.json\\) does not hold`),
    );
    const sameIdOtherBytes = { ...other, current: kid, keys: [{ id: kid, key: randomBytes(32).toString('base64') }] };
    expect(await refusal(openDataKeys(db.db, explicitRing(sameIdOtherBytes), { log: quiet() }))).toMatch(`key "${kid}" in PRIORGATE_DATA_KEY_FILE`);
    // The right ring with a newer key added (a rotation) is fine.
    const grown = withNewKey(JSON.parse(readFileSync(path.join(dir, 'data-keys.json'), 'utf8')), new Date());
    const rotated = await openDataKeys(db.db, explicitRing(grown.file), { log: quiet() });
    expect(rotated.cipher.ring.currentId).toBe(grown.kid);
    await rotated.stop();
    // The default ring file lost: refused, and no fresh ring is generated over the loss.
    unlinkSync(path.join(dir, 'data-keys.json'));
    expect(await refusal(openDataKeys(db.db, defaultSource(dir), { log: quiet() }))).toMatch(/no key ring at .*data-keys\.json, but this database has been written with data key/);
    expect(existsSync(path.join(dir, 'data-keys.json'))).toBe(false);
  });

  it('two reloads at once (the ring file watcher and an operator) register a rotation once; a rekey that joins a running one reports the whole run', async () => {
    const fresh = await testDatabase();
    const dir = tmp();
    const keys = await openDataKeys(fresh.db, defaultSource(dir), { log: quiet() });
    try {
      const oldKid = keys.cipher.ring.currentId;
      for (let i = 0; i < 5; i++) await enqueue(fresh.db, { kind: 'test.sealed', payload: { member: `M${i}` } });
      const ringFile = path.join(dir, 'data-keys.json');
      const rotated = withNewKey(JSON.parse(readFileSync(ringFile, 'utf8')) as KeyRingFile, new Date());
      writeKeyRingFile(ringFile, rotated.file);
      const answers = await Promise.all([keys.reload(), keys.reload()]);
      expect(answers).toEqual([
        { changed: true, current: rotated.kid },
        { changed: false, current: rotated.kid },
      ]);
      // One registration of the new key (and its audit), not two.
      const [registered] = await rows<{ n: number }>(fresh.db, sql`select count(*)::int as n from audit_events where action = 'data-key.activate' and entity_id = ${rotated.kid}`);
      expect(registered!.n).toBe(1);
      // A pass is running (a reload started it in the background) when an operator's rekey joins it:
      // the operator is told about every row the run moved, not about its last pass (none left).
      const running = keys.rekey({ batchSize: 1, pauseMs: 20 });
      const joined = keys.rekey();
      const [a, b] = await Promise.all([running, joined]);
      expect(b.resealed.jobs).toBe(5);
      expect(a.resealed.jobs).toBe(5);
      expect((await keys.status()).keys.find((k) => k.kid === oldKid)).toMatchObject({ rows: { total: 0 } });
    } finally {
      await keys.stop();
      await fresh.close();
    }
  }, 120_000);

  it('PRIORGATE_DATA_KEY: one key, its id a fingerprint, values round-trip; another key is refused', async () => {
    const fresh = await testDatabase();
    try {
      const key = randomBytes(32);
      const keys = await openDataKeys(fresh.db, envSource(key), { log: quiet() });
      expect(keys.cipher.ring.currentId).toBe(envKeyId(key));
      await fresh.db.insert(organizations).values({ id: 'org-env', name: 'Env Org' });
      const { row } = await insertRequest(fresh.db, { orgId: 'org-env', kind: 'eligibility', payerId: null, idempotencyKey: 'k1', traceNumber: 't1', summary: { memberIds: ['ENV123A'] } });
      expect((await requestById(fresh.db, row.id))!.summary.memberIds).toEqual(['ENV123A']);
      await keys.stop();
      expect(await refusal(openDataKeys(fresh.db, envSource(randomBytes(32)), { log: quiet() }))).toMatch(/which PRIORGATE_DATA_KEY does not hold/);
    } finally {
      await fresh.close();
    }
  }, 120_000);
});

describe('data keys at the command line', () => {
  let pg: TestDatabase | undefined;
  beforeAll(async () => {
    if (usingPostgres) pg = await testDatabase();
  });
  afterAll(() => pg?.close());

  it('a missing PRIORGATE_DATA_KEY_FILE stops `serve` with exit 2, naming the variable', () => {
    const r = cli(['serve', '--port', '0'], { PRIORGATE_DATA_DIR: tmp(), PRIORGATE_DATA_KEY_FILE: '/nonexistent/priorgate-ring.json', DATABASE_URL: '' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('PRIORGATE_DATA_KEY_FILE: cannot read /nonexistent/priorgate-ring.json (no such file)');
  });

  it('`serve` on a store written with another key ring exits 2 and says which key is missing', async () => {
    const dataDir = tmp();
    const env: NodeJS.ProcessEnv = { PRIORGATE_DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '' };
    const first = await startServer(['--demo'], env);
    await until('readiness', async () => (await fetch(`${first.url}/readyz`)).ok || undefined);
    expect(await first.stop()).toBe(0);
    const kid = (JSON.parse(readFileSync(path.join(dataDir, 'data-keys.json'), 'utf8')) as KeyRingFile).current;
    writeKeyRingFile(path.join(dataDir, 'data-keys.json'), generateKeyRingFile(new Date()));
    const r = cli(['serve', '--demo', '--port', '0'], env);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`has been written with data key "${kid}"`);
    // A gateway process starts and stops before the second start is refused.
  }, 120_000);

  it('`keys rotate --data` with PRIORGATE_DATA_KEY explains that a single key needs a ring file first (exit 2)', () => {
    const r = cli(['keys', 'rotate', '--data'], { PRIORGATE_DATA_DIR: tmp(), PRIORGATE_DATA_KEY: randomBytes(32).toString('base64'), DATABASE_URL: '' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/PRIORGATE_DATA_KEY is a single key .* set PRIORGATE_DATA_KEY_FILE/);
  });
});
