/**
 * Broken object-level authorization: organization B probes everything organization A owns — its
 * ClaimResponses, CoverageEligibilityResponses, Subscriptions, audit events, and `$inquire` by A's
 * identifiers — through every endpoint a provider client can reach and every verb. The answer must
 * be the one an id that does not exist gets: same status, same body (the probed id aside), same
 * headers, no count that includes A's data.
 *
 * The endpoint list is not typed in by hand alone: the served app's routes are enumerated and the
 * test fails for any route this matrix does not classify, so a new endpoint cannot be forgotten.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/db/schema.ts';
import { inquiryFor, pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';

const NPI_A = '1234567893';
const ELIGIBILITY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/sim/examples/Bundle-EligibilityRequestExample.json');

type Kind = 'public' | 'token' | 'provider' | 'staff' | 'payer' | 'operator';

/** Every non-staff route the gateway serves, by who may call it. Staff pages are matched by prefix below. */
const MATRIX: Record<string, Kind> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /metrics': 'public',
  'GET /.well-known/smart-configuration': 'public',
  'GET /fhir/.well-known/smart-configuration': 'public',
  'GET /.well-known/jwks.json': 'public',
  'GET /fhir/metadata': 'public',
  'GET /fhir/Organization': 'public',
  'GET /fhir/Organization/:id': 'public',
  'POST /auth/token': 'token',
  'POST /fhir/Claim/$submit': 'provider',
  'POST /fhir/Claim/$inquire': 'provider',
  'GET /fhir/ClaimResponse/:id': 'provider',
  'POST /fhir/CoverageEligibilityRequest/$submit': 'provider',
  'POST /fhir/Subscription': 'provider',
  'GET /fhir/Subscription': 'provider',
  'GET /fhir/Subscription/:id': 'provider',
  'PUT /fhir/Subscription/:id': 'provider',
  'DELETE /fhir/Subscription/:id': 'provider',
  'GET /fhir/Subscription/:id/$status': 'provider',
  'POST /fhir/Subscription/:id/$status': 'provider',
  'GET /fhir/AuditEvent': 'staff',
  'GET /fhir/AuditEvent/:id': 'staff',
  'POST /payer/x12': 'payer',
  'POST /operator/token': 'operator',
  'POST /operator/client/status': 'operator',
  'POST /operator/audit/verify': 'operator',
  'POST /operator/audit/flag': 'operator',
  'POST /operator/audit/unflag': 'operator',
  'POST /operator/audit/heads': 'operator',
  'POST /operator/audit/proof': 'operator',
  'POST /operator/retention/purge': 'operator',
  'POST /operator/data-keys/status': 'operator',
  'POST /operator/data-keys/rekey': 'operator',
  'POST /operator/data-keys/retire': 'operator',
};
/** Catch-all handlers and middleware (Hono lists both as ALL): anything else registered as ALL is new. */
const ALL_ROUTES = ['/*', '/fhir/*', '/fhir/Claim/*', '/fhir/ClaimResponse/*', '/fhir/CoverageEligibilityRequest/*', '/fhir/Subscription', '/fhir/Subscription/*', '/fhir/AuditEvent', '/fhir/AuditEvent/*', '/operator/*', '/operator/data-keys/*', '/ui/*', '/api/*'];
const isStaffPage = (p: string) => p === '/ui' || p.startsWith('/ui/') || p.startsWith('/api/');

let gw: TestGateway;
let tokenA: string;
let tokenB: string;
/** What organization A owns. */
const A = { claimResponseId: '', claimIdentifier: '', bundleIdentifier: '', memberId: 'W801A', eligibilityId: '', eligibilityIdentifier: '', subscriptionId: '', request: undefined as any };

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

