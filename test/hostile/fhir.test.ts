/**
 * Hostile input over the FHIR API, through the real gateway on a real port (payer simulator, worker,
 * database): generated mutations of real requests — unpaired surrogates, NUL and control characters
 * at any string or property name, odd but legal text, deep and wide structures, resources wrapped
 * in Parameters, arbitrary JSON in place of any value — to `$submit`, `$inquire`, eligibility and
 * Subscription. Never a 5xx; a refusal is a clear OperationOutcome naming the element; a refused
 * request writes nothing; the server stays up. Plus the regressions of issue 18 items 1 and 2.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OUTCOME_ISSUES } from '../../src/fhir/outcome.ts';
import { inquiryFor, pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { applyMutation, clearRefusal, expectedExpression, jsonMutation, raw, SEED, writeCounts, type JsonMutation, runs } from './kit.ts';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/sim/examples');
const ELIGIBILITY = JSON.parse(readFileSync(path.join(EXAMPLES, 'Bundle-EligibilityRequestExample.json'), 'utf8'));
const SUBSCRIPTION = {
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'PAS decisions',
  criteria: 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic',
  _criteria: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria', valueString: 'orgIdentifier=1234567893' }] },
  channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook', payload: 'application/fhir+json' },
};

let gw: TestGateway;
let token: string;

beforeAll(async () => {
  gw = await testGateway();
  token = await gw.token();
});
afterAll(() => gw?.stop());

const send = (op: string, body: unknown) =>
  raw(`${gw.url}/fhir/${op}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

type Issue = { severity: string; code: string; diagnostics?: string; expression?: string[] };
const issuesOf = (text: string): Issue[] => (JSON.parse(text) as { issue?: Issue[] }).issue ?? [];

/** One surface, one property: whatever the mutation, no 5xx, a clear refusal, nothing half-written. */
async function hostileRun(op: string, base: () => unknown, root: string, m: JsonMutation): Promise<void> {
  const before = await writeCounts(gw.database.db);
  const body = applyMutation(base(), m);
  const r = await send(op, body);
  const what = `${op} ${m.kind} ${JSON.stringify(m).slice(0, 160)} → ${r.status} ${r.text.slice(0, 300)}`;
  expect(r.status, what).toBeLessThan(500);
  if (r.status >= 400) {
    expect(clearRefusal(r), what).toBeUndefined();
    const after = await writeCounts(gw.database.db);
    expect({ requests: after.requests, subscriptions: after.subscriptions }, what).toEqual({ requests: before.requests, subscriptions: before.subscriptions });
  }
  const expression = expectedExpression(root, m);
  if (expression) {
    // A character no text may carry: refused at the edge, naming where it was.
    expect(r.status, what).toBe(400);
    expect(issuesOf(r.text).some((i) => i.expression?.includes(expression)), what).toBe(true);
  }
}

describe('hostile FHIR input: never a 5xx, a clear refusal naming the element, nothing half-written', () => {
  it('Claim/$submit', async () => {
    const base = () => pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A');
    await fc.assert(fc.asyncProperty(jsonMutation(base()), (m) => hostileRun('Claim/$submit', base, 'Bundle', m)), { numRuns: runs(40), seed: SEED });
  });

  it('Claim/$inquire', async () => {
    const base = () => inquiryFor('hostile-inquiry');
    await fc.assert(fc.asyncProperty(jsonMutation(base()), (m) => hostileRun('Claim/$inquire', base, 'Bundle', m)), { numRuns: runs(25), seed: SEED });
  });

  it('CoverageEligibilityRequest/$submit', async () => {
    const base = () => {
      const b = structuredClone(ELIGIBILITY);
      b.entry[0].resource.identifier = [{ system: 'urn:test', value: `el-${Math.random().toString(36).slice(2)}` }];
      return b;
    };
    await fc.assert(fc.asyncProperty(jsonMutation(base()), (m) => hostileRun('CoverageEligibilityRequest/$submit', base, 'Bundle', m)), { numRuns: runs(25), seed: SEED });
  });

  it('Subscription', async () => {
    const base = () => structuredClone(SUBSCRIPTION);
    await fc.assert(fc.asyncProperty(jsonMutation(base()), (m) => hostileRun('Subscription', base, 'Subscription', m)), { numRuns: runs(30), seed: SEED });
    // Clean up what the legal mutations created (an organization holds at most 25).
    const list = JSON.parse((await raw(`${gw.url}/fhir/Subscription`, { headers: { authorization: `Bearer ${token}` } })).text);
    for (const e of list.entry ?? []) await raw(`${gw.url}/fhir/Subscription/${e.resource.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  });

  it('ids in paths: ClaimResponse and Subscription reads with hostile ids are 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom('%00', '%ED%A0%80', '%C0%80', '%FF', '..%2F..%2Fetc', '%0D%0ASet-Cookie:x', 'x'.repeat(3000)), fc.webSegment()), async (id) => {
        for (const p of ['ClaimResponse', 'Subscription']) {
          const r = await raw(`${gw.url}/fhir/${p}/${id}`, { headers: { authorization: `Bearer ${token}` } });
          expect(r.status, `${p}/${id} → ${r.status} ${r.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
        }
      }),
      { numRuns: runs(15), seed: SEED },
    );
  });

  it('the server is alive and answered nothing with a 5xx', async () => {
    expect((await raw(`${gw.url}/healthz`)).status).toBe(200);
    expect(gw.logText()).not.toMatch(/"status":5\d\d/);
  });
});

