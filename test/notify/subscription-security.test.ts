/** Who may subscribe to what, and which endpoints may receive PHI (tenant isolation, no SSRF). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { organizations } from '../../src/db/schema.ts';
import { MAX_SUBSCRIPTIONS_PER_ORG } from '../../src/notify/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { call, fakeResolver, notifyApp, pasSubscription, provider, type Provider } from './helpers.ts';

const NPI_A = '1234567893';
const NPI_B = '1987654328';
const HOOK = 'http://127.0.0.1:9/hook';

let t: TestApp;
let a: Provider;
let b: Provider;

beforeAll(async () => {
  t = await notifyApp({
    resolve: fakeResolver({
      'hooks.example.com': ['93.184.216.34'],
      'internal.example.com': ['10.1.2.3'],
      'mixed.example.com': ['93.184.216.34', '192.168.1.10'],
      'mapped.example.com': ['::ffff:127.0.0.1'],
      'metadata.example.com': ['169.254.169.254'],
    }),
  });
  a = await provider(t, NPI_A);
  b = await provider(t, NPI_B);
});
afterAll(() => t.close());

describe('access to /fhir/Subscription', () => {
  it('needs a bearer token (401)', async () => {
    expect((await call(t, undefined, 'GET', '/fhir/Subscription')).status).toBe(401);
    expect((await call(t, undefined, 'POST', '/fhir/Subscription', pasSubscription(NPI_A, HOOK))).status).toBe(401);
  });

  it('needs the Subscription scope (403)', async () => {
    const claimsOnly = await provider(t, '1111111112', ['system/Claim.c']);
    const r = await call(t, claimsOnly, 'POST', '/fhir/Subscription', pasSubscription('1111111112', HOOK));
    expect(r.status, r.body).toBe(403);
    expect((await call(t, claimsOnly, 'GET', '/fhir/Subscription')).status).toBe(403);
  });
});

describe('tenant isolation (spec-59)', () => {
  it("hides organization A's subscription from organization B: read and delete answer 404, the list leaves it out", async () => {
    const created = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI_A, HOOK));
    expect(created.status, created.body).toBe(201);
    const id = created.json.id;
    expect((await call(t, b, 'GET', `/fhir/Subscription/${id}`)).status).toBe(404);
    expect((await call(t, b, 'DELETE', `/fhir/Subscription/${id}`)).status).toBe(404);
    const listB = await call(t, b, 'GET', '/fhir/Subscription');
    expect((listB.json.entry ?? []).map((e: any) => e.resource.id)).not.toContain(id);
    const stillThere = await call(t, a, 'GET', `/fhir/Subscription/${id}`);
    expect(stillThere.status, stillThere.body).toBe(200);
  });

  it("refuses a filter naming another organization's NPI with 403 at the filter (spec-58, spec-59)", async () => {
    const r = await call(t, b, 'POST', '/fhir/Subscription', pasSubscription(NPI_A, HOOK));
    expect(r.status, r.body).toBe(403);
    expect(r.json.issue[0].expression).toEqual(['Subscription.criteria.extension[0].valueString']);
  });

  it('refuses an organization without a registered NPI (403)', async () => {
    const c = await provider(t, '1222222220');
    // Registered without one (an upsert keeps a known NPI, so it is cleared here).
    await t.deps.db.update(organizations).set({ npi: null }).where(eq(organizations.id, c.client.orgId));
    const r = await call(t, c, 'POST', '/fhir/Subscription', pasSubscription('1222222220', HOOK));
    expect(r.status, r.body).toBe(403);
  });

  it('answers 404 for malformed ids', async () => {
    expect((await call(t, a, 'GET', "/fhir/Subscription/1'%20or%201=1")).status).toBe(404);
  });
});

describe('endpoint safety at create time (no SSRF)', () => {
  const refused: [string, string][] = [
    ['plain http to a host not on the allowlist', 'http://hooks.example.com/hook'],
    ['a private IPv4 address', 'https://10.0.0.1/hook'],
    ['IPv6 loopback', 'https://[::1]/'],
    ['the cloud metadata address', 'https://169.254.169.254/latest/meta-data/'],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/hook'],
    ['the unspecified address', 'https://0.0.0.0/hook'],
    ['an IPv6 unique-local address', 'https://[fd00::1]/hook'],
    ['IPv6 link-local', 'https://[fe80::1]/hook'],
    ['loopback written as a decimal number (127.0.0.2)', 'https://2130706434/hook'],
    ['a loopback address not on the allowlist', 'http://127.0.0.2:8080/hook'],
    ['localhost by name', 'https://localhost/hook'],
    ['credentials in the URL', 'https://user:pw@hooks.example.com/hook'],
    ['a name that resolves to a private address', 'https://internal.example.com/hook'],
    ['a name with one private address among public ones', 'https://mixed.example.com/hook'],
    ['a name that resolves to IPv4-mapped loopback', 'https://mapped.example.com/hook'],
    ['a name that resolves to the metadata address', 'https://metadata.example.com/hook'],
  ];
  for (const [what, endpoint] of refused) {
    it(`refuses ${what} with 422 at Subscription.channel.endpoint`, async () => {
      const r = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI_A, endpoint));
      expect(r.status, r.body).toBe(422);
      expect(r.json.issue[0].expression).toEqual(['Subscription.channel.endpoint']);
      expect(r.json.issue[0].code).toBe('security');
    });
  }

  it('accepts https to a name with public addresses, and http to an allowlisted host', async () => {
    const pub = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI_A, 'https://hooks.example.com/pas'));
    expect(pub.status, pub.body).toBe(201);
    const local = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI_A, 'http://127.0.0.1:8080/pas'));
    expect(local.status, local.body).toBe(201);
  });

  it('accepts a name that does not resolve yet (delivery checks again)', async () => {
    const r = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI_A, 'https://not-yet.example.net/pas'));
    expect(r.status, r.body).toBe(201);
  });
});

describe('limits', () => {
  it(`holds at most ${MAX_SUBSCRIPTIONS_PER_ORG} subscriptions per organization`, async () => {
    const c = await provider(t, '1333333336');
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_ORG; i++) {
      const r = await call(t, c, 'POST', '/fhir/Subscription', pasSubscription('1333333336', HOOK));
      expect(r.status, r.body).toBe(201);
    }
    const over = await call(t, c, 'POST', '/fhir/Subscription', pasSubscription('1333333336', HOOK));
    expect(over.status, over.body).toBe(422);
  });
});