async function call(token: string | undefined, method: string, p: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${gw.url}${p}`, {
    method,
    redirect: 'manual',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
      ...extra,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = method === 'HEAD' ? '' : await res.text();
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    // Per-response values, not about the resource.
    if (!['date', 'x-request-id', 'content-length', 'keep-alive', 'connection'].includes(k)) headers[k] = v;
  });
  return { status: res.status, body: text, headers };
}

/** B's view of A's object must equal B's view of an object that does not exist (ids normalised). */
function expectIndistinguishable(ofA: Answer, ofNothing: Answer, aId: string, noId: string, what: string) {
  const norm = (x: Answer, id: string) => ({ status: x.status, headers: x.headers, body: x.body.split(id).join('{id}') });
  expect(norm(ofA, aId), what).toEqual(norm(ofNothing, noId));
  expect(ofA.status, `${what}: ${ofA.body}`).not.toBe(200);
}

beforeAll(async () => {
  gw = await testGateway();
  tokenA = await gw.token('demo-clinic-a');
  tokenB = await gw.token('demo-clinic-b');

  const claim = pasExample('Bundle-SurgicalRequestBundleExample.json', A.memberId);
  A.bundleIdentifier = claim.identifier.value;
  A.claimIdentifier = claim.entry[0].resource.identifier[0].value;
  A.request = structuredClone(claim);
  const submitted = await gw.submit(claim, tokenA);
  expect(submitted.status, JSON.stringify(submitted.body).slice(0, 300)).toBe(200);
  A.claimResponseId = submitted.body.entry[0].resource.id;

  const elig = JSON.parse(readFileSync(ELIGIBILITY, 'utf8'));
  A.eligibilityIdentifier = `bola-${randomUUID()}`;
  elig.entry[0].resource.identifier[0].value = A.eligibilityIdentifier;
  const e = await gw.submit(elig, tokenA, 'CoverageEligibilityRequest/$submit');
  expect(e.status, JSON.stringify(e.body).slice(0, 300)).toBe(200);
  A.eligibilityId = e.body.entry[0].resource.id;

  const sub = await call(tokenA, 'POST', '/fhir/Subscription', subscription(NPI_A));
  expect(sub.status, sub.body).toBe(201);
  A.subscriptionId = JSON.parse(sub.body).id;
});
afterAll(() => gw.stop());

function subscription(npi: string) {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'PAS decisions',
    criteria: 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic',
    _criteria: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria', valueString: `orgIdentifier=${npi}` }] },
    channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook', payload: 'application/fhir+json' },
  };
}

describe('the route matrix covers every endpoint the gateway serves', () => {
  it('every registered handler is classified (a new endpoint fails here until it is added to the matrix)', () => {
    const handlers = new Set(gw.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`));
    const unclassified = [...handlers].filter((h) => !(h in MATRIX) && !isStaffPage(h.split(' ')[1]!));
    expect(unclassified).toEqual([]);
    const alls = new Set(gw.app.routes.filter((r) => r.method === 'ALL').map((r) => r.path));
    expect([...alls].filter((p) => !ALL_ROUTES.includes(p))).toEqual([]);
    // And the matrix names nothing that is gone.
    expect(Object.keys(MATRIX).filter((k) => !handlers.has(k))).toEqual([]);
  });

  it('every provider endpoint has a cross-tenant probe below', () => {
    const provider = Object.entries(MATRIX).filter(([, k]) => k === 'provider').map(([r]) => r);
    expect(provider.filter((r) => !PROBED.has(r))).toEqual([]);
  });
});

/** Which provider routes the probes below exercise (kept next to them). */
const PROBED = new Set<string>();
const probes = (route: string) => {
  PROBED.add(route);
  return route;
};

