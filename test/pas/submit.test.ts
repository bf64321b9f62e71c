/**
 * $submit end to end: a provider posts PAS Bundles over HTTP, the gateway translates them to 278s,
 * sends them over CAQH CORE SOAP to the payer simulator on loopback, and answers with PAS response
 * Bundles. The simulator decides by the member id's last letter (CONTRACT.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/index.ts';
import { emptyValuesIn, pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';

const SURGICAL = 'Bundle-SurgicalRequestBundleExample.json';
let gw: TestGateway;
let token: string;

beforeAll(async () => {
  gw = await testGateway();
  token = await gw.token();
});
afterAll(() => gw.stop());

/** The ClaimResponse of a response Bundle, which (like every FHIR JSON) has no empty values. */
function claimResponse(body: any) {
  expect(body?.resourceType, JSON.stringify(body).slice(0, 400)).toBe('Bundle');
  expect(emptyValuesIn(body), JSON.stringify(body)).toEqual([]);
  return body.entry[0].resource;
}

describe('POST /fhir/Claim/$submit', () => {
  it('spec-30 use-2: the IG surgical example is certified (A1) with an authorization number', async () => {
    const r = await gw.submit(pasExample(SURGICAL, 'W100A'), token);
    expect(r.status).toBe(200);
    const cr = claimResponse(r.body);
    expect(cr.resourceType).toBe('ClaimResponse');
    expect(reviewCodes(cr)).toContain('A1');
    expect(JSON.stringify(cr)).toMatch(/SIM\d+/);
    expect(cr.outcome).toBe('complete');
  });

  it('spec-34: a denial (member ending D) comes back as A3 on the same item sequences', async () => {
    const bundle = pasExample(SURGICAL, 'W100D');
    const cr = claimResponse((await gw.submit(bundle, token)).body);
    expect(reviewCodes(cr)).toContain('A3');
    expect(cr.item.map((i: any) => i.itemSequence)).toEqual(bundle.entry[0].resource.item.map((i: any) => i.sequence));
  });

  it('a denial whose reason the payer gives at the event and on the line (MSG in 2000E and 2000F) carries that note once, and the item points at it', async () => {
    const cr = claimResponse((await gw.submit(pasExample(SURGICAL, 'W106D'), token)).body);
    expect(reviewCodes(cr)).toContain('A3');
    const texts = cr.processNote.map((n: any) => n.text);
    expect(texts, JSON.stringify(cr.processNote)).toEqual([...new Set(texts)]);
    expect(cr.processNote.map((n: any) => n.number)).toEqual(texts.map((_: string, i: number) => i + 1));
    const byNumber = new Map(cr.processNote.map((n: any) => [n.number, n.text]));
    for (const item of cr.item) {
      expect(item.noteNumber, JSON.stringify(item)).toBeDefined();
      for (const n of item.noteNumber) expect(byNumber.get(n), `item ${item.itemSequence} noteNumber ${n}`).toBe('Requested service is not covered under the member plan');
    }
  });

  it('a modified decision (member ending M) is A6', async () => {
    expect(reviewCodes(claimResponse((await gw.submit(pasExample(SURGICAL, 'W100M'), token)).body))).toContain('A6');
  });

  it('an AAA rejection (member ending R) is an error with AAA03 72, never a denial', async () => {
    const cr = claimResponse((await gw.submit(pasExample(SURGICAL, 'W100R'), token)).body);
    expect(cr.outcome).toBe('error');
    expect(JSON.stringify(cr.error)).toContain('72');
    expect(reviewCodes(cr)).not.toContain('A3');
  });

  it('the AAA 72 (invalid member id, loop 2010C) points its errorPath at Coverage.subscriberId, the element NM109 was built from', async () => {
    const bundle = pasExample(SURGICAL, 'W104R');
    const coverage = bundle.entry.findIndex((e: any) => e.resource.resourceType === 'Coverage');
    const cr = claimResponse((await gw.submit(bundle, token)).body);
    const errors = cr.error.map((e: any) => ({
      code: e.code.coding[0].code,
      element: e.extension.find((x: any) => x.url.endsWith('extension-errorElement'))?.extension[0].valueString,
      path: e.extension.find((x: any) => x.url.endsWith('extension-errorPath'))?.valueString,
    }));
    expect(errors, JSON.stringify(cr.error)).toEqual([{ code: '72', element: '2010C', path: `Bundle.entry[${coverage}].resource.subscriberId` }]);
  });

  it('a payer that fails twice with HTTP 500 (member ending E) is retried and the request is certified', async () => {
    const cr = claimResponse((await gw.submit(pasExample(SURGICAL, 'W100E'), token)).body);
    expect(reviewCodes(cr)).toContain('A1');
  });

  it('a payer that never answers (member ending T) gets a pended A4 after the sync wait', async () => {
    const started = Date.now();
    const cr = claimResponse((await gw.submit(pasExample(SURGICAL, 'W100T'), token)).body);
    expect(reviewCodes(cr).every((c) => c === 'A4')).toBe(true);
    expect(reviewCodes(cr).length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3500);
  });

  it('is idempotent on Bundle.identifier: a repeat returns the stored answer and sends nothing new', async () => {
    const bundle = pasExample(SURGICAL, 'W100A', `idem-${Date.now()}`);
    const first = claimResponse((await gw.submit(bundle, token)).body);
    const stats1 = await (await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json();
    const again = claimResponse((await gw.submit(bundle, token)).body);
    const stats2 = await (await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json();
    expect(again.id).toBe(first.id);
    expect(JSON.stringify(again.item)).toBe(JSON.stringify(first.item));
    expect(stats2.decided).toBe(stats1.decided);
  });

  it('gives a copy sent while the first still waits for the payer the same decision, not an early pended; the payer gets one 278', async () => {
    const sim = gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '');
    const decided = async () => ((await (await fetch(`${sim}/stats`)).json()) as { decided: number }).decided;
    const bundle = pasExample(SURGICAL, 'W104A', `idem-race-${Date.now()}`);
    const before = await decided();
    await fetch(`${sim}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ delayMs: 1500 }) });
    try {
      const first = gw.submit(bundle, token);
      await new Promise((r) => setTimeout(r, 300));
      // A client that gave up waiting and sent it again, twice.
      const copies = await Promise.all([gw.submit(bundle, token), gw.submit(bundle, token)]);
      const all = [await first, ...copies].map((r) => claimResponse(r.body));
      expect(new Set(all.map((cr) => cr.id)).size).toBe(1);
      for (const cr of all) expect(reviewCodes(cr)).toEqual(reviewCodes(all[0]));
      expect(reviewCodes(all[0])).toContain('A1');
    } finally {
      await fetch(`${sim}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    }
    expect(await decided()).toBe(before + 1);
  });

  it('the ClaimResponse is readable by its id by the same organization, and 404 for another', async () => {
    const cr = claimResponse((await gw.submit(pasExample(SURGICAL, 'W101A'), token)).body);
    const own = await fetch(`${gw.url}/fhir/ClaimResponse/${cr.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(own.status).toBe(200);
    expect(reviewCodes(await own.json())).toContain('A1');
    const other = await gw.token('demo-clinic-b');
    const theirs = await fetch(`${gw.url}/fhir/ClaimResponse/${cr.id}`, { headers: { authorization: `Bearer ${other}` } });
    expect(theirs.status).toBe(404);
    expect(await theirs.text()).not.toContain('W101A');
  });

  it('spec-35: an invalid Bundle is refused with one OperationOutcome naming the element', async () => {
    const bundle = pasExample(SURGICAL, 'W102A');
    bundle.entry[0].resource.use = 'claim';
    const r = await gw.submit(bundle, token);
    expect(r.status).toBe(400);
    expect(r.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(r.body.issue)).toContain('Bundle.entry[0].resource.use');
  });

  it.each([
    ['Claim.item[0].productOrService.coding[0].code', (b: any) => (b.entry[0].resource.item[0].productOrService.coding[0].code = ''), 'Bundle.entry[0].resource.item[0].productOrService.coding[0].code'],
    ['Patient.name[0].family', (b: any) => (b.entry[4].resource.name[0].family = ''), 'Bundle.entry[4].resource.name[0].family'],
    ['Coverage.subscriberId (the 2010C NM109 member id)', (b: any) => (b.entry[3].resource.subscriberId = ''), 'Bundle.entry[3].resource.subscriberId'],
  ])('an empty %s is refused (400) naming that element: FHIR JSON has no empty strings', async (_name, mutate, expression) => {
    const bundle = pasExample(SURGICAL, 'W105A');
    mutate(bundle);
    const r = await gw.submit(bundle, token);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.issue.filter((i: any) => i.severity === 'error').map((i: any) => i.expression), JSON.stringify(r.body)).toEqual([[expression]]);
    expect(emptyValuesIn(r.body)).toEqual([]);
  });

  it('refuses a token without the Claim.c scope with 403', async () => {
    const readOnly = await gw.token('demo-clinic-a', 'system/ClaimResponse.r');
    expect((await gw.submit(pasExample(SURGICAL, 'W103A'), readOnly)).status).toBe(403);
  });

  it('leaves an intact audit log, sealed within moments, time to seal on /metrics', async () => {
    // A seal already running may have started before the last commit: the second one is after it.
    await gw.auditLog.sealNow();
    await gw.auditLog.sealNow();
    expect(await verifyAudit(gw.database.db)).toMatchObject({ ok: true, unsealed: 0 });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const sealed = Number(/^priorgate_audit_seal_seconds_count (\d+)/m.exec(metrics)?.[1] ?? 0);
    expect(sealed, 'events sealed, each timed').toBeGreaterThan(5);
    expect(metrics).toMatch(/^priorgate_audit_tree_size \d+/m);
  });
});
