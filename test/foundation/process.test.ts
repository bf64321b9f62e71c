import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';
import { cli, startServer } from '../helpers/process.ts';
import { providerToken } from '../helpers/jwk.ts';

// The same suite on both stores: a data dir for the embedded store, a fresh database on Postgres.
let dataDir: string;
let pg: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'pg-proc-'));
  env = { PRIORGATE_DATA_DIR: dataDir, DATABASE_URL: '' };
  if (usingPostgres) {
    pg = await testDatabase();
    env.DATABASE_URL = pg.url;
  }
});
afterAll(async () => {
  await pg?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const demoToken = (url: string) => providerToken(url, dataDir);

describe('priorgate serve --demo as a child process', () => {
  it('starts, seeds the demo clients, keeps data across a restart, and the CLI works beside it', async () => {
    const first = await startServer(['--demo'], env);
    try {
      // Startup time is reported, not asserted (speed belongs to benchmarks).
      console.info(`cold start to /healthz: ${first.startMs} ms`);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      const tok = await demoToken(first.url);
      expect(tok.status, JSON.stringify(tok.body)).toBe(200);

      // Operator commands beside a running server: token goes through it on the embedded store
      // (and straight to the database on Postgres); either way the server accepts the token.
      const minted = cli(['token', '--client', 'demo-clinic-b'], env);
      expect(minted.code, minted.stderr).toBe(0);
      const probe = await fetch(`${first.url}/fhir/ClaimResponse/00000000-0000-0000-0000-000000000000`, {
        headers: { authorization: `Bearer ${minted.stdout.trim()}` },
      });
      expect(probe.status).not.toBe(401);
      expect(cli(['token', '--client', 'nobody'], env).code).toBe(2);
      const verify = cli(['audit', 'verify'], env);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      if (!usingPostgres) {
        const busy = cli(['migrate'], env);
        expect(busy.code).toBe(3);
        expect(busy.stderr).toMatch(/in use by another Priorgate process .*DATABASE_URL/s);
        expect(busy.stderr).not.toMatch(/lock|ELOCK|Error:/);
      }
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const auditBefore = cli(['audit', 'verify'], env);
    expect(auditBefore.code, auditBefore.stdout).toBe(0);
    const eventsBefore = Number(/(\d+) events/.exec(auditBefore.stdout)?.[1]);
    expect(eventsBefore).toBeGreaterThanOrEqual(2);

    const second = await startServer(['--demo'], env);
    try {
      // Same demo key on disk, same client in the store, and the audit trail kept growing.
      expect((await demoToken(second.url)).status).toBe(200);
    } finally {
      await second.stop();
    }
    const after = cli(['audit', 'verify'], env);
    expect(after.code).toBe(0);
    expect(Number(/(\d+) events/.exec(after.stdout)?.[1])).toBeGreaterThan(eventsBefore);
  }, 240_000);

  it('names the bad variable when the environment is invalid, and exits non-zero', () => {
    const r = cli(['serve'], { ...env, PORT: 'eighty', PRIORGATE_SYNC_WAIT_MS: '-5' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PORT: must be a whole number/);
    expect(r.stderr).toMatch(/PRIORGATE_SYNC_WAIT_MS/);
  }, 90_000);

  // Cold starts of the command line (each allowed 60 s by `cli`) and of the server: in a full parallel
  // run on two cores these tests once outgrew their timeouts (120 s, and the default 30 s here).
  it('migrate is harmless to run twice', () => {
    const a = cli(['migrate'], env);
    const b = cli(['migrate'], env);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/migrations applied: (\d+)\/\1/);
  }, 150_000);
});
