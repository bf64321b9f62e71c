/**
 * $submit when the payer is slow or gone: a slow payer's answer comes back `queued` within the
 * sync wait and the same request again returns the 271 once it is in; an unreachable payer ends
 * in an error answer (code `delivery`), never in "inactive".
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/db/schema.ts';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { freePort } from '../helpers/process.ts';
import { eligibilityBundle } from './fixtures.ts';
import { eligibilityGateway, type EligibilityGateway } from './gateway.ts';

let gw: EligibilityGateway;
let token: string;
let rules: string;
let slow: ServerType;
const sim = createPayerSim({ pendMs: 60_000, delayMs: 1200, interchangeId: 'SLOWPAYER' });

function payerYaml(id: string, umoId: string, endpoint: string, extra = ''): string {
  return `id: ${id}\nname: ${id}\nconnector: core-soap\nendpoint: ${endpoint}\nx12:\n  interchangeId: ${id.toUpperCase().replace(/-/g, '')}\n  applicationId: ${id.toUpperCase().replace(/-/g, '')}\n  umoId: "${umoId}"\nusage: T\n${extra}`;
}

beforeAll(async () => {
  const slowUrl = await new Promise<string>((resolve) => {
    slow = serve({ fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1' }, (i) => resolve(`http://127.0.0.1:${i.port}`));
  });
  rules = mkdtempSync(path.join(tmpdir(), 'pg-elig-rules-'));
  mkdirSync(path.join(rules, 'payers'));
  for (const f of readdirSync('rules/payers')) copyFileSync(path.join('rules/payers', f), path.join(rules, 'payers', f));
  writeFileSync(path.join(rules, 'payers', 'slow-payer.yaml'), payerYaml('slow-payer', '88888', `${slowUrl}/core`));
  writeFileSync(path.join(rules, 'payers', 'gone-payer.yaml'), payerYaml('gone-payer', '77777', `http://127.0.0.1:${await freePort()}/core`, 'maxAttempts: 1\ntimeoutMs: 500\n'));
  gw = await eligibilityGateway({ PRIORGATE_RULES_DIR: rules, PRIORGATE_SYNC_WAIT_MS: '300' });
  token = await gw.token();
});
afterAll(async () => {
  await gw?.stop();
  sim.close();
  slow?.close();
  rmSync(rules, { recursive: true, force: true });
});

function forPayer(umoId: string, memberId: string) {
  const b = eligibilityBundle({ memberId });
  b.entry.find((e: any) => e.resource.id === 'payer').resource.identifier[0].value = umoId;
  return b;
}

describe('late and missing payer answers', () => {
  it('a slow payer: queued first, then the same request returns the 271 once it is in', async () => {
    const bundle = forPayer('88888', 'S100A');
    const first = await gw.check(bundle, token);
    expect(first.status).toBe(200);
    const queued = first.body.entry[0].resource;
    expect(queued).toMatchObject({ resourceType: 'CoverageEligibilityResponse', outcome: 'queued' });
    expect(queued.insurance).toBeUndefined();
    let answer = queued;
    for (let i = 0; i < 40 && answer.outcome === 'queued'; i++) {
      await new Promise((r) => setTimeout(r, 150));
      answer = (await gw.check(bundle, token)).body.entry[0].resource;
    }
    expect(answer.outcome).toBe('complete');
    expect(answer.id).toBe(queued.id);
    expect(answer.insurance[0].inforce).toBe(true);
    expect(sim.state.eligibility).toBe(1);
  });

  it('an unreachable payer: an error answer (delivery), the request in error, nothing said about coverage', async () => {
    const bundle = forPayer('77777', 'G100A');
    let cer = (await gw.check(bundle, token)).body.entry[0].resource;
    // The refused connection normally fails the attempt within the 300 ms sync wait; on a loaded
    // machine the answer may still be queued, and the provider asks again with the same request.
    for (let i = 0; i < 40 && cer.outcome === 'queued'; i++) {
      await new Promise((r) => setTimeout(r, 150));
      cer = (await gw.check(bundle, token)).body.entry[0].resource;
    }
    expect(cer.outcome).toBe('error');
    expect(cer.error[0].code.coding[0].code).toBe('delivery');
    expect(cer.insurance).toBeUndefined();
    const [row] = await gw.database.db.select().from(requests).where(eq(requests.id, cer.id));
    expect(row).toMatchObject({ status: 'error', payerId: 'gone-payer' });
  });
});
