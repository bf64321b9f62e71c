/**
 * A delivery job whose request cannot be translated (a TranslateError: the 270 or 278 pre-send check
 * refuses a value) fails the same way on every attempt. It is not retried as if the payer were
 * down: one attempt, the job dead and the request in `error` with its audit event, in one
 * transaction, and the provider's next look at it is an error answer, never "queued" or "pended".
 *
 * $submit refuses such requests now (test/eligibility/validate.test.ts); these were stored before it
 * did — here, written with the acceptance functions themselves, past the HTTP validation — and the
 * gateway's own worker runs their jobs. Run on the store under test (embedded, or Postgres with
 * TEST_DATABASE_URL).
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/index.ts';
import { requestById } from '../../src/db/queries/requests.ts';
import { auditEvents, jobs } from '../../src/db/schema.ts';
import { acceptEligibility, acceptPriorAuth } from '../../src/requests/index.ts';
import { eligibilityBundle } from '../eligibility/fixtures.ts';
import { eligibilityGateway, type EligibilityGateway } from '../eligibility/gateway.ts';
import { pasExample } from '../helpers/gateway.ts';
import { until } from '../helpers/wait.ts';

const ORG = 'demo-clinic-a';
let gw: EligibilityGateway;
let token: string;

beforeAll(async () => {
  gw = await eligibilityGateway();
  token = await gw.token();
});
afterAll(() => gw?.stop());

const payer = () => gw.deps.services!.payers.get('demo-payer')!.config;

/** The request's job once it has ended (done or dead), with the request as it then is. */
async function settled(requestId: string) {
  gw.deps.services!.wake();
  const job = await until('the delivery job to end', async () => {
    const [row] = await gw.database.db.select().from(jobs).where(eq(jobs.requestId, requestId));
    return row && (row.status === 'dead' || row.status === 'done') ? row : undefined;
  });
  return { job, request: (await requestById(gw.database.db, requestId))! };
}

async function transitions(requestId: string) {
  const rows = await gw.database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.entityId, requestId), eq(auditEvents.action, 'request.transition')))
    .orderBy(auditEvents.id);
  return rows.map((r) => r.detail as Record<string, any>);
}

/** One attempt, the job dead over DMG02, the request moved once from queued to error, audited by element, never the value. */
async function endedInError(requestId: string, setId: '270' | '278') {
  const { job, request: after } = await settled(requestId);
  expect(job).toMatchObject({ status: 'dead', attempts: 1 });
  expect(job.lastError).toContain('DMG02');
  expect(after.status).toBe('error');
  const moves = await transitions(requestId);
  expect(moves).toHaveLength(1);
  expect(moves[0]).toMatchObject({ from: 'queued', to: 'error', attempts: 1 });
  expect(moves[0]!.error).toContain(`the ${setId} cannot be written`);
  // Element names, never the value.
  expect(JSON.stringify(moves)).not.toMatch(/1980-02-31|19800231/);
}

describe('a delivery job whose request cannot be translated', () => {
  it('270: one attempt, the job dead, the request in error with one audited move; the provider gets an error answer', async () => {
    const bundle = eligibilityBundle({ memberId: 'U100A', id: `untranslatable-${randomUUID()}` });
    bundle.entry[1].resource.birthDate = '1980-02-31';
    const { request } = await acceptEligibility(gw.database.db, {
      orgId: ORG,
      clientId: ORG,
      bundle,
      idempotencyKey: `urn:test:elig|${bundle.entry[0].resource.identifier[0].value}`,
      payerId: 'demo-payer',
      maxAttempts: payer().maxAttempts,
      trace: randomUUID().replace(/-/g, ''),
    });
    expect(request.status).toBe('queued');
    const before = (await gw.simStats()).eligibility;

    expect(payer().maxAttempts).toBeGreaterThan(1);
    await endedInError(request.id, '270');
    expect((await verifyAudit(gw.database.db)).ok).toBe(true);
    // Nothing reached the payer, and the handler did not throw (a throw is retried as transient).
    expect((await gw.simStats()).eligibility).toBe(before);
    expect(gw.logText()).not.toContain('job handler threw');

    // The provider asks again with the same request identifier: an error answer, not "queued".
    const fixed = eligibilityBundle({ memberId: 'U100A', id: bundle.entry[0].resource.identifier[0].value });
    const again = await gw.check(fixed, token);
    expect(again.status).toBe(200);
    expect(again.body.entry[0].resource).toMatchObject({ id: request.id, outcome: 'error' });
    // The same Bundle as stored is refused at its element, as a new one would be.
    const same = await gw.check(bundle, token);
    expect(same.status).toBe(400);
    expect(same.body.issue.map((i: any) => i.expression[0])).toEqual(['Bundle.entry[1].resource.birthDate']);
    // Still one attempt: asking again sends nothing.
    expect((await gw.database.db.select().from(jobs).where(eq(jobs.requestId, request.id)))[0]).toMatchObject({ status: 'dead', attempts: 1 });
  });

  it('278: one attempt, the job dead, the request in error with one audited move; the ClaimResponse says error', async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'U200A');
    for (const e of bundle.entry) if (e.resource.resourceType === 'Patient') e.resource.birthDate = '1980-02-31';
    const { request } = await acceptPriorAuth(gw.database.db, {
      orgId: ORG,
      clientId: ORG,
      bundle,
      payerId: 'demo-payer',
      maxAttempts: payer().maxAttempts,
      deadlineAt: new Date(Date.now() + 86_400_000),
      trace: randomUUID().replace(/-/g, ''),
    });
    expect(request.status).toBe('queued');
    const before = (await gw.simStats()).received;

    await endedInError(request.id, '278');
    expect((await gw.simStats()).received).toEqual(before);
    expect(gw.logText()).not.toContain('job handler threw');

    const res = await fetch(`${gw.url}/fhir/ClaimResponse/${request.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ resourceType: 'ClaimResponse', outcome: 'error' });
  });
});
