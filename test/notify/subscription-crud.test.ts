/** Subscription create / read / search / delete, happy paths (PAS 2.2.1 Subscriptions, R4 backport). */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsOfKind } from '../../src/db/queries/jobs.ts';
import { auditEvents } from '../../src/db/schema.ts';
import { FILTER_CRITERIA_URL, HANDSHAKE_KIND, PAS_TOPIC, PAYLOAD_CONTENT_URL } from '../../src/notify/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { call, infernoFixture, notifyApp, ORIGIN, pasSubscription, provider, type Provider } from './helpers.ts';

const NPI = '1234567893';
const HOOK = 'http://127.0.0.1:9/hook';

let t: TestApp;
let a: Provider;
let b: Provider;

beforeAll(async () => {
  t = await notifyApp();
  a = await provider(t, NPI);
  b = await provider(t, '1987654328');
});
afterAll(() => t.close());

async function auditOf(id: string, action: string) {
  return t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, action)));
}

describe('POST /fhir/Subscription', () => {
  it('creates a PAS Subscription from the IG example: 201, Location, status requested (spec-54, spec-57)', async () => {
    const r = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI, HOOK));
    expect(r.status, r.body).toBe(201);
    const s = r.json;
    expect(s.resourceType).toBe('Subscription');
    expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.headers.get('location')).toBe(`${ORIGIN}/fhir/Subscription/${s.id}`);
    expect(r.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(s.status).toBe('requested');
    expect(s.criteria).toBe(PAS_TOPIC);
    expect(s._criteria.extension).toEqual([{ url: FILTER_CRITERIA_URL, valueString: `orgIdentifier=${NPI}` }]);
    expect(s.channel).toMatchObject({ type: 'rest-hook', endpoint: HOOK, payload: 'application/fhir+json' });
    expect(s.channel._payload.extension).toEqual([{ url: PAYLOAD_CONTENT_URL, valueCode: 'full-resource' }]);
  });

  it('audits the create and queues the handshake in the same transaction', async () => {
    const r = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI, HOOK));
    expect(r.status, r.body).toBe(201);
    const events = await auditOf(r.json.id, 'subscription.create');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: `client:${a.client.id}`, orgId: a.client.orgId, entityType: 'subscription', outcome: 'success' });
    expect(events[0]!.requestId).toBe(r.headers.get('x-request-id'));
    const queued = await jobsOfKind(t.deps.db, HANDSHAKE_KIND);
    expect(queued.some((j) => j.payload.subscriptionId === r.json.id)).toBe(true);
  });

  it('accepts the Inferno fixture spelling org-identifier=, an NPI system and application/json (spec-58)', async () => {
    const s = infernoFixture<Record<string, any>>('PAS_Subscription_example_v221_good.json');
    s._criteria.extension[0].valueString = `org-identifier=http://hl7.org/fhir/sid/us-npi|${NPI}`;
    s.channel.endpoint = HOOK;
    const r = await call(t, a, 'POST', '/fhir/Subscription', s);
    expect(r.status, r.body).toBe(201);
    expect(r.json.channel.payload).toBe('application/json');
    expect(r.json._criteria.extension[0].valueString).toBe(`orgIdentifier=http://hl7.org/fhir/sid/us-npi|${NPI}`);
  });

  it('keeps channel.header lines and ignores a client-chosen id and status', async () => {
    const s: Record<string, any> = { ...pasSubscription(NPI, HOOK), id: 'mine', status: 'active' };
    s.channel.header = ['Authorization: Bearer hook-secret', 'X-Tenant:  a'];
    const r = await call(t, a, 'POST', '/fhir/Subscription', s);
    expect(r.status, r.body).toBe(201);
    expect(r.json.id).not.toBe('mine');
    expect(r.json.status).toBe('requested');
    expect(r.json.channel.header).toEqual(['Authorization: Bearer hook-secret', 'X-Tenant: a']);
  });
});

