/** Limits on the FHIR API: per-client rate limit (429 + Retry-After), JSON depth, Bundle entry count. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FHIR_OPERATIONS } from '../../src/fhir/operations/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { clientAssertion, registerClient, tokenForm } from '../helpers/clients.ts';

const BASE = 'http://gateway.test';
let t: TestApp;
let token: string;
let other: string;

async function tokenFor(alg: 'ES384' | 'RS384') {
  const c = await registerClient(t.deps.db, { alg });
  const res = await t.app.request(`${BASE}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: tokenForm(await clientAssertion(c, `${BASE}/auth/token`)),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  t = await testApp({ env: { PRIORGATE_RATE_LIMIT_PER_MIN: '5' }, extra: FHIR_OPERATIONS });
  token = await tokenFor('ES384');
  other = await tokenFor('RS384');
});
afterAll(() => t.close());

const post = (body: string, tok = token) =>
  t.app.request(`${BASE}/fhir/Claim/$submit`, { method: 'POST', body, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' } });

describe('limits', () => {
  it('refuses a body nested deeper than any FHIR resource with 413, naming the limit', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const res = await post(JSON.stringify({ resourceType: 'Bundle', deep }));
    expect(res.status).toBe(413);
    expect(JSON.stringify(await res.json())).toMatch(/nests deeper than 64/);
  });

  it('refuses a Bundle with more entries than the limit with 413 at Bundle.entry', async () => {
    const res = await post(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: Array.from({ length: 1001 }, () => ({})) }));
    expect(res.status).toBe(413);
    expect(JSON.stringify(await res.json())).toContain('Bundle.entry');
  });

  it('limits each client to its rate: the next request gets 429 with Retry-After; other clients are unaffected', async () => {
    // The two requests above used 2 of this client's 5.
    for (let i = 0; i < 3; i++) expect((await post('{}')).status).not.toBe(429);
    const limited = await post('{}');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as any).issue[0].code).toBe('throttled');
    expect((await post('{}', other)).status).not.toBe(429);
  });
});