describe("organization B probing organization A's objects", () => {
  it(`${probes('GET /fhir/ClaimResponse/:id')}: A's ClaimResponse and A's eligibility response answer exactly like an unknown id`, async () => {
    const control = await call(tokenA, 'GET', `/fhir/ClaimResponse/${A.claimResponseId}`);
    expect(control.status, 'A reads its own').toBe(200);
    const none = randomUUID();
    const nothing = await call(tokenB, 'GET', `/fhir/ClaimResponse/${none}`);
    expect(nothing.status).toBe(404);
    expectIndistinguishable(await call(tokenB, 'GET', `/fhir/ClaimResponse/${A.claimResponseId}`), nothing, A.claimResponseId, none, 'ClaimResponse of A');
    expectIndistinguishable(await call(tokenB, 'GET', `/fhir/ClaimResponse/${A.eligibilityId}`), nothing, A.eligibilityId, none, 'eligibility response of A');
  });

  it(`${probes('GET /fhir/Subscription/:id')} and ${probes('DELETE /fhir/Subscription/:id')}: A's Subscription is unknown to B, and survives B's delete`, async () => {
    const none = randomUUID();
    for (const method of ['GET', 'DELETE']) {
      expectIndistinguishable(
        await call(tokenB, method, `/fhir/Subscription/${A.subscriptionId}`),
        await call(tokenB, method, `/fhir/Subscription/${none}`),
        A.subscriptionId,
        none,
        `${method} Subscription of A`,
      );
    }
    expect((await call(tokenA, 'GET', `/fhir/Subscription/${A.subscriptionId}`)).status).toBe(200);
  });

  it(`${probes('PUT /fhir/Subscription/:id')}: B's update of A's Subscription answers like one of an unknown id, and changes nothing`, async () => {
    const none = randomUUID();
    const asB = (id: string) => call(tokenB, 'PUT', `/fhir/Subscription/${id}`, { ...subscription('1987654328'), id, channel: { ...subscription('1987654328').channel, endpoint: 'http://127.0.0.1:9/b-hook' } });
    const nothing = await asB(none);
    expect(nothing.status).toBe(404);
    expectIndistinguishable(await asB(A.subscriptionId), nothing, A.subscriptionId, none, "PUT of A's Subscription");
    const mine = JSON.parse((await call(tokenA, 'GET', `/fhir/Subscription/${A.subscriptionId}`)).body);
    expect(mine.channel.endpoint).toBe('http://127.0.0.1:9/hook');
  });

  it(`${probes('GET /fhir/Subscription/:id/$status')} and ${probes('POST /fhir/Subscription/:id/$status')}: what A's subscription is owed is unknown to B`, async () => {
    const none = randomUUID();
    expect((await call(tokenA, 'GET', `/fhir/Subscription/${A.subscriptionId}/$status`)).status, 'A reads its own').toBe(200);
    for (const method of ['GET', 'POST']) {
      const nothing = await call(tokenB, method, `/fhir/Subscription/${none}/$status`);
      expect(nothing.status).toBe(404);
      expectIndistinguishable(await call(tokenB, method, `/fhir/Subscription/${A.subscriptionId}/$status`), nothing, A.subscriptionId, none, `${method} $status of A's Subscription`);
    }
  });

  it(`${probes('GET /fhir/Subscription')}: B's search total counts B's subscriptions only`, async () => {
    const mine = JSON.parse((await call(tokenB, 'GET', '/fhir/Subscription')).body);
    expect(mine.total).toBe(0);
    expect(mine.entry, 'no entries (FHIR JSON has no empty arrays)').toBeUndefined();
    const theirs = JSON.parse((await call(tokenA, 'GET', '/fhir/Subscription')).body);
    expect(theirs.total).toBe(1);
  });

  it(`${probes('POST /fhir/Subscription')}: B cannot subscribe to A's decisions (A's NPI in the filter), and says so without naming A`, async () => {
    const r = await call(tokenB, 'POST', '/fhir/Subscription', subscription(NPI_A));
    expect(r.status, r.body).toBe(403);
    expect(r.body).not.toContain('demo-clinic-a');
    expect(r.body).not.toContain('Demo Clinic A');
  });

  it(`${probes('POST /fhir/Claim/$inquire')}: by A's Claim identifier, or by A's member id, B finds nothing — as for identifiers nobody used`, async () => {
    // No match: no `return`, and FHIR JSON has no empty arrays, so no `parameter` at all.
    const empty = { resourceType: 'Parameters' };
    const control = JSON.parse((await call(tokenA, 'POST', '/fhir/Claim/$inquire', inquiryFor(A.claimIdentifier, A.request))).body);
    expect(control.parameter.length, 'A finds its own').toBe(1);
    const byId = await call(tokenB, 'POST', '/fhir/Claim/$inquire', inquiryFor(A.claimIdentifier, A.request));
    const nobody = await call(tokenB, 'POST', '/fhir/Claim/$inquire', inquiryFor(`nobody-${randomUUID().slice(0, 8)}`, A.request));
    expect(byId.status).toBe(200);
    expect(JSON.parse(byId.body)).toEqual(empty);
    expect({ ...byId, body: '' }).toEqual({ ...nobody, body: '' });
    // By patient: the inquiry's member (Coverage.subscriberId / Patient.identifier) set to A's member id.
    const byMember = inquiryFor(`none-${randomUUID().slice(0, 8)}`, A.request);
    for (const e of byMember.entry) {
      if (e.resource.resourceType === 'Coverage') e.resource.subscriberId = A.memberId;
      if (e.resource.resourceType === 'Patient') for (const i of e.resource.identifier ?? []) i.value = A.memberId;
    }
    delete byMember.entry[0].resource.identifier;
    const mem = await call(tokenB, 'POST', '/fhir/Claim/$inquire', byMember);
    expect(mem.status, mem.body).toBeLessThan(500);
    if (mem.status === 200) expect(JSON.parse(mem.body)).toEqual(empty);
    expect(mem.body).not.toContain(A.claimResponseId);
  });

  it(`${probes('POST /fhir/Claim/$submit')}: B reusing A's Bundle identifier gets its own new request, not A's answer, and cannot chain an update onto A's`, async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W802A', A.bundleIdentifier);
    bundle.entry[0].resource.identifier[0].value = A.claimIdentifier;
    // An update (PAS spec-65) pointing at A's Claim, by identifier and by resource id.
    bundle.entry[0].resource.meta = { profile: ['http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-update'] };
    bundle.entry[0].resource.related = [
      { claim: { identifier: { value: A.claimIdentifier } }, relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship', code: 'prior' }] } },
    ];
    const r = await gw.submit(bundle, tokenB);
    expect(r.status, JSON.stringify(r.body.issue?.filter((i: any) => i.severity === 'error'))).toBe(200);
    const id = r.body.entry[0].resource.id;
    expect(id).not.toBe(A.claimResponseId);
    const [row] = await gw.database.db.select().from(requests).where(eq(requests.id, id));
    expect(row).toMatchObject({ orgId: 'demo-clinic-b', priorRequestId: null });
  });

  it(`${probes('POST /fhir/CoverageEligibilityRequest/$submit')}: B reusing A's request identifier gets its own answer, not A's`, async () => {
    const elig = JSON.parse(readFileSync(ELIGIBILITY, 'utf8'));
    elig.entry[0].resource.identifier[0].value = A.eligibilityIdentifier;
    const r = await gw.submit(elig, tokenB, 'CoverageEligibilityRequest/$submit');
    expect(r.status).toBe(200);
    expect(r.body.entry[0].resource.id).not.toBe(A.eligibilityId);
  });

  it("B's bearer token opens no audit trail: GET /fhir/AuditEvent about A's request is 401, as with no token", async () => {
    const q = `/fhir/AuditEvent?entity=ClaimResponse/${A.claimResponseId}`;
    const withB = await call(tokenB, 'GET', q);
    const anonymous = await call(undefined, 'GET', q);
    expect(withB.status).toBe(401);
    expect({ ...withB }).toEqual({ ...anonymous });
    expect(withB.body).not.toContain(A.claimResponseId);
  });

  it('every verb on every FHIR resource path, with A\'s ids, answers B as for ids that do not exist', async () => {
    const none = randomUUID();
    const templates = ['/fhir/ClaimResponse/{id}', '/fhir/Subscription/{id}', '/fhir/CoverageEligibilityResponse/{id}', '/fhir/Claim/{id}', '/fhir/CoverageEligibilityRequest/{id}', '/fhir/AuditEvent/{id}', '/fhir/ClaimResponse/{id}/_history/1'];
    for (const template of templates) {
      for (const aId of [A.claimResponseId, A.eligibilityId, A.subscriptionId]) {
        for (const method of ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST']) {
          const body = method === 'PUT' || method === 'PATCH' || method === 'POST' ? { resourceType: 'Basic', id: aId } : undefined;
          const ofA = await call(tokenB, method, template.replace('{id}', aId), body);
          const ofNothing = await call(tokenB, method, template.replace('{id}', none), body === undefined ? undefined : { ...body, id: none });
          expectIndistinguishable(ofA, ofNothing, aId, none, `${method} ${template}`);
        }
      }
    }
  });

  it('staff pages, the payer inbox and operator routes refuse a provider bearer token', async () => {
    const staff = [...new Set(gw.app.routes.filter((r) => r.method !== 'ALL' && isStaffPage(r.path)).map((r) => `${r.method} ${r.path}`))];
    expect(staff.length).toBeGreaterThan(3);
    for (const route of staff) {
      const [method, p] = route.split(' ') as [string, string];
      if (p === '/ui/login' || p.startsWith('/ui/assets/')) continue; // public by design
      // `:id` takes a real id of organization A; `:id{pattern}` (UUID-only routes) a fresh UUID.
      const r = await call(tokenA, method, p.replace(/:id\{.*?\}(?=\/|$)/, crypto.randomUUID()).replace(':id', A.claimResponseId), method === 'POST' ? {} : undefined);
      expect([401, 403, 303], `${route}: ${r.status} ${r.body.slice(0, 200)}`).toContain(r.status);
      expect(r.body).not.toContain(A.memberId);
    }
    expect((await call(tokenA, 'POST', '/payer/x12', {})).status).toBe(401);
    const operator = Object.entries(MATRIX).filter(([, kind]) => kind === 'operator').map(([route]) => route.split(' ')[1]!);
    for (const route of operator) expect((await call(tokenA, 'POST', route, { client: 'demo-clinic-a' })).status).toBe(403);
  });

  it('public endpoints carry no tenant data', async () => {
    for (const [route, kind] of Object.entries(MATRIX)) {
      if (kind !== 'public') continue;
      const [method, pattern] = route.split(' ') as [string, string];
      // The one public route with an id is the payer directory's read: probe it with a real payer.
      const p = pattern.replace(':id', 'demo-payer');
      const r = await call(undefined, method, p);
      expect(r.status, route).toBe(200);
      for (const secret of [A.claimResponseId, A.subscriptionId, A.eligibilityId, A.memberId, 'demo-clinic-a', NPI_A]) expect(r.body, `${route} leaks ${secret}`).not.toContain(secret);
    }
  });
});

