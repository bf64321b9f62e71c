/**
 * A subscriber's outage with the gateway killed in the middle of it (issue 15): the rest-hook
 * receiver is down (connections refused) for 30 s, then answers 500 for 30 s, then 200; pended
 * requests are decided by the payer during the outage, some while the gateway is dead (`kill -9`,
 * restarted on the same port; the payer, its own process, pushes again as payers do). In the end
 * every pended request is decided and its decision reached the subscriber exactly once: one
 * accepted notification per request, one per event number, numbers 1..N. On the embedded store and,
 * with TEST_DATABASE_URL, on Postgres; the audit log verifies whole afterwards. Short retry intervals (PRIORGATE_NOTIFY_BACKOFF_*) stand in
 * for the day-long version; the 24 h retry period is the default and never reached here.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { pasExample, reviewCodes } from '../helpers/gateway.ts';
import { providerToken } from '../helpers/jwk.ts';
import { BIN, freePort, startServer, type ChildServer } from '../helpers/process.ts';
import { pasSubscription } from '../notify/helpers.ts';

const N = 12;
const DOWN_MS = 30_000;
const FAILING_MS = 30_000;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The subscriber: up, down (connections refused), failing (500), on one fixed port. */
async function subscriber(port: number) {
  const accepted: { eventNumber: number; focus: string }[] = [];
  let posts = 0;
  let mode: 'ok' | 'failing' = 'ok';
  let server: Server | undefined;
  const start = () =>
    new Promise<void>((resolve) => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          posts++;
          if (mode === 'failing') return void res.writeHead(500).end();
          const b = JSON.parse(body);
          const status = b.entry[0].resource;
          const event = status.parameter.find((p: any) => p.name === 'notification-event');
          if (event) {
            accepted.push({
              eventNumber: Number(event.part.find((p: any) => p.name === 'event-number').valueString),
              // The focus is the PAS response Bundle (as the IG's notification example); its first entry the ClaimResponse.
              focus: b.entry.find((e: any) => e.resource?.resourceType === 'Bundle')?.resource.entry?.[0]?.resource?.id,
            });
          }
          res.writeHead(200).end();
        });
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await start();
  return {
    url: `http://127.0.0.1:${port}/hook`,
    accepted,
    posts: () => posts,
    async down() {
      await new Promise<void>((r) => {
        server!.closeAllConnections();
        server!.close(() => r());
      });
    },
    async failing() {
      mode = 'failing';
      await start();
    },
    ok() {
      mode = 'ok';
    },
    close: () => new Promise<void>((r) => (server?.listening ? (server.closeAllConnections(), server.close(() => r())) : r())),
  };
}

async function json(url: string, tok: string, method = 'GET', body?: unknown) {
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json()) as any };
}

