/**
 * Postgres ending the gateway's connections under load (an operator's pg_terminate_backend, a
 * failover, a restart): every 700 ms for 8 rounds, all of the gateway's sessions are terminated
 * while ten providers keep submitting. Before the fixes this ended the gateway process at the first
 * round: a TypeError thrown from postgres.js's write timer (patched: src/db/driver-patches), and then
 * an unhandled rejection from the acceptance batch (src/requests/accept.ts).
 *
 * What must hold: the process keeps running; a request in flight when its connection dies is
 * answered (at worst a 503 OperationOutcome with Retry-After: send it again; never a 500, never a
 * dropped connection to the provider); every
 * request answered 200 is stored and decided (at once, or by its delivery job's next attempt), sent
 * to the payer as one interchange; afterwards the gateway is ready and accepts a new request. Gateway and payer simulator in their own processes; Postgres only.
 */
import { sql } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { testDatabase, usingPostgres } from '../helpers/db.ts';
import { pasExample, reviewCodes } from '../helpers/gateway.ts';
import { startGateway } from '../helpers/instances.ts';
import { providerToken } from '../helpers/jwk.ts';
import { rulesRoutingDemoPayer, startPayerProcess } from '../helpers/payer-process.ts';
import { freePort } from '../helpers/process.ts';
import { sleep, until } from '../helpers/wait.ts';

const ROUNDS = 8;
const PROVIDERS = 10;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe.skipIf(!usingPostgres)("Postgres terminating the gateway's sessions under load", () => {
  it('keeps the gateway running and answering, loses no request it answered 200, and accepts again afterwards', async () => {
    const pg = await testDatabase();
    cleanups.push(() => pg.close());
    const payerPort = await freePort();
    const payer = await startPayerProcess({ port: payerPort, env: { PRIORGATE_SIM_PEND_MS: '0' } });
    cleanups.push(() => payer.kill());
    const rules = rulesRoutingDemoPayer(`http://127.0.0.1:${payerPort}/core`);
    cleanups.push(() => rules.remove());
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pg-term-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const gw = await startGateway({ DATABASE_URL: pg.url!, PRIORGATE_DATA_DIR: dataDir, PRIORGATE_RULES_DIR: rules.dir, PRIORGATE_SYNC_WAIT_MS: '5000', PRIORGATE_JOB_LOCK_MS: '3000' }, { name: 'term' });
    cleanups.push(() => gw.stop('SIGKILL'));
    const token = (await providerToken(gw.url, dataDir)).body.access_token!;
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    cleanups.push(() => admin.end());

    const answered200: { member: string; id: string; trace: string }[] = [];
    const statuses = new Map<number | string, number>();
    /** Answers other than 200 or a 503 with Retry-After (a lost connection is the caller's to retry, not our fault). */
    const unexpected: string[] = [];
    let stop = false;
    let n = 0;
    const provider = async () => {
      while (!stop) {
        const member = `T${String(n++).padStart(5, '0')}A`;
        const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', member);
        try {
          const res = await fetch(`${gw.url}/fhir/Claim/$submit`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
            body: JSON.stringify(bundle),
          });
          const body = (await res.json()) as { resourceType: string; entry?: { resource: { id: string } }[] };
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 200) answered200.push({ member, id: body.entry![0]!.resource.id, trace: bundle.entry[0].resource.identifier[0].value });
          else {
            expect(body.resourceType).toBe('OperationOutcome');
            if (res.status !== 503 || res.headers.get('retry-after') === null) unexpected.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
          }
        } catch {
          // The connection to the gateway itself failing: what must not happen.
          statuses.set('connection', (statuses.get('connection') ?? 0) + 1);
          await sleep(100);
        }
      }
    };
    const load = Array.from({ length: PROVIDERS }, provider);
    let terminated = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(700);
      const [r] = await admin<{ n: number }[]>`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'priorgate-term') t`;
      terminated += r!.n;
      expect(gw.proc.exitCode, `round ${round}: ${gw.output().slice(-2000)}`).toBeNull();
    }
    stop = true;
    await Promise.all(load);

    const summary = JSON.stringify(Object.fromEntries(statuses));
    expect(terminated, summary).toBeGreaterThanOrEqual(ROUNDS);
    expect(gw.proc.exitCode, gw.output().slice(-3000)).toBeNull();
    expect(gw.output()).not.toContain('TypeError');
    expect(statuses.get('connection') ?? 0, summary).toBe(0);
    expect(unexpected, summary).toEqual([]);
    expect(answered200.length, summary).toBeGreaterThan(0);

    // Ready again, and a new request is accepted and decided.
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    const after = await fetch(`${gw.url}/fhir/Claim/$submit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(pasExample('Bundle-SurgicalRequestBundleExample.json', 'TAFTER01A')),
    });
    expect(after.status).toBe(200);
    expect(reviewCodes(((await after.json()) as { entry: { resource: unknown }[] }).entry[0]!.resource)).toEqual(['A1']);

    // Every request answered 200 is stored, and decided: at once, or (answered pended when its
    // delivery's connection died) by the job's next attempt. Certified, HCR A1: the members end in A.
    const states = async () => new Map((await rows<{ id: string; status: string }>(pg.db, sql`select id, status from requests`)).map((r) => [r.id, r.status]));
    await until('every request answered 200 to be decided', async () => {
      const now = await states();
      return answered200.every((a) => now.get(a.id) === 'certified');
    }, 60_000).catch(() => undefined);
    const byId = await states();
    for (const a of answered200) expect(byId.get(a.id), a.member).toBe('certified');
    // Sent once each: one interchange per request at the payer (a re-sent one is the same interchange).
    const stats = await payer.stats();
    for (const a of answered200) expect(stats.traces[a.trace], `interchanges for ${a.member}`).toHaveLength(1);
  }, 180_000);
});
