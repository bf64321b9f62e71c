/**
 * No single request stalls the gateway (issue 18 item 1): while the worst bodies the limits allow —
 * and the first ones past them — are processed, the event loop keeps turning and `/healthz`,
 * sampled from a separate process over real HTTP, keeps answering.
 *
 * This is a responsiveness property, not a speed claim: the bound is generous (the product aims at
 * 100 ms on an idle machine; the test machine is shared) and is set against the same gateway's
 * delay on an ordinary request in the same run, so load on the machine moves both alike. Before
 * the limits applied to what is processed, a wrapped 40,000-entry Bundle held the loop 8 s and a
 * 4,000-item Claim 5.6 s. Bodies are built before each window opens: the loop measured is the
 * gateway's, not the test's own serializing.
 *
 * It runs with the slow suites (`npm run test:slow`, one file at a time): what it measures is wall
 * time on the event loop, and two test files sharing two cores would be measuring each other (a 6 MB
 * X12 window once read 484 ms there against 110–160 ms alone). Both paths are warmed first, so the
 * windows measure the work and not the first compilation of the code that does it (the first 64 KB
 * slice of a cold X12 reader takes about 150 ms, a warm one 10 ms).
 *
 * On the embedded store the stalls are larger: PGlite runs each statement synchronously on the
 * gateway's thread, and storing a 1 MB request grows its in-memory files by copying them (most of
 * the 1,000-entry case's 150–180 ms there, against about 50 ms on Postgres).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { loopMonitor, raw, SAMPLE_278 } from '../hostile/kit.ts';

/** Polls a URL every 20 ms until its stdin closes, then prints the latencies (ms) as JSON. */
const SAMPLER = `
const http = require('node:http');
let stop = false;
process.stdin.on('end', () => (stop = true));
process.stdin.resume();
const latencies = [];
(async () => {
  while (!stop) {
    const t = performance.now();
    const ok = await new Promise((done) => http.get(process.argv[1], { agent: false }, (r) => { r.resume(); r.on('end', () => done(r.statusCode === 200)); }).on('error', () => done(false)));
    latencies.push(ok ? performance.now() - t : -1);
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write(JSON.stringify(latencies));
})();`;

interface Window {
  /** Longest event-loop delay in this process (the gateway's), ms. */
  loop: number;
  /** Longest /healthz answer time seen from the other process, ms; -1 entries are failures. */
  healthz: number[];
}