async function outage(store: 'embedded' | 'postgres') {
  const began = Date.now();
  const elapsed = () => `${Math.round((Date.now() - began) / 1000)} s`;
  const gwPort = await freePort();
  const simPort = await freePort();
  const hookPort = await freePort();
  const rules = mkdtempSync(path.join(tmpdir(), 'pg-outage-rules-'));
  mkdirSync(path.join(rules, 'payers'));
  writeFileSync(path.join(rules, 'payers', 'demo-payer.yaml'), `${readFileSync('rules/payers/demo-payer.yaml', 'utf8')}\nendpoint: http://127.0.0.1:${simPort}/core\n`);
  copyFileSync('rules/payers/demo-fhir-payer.yaml', path.join(rules, 'payers', 'demo-fhir-payer.yaml'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pg-outage-'));
  const pg: TestDatabase | undefined = store === 'postgres' ? await testDatabase() : undefined;
  cleanups.push(() => rmSync(rules, { recursive: true, force: true }), () => rmSync(dataDir, { recursive: true, force: true }), () => pg?.close());
  const env = {
    PRIORGATE_DATA_DIR: dataDir,
    PRIORGATE_RULES_DIR: rules,
    PRIORGATE_SYNC_WAIT_MS: '2000',
    PRIORGATE_JOB_LOCK_MS: '3000',
    PRIORGATE_NOTIFY_BACKOFF_BASE_MS: '250',
    PRIORGATE_NOTIFY_BACKOFF_CAP_MS: '2000',
    LOG_LEVEL: process.env.DEBUG_OUTAGE ? 'info' : 'warn',
    DATABASE_URL: pg?.url ?? '',
  };
  const startGw = async () => {
    const s = await startServer(['--demo'], env, 90_000, { port: gwPort });
    for (let i = 0; !(await fetch(`${s.url}/readyz`).then((r) => r.ok, () => false)); i++) {
      if (i > 600) throw new Error(`not ready: ${s.output()}`);
      await sleep(100);
    }
    return s;
  };

  // First start creates the payers; the payer's inbound secret is issued with the gateway stopped
  // (the embedded store has one user at a time), and the payer process pushes with it.
  let gw: ChildServer = await startGw();
  await gw.stop();
  const secret = await runCommand(main, ['payer', 'secret', '--payer', 'demo-payer'], { env: { ...env, LOG_LEVEL: 'silent' } });
  expect(secret.code, secret.text).toBe(0);
  const auth = `Basic ${Buffer.from(`demo-payer:${secret.stdout.trim()}`).toString('base64')}`;
  const sim = spawn(process.execPath, [BIN, 'sim', 'payer', '--port', String(simPort), '--callback', `http://127.0.0.1:${gwPort}/payer/x12`, '--auth', auth], {
    stdio: 'ignore',
    env: { ...process.env, PRIORGATE_SIM_PEND_MS: '4000' },
  });
  cleanups.push(() => void sim.kill('SIGKILL'));
  const hook = await subscriber(hookPort);
  cleanups.push(() => hook.close());

  gw = await startGw();
  cleanups.push(() => gw.stop('SIGKILL'));
  let tok = (await providerToken(gw.url, dataDir)).body.access_token!;
  const created = await json(`${gw.url}/fhir/Subscription`, tok, 'POST', pasSubscription('1234567893', hook.url));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const subscriptionId = created.body.id as string;
  for (let i = 0; (await json(`${gw.url}/fhir/Subscription/${subscriptionId}`, tok)).body.status !== 'active'; i++) {
    if (i > 100) throw new Error('the handshake did not complete');
    await sleep(200);
  }

  // The outage begins. Half the requests now, half a little later: the payer pends them (A4) and
  // pushes its decisions 4 s later — the first half while the gateway runs, the second half while it is dead.
  await hook.down();
  const downAt = Date.now();
  const bundles = Array.from({ length: N }, (_, i) => pasExample('Bundle-SurgicalRequestBundleExample.json', `OUT${i}P`, `outage-${store}-${i}-${Date.now()}`));
  const ids: string[] = [];
  for (const [i, b] of bundles.entries()) {
    if (i === N / 2) await sleep(2500);
    const r = await json(`${gw.url}/fhir/Claim/$submit`, tok, 'POST', b);
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    expect(reviewCodes(r.body.entry[0].resource), 'pended at once').toContain('A4');
    ids.push(r.body.entry[0].resource.id);
  }
  await sleep(3000);
  await gw.stop('SIGKILL');
  console.info(`[${store}] ${elapsed()}: gateway killed with the subscriber down`);
  await sleep(5000);
  gw = await startGw();
  tok = (await providerToken(gw.url, dataDir)).body.access_token!;
  console.info(`[${store}] ${elapsed()}: gateway restarted`);

  await sleep(Math.max(0, downAt + DOWN_MS - Date.now()));
  await hook.failing();
  console.info(`[${store}] ${elapsed()}: subscriber answers 500`);
  await sleep(FAILING_MS);
  hook.ok();
  console.info(`[${store}] ${elapsed()}: subscriber answers 200 (${hook.posts()} POSTs refused or failed so far)`);

  const deadline = Date.now() + 90_000;
  while (new Set(hook.accepted.map((a) => a.focus)).size < N && Date.now() < deadline) await sleep(500);
  await sleep(3000); // anything sent twice would arrive now
  console.info(`[${store}] ${elapsed()}: ${hook.accepted.length} notifications accepted, ${hook.posts()} POSTs in all`);

  // Every pended request decided.
  for (const id of ids) {
    const r = await json(`${gw.url}/fhir/ClaimResponse/${id}`, tok);
    expect(reviewCodes(r.body), `request ${id}`).toContain('A1');
  }
  // Notified exactly once: one accepted notification per request and per event number, 1..N.
  expect(hook.accepted.map((a) => a.focus).sort()).toEqual([...ids].sort());
  expect(hook.accepted.map((a) => a.eventNumber).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  const status = await json(`${gw.url}/fhir/Subscription/${subscriptionId}/$status`, tok);
  const params = status.body.entry[0].resource.parameter;
  expect(params.find((p: any) => p.name === 'status').valueCode).toBe('active');
  expect(params.find((p: any) => p.name === 'events-since-subscription-start').valueString).toBe(String(N));
  expect(params.filter((p: any) => p.name === 'notification-event'), 'nothing owed').toEqual([]);
  expect(await gw.stop()).toBe(0);
  // The audit log came through the kill too: every event sealed once, every head signed and consistent.
  const verify = await runCommand(main, ['audit', 'verify'], { env: { ...env, LOG_LEVEL: 'silent' } });
  expect(verify.code, verify.text).toBe(0);
  expect(verify.stdout).toMatch(/^audit log intact: \d+ events in \d+ signed tree heads/);
  expect(verify.stdout).not.toMatch(/not sealed yet/);
}

describe('a subscriber outage with the gateway killed meanwhile', () => {
  it('ends with every pended request decided and notified exactly once (embedded store)', () => outage('embedded'), 420_000);
  it.skipIf(!process.env.TEST_DATABASE_URL)('ends with every pended request decided and notified exactly once (Postgres)', () => outage('postgres'), 420_000);
});
