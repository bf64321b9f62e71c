/**
 * No accepted request is lost or sent twice when a gateway is killed (`kill -9`) mid-delivery: the
 * payer simulator runs as its own process (slowed down so deliveries are in flight), the kill lands
 * while 278s are on the wire, and every request must reach a decision with exactly one interchange
 * control number per request at the payer.
 * - One instance (the embedded store, or Postgres with TEST_DATABASE_URL), restarted on the same store.
 * - Two instances on one Postgres (TEST_DATABASE_URL; two processes cannot share the embedded
 *   store), the requests alternating between them: the one killed holds deliveries at the kill and
 *   never comes back. The survivor's worker takes them over when their lease
 *   (PRIORGATE_JOB_LOCK_MS) runs out, and its sequencer seals the whole audit log.
 * - A staff eligibility batch running on an instance that is killed for good: the survivor resumes
 *   it once its lease (PRIORGATE_JOB_LOCK_MS too) runs out, from the results stored, and asks the
 *   payer again only for members whose answer was not stored yet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { rows } from '../../src/db/client.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';
import { pasExample, reviewCodes } from '../helpers/gateway.ts';
import { auditProgress, heldDeliveries, holdsSequencer, jobStates, sessionsOf, startGateway } from '../helpers/instances.ts';
import { providerToken } from '../helpers/jwk.ts';
import { startPayerProcess, rulesRoutingDemoPayer, type PayerProcess } from '../helpers/payer-process.ts';
import type { ChildServer } from '../helpers/process.ts';
import { addStaffUser, BatchStaff } from '../helpers/staff-http.ts';
import { sleep, until } from '../helpers/wait.ts';

const N = 24;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Scene {
  payer: PayerProcess;
  dataDir: string;
  pg: TestDatabase | undefined;
  /** What every gateway process of the scene runs with (one store, one data dir, one set of rules). */
  env: Record<string, string>;
  bundles: any[];
}

/** The payer process holding each 278 for 300 ms, the rules routing to it, the store, N Bundles. */
async function scene(store: 'embedded' | 'postgres'): Promise<Scene> {
  const payer = await startPayerProcess({ args: ['--delay-ms', '300'] });
  cleanups.push(payer.kill);
  const rules = rulesRoutingDemoPayer(`${payer.url}/core`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pg-crash-'));
  const pg = store === 'postgres' ? await testDatabase() : undefined;
  cleanups.push(rules.remove, () => rmSync(dataDir, { recursive: true, force: true }), () => pg?.close());
  const env = {
    PRIORGATE_DATA_DIR: dataDir,
    PRIORGATE_RULES_DIR: rules.dir,
    PRIORGATE_SYNC_WAIT_MS: '200',
    PRIORGATE_JOB_LOCK_MS: '3000',
    LOG_LEVEL: process.env.DEBUG_CRASH ? 'info' : 'warn',
    DATABASE_URL: pg?.url ?? '',
  };
  const bundles = Array.from({ length: N }, (_, i) => pasExample('Bundle-SurgicalRequestBundleExample.json', `K${i}A`, `crash-${store}-${i}-${Date.now()}`));
  return { payer, dataDir, pg, env, bundles };
}

async function token(gw: ChildServer, dataDir: string) {
  return (await providerToken(gw.url, dataDir)).body.access_token!;
}

async function submit(gw: ChildServer, tok: string, bundle: unknown) {
  const res = await fetch(`${gw.url}/fhir/Claim/$submit`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  return (await res.json()) as any;
}

/** Fires every request, request i to `gatewayOf(i)`; a connection the kill drops is no answer. */
function fire(s: Scene, tok: string, gatewayOf: (i: number) => ChildServer) {
  return Promise.all(s.bundles.map((b, i) => submit(gatewayOf(i), tok, b).catch(() => undefined)));
}

/** Whether the payer holds at least 3 278s it has not answered yet: deliveries are on the wire. */
async function onTheWire(s: Scene): Promise<boolean> {
  return (await s.payer.stats()).inFlight >= 3;
}

/** `until`, its timeout showing what the gateway logged. */
function untilLogged<T>(gw: ChildServer, what: string, probe: () => Promise<T | undefined | false>): Promise<T> {
  return until(what, probe, 30_000).catch((e: Error) => {
    throw new Error(`${e.message}:\n${gw.output().slice(-3000)}`);
  });
}

/**
 * Re-submits every request until each is decided (A1): what a provider does after a dropped
 * connection (idempotent: nothing new is sent). Returns the requests still undecided at the deadline.
 */
async function undecidedAfterResubmitting(gw: ChildServer, tok: string, bundles: any[]): Promise<string[][]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answers = await Promise.all(bundles.map((b) => submit(gw, tok, b)));
    const undecided = answers.map((a) => reviewCodes(a.entry?.[0]?.resource)).filter((c) => !c.includes('A1'));
    if (!undecided.length || Date.now() > deadline) return undecided;
    await sleep(500);
  }
}

