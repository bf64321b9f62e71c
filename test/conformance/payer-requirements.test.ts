/**
 * PAS-Payer SHALLs of `requirements.csv` that the kit's server suite does not exercise, each tested
 * against the real gateway (loopback HTTP, the payer simulator, the worker) or, where the
 * requirement is about the mapping itself, against the translator. Test names cite the ids;
 * `requirements.test.ts` checks that every PAS-Payer SHALL is cited somewhere or listed in
 * REQUIREMENTS.md (not applicable, or open).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { latestMessage } from '../../src/db/queries/requests.ts';
import { validatePasResponseBundle } from '../../src/fhir/validate/index.ts';
import { OUTBOUND_278, OUTBOUND_PAS } from '../../src/payers/deliver.ts';
import { latestAllowedCutoff, purgeBefore } from '../../src/retention/purge.ts';
import { pasRequestTo278, type Bundle } from '../../src/translate/index.ts';
import { inquiryFor, pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { example } from '../translate/helpers/corpus.ts';
import { lines } from '../translate/helpers/segments.ts';
import { profileErrors, responseStructureErrors } from './kit-checks.ts';

type Json = Record<string, any>;

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';
const X12 = (element: string) => `https://codesystem.x12.org/005010/${element}`;
const CPT = 'http://www.ama-assn.org/go/cpt';
const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition/';

let gw: TestGateway;
let token: string;
beforeAll(async () => {
  // A short synchronous wait: the requests the payer never answers (member ending T) are pended soon.
  gw = await testGateway({ PRIORGATE_SYNC_WAIT_MS: '1500' });
  token = await gw.token();
}, 120_000);
afterAll(() => gw?.stop());

const urn = () => `urn:uuid:${randomUUID()}`;
const claimResponseOf = (body: Json) => body.entry[0].resource;
const returns = (body: Json): Json[] => (body.parameter ?? []).filter((p: Json) => p.name === 'return').map((p: Json) => p.resource);

/**
 * A PAS request with nothing but what the PAS profiles make mandatory (min ≥ 1) and what their
 * invariants demand (us-core-6: a name part; self-beneficiary: the relationship coded X12 18): no NPI, no address,
 * no dates, no care team, no supporting information, no insurer identifier.
 */
