/**
 * CoverageEligibilityRequest/$submit end to end: a provider posts a Bundle over HTTP with a SMART
 * token, the gateway validates it, stores it with its job and audit event, the worker sends a 270
 * over CAQH CORE SOAP to the payer simulator on loopback, and the 271 comes back as a
 * CoverageEligibilityResponse. The simulator decides by the member id's last letter.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/index.ts';
import { latestMessage, requestById } from '../../src/db/queries/requests.ts';
import { auditEvents, messages } from '../../src/db/schema.ts';
import { eligibilityBundle } from './fixtures.ts';
import { eligibilityGateway, type EligibilityGateway } from './gateway.ts';

let gw: EligibilityGateway;
let token: string;

beforeAll(async () => {
  gw = await eligibilityGateway();
  token = await gw.token();
});
afterAll(() => gw?.stop());

function responseOf(r: { status: number; body: any }) {
  expect(r.status, JSON.stringify(r.body).slice(0, 600)).toBe(200);
  expect(r.body.resourceType).toBe('Bundle');
  const cer = r.body.entry[0].resource;
  expect(cer.resourceType).toBe('CoverageEligibilityResponse');
  return cer;
}

// Through the query layer: it decrypts what is stored encrypted (test/security/crypto-*.test.ts).
async function requestRow(id: string) {
  return (await requestById(gw.database.db, id))!;
}

describe('POST /fhir/CoverageEligibilityRequest/$submit', () => {
  it('active coverage: inforce, plan and group, benefits; stored as an eligibility request with every message', async () => {
    const cer = responseOf(await gw.check(eligibilityBundle({ memberId: 'E100A', serviceTypes: ['30', '98'] }), token));
    expect(cer.outcome).toBe('complete');
    expect(cer.insurance[0].inforce).toBe(true);
    expect(cer.insurance[0].item.length).toBeGreaterThan(8);
    expect(cer.request.identifier.system).toBe('urn:test:elig');
    const row = await requestRow(cer.id);
    expect(row).toMatchObject({ kind: 'eligibility', status: 'certified', payerId: 'demo-payer' });
    expect(row.summary).toMatchObject({ coverage: 'active', memberIds: ['E100A'], providerIds: ['1234567893'] });
    const sets = (await gw.database.db.select().from(messages).where(eq(messages.requestId, cer.id)).orderBy(messages.seq)).map((m) => [m.direction, m.transactionSet, Boolean(m.controlNumber)]);
    expect(sets).toEqual([
      ['in', 'eligibility-request', false],
      ['out', 'x12-270-request', true],
      ['in', 'x12-in', true],
      ['out', 'eligibility-response', false],
    ]);
  });

  it('inactive coverage (member ending I): inforce false, the request marked coverage inactive', async () => {
    const cer = responseOf(await gw.check(eligibilityBundle({ memberId: 'E101I' }), token));
    expect(cer.outcome).toBe('complete');
    expect(cer.insurance[0].inforce).toBe(false);
    expect((await requestRow(cer.id)).summary).toMatchObject({ coverage: 'inactive' });
  });

  it('AAA 72 (member ending R) is an error with code and follow-up, never "not covered"', async () => {
    const cer = responseOf(await gw.check(eligibilityBundle({ memberId: 'E102R' }), token));
    expect(cer.outcome).toBe('error');
    expect(cer.insurance).toBeUndefined();
    expect(cer.error[0].code.coding[0]).toMatchObject({ code: '72' });
    expect(cer.error[0].code.text).toContain('Please Correct and Resubmit');
    expect(await requestRow(cer.id)).toMatchObject({ status: 'rejected', summary: expect.objectContaining({ coverage: 'error', errorCodes: ['72'] }) });
  });

  it('a dependent patient is asked about in 2000D and answered about', async () => {
    const bundle = eligibilityBundle({ memberId: 'E103A', dependent: true });
    const cer = responseOf(await gw.check(bundle, token));
    expect(cer.patient.reference).toBe('http://example.org/fhir/Patient/kid');
    expect(cer.insurance[0].inforce).toBe(true);
    const out = await latestMessage(gw.database.db, cer.id, 'x12-270-request');
    expect(out!.payload).toMatch(/HL\*4\*3\*23\*0~TRN\*1\*\w+\*9PRIORGATE~NM1\*03\*1\*Doe\*Kim~/);
  });

  it('is idempotent on the request identifier: a repeat returns the stored answer and sends nothing', async () => {
    const bundle = eligibilityBundle({ memberId: 'E104A', id: `idem-${Date.now()}` });
    const first = responseOf(await gw.check(bundle, token));
    const before = (await gw.simStats()).eligibility;
    const again = responseOf(await gw.check(bundle, token));
    expect(again.id).toBe(first.id);
    expect(again).toEqual(first);
    expect((await gw.simStats()).eligibility).toBe(before);
  });

  it('the same identifier from another organization is another request', async () => {
    const bundle = eligibilityBundle({ memberId: 'E105A', id: `shared-${Date.now()}` });
    const a = responseOf(await gw.check(bundle, token));
    const b = responseOf(await gw.check(bundle, await gw.token('demo-clinic-b')));
    expect(b.id).not.toBe(a.id);
  });

  it('audits the submission and every state change, and the chain verifies', async () => {
    const cer = responseOf(await gw.check(eligibilityBundle({ memberId: 'E106A' }), token));
    const events = await gw.database.db.select().from(auditEvents).where(eq(auditEvents.entityId, cer.id)).orderBy(auditEvents.id);
    expect(events.map((e) => e.action)).toEqual(['request.submit', 'request.transition', 'request.transition']);
    expect(events[0]!.actor).toBe('client:demo-clinic-a');
    expect(events.map((e) => (e.detail as any).to).filter(Boolean)).toEqual(['sent', 'certified']);
    expect(JSON.stringify(events)).not.toContain('Doe');
    expect((await verifyAudit(gw.database.db)).ok).toBe(true);
  });
});

describe('refusals', () => {
  it('an invalid request is 400 with an OperationOutcome naming the element', async () => {
    const bundle = eligibilityBundle();
    delete bundle.entry[2].resource.subscriberId;
    bundle.entry[4].resource.identifier[0].value = '1234567890';
    const r = await gw.check(bundle, token);
    expect(r.status).toBe(400);
    expect(r.body.resourceType).toBe('OperationOutcome');
    expect(r.body.issue.map((i: any) => i.expression[0]).sort()).toEqual(['Bundle.entry[2].resource.subscriberId', 'Bundle.entry[4].resource.identifier']);
  });

  it('a body that is not a Bundle is 400', async () => {
    const r = await gw.check({ resourceType: 'CoverageEligibilityRequest' }, token);
    expect(r.status).toBe(400);
    expect(r.body.issue[0].expression).toEqual(['Bundle.resourceType']);
  });

  it('no token is 401; a token without system/CoverageEligibilityRequest.c is 403', async () => {
    expect((await gw.check(eligibilityBundle(), 'not-a-token')).status).toBe(401);
    const claimOnly = await gw.token('demo-clinic-a', 'system/Claim.c');
    const r = await gw.check(eligibilityBundle(), claimOnly);
    expect(r.status).toBe(403);
    expect(r.body.issue[0].diagnostics).toContain('CoverageEligibilityRequest.c');
  });
});
