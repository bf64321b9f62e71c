/**
 * `Claim/$inquire` and `Claim/$submit` as their OperationDefinitions (corpus
 * OperationDefinition-Claim-inquiry.json / -submit.json) and the IG's inquiry rules say: input
 * `resource`, output `return`; member id plus provider NPI required, every criterion the example
 * gives must match, nothing matched → no return.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePasInquiryResponseBundle } from '../../src/fhir/validate/index.ts';
import { CORPUS_DIR } from '../helpers/corpus.ts';
import { emptyValuesIn, inquiryFor, pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { revisionOf } from '../helpers/pas-updates.ts';

const SURGICAL = 'Bundle-SurgicalRequestBundleExample.json';
const operation = (name: string) => JSON.parse(readFileSync(path.join(CORPUS_DIR, 'pas-2.2.1/profiles', `OperationDefinition-Claim-${name}.json`), 'utf8'));
let gw: TestGateway;
let token: string;

beforeAll(async () => {
  gw = await testGateway();
  token = await gw.token();
});
afterAll(() => gw.stop());

const claimIdOf = (b: any) => b.entry[0].resource.identifier[0].value;
const returns = (body: any) => (body.parameter ?? []).filter((p: any) => p.name === 'return').map((p: any) => p.resource);

describe('OperationDefinitions, to the letter', () => {
  it('issue 13 #2: $inquire answers Parameters whose outputs are named `return`, each a PAS Inquiry Response Bundle', async () => {
    const od = operation('inquiry');
    const out = od.parameter.find((p: any) => p.use === 'out');
    expect(out).toMatchObject({ name: 'return', type: 'Bundle', min: 0, max: '*' });
    const request = pasExample(SURGICAL, 'W400A');
    await gw.submit(request, token);
    const r = await gw.submit(inquiryFor(claimIdOf(request), request), token, 'Claim/$inquire');
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    expect(r.body.resourceType).toBe('Parameters');
    expect(r.body.parameter.map((p: any) => p.name)).toEqual([out.name]);
    const [bundle] = returns(r.body);
    expect(bundle.meta.profile).toEqual(['http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-pas-inquiry-response-bundle']);
    expect(bundle.entry[0].resource.meta.profile).toEqual(['http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claiminquiryresponse']);
    expect(reviewCodes(bundle.entry[0].resource)).toContain('A1');
    expect(validatePasInquiryResponseBundle(bundle).filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('$submit takes its input `resource` bare or in Parameters, and answers the `return` Bundle itself', async () => {
    const od = operation('submit');
    expect(od.parameter.map((p: any) => `${p.use}:${p.name}`)).toEqual(['in:resource', 'out:return']);
    const request = pasExample(SURGICAL, 'W401A');
    const r = await gw.submit({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: request }] }, token);
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    expect(r.body.resourceType).toBe('Bundle');
    expect(r.body.entry[0].resource.resourceType).toBe('ClaimResponse');
  });

  it('spec-35: a Parameters input with another parameter name is refused with one OperationOutcome naming it', async () => {
    const r = await gw.submit({ resourceType: 'Parameters', parameter: [{ name: 'bundle', resource: pasExample(SURGICAL, 'W402A') }] }, token);
    expect(r.status).toBe(400);
    expect(r.body.resourceType).toBe('OperationOutcome');
    expect(r.body.issue[0].expression).toEqual(['Parameters.parameter[0].name']);
  });
});

describe('inquiry rules', () => {
  it('issue 13 #7: an identifier that matches nothing answers with no return — not the member\'s other requests', async () => {
    const request = pasExample(SURGICAL, 'W410A');
    await gw.submit(request, token);
    const r = await gw.submit(inquiryFor('NOTHING-LIKE-THIS', request), token, 'Claim/$inquire');
    expect(r.status).toBe(200);
    expect(returns(r.body)).toEqual([]);
    // FHIR JSON has no empty arrays: no `return`, so no `parameter` at all (not `parameter: []`).
    expect(r.body, JSON.stringify(r.body)).toEqual({ resourceType: 'Parameters' });
  });

  it('a matched inquiry answers Parameters without an empty string, array or object anywhere', async () => {
    const request = pasExample(SURGICAL, 'W412A');
    await gw.submit(request, token);
    const r = await gw.submit(inquiryFor(claimIdOf(request), request), token, 'Claim/$inquire');
    expect(returns(r.body)).toHaveLength(1);
    expect(emptyValuesIn(r.body), JSON.stringify(r.body)).toEqual([]);
  });

  it('spec-53: the member id and the provider NPI must both match', async () => {
    const request = pasExample(SURGICAL, 'W411A');
    await gw.submit(request, token);
    const otherMember = inquiryFor(claimIdOf(request), pasExample(SURGICAL, 'W499A'));
    expect(returns((await gw.submit(otherMember, token, 'Claim/$inquire')).body)).toEqual([]);
    const otherProvider = inquiryFor(claimIdOf(request), request);
    const provider = otherProvider.entry.find((e: any) => e.resource.resourceType === 'Organization' && e.fullUrl.endsWith(otherProvider.entry[0].resource.provider.reference.split('/').pop()));
    for (const i of provider?.resource.identifier ?? []) i.value = '1588667638';
    expect(returns((await gw.submit(otherProvider, token, 'Claim/$inquire')).body)).toEqual([]);
    expect(returns((await gw.submit(inquiryFor(claimIdOf(request), request), token, 'Claim/$inquire')).body)).toHaveLength(1);
  });

  it("spec-53: an inquiry that names no provider NPI is refused (422) rather than answered from a guess", async () => {
    const request = pasExample(SURGICAL, 'W412A');
    const inquiry = inquiryFor(claimIdOf(request), request);
    const ref = inquiry.entry[0].resource.provider.reference as string;
    const provider = inquiry.entry.find((e: any) => e.fullUrl === ref || `${e.resource.resourceType}/${e.resource.id}` === ref.split('/').slice(-2).join('/'));
    provider.resource.identifier = [{ system: 'http://terminology.hl7.org/NamingSystem/USEIN', value: '123456789' }];
    const r = await gw.submit(inquiry, token, 'Claim/$inquire');
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(422);
    expect(r.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.provider']);
  });

  it('a service code or date the example gives must match too', async () => {
    const request = pasExample(SURGICAL, 'W413A');
    await gw.submit(request, token);
    const code = inquiryFor(claimIdOf(request), request);
    code.entry[0].resource.item[0].productOrService.coding[0].code = '99999';
    expect(returns((await gw.submit(code, token, 'Claim/$inquire')).body)).toEqual([]);
  });

  it('spec-47 spec-48: asked by the original\'s identifier, the answer is the current response of its latest update', async () => {
    const original = pasExample(SURGICAL, 'W420A');
    await gw.submit(original, token);
    const cancel = revisionOf(original, { tag: 'cx', cancelAll: true });
    const cancelled = (await gw.submit(cancel, token)).body.entry[0].resource;
    const r = await gw.submit(inquiryFor(claimIdOf(original), original), token, 'Claim/$inquire');
    const [current] = returns(r.body);
    expect(returns(r.body)).toHaveLength(1);
    expect(current.entry[0].resource.id).toBe(cancelled.id);
    expect(new Set(reviewCodes(current.entry[0].resource))).toEqual(new Set(['C']));
  });

  it('spec-52 spec-44: another organization finds a request where its own NPI is one of the providers, with the Claim link masked', async () => {
    // demo-clinic-b (NPI 1987654328) is the rendering provider of a request demo-clinic-a submits.
    const request = pasExample(SURGICAL, 'W430A');
    const claim = request.entry[0].resource;
    const renderer = { fullUrl: 'urn:uuid:6a1c7b52-0b33-4d6b-9c64-9b0b6a3c0f01', resource: { resourceType: 'Organization', id: 'clinic-b', active: true, identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1987654328' }], name: 'Demo Clinic B' } };
    request.entry.push(renderer);
    claim.careTeam = [...(claim.careTeam ?? []), { extension: [{ url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-careTeamClaimScope', valueBoolean: true }], sequence: 9, provider: { reference: renderer.fullUrl } }];
    expect((await gw.submit(request, token)).status).toBe(200);
    const tokenB = await gw.token('demo-clinic-b');
    const asB = inquiryFor(claimIdOf(request), request);
    asB.entry[0].resource.provider = { reference: renderer.fullUrl };
    const r = await gw.submit(asB, tokenB, 'Claim/$inquire');
    const [found] = returns(r.body);
    expect(found?.entry[0].resource.request).toEqual({ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }] });
    // Naming A's provider only, B finds nothing: B's own NPI must be one the inquiry names.
    const asA = inquiryFor(claimIdOf(request), request);
    asA.entry[0].resource.careTeam = asA.entry[0].resource.careTeam.filter((m: any) => m.provider.reference !== renderer.fullUrl);
    expect(returns((await gw.submit(asA, tokenB, 'Claim/$inquire')).body)).toEqual([]);
  });
});