/** At the payer: one interchange per request, no two requests in one, every one decided once. Returns how many arrived again (re-sent, de-duplicated). */
async function expectOneInterchangeEach(s: Scene): Promise<number> {
  const stats = await s.payer.stats();
  const traces = s.bundles.map((b) => b.entry[0].resource.identifier[0].value as string);
  for (const t of traces) expect(stats.traces[t], `interchanges for ${t}`).toHaveLength(1);
  expect(new Set(traces.map((t) => stats.traces[t]![0])).size, 'an interchange control number per request').toBe(N);
  expect(stats.decided).toBe(N);
  return Object.values(stats.received).filter((n) => n > 1).length;
}

async function oneInstanceRestarted(store: 'embedded' | 'postgres') {
  const s = await scene(store);
  let gw = await startGateway(s.env);
  let tok = await token(gw, s.dataDir);
  const answers = fire(s, tok, () => gw);
  await untilLogged(gw, 'deliveries on the wire', () => onTheWire(s));
  await gw.stop('SIGKILL');
  const atKill = await s.payer.stats();
  expect(atKill.inFlight + atKill.decided, 'nothing was in flight at the kill').toBeGreaterThan(0);
  await answers;

  gw = await startGateway(s.env);
  cleanups.push(() => gw.stop('SIGKILL'));
  tok = await token(gw, s.dataDir);
  expect(await undecidedAfterResubmitting(gw, tok, s.bundles), 'requests not decided after restart').toEqual([]);
  const resent = await expectOneInterchangeEach(s);
  console.info(`crash test (${store}): ${N} requests, ${resent} interchange(s) re-sent after the kill and de-duplicated by control number`);
  await gw.stop();
}

async function twoInstancesOneKilled() {
  const s = await scene('postgres');
  const db = s.pg!.db;
  // b starts on the database a created and seeded: the same organizations, clients and token keys.
  const a = await startGateway(s.env, { name: 'a' });
  cleanups.push(() => a.stop('SIGKILL'));
  const b = await startGateway(s.env, { name: 'b' });
  cleanups.push(() => b.stop('SIGKILL'));
  const tok = await token(a, s.dataDir);
  const ofA = s.bundles.filter((_, i) => i % 2 === 0);
  const answers = fire(s, tok, (i) => (i % 2 === 0 ? a : b));

  // Kill a while it holds deliveries of requests it accepted, with 278s on the wire.
  const held = await untilLogged(a, 'a to hold deliveries with 278s on the wire', async () => {
    const h = (await onTheWire(s)) && (await heldDeliveries(db, ofA));
    return h && h.length >= 2 && h;
  });
  const sealing = await holdsSequencer(db, 'a');
  await a.stop('SIGKILL');
  const atKill = await auditProgress(db);
  const answered = await answers;
  // b served a's organizations with a's token throughout: every request it was sent, it answered.
  expect(answered.filter((r, i) => i % 2 === 1 && r?.resourceType !== 'Bundle'), 'answers from b').toEqual([]);
  await until("Postgres to drop the killed instance's sessions", async () => (await sessionsOf(db, 'a')) === 0, 30_000);

  // Nothing restarts a: b alone finishes the work.
  expect(await undecidedAfterResubmitting(b, tok, s.bundles), 'requests not decided by the survivor').toEqual([]);
  const finished = await until('the deliveries a held to be finished', async () => {
    const states = await jobStates(db, held);
    return states.every((j) => j.status === 'done') && states;
  });
  const takenOver = finished.filter((j) => j.attempts >= 2);
  expect(takenOver.length, `deliveries a held at the kill, taken over by b after their lease: ${JSON.stringify(finished)}`).toBeGreaterThan(0);
  const resent = await expectOneInterchangeEach(s);

  // The audit log: b's sequencer went on alone and sealed every event, a's included.
  const sealed = await until('the survivor to seal every audit event', async () => {
    const p = await auditProgress(db);
    return p.unsealed === 0 && p.headNo > atKill.headNo && p;
  });
  console.info(
    `crash test (two instances): ${N} requests; a killed holding ${held.length} deliveries (${takenOver.length} taken over by b after the lease, ${resent} interchange(s) re-sent)` +
      `${sealing ? ' and the audit sequencer' : ''}; ${atKill.unsealed} events unsealed at the kill, b signed heads #${atKill.headNo + 1}..#${sealed.headNo}`,
  );
  expect(await b.stop()).toBe(0);
  const verify = await runCommand(main, ['audit', 'verify'], { env: { ...s.env, LOG_LEVEL: 'silent' } });
  expect(verify.code, verify.text).toBe(0);
  expect(verify.stdout).not.toMatch(/not sealed yet/);
}

