/**
 * `$submit` under load: autocannon, 50 connections, against the gateway in demo mode (PAS
 * validation, translation, store + outbox + audit, delivery to the payer simulator over CORE SOAP,
 * sync wait for the decision), and side by side a floor server: Hono on the same kind of store doing
 * one transaction that inserts the request body and one audit row. Prints throughput, p99 and the
 * ratio (target ≥ 0.5× the floor). BENCH_SECONDS shortens the runs (default 30).
 *
 * Then the gateway's CPU per `$submit`: the gateway alone in its own process (`priorgate serve
 * --demo`), the payer simulator in another (`priorgate sim payer`), the load from this one; CPU is
 * the gateway process's user+system time over the run (from /proc), divided by the answers.
 * BENCH_ONLY=cpu runs only that part; BENCH_ONLY=gateway skips the floor.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { importJWK, SignJWT } from 'jose';
import { appendAudit } from '../../src/audit/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { openEmbedded, openPostgres, type Database, type Db } from '../../src/db/client.ts';
import { messages } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log/index.ts';
import { startGateway } from '../../src/server/index.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { BIN, freePort, startServer } from '../helpers/process.ts';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONNECTIONS = 50;
const EXAMPLE = readFileSync(`${PAS_EXAMPLES}/Bundle-SurgicalRequestBundleExample.json`, 'utf8');
const silent = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) as never });

async function database(dir: string): Promise<Database> {
  const db = process.env.DATABASE_URL ? await openPostgres(process.env.DATABASE_URL, { max: 20 }) : await openEmbedded(dir);
  await db.migrate();
  return db;
}

let seq = 0;
/** A fresh Bundle per request: same content, new identifiers (idempotency would otherwise answer from the store). */
function body(): string {
  seq++;
  const b = JSON.parse(EXAMPLE);
  b.identifier.value = `bench-${process.pid}-${seq}`;
  b.entry[0].resource.identifier[0].value = `B${process.pid}${seq}`;
  return JSON.stringify(b);
}

function run(url: string, headers: Record<string, string>) {
  return runFor(url, headers, SECONDS);
}

