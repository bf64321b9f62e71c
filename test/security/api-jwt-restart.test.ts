/**
 * Replay protection survives a restart: the `jti` of a client assertion is kept in the store, not in
 * the process, so an assertion captured before a restart is refused after it (and, on Postgres, by
 * any other instance sharing the database). The real `priorgate serve --demo` as a child process,
 * on the embedded store and on Postgres.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';
import { startServer, type ChildServer } from '../helpers/process.ts';
import { until } from '../helpers/wait.ts';

// A fixed public base URL: the assertion's audience stays the same across restarts and ports.
const BASE = 'https://gateway.example';

let dataDir: string;
let pg: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'pg-jti-'));
  env = { PRIORGATE_DATA_DIR: dataDir, DATABASE_URL: '', PRIORGATE_BASE_URL: BASE };
  if (usingPostgres) {
    pg = await testDatabase();
    env.DATABASE_URL = pg.url;
  }
});
afterAll(async () => {
  await pg?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A demo server, once ready: /healthz answers as soon as the port opens, before the demo seed has
 * written the clients' keys (a loaded machine once read the key file before it existed).
 */
async function readyServer(): Promise<ChildServer> {
  const server = await startServer(['--demo'], env);
  try {
    await until('readiness', async () => (await fetch(`${server.url}/readyz`)).ok, 60_000);
  } catch (e) {
    await server.stop();
    throw e;
  }
  return server;
}

async function demoAssertion(jti: string): Promise<string> {
  const jwk = JSON.parse(readFileSync(path.join(dataDir, 'demo', 'demo-clinic-a.private.jwk'), 'utf8')) as JWK & { alg: string; kid: string };
  return new SignJWT({})
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer('demo-clinic-a')
    .setSubject('demo-clinic-a')
    .setAudience(`${BASE}/auth/token`)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime('4m')
    .sign(await importJWK(jwk, jwk.alg));
}

async function exchange(server: ChildServer, assertion: string) {
  const res = await fetch(`${server.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe(`jti replay across a restart (${usingPostgres ? 'Postgres' : 'embedded store'})`, () => {
  it('an assertion used before the restart is refused after it; a fresh one is accepted', async () => {
    const first = await readyServer();
    // Inside the try: a failure here must not leave the server running after the test.
    let captured = '';
    try {
      captured = await demoAssertion(randomUUID());
      const r = await exchange(first, captured);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const second = await readyServer();
    try {
      const replay = await exchange(second, captured);
      expect(replay.status, JSON.stringify(replay.body)).toBe(401);
      expect(replay.body.error).toBe('invalid_client');
      expect(replay.body.error_description).toMatch(/jti was already used/);
      const fresh = await exchange(second, await demoAssertion(randomUUID()));
      expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it.runIf(usingPostgres)('two instances on one database: an assertion used on one is refused by the other', async () => {
    const [one, two] = await Promise.all([readyServer(), readyServer()]);
    try {
      const captured = await demoAssertion(randomUUID());
      expect((await exchange(one, captured)).status).toBe(200);
      const replay = await exchange(two, captured);
      expect(replay.status).toBe(401);
      expect(replay.body.error_description).toMatch(/jti/);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  }, 120_000);
});