function minimalRequest(member: string, o: { insurerId?: string; code?: string } = {}): Json {
  const [claim, requestor, insurer, coverage, patient] = [urn(), urn(), urn(), urn(), urn()];
  const now = new Date().toISOString();
  const tag = randomUUID().replace(/-/g, '').slice(0, 20);
  const coding = (element: string, code: string) => ({ coding: [{ system: X12(element), code }] });
  return {
    resourceType: 'Bundle',
    meta: { profile: [`${PAS}profile-pas-request-bundle`] },
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
    type: 'collection',
    timestamp: now,
    entry: [
      {
        fullUrl: claim,
        resource: {
          resourceType: 'Claim',
          meta: { profile: [`${PAS}profile-claim`] },
          identifier: [{ system: 'urn:test:minimal', value: tag }],
          status: 'active',
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
          use: 'preauthorization',
          patient: { reference: patient },
          created: now,
          insurer: { reference: insurer },
          provider: { reference: requestor },
          priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
          insurance: [{ sequence: 1, focal: true, coverage: { reference: coverage } }],
          item: [
            {
              extension: [
                { url: `${PAS}extension-serviceItemRequestType`, valueCodeableConcept: coding('1525', 'HS') },
                { url: `${PAS}extension-certificationType`, valueCodeableConcept: coding('1322', 'I') },
              ],
              sequence: 1,
              category: coding('1365', '1'),
              productOrService: { coding: [{ system: CPT, code: o.code ?? '72148' }] },
              locationCodeableConcept: { coding: [{ system: 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set', code: '11' }] },
            },
          ],
        },
      },
      { fullUrl: requestor, resource: { resourceType: 'Organization', meta: { profile: [`${PAS}profile-requestor`] }, active: true, name: 'MINIMAL CLINIC' } },
      {
        fullUrl: insurer,
        resource: {
          resourceType: 'Organization',
          meta: { profile: [`${PAS}profile-insurer`] },
          ...(o.insurerId ? { identifier: [{ system: 'urn:test:payer-id', value: o.insurerId }] } : {}),
          active: true,
          name: 'SOME PLAN',
        },
      },
      {
        fullUrl: coverage,
        resource: {
          resourceType: 'Coverage',
          meta: { profile: [`${PAS}profile-coverage`] },
          identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MB' }] } }],
          status: 'active',
          beneficiary: { reference: patient },
          relationship: { coding: [{ system: X12('1069'), code: '18' }] },
          payor: [{ reference: insurer }],
        },
      },
      {
        fullUrl: patient,
        resource: {
          resourceType: 'Patient',
          meta: { profile: [`${PAS}profile-subscriber`] },
          identifier: [{ system: 'urn:test:member', value: member }],
          name: [{ family: 'MINIMAL' }],
          gender: 'unknown',
        },
      },
    ],
  };
}

/** The IG's referral example asking for a service the demo payers review (home health, HCPCS G0151), so it goes to the payer. */
function reviewed(member: string): Json {
  const b = pasExample('Bundle-ReferralAuthorizationBundleExample.json', member);
  const item = b.entry[0].resource.item[0];
  item.productOrService = { coding: [{ system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'G0151' }] };
  // The X217 tables this branch carries mark SV120 (nursing home level of care) not used: a payer's 999 would refuse it.
  item.extension = item.extension.filter((e: Json) => !/extension-nursingHome/.test(e.url));
  return b;
}

/** Submits and returns the answer; the response Bundle is checked against the PAS response profile. */
async function submitted(bundle: Json, expectedStatus = 200) {
  const r = await gw.submit(bundle, token);
  expect(r.status, JSON.stringify(r.body).slice(0, 1500)).toBe(expectedStatus);
  if (r.status === 200) {
    expect(responseStructureErrors(r.body)).toEqual([]);
    expect(profileErrors(r.body, 'submit'), JSON.stringify(profileErrors(r.body, 'submit'))).toEqual([]);
  }
  return r.body;
}

describe('requests with nothing optional', () => {
  it('conf-11, conf-12, conf-14: a request with only the mandatory elements is decided through the X12 payer (no NPI, no insurer id, no dates)', async () => {
    const body = await submitted(minimalRequest('MIN0001A'));
    const cr = claimResponseOf(body);
    expect(cr.outcome).toBe('complete');
    expect(cr.item[0].adjudication[0].extension.find((e: Json) => e.url === `${PAS}extension-reviewAction`)).toBeDefined();
  });

  it('conf-11, conf-12, conf-14: … and through the PAS FHIR payer (routed by the insurer identifier, still nothing else optional)', async () => {
    const body = await submitted(minimalRequest('MIN0002D', { insurerId: 'demo-fhir-payer' }));
    expect(claimResponseOf(body).outcome).toBe('complete');
  });
});

describe('what the gateway accepts, and what it refuses', () => {
  it('spec-25: elements it does not process (a foreign extension on the Claim and an item) are ignored, not refused', async () => {
    const b = reviewed('IGN0001A');
    b.entry[0].resource.extension.push({ url: 'https://example.org/fhir/StructureDefinition/local-routing-hint', valueString: 'desk 4' });
    b.entry[0].resource.item[0].extension.push({ url: 'https://example.org/fhir/StructureDefinition/local-note', valueString: 'n/a' });
    expect(claimResponseOf(await submitted(b)).outcome).toBe('complete');
  });

  it('spec-1: supplementary information in US Core profiles (a US Core Observation in supportingInfo) is accepted and checked against R4', async () => {
    const b = reviewed('USC0001A');
    const obs = {
      resourceType: 'Observation',
      meta: { profile: [`${US_CORE}us-core-observation-clinical-result`] },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '72133-2', display: 'Low back pain' }] },
      subject: { reference: 'Patient/SubscriberExample' },
      effectiveDateTime: '2024-01-05',
      valueString: 'Pain 7/10 for 8 weeks',
    };
    b.entry.push({ fullUrl: 'http://example.org/fhir/Observation/BackPain', resource: { ...obs, id: 'BackPain' } });
    b.entry[0].resource.supportingInfo = [
      ...(b.entry[0].resource.supportingInfo ?? []),
      {
        extension: [
          {
            url: `${PAS}extension-documentInformation`,
            extension: [
              { url: 'reportTypeCode', valueCodeableConcept: { coding: [{ system: X12('755'), code: 'OB' }] } },
              { url: 'transmissionMethod', valueCodeableConcept: { coding: [{ system: X12('756'), code: 'EL' }] } },
            ],
          },
        ],
        sequence: 9,
        category: { coding: [{ system: 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes', code: 'additionalInformation' }] },
        valueReference: { reference: 'Observation/BackPain' },
      },
    ];
    const ok = await gw.submit(b, token);
    expect(ok.status, JSON.stringify(ok.body).slice(0, 1500)).toBe(200);
    // The same Observation without its status breaks R4 (Observation.status 1..1): refused, with the path.
    const bad = structuredClone(b);
    bad.identifier.value = `${b.identifier.value}x`;
    delete bad.entry.at(-1).resource.status;
    const r = await gw.submit(bad, token);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.body.issue.map((i: Json) => i.expression?.[0])).toContain(`Bundle.entry[${bad.entry.length - 1}].resource.status`);
  });

  it('spec-19: US Core rules carried by the PAS profiles are enforced (us-core-6 on the Subscriber: a name with neither family nor given)', async () => {
    const b = minimalRequest('USC0002A');
    b.entry[4].resource.name = [{ text: 'JUST TEXT' }];
    const r = await gw.submit(b, token);
    expect(r.status).toBe(400);
    expect(r.body.issue.some((i: Json) => /us-core-6/.test(i.diagnostics) && i.expression[0] === 'Bundle.entry[4].resource.name[0]')).toBe(true);
  });

  it('spec-39: synchronous answers only — 200 with a Bundle (also when the payer is slow: A4), 4xx with an OperationOutcome, never 202', async () => {
    const slow = await gw.submit(minimalRequest('SLOW001T'), token);
    expect(slow.status).toBe(200);
    expect(JSON.stringify(claimResponseOf(slow.body).item[0].adjudication)).toContain('"code":"A4"');
    const invalid = await gw.submit({ resourceType: 'Bundle', type: 'collection', entry: [] }, token);
    expect([400, 422]).toContain(invalid.status);
    expect(invalid.body.resourceType).toBe('OperationOutcome');
    const unauthenticated = await fetch(`${gw.url}/fhir/Claim/$submit`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: '{}' });
    expect(unauthenticated.status).toBe(401);
    expect((await unauthenticated.json()).resourceType).toBe('OperationOutcome');
  });
});

describe('what the gateway answers and forwards', () => {
  it('spec-17: every GUID it mints is new — two submissions of the same request get distinct response Bundles and ClaimResponses', async () => {
    const [a, b] = [await submitted(minimalRequest('GUID001A')), await submitted(minimalRequest('GUID002A'))];
    const minted = (body: Json) => [body.id, body.entry[0].fullUrl, body.entry[0].resource.id].filter(Boolean);
    expect(minted(a)).toHaveLength(3);
    expect(minted(a).filter((x) => minted(b).includes(x))).toEqual([]);
    expect(new Set(a.entry.map((e: Json) => e.fullUrl)).size).toBe(a.entry.length);
  });

  it('spec-18, spec-20: every entry of a response hangs off its ClaimResponse, and what it refers to is in the Bundle', async () => {
    // A pended answer with what the payer needs (CommunicationRequest, contact) and an event-level modification.
    for (const member of ['HANG001P', 'HANG002M']) {
      const body = await submitted(reviewed(member));
      const issues = validatePasResponseBundle(body);
      const loose = issues.filter((i) => i.code === 'informational' || i.code === 'not-found');
      expect(loose, JSON.stringify(loose) + JSON.stringify(body.entry.map((e: Json) => [e.fullUrl, e.resource.resourceType]))).toEqual([]);
    }
  });

  it('spec-26: a PAS FHIR payer receives the entire PAS Bundle, exactly as submitted', async () => {
    const sent = minimalRequest('WHOLE01A', { insurerId: 'demo-fhir-payer' });
    const id = claimResponseOf(await submitted(sent)).id;
    const out = await latestMessage(gw.deps.db, id, OUTBOUND_PAS);
    expect(out).toBeDefined();
    expect(JSON.parse(out!.payload)).toEqual(sent);
  });

  it('spec-6: one PAS endpoint takes every payer and coverage: an X12 payer and a PAS FHIR payer through the same $submit, one submit operation in the CapabilityStatement', async () => {
    const cap = await (await fetch(`${gw.url}/fhir/metadata`)).json();
    const claim = cap.rest[0].resource.filter((r: Json) => r.type === 'Claim');
    expect(claim).toHaveLength(1);
    expect(claim[0].operation.filter((o: Json) => o.name === 'submit')).toHaveLength(1);
    const x12 = claimResponseOf(await submitted(minimalRequest('ONEEP01A')));
    const fhir = claimResponseOf(await submitted(minimalRequest('ONEEP02A', { insurerId: 'demo-fhir-payer' })));
    expect(await latestMessage(gw.deps.db, x12.id, OUTBOUND_278)).toBeDefined();
    expect(await latestMessage(gw.deps.db, fhir.id, OUTBOUND_PAS)).toBeDefined();
  });

  it('use-1: the EHR exchanges Bundles with the gateway: $submit answers a Bundle, and a bare Claim is refused with an OperationOutcome naming what was expected', async () => {
    const answer = await submitted(minimalRequest('BUNDLE1A'));
    expect(answer.resourceType).toBe('Bundle');
    const claim = minimalRequest('BUNDLE2A').entry[0].resource;
    const r = await gw.submit(claim, token);
    expect(r.status).toBe(400);
    expect(r.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(r.body.issue)).toContain('Bundle');
  });

  it('spec-73: a pended request stays available to $inquire; a retention purge at the youngest cutoff allowed takes only closed requests', async () => {
    const pendedBundle = reviewed('KEEP001T');
    const pended = claimResponseOf(await submitted(pendedBundle));
    const closedBundle = reviewed('GONE001A');
    const closed = claimResponseOf(await submitted(closedBundle));
    expect(closed.outcome, JSON.stringify(closed)).toBe('complete');
    // What follows the answer (the documents' 275 after the 278) has run: nothing is written after the backdating.
    const deadline = Date.now() + 20_000;
    const open = async () => (await rows<{ n: number }>(gw.deps.db, sql`select count(*)::int as n from jobs where request_id = ${closed.id} and status in ('ready', 'running')`))[0]!.n;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Both seven years old: older than any purge may reach (six years, HIPAA).
    const old = new Date(Date.now() - 7 * 365 * 86_400_000).toISOString();
    for (const id of [pended.id, closed.id]) {
      await gw.deps.db.execute(sql`update requests set created_at = ${old}::timestamptz, updated_at = ${old}::timestamptz where id = ${id}`);
      await gw.deps.db.execute(sql`update messages set created_at = ${old}::timestamptz where request_id = ${id}`);
    }
    const outDir = mkdtempSync(path.join(tmpdir(), 'pg-purge-'));
    rmSync(outDir, { recursive: true });
    try {
      const report = await purgeBefore(gw.deps.db, { cutoff: latestAllowedCutoff(new Date(), 6), outDir, retentionYears: 6, actor: 'test' });
      expect(report.deleted.requests).toBe(1);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    const found = returns((await gw.submit(inquiryFor(pendedBundle.entry[0].resource.identifier[0].value, pendedBundle), token, 'Claim/$inquire')).body);
    expect(found.map((b) => b.entry[0].resource.id)).toEqual([pended.id]);
    expect(returns((await gw.submit(inquiryFor(closedBundle.entry[0].resource.identifier[0].value, closedBundle), token, 'Claim/$inquire')).body)).toEqual([]);
  });
});

describe('the mapping', () => {
  it("spec-43: 'not-applicable' as the product or service means no product or service code: the line goes to the payer (UM) without an SV segment", () => {
    const b = structuredClone(example<Json>('Bundle-MedicalServicesAuthorizationBundleExample.json'));
    b['entry'][0].resource.item[0].productOrService = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-applicable' }] };
    const { segments } = pasRequestTo278(b as Bundle, { now: new Date('2024-03-01T12:00:00Z') });
    expect(lines(segments, 'SV1')).toEqual([]);
    expect(lines(segments, 'UM').length).toBeGreaterThan(1);
  });

  it("prof-2, prof-3: quantities the gateway writes in a response must be coded in X12 units (errors); a provider's resource quoted back only warns", () => {
    const response = structuredClone(example<Json>('Bundle-ReferralAuthorizationResponseBundleExample.json'));
    const cr = response['entry'][0].resource;
    cr.addItem = [{ itemSequence: [1], productOrService: { coding: [{ system: CPT, code: '97110' }] }, quantity: { value: 3, unit: 'visits', system: 'http://unitsofmeasure.org', code: '{visit}' } }];
    response['entry'].push({ fullUrl: 'http://example.org/fhir/ServiceRequest/Quoted', resource: { resourceType: 'ServiceRequest', id: 'Quoted', status: 'active', intent: 'order', subject: cr.patient, quantityQuantity: { value: 1, system: 'http://unitsofmeasure.org', code: '1' } } });
    const issues = validatePasResponseBundle(response).filter((i) => /prof-3/.test(i.diagnostics));
    expect(issues.map((i) => [i.severity, i.expression])).toEqual([
      ['error', 'Bundle.entry[0].resource.addItem[0].quantity'],
      ['warning', `Bundle.entry[${response['entry'].length - 1}].resource.quantityQuantity`],
    ]);
  });

  it("conf-14: what X12 needs and PAS leaves optional comes from the routing — 2010A the payer, 2010B the submitting organization's NPI, TRN03 the gateway", () => {
    const routed = { now: new Date('2024-03-01T12:00:00Z'), payer: { id: '99999', idQualifier: 'PI', name: 'DEMO HEALTH PLAN' }, requesterNpi: '1234567893', originator: '9PRIORGATE' };
    const minimal = pasRequestTo278(minimalRequest('MAP0001A') as Bundle, routed).segments;
    expect(lines(minimal, 'NM1').slice(0, 2)).toEqual(['NM1*X3*2*DEMO HEALTH PLAN*****PI*99999', 'NM1*1P*2*MINIMAL CLINIC*****XX*1234567893']);
    expect(lines(minimal, 'TRN')[0]).toMatch(/^TRN\*1\*[0-9a-f]{20}\*9PRIORGATE$/);
    // The Bundle's own ids win: the referral example's requester NPI and TRN03.
    const full = pasRequestTo278(example<Json>('Bundle-ReferralAuthorizationBundleExample.json') as Bundle, routed).segments;
    expect(lines(full, 'NM1')[1]).toBe('NM1*1P*2*DR. JOE SMITH CORPORATION*****XX*8189991234');
    expect(lines(full, 'TRN')[0]).toBe('TRN*1*111099*9012345678*223412');
  });
});