async function floorServer(dir: string) {
  const db = await database(dir);
  const app = new Hono();
  app.post('/submit', async (c) => {
    const text = await c.req.text();
    await db.db.transaction(async (tx) => {
      await tx.insert(messages).values({ id: crypto.randomUUID(), direction: 'in', format: 'fhir', transactionSet: 'floor', payload: text });
      await appendAudit(tx as unknown as Db, { actor: 'bench', action: 'floor.submit' });
    });
    return c.json({ ok: true });
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/submit`, stop: async () => (server.close(), db.close()) };
}

async function gateway(dir: string) {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PRIORGATE_DATA_DIR: dir, PRIORGATE_SYNC_WAIT_MS: '15000', PRIORGATE_TOKEN_TTL_S: '3600', LOG_LEVEL: 'warn', DATABASE_URL: process.env.DATABASE_URL ?? '' }, { demo: true });
  const gw = await startGateway(config, silent, { database: await database(dir) });
  const token = await tokenFor(gw.url, dir);
  return { url: `${gw.url}/fhir/Claim/$submit`, token, stop: () => gw.stop() };
}

function line(name: string, r: autocannon.Result) {
  const ok = r['2xx'];
  return `${name.padEnd(10)} ${(ok / SECONDS).toFixed(1).padStart(8)} req/s   p50 ${String(r.latency.p50).padStart(5)} ms   p99 ${String(r.latency.p99).padStart(6)} ms   2xx ${ok}  non-2xx ${r.non2xx}  errors ${r.errors}`;
}

/** User+system CPU seconds of a process so far (Linux /proc; clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function tokenFor(url: string, dir: string): Promise<string> {
  const jwk = JSON.parse(readFileSync(path.join(dir, 'demo', 'demo-clinic-a.private.jwk'), 'utf8'));
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid })
    .setIssuer('demo-clinic-a')
    .setSubject('demo-clinic-a')
    .setAudience(`${url}/auth/token`)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('4m')
    .sign(await importJWK(jwk, jwk.alg));
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A new empty database on the Postgres server of DATABASE_URL (dropped by the returned function). */
async function freshPostgres(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `priorgate_bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** The gateway's CPU per $submit, gateway and payer simulator each in their own process. */
async function cpuPerSubmit(dir: string): Promise<void> {
  const pg = process.env.DATABASE_URL ? await freshPostgres(process.env.DATABASE_URL) : undefined;
  const simPort = await freePort();
  const sim = spawn(process.execPath, [BIN, 'sim', 'payer', '--port', String(simPort)], { stdio: 'ignore', env: { ...process.env, PRIORGATE_SIM_PEND_MS: '0' } });
  const rules = path.join(dir, 'rules');
  cpSync(fileURLToPath(new URL('../../rules', import.meta.url)), rules, { recursive: true });
  const payerFile = path.join(rules, 'payers', 'demo-payer.yaml');
  writeFileSync(payerFile, `${readFileSync(payerFile, 'utf8')}\nendpoint: http://127.0.0.1:${simPort}/core\n`);
  const gw = await startServer(['--demo'], {
    PRIORGATE_DATA_DIR: path.join(dir, 'data'),
    PRIORGATE_RULES_DIR: rules,
    PRIORGATE_SYNC_WAIT_MS: '15000',
    PRIORGATE_TOKEN_TTL_S: '3600',
    DATABASE_URL: pg?.url ?? '',
  });
  try {
    const token = await tokenFor(gw.url, path.join(dir, 'data'));
    const headers = { authorization: `Bearer ${token}` };
    const url = `${gw.url}/fhir/Claim/$submit`;
    await runFor(url, headers, Math.min(10, SECONDS)); // warm-up: JIT, compiled validator, pools
    const before = cpuSeconds(gw.proc.pid!);
    const r = await runFor(url, headers, SECONDS);
    const cpu = cpuSeconds(gw.proc.pid!) - before;
    const ok = r['2xx'];
    console.log(line('gateway', r));
    console.log(`gateway CPU per $submit: ${((cpu * 1000) / Math.max(1, ok)).toFixed(2)} ms (${cpu.toFixed(1)} s of CPU for ${ok} answers; gateway process only)`);
  } finally {
    await gw.stop();
    sim.kill('SIGTERM');
    await pg?.drop();
  }
}

function runFor(url: string, headers: Record<string, string>, seconds: number) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections: CONNECTIONS,
        duration: seconds,
        // Answers can take up to the sync wait (15 s) when the payer pends: count them, not as errors.
        timeout: 20,
        headers: { 'content-type': 'application/fhir+json', ...headers },
        requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const dirs = [mkdtempSync(path.join(tmpdir(), 'pg-bench-floor-')), mkdtempSync(path.join(tmpdir(), 'pg-bench-gw-')), mkdtempSync(path.join(tmpdir(), 'pg-bench-cpu-'))];
try {
  console.log(`$submit load: ${CONNECTIONS} connections, ${SECONDS} s each, store: ${process.env.DATABASE_URL ? 'postgres' : 'embedded (PGlite)'}`);
  const only = process.env.BENCH_ONLY;
  if (only !== 'cpu') {
    // BENCH_ONLY=gateway skips the floor run (for profiling the gateway alone).
    const skipFloor = only === 'gateway';
    const floor = skipFloor ? undefined : await floorServer(dirs[0]!);
    const floorResult = floor ? await run(floor.url, {}) : undefined;
    await floor?.stop();
    const gw = await gateway(dirs[1]!);
    const gwResult = await run(gw.url, { authorization: `Bearer ${gw.token}` });
    await gw.stop();
    if (floorResult) console.log(line('floor', floorResult));
    console.log(line('gateway', gwResult));
    if (floorResult) {
      const ratio = gwResult['2xx'] / Math.max(1, floorResult['2xx']);
      console.log(`ratio gateway/floor throughput: ${ratio.toFixed(2)} (target >= 0.5)${ratio >= 0.5 ? '' : '  NOT met'}`);
    }
  }
  if (only !== 'gateway') await cpuPerSubmit(dirs[2]!);
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