/** Members ending A (active) and I (inactive): answers a resumed batch keeps (an AAA error it would ask again). */
function batchRoster(n: number): string {
  const lines = ['member_id,first_name,last_name,birth_date,service_type'];
  for (let i = 0; i < n; i++) lines.push(`B${String(i).padStart(6, '0')}${'AI'[i % 2]},Pat,Doe${i},1980-02-0${1 + (i % 9)},30`);
  return `${lines.join('\n')}\n`;
}

async function batchTakenOverBySurvivor() {
  const s = await scene('postgres');
  const db = s.pg!.db;
  const total = 400;
  const a = await startGateway(s.env, { name: 'a' });
  cleanups.push(() => a.stop('SIGKILL'));
  await addStaffUser(db, 'batch-crash', 'staff', 'demo-clinic-a');
  const upload = await (await new BatchStaff(a.url).login('batch-crash')).upload(batchRoster(total), { payer: 'demo-payer', concurrency: '4' });
  const created = (await upload.json()) as { id: string };
  expect(upload.status, JSON.stringify(created)).toBe(202);
  const stored = async () => (await rows<{ key: string }>(db, sql`select key from eligibility_batch_results where batch_id = ${created.id}`)).map((r) => r.key.split('|')[0]!);
  // a runs it alone for a while; b is started on the same database meanwhile, and a is killed for good.
  await until('a to store its first answers', async () => (await stored()).length >= 20);
  const b = await startGateway(s.env, { name: 'b' });
  cleanups.push(() => b.stop('SIGKILL'));
  await a.stop('SIGKILL');
  const atKill = new Set(await stored());
  const askedAtKill = (await s.payer.stats()).eligibility;
  expect(atKill.size, 'the batch was not finished by a alone').toBeLessThan(total);

  const staffB = await new BatchStaff(b.url).login('batch-crash');
  const done = await staffB.until(created.id, (x) => x.status !== 'running' && x.status !== 'queued', 1200);
  expect(done).toMatchObject({ status: 'done', done: total, counts: { active: total / 2, inactive: total / 2 } });
  const results = parse(await (await staffB.fetch(`/api/eligibility/batches/${created.id}/results`)).text(), { columns: true }) as Record<string, string>[];
  expect(results.map((r) => Number(r.line)), 'one result per roster line, in order').toEqual(Array.from({ length: total }, (_, i) => i + 2));
  const stats = await s.payer.stats();
  expect(stats.eligibility, 'b asked the payer after the kill').toBeGreaterThan(askedAtKill);
  const askedAgain = Object.entries(stats.eligibilityByMember).filter(([, n]) => n > 1).map(([m]) => m);
  expect(askedAgain.filter((m) => atKill.has(m)), 'members asked again although their answer was stored').toEqual([]);
  expect(Object.keys(stats.eligibilityByMember).length, 'every member asked').toBe(total);
  const [finished] = await rows<{ n: number }>(db, sql`select count(*)::int as n from audit_events where action = 'eligibility.batch.finish' and entity_id = ${created.id}`);
  expect(finished!.n, 'finished once').toBe(1);
  console.info(`crash test (batch, two instances): ${total} members; ${atKill.size} stored when a was killed; b finished the rest; ${askedAgain.length} asked again (in flight or not yet stored at the kill)`);
  expect(await b.stop()).toBe(0);
}

describe('kill -9 between any two steps', () => {
  const store = usingPostgres ? 'postgres' : 'embedded';
  it(`loses nothing and sends no request as two interchanges (one instance, restarted; ${store} store)`, () => oneInstanceRestarted(store));
  it.skipIf(!usingPostgres)(
    'loses nothing and sends no request as two interchanges (two instances on one Postgres, one killed for good: the survivor takes over its deliveries and the audit sequencer; needs TEST_DATABASE_URL)',
    () => twoInstancesOneKilled(),
  );
  it.skipIf(!usingPostgres)(
    'finishes a staff eligibility batch whose instance was killed for good: the survivor resumes it from the stored answers (two instances on one Postgres; needs TEST_DATABASE_URL)',
    () => batchTakenOverBySurvivor(),
  );
});
