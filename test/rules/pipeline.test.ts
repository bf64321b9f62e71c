/**
 * The payer's rules in the $submit pipeline, end to end with the EHR and payer simulators: an MRI
 * that needs documented conservative therapy gets it pulled from the EHR and attached (PWK in the
 * 278); a service that needs no authorization is answered NA without a 278; a gold-carded provider
 * skips; a stricter state timeframe sets the deadline.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestMessage } from '../../src/db/queries/requests.ts';
import { requests } from '../../src/db/schema.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
let token: string;

beforeAll(async () => {
  gw = await testGateway();
  token = await gw.token();
});
afterAll(() => gw.stop());

/** The IG surgical example asking for another service (CPT) from another provider NPI or state. */
function request(code: string, opts: { npi?: string; state?: string } = {}) {
  const b = pasExample('Bundle-SurgicalRequestBundleExample.json', `R${Math.random().toString(36).slice(2, 8)}A`);
  const claim = b.entry[0].resource;
  claim.item[0].productOrService.coding[0] = { system: 'http://www.ama-assn.org/go/cpt', code };
  claim.item[0].locationCodeableConcept.coding[0].code = '11';
  for (const e of b.entry) {
    if (opts.npi && e.resource.id === 'UMOExample') e.resource.identifier[0].value = opts.npi;
    if (opts.state && e.resource.resourceType === 'Patient') e.resource.address = [{ state: opts.state }];
  }
  return b;
}

const sim = async () => (await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json() as Promise<{ decided: number }>;
const row = async (id: string) => (await gw.database.db.select().from(requests).where(eq(requests.id, id)))[0]!;

describe('payer rules in $submit', () => {
  it('pulls the documentation an MRI needs from the EHR and attaches it to the Bundle and the 278 (PWK)', async () => {
    const r = await gw.submit(request('72148'), token);
    expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
    const cr = r.body.entry[0].resource;
    const stored = await latestMessage(gw.database.db, cr.id, 'pas-request');
    const bundle = JSON.parse(stored!.payload);
    const attached = bundle.entry.filter((e: any) => ['Condition', 'Procedure', 'MedicationRequest', 'Observation'].includes(e.resource.resourceType));
    expect(attached.length).toBeGreaterThan(0);
    expect(JSON.stringify(bundle.entry[0].resource.supportingInfo)).toContain(attached[0].resource.resourceType);
    const x12 = await latestMessage(gw.database.db, cr.id, 'x12-278-request');
    expect(x12!.payload).toMatch(/PWK\*OZ\*EL/);
    expect(((await row(cr.id)).summary as any).rules.outcome).toBe('required');
  });

  it('answers a service that needs no authorization with NA at once, and sends no 278', async () => {
    const before = (await sim()).decided;
    const r = await gw.submit(request('99213'), token);
    const cr = r.body.entry[0].resource;
    expect(reviewCodes(cr)).toContain('NA');
    expect((await sim()).decided).toBe(before);
    expect(await latestMessage(gw.database.db, cr.id, 'x12-278-request')).toBeUndefined();
    expect(((await row(cr.id)).summary as any).rules.outcome).toBe('not-required');
    // Settled without a determination: not an approval (the worklist and the CMS metrics tell them apart).
    expect((await row(cr.id)).status).toBe('not_required');
  });

  it('lets a gold-carded provider skip the payer', async () => {
    const before = (await sim()).decided;
    const cr = (await gw.submit(request('72148', { npi: '1987654328' }), token)).body.entry[0].resource;
    expect(reviewCodes(cr)).toContain('NA');
    expect((await sim()).decided).toBe(before);
    expect(((await row(cr.id)).summary as any).rules.outcome).toBe('gold-carded');
    expect((await row(cr.id)).status).toBe('not_required');
  });

  it('sets the deadline by the stricter state timeframe (IL: 5 days standard instead of 7)', async () => {
    const cr = (await gw.submit(request('72148', { state: 'IL' }), token)).body.entry[0].resource;
    const r = await row(cr.id);
    const hours = (r.deadlineAt!.getTime() - r.createdAt.getTime()) / 3_600_000;
    expect(Math.round(hours)).toBe(120);
    expect((r.summary as any).rules.deadlineSource).toBe('state:IL');
  });
});