describe("late payer decisions reach the organization that asked, whatever trace another organization copies", () => {
  /** A's pended request, and B racing a request with the same Claim identifier (2000E TRN02) to the same payer. */
  async function race(bMember: string, copyProvider: boolean) {
    const aBundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W803P');
    const trace = aBundle.entry[0].resource.identifier[0].value;
    const first = await gw.submit(aBundle, tokenA);
    expect(first.status).toBe(200);
    const aId = first.body.entry[0].resource.id;
    const bBundle = pasExample('Bundle-SurgicalRequestBundleExample.json', bMember);
    bBundle.entry[0].resource.identifier[0].value = trace;
    if (!copyProvider) {
      const org = bBundle.entry.find((e: any) => e.resource.resourceType === 'Organization' && e.resource.identifier?.some((i: any) => i.system === 'http://hl7.org/fhir/sid/us-npi'));
      if (org) for (const i of org.resource.identifier) if (i.system === 'http://hl7.org/fhir/sid/us-npi') i.value = '1987654328';
    }
    // B's payer never answers (member ending T): its request stays open while A's decision is pushed.
    const bPending = gw.submit(bBundle, tokenB);
    return { aId, bPending };
  }
  const decided = async (token: string, id: string) => {
    const r = await call(token, 'GET', `/fhir/ClaimResponse/${id}`);
    return r.status === 200 && /"code":"A1"/.test(r.body) ? r : undefined;
  };

  it("B copying A's Claim identifier with its own member: A gets its decision, B's request does not", async () => {
    const { aId, bPending } = await race('W805T', false);
    await expect.poll(() => decided(tokenA, aId), { timeout: 8000, interval: 200 }).toBeTruthy();
    const b = await bPending;
    expect(b.status).toBe(200);
    const bId = b.body.entry[0].resource.id;
    const bView = await call(tokenB, 'GET', `/fhir/ClaimResponse/${bId}`);
    expect(bView.body).not.toMatch(/"code":"A1"/);
    expect(bView.body).not.toContain('W803P');
  });

  it("B copying A's Claim identifier and A's member id: the decision goes to neither rather than to B", async () => {
    const { aId, bPending } = await race('W803P', true);
    const b = await bPending;
    const bId = b.body.entry[0].resource.id;
    // Give the simulator's push (PRIORGATE_SIM_PEND_MS) time to arrive.
    await new Promise((r) => setTimeout(r, 1500));
    const bView = await call(tokenB, 'GET', `/fhir/ClaimResponse/${bId}`);
    expect(bView.body).not.toMatch(/"code":"A1"/);
    expect(aId).not.toBe(bId);
  });
});