async function during(url: string, work: () => Promise<unknown>): Promise<Window> {
  const child = spawn(process.execPath, ['-e', SAMPLER, `${url}/healthz`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  await new Promise((r) => setTimeout(r, 300));
  const monitor = loopMonitor();
  await work();
  const loop = monitor.stop();
  child.stdin.end();
  await exited;
  return { loop, healthz: JSON.parse(out || '[]') as number[] };
}

let gw: TestGateway;
let token: string;
let payerAuth: string;
let baseline: Window;

const submit = (body: Buffer, op = 'Claim/$submit') =>
  raw(`${gw.url}/fhir/${op}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, body });

/** The generous bound: three times an ordinary request's worst delay in this run, plus 250 ms. */
const bound = () => 3 * Math.max(baseline.loop, 50) + 250;

beforeAll(async () => {
  gw = await testGateway();
  token = await gw.token();
  payerAuth = basicAuth('demo-payer', (await issuePayerSecret(gw.database.db, 'demo-payer'))!);
  // Warm up (first requests compile and load), then measure an ordinary $submit.
  await submit(Buffer.from(JSON.stringify(pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A'))));
  const warm = await raw(`${gw.url}/payer/x12`, { method: 'POST', headers: { authorization: payerAuth, 'content-type': 'application/edi-x12' }, body: Buffer.from(SAMPLE_278.text) });
  expect(warm.text).toMatch(/^ISA/);
  // Bodies are built before the window opens: the loop measured is the gateway's, not the test's.
  const ordinary = Buffer.from(JSON.stringify(pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A')));
  baseline = await during(gw.url, () => submit(ordinary));
});
afterAll(() => gw?.stop());

function expectResponsive(label: string, w: Window) {
  const failures = w.healthz.filter((l) => l < 0).length;
  const worst = Math.max(0, ...w.healthz);
  const what = `${label}: loop ${w.loop.toFixed(0)} ms, /healthz worst ${worst.toFixed(0)} ms over ${w.healthz.length} samples (baseline loop ${baseline.loop.toFixed(0)} ms, bound ${bound().toFixed(0)} ms)`;
  console.log(what);
  expect(failures, what).toBe(0);
  expect(w.loop, what).toBeLessThan(bound());
  expect(worst, what).toBeLessThan(bound() + 100);
}

/** A PAS Bundle with `n` extra Practitioner entries (1,000 entries is the limit). */
function manyEntries(n: number): Buffer {
  const b = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A');
  const practitioner = b.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'Practitioner').resource;
  for (let i = 0; i < n; i++) b.entry.push({ fullUrl: `urn:uuid:00000000-0000-4000-9000-${String(i).padStart(12, '0')}`, resource: { ...structuredClone(practitioner), id: `p${i}` } });
  return Buffer.from(JSON.stringify(b));
}

describe('responsiveness under the worst allowed bodies (issue 18 item 1)', () => {
  it('a 1,000-entry PAS Bundle (the entry limit) is validated and answered while /healthz keeps answering', async () => {
    let status = 0;
    const body = manyEntries(991);
    const w = await during(gw.url, async () => (status = (await submit(body)).status));
    expect(status).toBe(200);
    expectResponsive('1,000 entries', w);
  });

  it('a 9 MB Bundle (a large attachment, within the body limit) is taken in while /healthz keeps answering', async () => {
    const b = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A');
    b.entry.push({ fullUrl: 'urn:uuid:00000000-0000-4000-9000-00000000beef', resource: { resourceType: 'Binary', contentType: 'application/pdf', data: Buffer.alloc(6_700_000, 7).toString('base64') } });
    let status = 0;
    const body = Buffer.from(JSON.stringify(b));
    const w = await during(gw.url, async () => (status = (await submit(body)).status));
    expect(status).toBeLessThan(500);
    expectResponsive('9 MB attachment', w);
  });

  it('bodies past the limits are refused without stalling: 40,000 wrapped entries, 2.5 million values, 4,000 items, 300 levels', async () => {
    const wrapped = Buffer.from(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: 40_000 }, () => ({ resource: { resourceType: 'Basic' } })) } }] }));
    const values = Buffer.from(`{"resourceType":"Bundle","x":[${'0,'.repeat(2_500_000)}0]}`);
    const items = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A');
    items.entry[0].resource.item = Array.from({ length: 4000 }, (_, i) => ({ ...structuredClone(items.entry[0].resource.item[0]), sequence: i + 1 }));
    const itemsBody = Buffer.from(JSON.stringify(items));
    const deep = Buffer.from(`{"resourceType":"Bundle","x":${'{"a":'.repeat(300)}1${'}'.repeat(300)}}`);
    const statuses: number[] = [];
    const w = await during(gw.url, async () => {
      for (const body of [wrapped, values, itemsBody, deep]) statuses.push((await submit(body)).status);
    });
    expect(statuses).toEqual([413, 413, 413, 413]);
    expectResponsive('past the limits', w);
  });

  it('a 6 MB X12 interchange to /payer/x12 is read in slices while /healthz keeps answering', async () => {
    const t = SAMPLE_278.text;
    const body = t.slice(t.indexOf('BHT'), t.indexOf('SE*'));
    const loops = body.slice(body.indexOf('HL*5'));
    // One 278 with 70,000 service-level loops (its SE01 is then wrong: rejected, after a full read).
    const big = t.replace(loops, loops.repeat(70_000));
    expect(big.length).toBeGreaterThan(5_000_000);
    let r = { status: 0, text: '' };
    const bytes = Buffer.from(big);
    const w = await during(gw.url, async () => (r = await raw(`${gw.url}/payer/x12`, { method: 'POST', headers: { authorization: payerAuth, 'content-type': 'application/edi-x12' }, body: bytes })));
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/^ISA/);
    expectResponsive('6 MB X12', w);
  });
});