describe('regressions (issue 18)', () => {
  it('item 1: a Bundle wrapped in Parameters is counted like a bare one: 1,001 entries are a 413 at the wrapped Bundle.entry, 40,000 a 413 before parsing', async () => {
    const wrapped = (n: number) => ({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: { resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: n }, () => ({ resource: { resourceType: 'Basic' } })) } }] });
    const over = await send('Claim/$submit', wrapped(1001));
    expect(over.status, over.text.slice(0, 300)).toBe(413);
    expect(issuesOf(over.text).map((i) => i.expression)).toEqual([['Parameters.parameter[0].resource.entry']]);
    const far = await send('Claim/$submit', wrapped(40_000));
    expect(far.status).toBe(413);
    expect(issuesOf(far.text)).toEqual([expect.objectContaining({ diagnostics: 'the body holds more than 100000 JSON values' })]);
  });

  it('item 1: an OperationOutcome lists at most 100 issues, the most severe first, and says how many more there were', async () => {
    const b = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A');
    for (let i = 0; i < 400; i++) b.entry.push({ fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resource: { resourceType: 'Patient', gender: 7, birthDate: 'not-a-date' } });
    const r = await send('Claim/$submit', b);
    expect(r.status).toBe(400);
    const issues = issuesOf(r.text);
    expect(issues).toHaveLength(MAX_OUTCOME_ISSUES);
    expect(issues.slice(0, -1).every((i) => i.severity === 'error')).toBe(true);
    expect(issues.at(-1)!.diagnostics).toMatch(/^\d+ more issues are not shown/);
  });

  it('item 1: the payer line limit and the array limit come before validation (a 4,000-item Claim is refused at once)', async () => {
    const b = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A');
    const item = b.entry[0].resource.item[0];
    b.entry[0].resource.item = Array.from({ length: 21 }, (_, i) => ({ ...structuredClone(item), sequence: i + 1 }));
    const over = await send('Claim/$submit', b);
    expect(over.status).toBe(422);
    expect(issuesOf(over.text)[0]).toMatchObject({ diagnostics: 'this payer accepts at most 20 service lines per request', expression: ['Bundle.entry[0].resource.item'] });
    b.entry[0].resource.item = Array.from({ length: 1001 }, (_, i) => ({ sequence: i + 1 }));
    const wide = await send('Claim/$submit', b);
    expect(wide.status).toBe(413);
    expect(issuesOf(wide.text)[0]!.expression).toEqual(['Bundle.entry[0].resource.item']);
    b.entry[0].resource.item = Array.from({ length: 4000 }, (_, i) => ({ ...structuredClone(item), sequence: i + 1 }));
    expect((await send('Claim/$submit', b)).status).toBe(413);
  });

  it('item 2: an unpaired surrogate in Claim.identifier is a 400 naming the element, nothing stored (it was a 500: Postgres 22P02)', async () => {
    const before = await writeCounts(gw.database.db);
    const b = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A');
    b.entry[0].resource.identifier[0].value = 'CLAIM-\ud800-1';
    const r = await send('Claim/$submit', b);
    expect(r.status, r.text).toBe(400);
    const [issue] = issuesOf(r.text);
    expect(issue).toMatchObject({ severity: 'error', code: 'invalid', expression: ['Bundle.entry[0].resource.identifier[0].value'] });
    expect(issue!.diagnostics).toMatch(/unpaired UTF-16 surrogate \(U\+D800\)/);
    expect(r.text).not.toContain('CLAIM-');
    expect((await writeCounts(gw.database.db)).requests).toBe(before.requests);
  });

  it('item 2: an unpaired surrogate in Subscription.reason, or a NUL, is a 400 naming Subscription.reason', async () => {
    for (const reason of ['PAS \udc00 decisions', 'PAS\u0000decisions']) {
      const r = await send('Subscription', { ...SUBSCRIPTION, reason });
      expect(r.status, r.text).toBe(400);
      expect(issuesOf(r.text)[0]!.expression).toEqual(['Subscription.reason']);
    }
  });

  it('FHIR answers carrying PHI are never cached or sniffed: Cache-Control no-store, X-Content-Type-Options nosniff (and carry no Server-Timing unless PRIORGATE_SERVER_TIMING asks)', async () => {
    const ok = await send('Claim/$submit', pasExample('Bundle-SurgicalRequestBundleExample.json', 'W1234A'));
    expect(ok.status).toBe(200);
    const id = JSON.parse(ok.text).entry[0].resource.id;
    const read = await raw(`${gw.url}/fhir/ClaimResponse/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const refused = await send('Claim/$submit', '{');
    for (const r of [ok, read, refused]) {
      expect(r.headers['cache-control']).toBe('no-store');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['server-timing']).toBeUndefined();
    }
  });
});
