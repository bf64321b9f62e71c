/**
 * No accepted request is lost or sent twice when the gateway is killed (`kill -9`) mid-delivery:
 * the payer simulator runs as its own process (slowed down so deliveries are in flight), the
 * gateway is killed while 278s are on the wire, restarted on the same store, and every request must
 * reach a decision with exactly one interchange control number per request at the payer.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pasExample, reviewCodes } from '../helpers/gateway.ts';
import { providerToken } from '../helpers/jwk.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { BIN, freePort, startServer, type ChildServer } from '../helpers/process.ts';

const N = 24;
const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function token(url: string, dataDir: string) {
  return (await providerToken(url, dataDir)).body.access_token!;
}

async function submit(url: string, tok: string, bundle: unknown) {
  const res = await fetch(`${url}/fhir/Claim/$submit`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(bundle),
  });
  return (await res.json()) as any;
}

describe('kill -9 between any two steps', () => {
  it('loses nothing and sends no request as two interchanges', async () => {
    const simPort = await freePort();
    const sim = spawn(process.execPath, [BIN, 'sim', 'payer', '--port', String(simPort), '--delay-ms', '300'], { stdio: 'ignore' });
    cleanups.push(() => void sim.kill('SIGKILL'));
    const simUrl = `http://127.0.0.1:${simPort}`;
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`${simUrl}/stats`)).ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // Rules that point demo-payer at the standalone simulator.
    const rules = mkdtempSync(path.join(tmpdir(), 'pg-rules-'));
    mkdirSync(path.join(rules, 'payers'));
    const demo = readFileSync('rules/payers/demo-payer.yaml', 'utf8');
    writeFileSync(path.join(rules, 'payers', 'demo-payer.yaml'), `${demo}\nendpoint: ${simUrl}/core\n`);
    copyFileSync('rules/payers/demo-fhir-payer.yaml', path.join(rules, 'payers', 'demo-fhir-payer.yaml'));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pg-crash-'));
    let pg: TestDatabase | undefined;
    if (process.env.TEST_DATABASE_URL) pg = await testDatabase();
    cleanups.push(() => rmSync(rules, { recursive: true, force: true }), () => rmSync(dataDir, { recursive: true, force: true }), () => pg?.close());
    const env = { PRIORGATE_DATA_DIR: dataDir, PRIORGATE_RULES_DIR: rules, PRIORGATE_SYNC_WAIT_MS: '200', PRIORGATE_JOB_LOCK_MS: '3000', LOG_LEVEL: process.env.DEBUG_CRASH ? 'info' : 'warn', DATABASE_URL: pg?.url ?? '' };

    let gw: ChildServer = await startServer(['--demo'], env);
    const bundles = Array.from({ length: N }, (_, i) => pasExample('Bundle-SurgicalRequestBundleExample.json', `K${i}A`, `crash-${i}-${Date.now()}`));
    let tok = await token(gw.url, dataDir);
    // Fire them all, then kill the gateway while deliveries are in flight.
    const inflight = bundles.map((b) => submit(gw.url, tok, b).catch(() => undefined));
    // Kill while the payer holds 278s it has not answered yet: deliveries are on the wire.
    const waitUntil = Date.now() + 30_000;
    for (;;) {
      const s = (await (await fetch(`${simUrl}/stats`)).json()) as { inFlight: number };
      if (s.inFlight >= 3) break;
      if (Date.now() > waitUntil) throw new Error(`no deliveries reached the payer:\n${gw.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await gw.stop('SIGKILL');
    const atKill = (await (await fetch(`${simUrl}/stats`)).json()) as { inFlight: number; decided: number };
    expect(atKill.inFlight + atKill.decided, 'nothing was in flight at the kill').toBeGreaterThan(0);
    await Promise.all(inflight);

    gw = await startServer(['--demo'], env);
    cleanups.push(() => gw.stop('SIGKILL'));
    tok = await token(gw.url, dataDir);
    // Re-submitting is what a provider does after a dropped connection: idempotent, nothing new sent.
    const deadline = Date.now() + 60_000;
    let codes: string[][] = [];
    for (;;) {
      const answers = await Promise.all(bundles.map((b) => submit(gw.url, tok, b)));
      codes = answers.map((a) => reviewCodes(a.entry?.[0]?.resource));
      if (codes.every((c) => c.includes('A1')) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(codes.filter((c) => !c.includes('A1')), 'requests not decided after restart').toEqual([]);

    const stats = (await (await fetch(`${simUrl}/stats`)).json()) as { decided: number; traces: Record<string, string[]>; received: Record<string, number> };
    const traces = bundles.map((b) => b.entry[0].resource.identifier[0].value as string);
    for (const t of traces) expect(stats.traces[t], `interchanges for ${t}`).toHaveLength(1);
    expect(stats.decided).toBe(N);
    const resent = Object.values(stats.received).filter((n) => n > 1).length;
    console.info(`crash test: ${N} requests, ${resent} interchange(s) re-sent after the kill and de-duplicated by control number`);
    await gw.stop();
  });
});
