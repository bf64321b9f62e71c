/**
 * The payer directory: `GET /fhir/Organization` (FHIR search), `GET /fhir/Organization/{id}`, the
 * CapabilityStatement that lists it (PAS conf-1/conf-3: one PAS 2.2.1 endpoint for every payer the
 * gateway serves; spec-55: the Subscription topic it supports), and the staff page. Against the
 * demo gateway on a real port: the directory is built from `rules/payers/*.yaml` and the payers'
 * prior-authorization rules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_EXT, PAYER_ID_SYSTEM, searchDirectory, payerOrganization } from '../../src/fhir/payer-directory.ts';
import { validateResource } from '@medplum/core';
import { preloadPasDefinitions } from '../../src/fhir/validate/index.ts';
import { CORPUS_DIR } from '../helpers/corpus.ts';
import { emptyValuesIn, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { addStaff, Client } from '../staff/helpers.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await testGateway();
}, 60_000);
afterAll(() => gw?.stop());

async function get(p: string) {
  const res = await fetch(`${gw.url}${p}`);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
}
const ext = (o: any, name: string) => (o.extension ?? []).filter((e: any) => e.url === `${DIRECTORY_EXT}${name}`);
const sub = (e: any, url: string) => e.extension.find((x: any) => x.url === url);

describe('the payer directory as FHIR', () => {
  it('lists every payer the gateway routes to, with its transactions and decision timeframes', async () => {
    const r = await get('/fhir/Organization');
    expect(r.status).toBe(200);
    expect(r.type).toContain('application/fhir+json');
    expect(r.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 2 });
    const byId = Object.fromEntries(r.body.entry.map((e: any) => [e.resource.id, e.resource]));
    expect(Object.keys(byId).sort()).toEqual(['demo-fhir-payer', 'demo-payer']);
    expect(r.body.entry[0].fullUrl).toBe(`${gw.url}/fhir/Organization/${r.body.entry[0].resource.id}`);

    const x12 = byId['demo-payer'];
    expect(x12.name).toBe('Demo Health Plan');
    expect(x12.type[0].coding[0]).toMatchObject({ code: 'pay' });
    expect(ext(x12, 'payer-transaction').map((e: any) => e.valueCode)).toEqual(['x12-278', 'x12-270-271', 'pas-inquiry']);
    // The X12 payer id (2010A NM109) is in the directory: what a sender's Coverage.payor names.
    expect(x12.identifier).toContainEqual(expect.objectContaining({ system: PAYER_ID_SYSTEM, value: '99999' }));
    const fhir = byId['demo-fhir-payer'];
    expect(ext(fhir, 'payer-transaction').map((e: any) => e.valueCode)).toEqual(['pas-fhir']);
    // Its rules commit to 120 h for standard requests, stricter than the federal 7 days; expedited stays federal.
    const frames = ext(fhir, 'payer-decision-timeframe').map((e: any) => [sub(e, 'urgency').valueCode, sub(e, 'hours').valueDecimal, sub(e, 'source').valueCode]);
    expect(frames).toEqual([
      ['standard', 120, 'payer'],
      ['expedited', 72, 'federal'],
    ]);
    expect(ext(fhir, 'payer-sync-wait')[0].valueDuration).toMatchObject({ value: 4, code: 's' });
    // Each entry is a valid FHIR R4 Organization (the base definitions the PAS validator loads).
    preloadPasDefinitions();
    for (const o of Object.values(byId)) expect(() => validateResource(o as never)).not.toThrow();
  });

  it('searches by name, identifier, type and _id, and reads one payer', async () => {
    expect((await get('/fhir/Organization?name=demo%20h')).body.entry.map((e: any) => e.resource.id)).toEqual(['demo-payer']);
    expect((await get(`/fhir/Organization?identifier=${encodeURIComponent(`${PAYER_ID_SYSTEM}|99999`)}`)).body.total).toBe(1);
    const nobody = (await get('/fhir/Organization?identifier=nobody')).body;
    expect(nobody.total).toBe(0);
    expect(nobody, 'no matches: no entry element (FHIR JSON has no empty arrays)').not.toHaveProperty('entry');
    expect(emptyValuesIn((await get('/fhir/Organization')).body)).toEqual([]);
    expect((await get('/fhir/Organization?type=pay')).body.total).toBe(2);
    expect((await get('/fhir/Organization?type=prov')).body.total).toBe(0);
    expect((await get('/fhir/Organization?_id=demo-fhir-payer')).body.total).toBe(1);
    const one = await get('/fhir/Organization/demo-payer');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ resourceType: 'Organization', id: 'demo-payer' });
    const none = await get('/fhir/Organization/no-such-payer');
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });
});

describe('the CapabilityStatement', () => {
  it('conf-1, conf-3: one endpoint for PAS 2.2.1 serving every payer in the directory', async () => {
    const cs = (await get('/fhir/metadata')).body;
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.instantiates).toEqual(['http://hl7.org/fhir/us/davinci-pas/CapabilityStatement/IntermediaryCapabilities|2.2.1']);
    expect(cs.rest).toHaveLength(1);
    const entries = cs.rest[0].extension.filter((e: any) => e.url === `${DIRECTORY_EXT}payer-directory-entry`);
    expect(entries.map((e: any) => e.extension[0].valueReference.reference).sort()).toEqual(['Organization/demo-fhir-payer', 'Organization/demo-payer']);
    const org = cs.rest[0].resource.find((r: any) => r.type === 'Organization');
    expect(org.interaction.map((i: any) => i.code)).toEqual(['read', 'search-type']);
    expect(org.searchParam.map((p: any) => p.name)).toEqual(['_id', 'name', 'identifier', 'type']);
    expect(org, 'a resource without operations has no operation element').not.toHaveProperty('operation');
    expect(emptyValuesIn(cs), JSON.stringify(cs)).toEqual([]);
    const claim = cs.rest[0].resource.find((r: any) => r.type === 'Claim');
    expect(claim.operation.map((o: any) => o.name).sort()).toEqual(['inquire', 'submit']);
  });

  it('spec-55: declares the Subscriptions it supports, on the PAS topic, with every interaction the IG asks of an intermediary', async () => {
    const cs = (await get('/fhir/metadata')).body;
    const sub = cs.rest[0].resource.find((r: any) => r.type === 'Subscription');
    // The IG's own Intermediary CapabilityStatement: Subscription create, update and delete.
    const ig = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'pas-2.2.1/profiles/CapabilityStatement-IntermediaryCapabilities.json'), 'utf8'));
    const wanted = ig.rest.find((r: any) => r.mode === 'server').resource.find((r: any) => r.type === 'Subscription').interaction.map((i: any) => i.code);
    expect(wanted).toEqual(expect.arrayContaining(['create', 'update', 'delete']));
    expect(sub.interaction.map((i: any) => i.code)).toEqual(expect.arrayContaining(wanted));
    expect(sub.extension).toContainEqual({
      url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical',
      valueCanonical: 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic',
    });
    expect(sub.supportedProfile).toContain('http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-subscription');
  });
});

describe('the staff page', () => {
  it('shows the same directory to a signed-in user, and sends everyone else to sign in', async () => {
    await addStaff(gw.deps.db, 'dir-viewer', 'viewer', null);
    const anon = await new Client(gw as never).get('/ui/payers');
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toMatch(/^\/ui\/login/);
    const c = await new Client(gw as never).loggedIn('dir-viewer');
    const page = await c.get('/ui/payers');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Demo Health Plan');
    expect(html).toContain('x12-278, x12-270-271, pas-inquiry');
    expect(html).toContain('standard: 120 h (payer)');
  });
});

describe('searchDirectory', () => {
  it('matches identifier with or without a system, and names by prefix in any case', () => {
    const o = payerOrganization({ payer: { id: 'p1', name: 'Acme Health', connector: 'pas-fhir' } as never, syncWaitMs: 1000 });
    expect(searchDirectory([o], { identifier: 'p1' })).toHaveLength(1);
    expect(searchDirectory([o], { identifier: 'urn:other|p1' })).toHaveLength(0);
    expect(searchDirectory([o], { name: 'ACME' })).toHaveLength(1);
    expect(searchDirectory([o], { name: 'Health' })).toHaveLength(0);
  });
});