describe('GET and DELETE /fhir/Subscription', () => {
  it('reads a subscription back by id', async () => {
    const created = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI, HOOK));
    const r = await call(t, a, 'GET', `/fhir/Subscription/${created.json.id}`);
    expect(r.status, r.body).toBe(200);
    expect(r.json).toEqual(created.json);
  });

  it('an organization without subscriptions gets a searchset with total 0 and no entry element (FHIR JSON has no empty arrays)', async () => {
    const none = await provider(t, '1987654328');
    const r = await call(t, none, 'GET', '/fhir/Subscription');
    expect(r.status, r.body).toBe(200);
    expect(r.json, r.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 0 });
    expect(r.json, r.body).not.toHaveProperty('entry');
  });

  it("lists the caller's subscriptions as a searchset Bundle", async () => {
    const created = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI, HOOK));
    const r = await call(t, a, 'GET', '/fhir/Subscription');
    expect(r.status, r.body).toBe(200);
    expect(r.json).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(r.json.total).toBe(r.json.entry.length);
    const entry = r.json.entry.find((e: any) => e.resource.id === created.json.id);
    expect(entry).toMatchObject({ fullUrl: `${ORIGIN}/fhir/Subscription/${created.json.id}`, search: { mode: 'match' } });
  });

  it('searches by status and _id (comma-separated values OR\'d); ignores other parameters unless asked to be strict', async () => {
    const one = (await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI, HOOK))).json;
    const two = (await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI, HOOK))).json;
    const paused = await call(t, a, 'PUT', `/fhir/Subscription/${two.id}`, { ...pasSubscription(NPI, HOOK), id: two.id, status: 'off' });
    expect(paused.status, paused.body).toBe(200);
    const ids = (r: { json: any }) => (r.json.entry ?? []).map((e: any) => e.resource.id).sort();
    const off = await call(t, a, 'GET', '/fhir/Subscription?status=off');
    expect(ids(off)).toEqual([two.id]);
    expect(off.json.total).toBe(1);
    expect(off.json.link[0].url).toBe(`${ORIGIN}/fhir/Subscription?status=off`);
    // However far one's handshake has got (requested, active, error), a list of every status finds both.
    expect(ids(await call(t, a, 'GET', '/fhir/Subscription?status=off,requested,active,error'))).toEqual(expect.arrayContaining([one.id, two.id].sort()));
    expect(ids(await call(t, a, 'GET', '/fhir/Subscription?status=entered-in-error'))).toEqual([]);
    expect(ids(await call(t, a, 'GET', `/fhir/Subscription?_id=${one.id}`))).toEqual([one.id]);
    expect(ids(await call(t, a, 'GET', `/fhir/Subscription?_id=${one.id}&status=off`))).toEqual([]);
    // Another organization's id finds nothing.
    const theirs = (await call(t, b, 'GET', `/fhir/Subscription?_id=${one.id}`)).json;
    expect(theirs.total).toBe(0);
    // An unknown parameter: ignored and left out of the self link, or a 400 under Prefer: handling=strict.
    const lenient = await call(t, a, 'GET', '/fhir/Subscription?status=off&colour=red');
    expect(ids(lenient)).toEqual([two.id]);
    expect(lenient.json.link[0].url).toBe(`${ORIGIN}/fhir/Subscription?status=off`);
    const strict = await t.app.request(`${ORIGIN}/fhir/Subscription?colour=red`, { headers: { authorization: `Bearer ${a.token}`, prefer: 'handling=strict' } });
    expect(strict.status).toBe(400);
    expect(((await strict.json()) as any).issue[0]).toMatchObject({ code: 'not-supported', diagnostics: expect.stringContaining('colour') });
  });

  it('deletes: 204, audited, then 404 on read and gone from the list', async () => {
    const created = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(NPI, HOOK));
    const id = created.json.id;
    const del = await call(t, a, 'DELETE', `/fhir/Subscription/${id}`);
    expect(del.status, del.body).toBe(204);
    expect(await auditOf(id, 'subscription.delete')).toHaveLength(1);
    const read = await call(t, a, 'GET', `/fhir/Subscription/${id}`);
    expect(read.status, read.body).toBe(404);
    expect(read.json.resourceType).toBe('OperationOutcome');
    const list = await call(t, a, 'GET', '/fhir/Subscription');
    expect(list.json.entry.map((e: any) => e.resource.id)).not.toContain(id);
    const again = await call(t, a, 'DELETE', `/fhir/Subscription/${id}`);
    expect(again.status, again.body).toBe(404);
  });
});
