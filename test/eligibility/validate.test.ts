/**
 * CoverageEligibilityRequest/$submit validates before anything is stored, through the real HTTP
 * gateway: FHIR R4 formats and calendar days (a black-box probe got `1980-02-31` and `2026-13-45`
 * accepted as `queued`, and the request then never left), codes of required bindings
 * (administrative-gender, fm-status, eligibilityrequest-purpose), unknown and missing elements —
 * 400 with an OperationOutcome whose expression names the element, no value quoted back — and a
 * request the 270 cannot carry is 422. Nothing is stored for any of them: no request, no job, no
 * message. A valid request still goes through.
 */
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, messages, requests } from '../../src/db/schema.ts';
import { eligibilityBundle } from './fixtures.ts';
import { eligibilityGateway, type EligibilityGateway } from './gateway.ts';

let gw: EligibilityGateway;
let token: string;

beforeAll(async () => {
  gw = await eligibilityGateway();
  token = await gw.token();
});
afterAll(() => gw?.stop());

/** Rows that a stored request would add. */
async function stored() {
  const db = gw.database.db;
  const [[r], [j], [m]] = await Promise.all([
    db.select({ n: count() }).from(requests),
    db.select({ n: count() }).from(jobs),
    db.select({ n: count() }).from(messages),
  ]);
  return { requests: r!.n, jobs: j!.n, messages: m!.n };
}

/**
 * Submits a fixture changed by `change`; expects `status`, an OperationOutcome with an error at each
 * of `expressions` (and no other error), none of `values` in the answer, and nothing stored.
 */
async function refused(change: (b: any) => void, status: number, expressions: string[], values: string[] = []) {
  const bundle = eligibilityBundle({ memberId: 'V100A' });
  change(bundle);
  const before = await stored();
  const r = await gw.check(bundle, token);
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.resourceType).toBe('OperationOutcome');
  const errors = r.body.issue.filter((i: any) => i.severity === 'error');
  expect(errors.map((i: any) => i.expression[0]).sort()).toEqual([...expressions].sort());
  for (const value of values) expect(JSON.stringify(r.body)).not.toContain(value);
  expect(await stored()).toEqual(before);
  return errors;
}

describe('CoverageEligibilityRequest/$submit refuses what FHIR R4 refuses, storing nothing', () => {
  it("the probe's Bundle: birthDate 1980-02-31 and servicedDate 2026-13-45 are 400 at each element, neither value quoted", async () => {
    const errors = await refused(
      (b) => {
        b.entry[1].resource.birthDate = '1980-02-31';
        b.entry[0].resource.servicedDate = '2026-13-45';
      },
      400,
      // `serviced`: FHIRPath names a choice element without its type (servicedDate, servicedPeriod).
      ['Bundle.entry[1].resource.birthDate', 'Bundle.entry[0].resource.serviced'],
      ['1980-02-31', '2026-13-45', '19800231'],
    );
    expect(errors.every((i: any) => i.code === 'value')).toBe(true);
  });

  it('a servicedDate that matches the format but names no day (2026-02-30) is 400', async () => {
    const [issue] = await refused((b) => (b.entry[0].resource.servicedDate = '2026-02-30'), 400, ['Bundle.entry[0].resource.serviced'], ['2026-02-30']);
    expect(issue.diagnostics).toContain('no such day');
  });

  it('a key named like an Object.prototype member is an unknown element (400), not a fault', async () => {
    await refused((b) => Object.defineProperty(b.entry[1].resource, 'constructor', { value: null, enumerable: true }), 400, ['Bundle.entry[1].resource.constructor']);
  });

  it('empty values are refused at their element (FHIR JSON has none): an empty family name, member id, identifier list', async () => {
    // The 270's reader also finds no usable name (NM103): said at the name.
    await refused((b) => (b.entry[1].resource.name[0].family = ''), 400, ['Bundle.entry[1].resource.name', 'Bundle.entry[1].resource.name[0].family']);
    await refused((b) => (b.entry[1].resource.identifier = []), 400, ['Bundle.entry[1].resource.identifier']);
  });

  it('the same in a servicedPeriod and in a dependent subscriber (not a leap year: 2023-02-29)', async () => {
    await refused(
      (b) => {
        delete b.entry[0].resource.servicedDate;
        b.entry[0].resource.servicedPeriod = { start: '2026-04-31', end: '2026-05-02' };
      },
      400,
      ['Bundle.entry[0].resource.serviced.start'],
    );
    const bundle = eligibilityBundle({ memberId: 'V101A', dependent: true });
    bundle.entry[5].resource.birthDate = '2023-02-29';
    const r = await gw.check(bundle, token);
    expect(r.status).toBe(400);
    expect(r.body.issue.map((i: any) => i.expression[0])).toEqual(['Bundle.entry[5].resource.birthDate']);
  });

  it('created "not a date" is 400 at created', async () => {
    await refused((b) => (b.entry[0].resource.created = 'not a date'), 400, ['Bundle.entry[0].resource.created'], ['not a date']);
  });

  it('Patient.gender "robot" is 400 at gender: the code is outside the required administrative-gender binding', async () => {
    const [issue] = await refused((b) => (b.entry[1].resource.gender = 'robot'), 400, ['Bundle.entry[1].resource.gender'], ['robot']);
    expect(issue).toMatchObject({ code: 'code-invalid' });
    expect(issue.diagnostics).toContain('administrative-gender');
  });

  it('status and purpose outside their required bindings (fm-status, eligibilityrequest-purpose) are 400 at each', async () => {
    await refused(
      (b) => {
        b.entry[0].resource.status = 'draft-ish';
        b.entry[0].resource.purpose = ['benefits', 'everything'];
      },
      400,
      ['Bundle.entry[0].resource.status', 'Bundle.entry[0].resource.purpose[1]'],
      ['draft-ish', 'everything'],
    );
    await refused((b) => (b.entry[2].resource.status = 'whatever'), 400, ['Bundle.entry[2].resource.status']);
  });

  it('an unknown element is 400 at it, on any resource and on the Bundle itself', async () => {
    await refused((b) => (b.entry[2].resource.fooBar = 'x'), 400, ['Bundle.entry[2].resource.fooBar']);
    await refused((b) => (b.entry[0].resource.item = [{ fooBar: 1, category: { coding: [{ system: 'https://codesystem.x12.org/005010/1365', code: '30' }] } }]), 400, ['Bundle.entry[0].resource.item[0].fooBar']);
    await refused((b) => (b.entry[3].resource.fooBar = 1), 400, ['Bundle.entry[3].resource.fooBar']);
    await refused((b) => (b.fooBar = 1), 400, ['Bundle.fooBar']);
  });

  it('a missing required element is 400 at it (CoverageEligibilityRequest.created, Coverage.beneficiary)', async () => {
    const errors = await refused(
      (b) => {
        delete b.entry[0].resource.created;
        delete b.entry[2].resource.beneficiary;
      },
      400,
      ['Bundle.entry[0].resource.created', 'Bundle.entry[2].resource.beneficiary'],
    );
    expect(errors.every((i: any) => i.code === 'required')).toBe(true);
  });

  it("an entry of an unknown resource type is 400 at its resourceType, the type not quoted", async () => {
    await refused((b) => b.entry.push({ fullUrl: 'urn:uuid:0c3d7a2e-0000-4000-8000-0000000000ff', resource: { resourceType: 'Robotics' } }), 400, ['Bundle.entry[5].resource.resourceType'], ['Robotics']);
  });

  it('a service period the 270 cannot carry (it ends before it starts) is 422, naming the X12 element, and nothing is stored', async () => {
    const [issue] = await refused(
      (b) => {
        delete b.entry[0].resource.servicedDate;
        b.entry[0].resource.servicedPeriod = { start: '2026-03-05', end: '2026-03-01' };
      },
      422,
      ['Bundle.entry[0].resource'],
      ['20260305', '20260301'],
    );
    expect(issue.diagnostics).toContain('DTP03');
  });

  it('a valid request still goes through (200, answered) and is stored once; its repeat is answered from the store', async () => {
    const bundle = eligibilityBundle({ memberId: 'V102A', serviceTypes: ['30'] });
    const before = await stored();
    const r = await gw.check(bundle, token);
    expect(r.status, JSON.stringify(r.body).slice(0, 600)).toBe(200);
    const cer = r.body.entry[0].resource;
    expect(cer).toMatchObject({ resourceType: 'CoverageEligibilityResponse', outcome: 'complete' });
    expect(cer.insurance[0].inforce).toBe(true);
    const after = await stored();
    expect(after.requests).toBe(before.requests + 1);
    expect(after.jobs).toBe(before.jobs + 1);
    const again = await gw.check(bundle, token);
    expect(again.body.entry[0].resource.id).toBe(cer.id);
    expect((await stored()).requests).toBe(after.requests);
  });

  it('a large Bundle, validated in the worker thread, is refused the same way', async () => {
    await refused(
      (b) => {
        // Over INLINE_MAX_VALUES JSON values: validate-offload.ts hands it to its worker.
        b.entry[4].resource.alias = Array.from({ length: 900 }, (_, i) => `Clinic alias ${i}`);
        b.entry[3].resource.alias = Array.from({ length: 300 }, (_, i) => `Plan alias ${i}`);
        b.entry[1].resource.gender = 'robot';
        b.entry[1].resource.birthDate = '1980-02-31';
      },
      400,
      ['Bundle.entry[1].resource.gender', 'Bundle.entry[1].resource.birthDate'],
    );
  });

  it('a valid request inside a Parameters (resource) is validated the same way', async () => {
    const bundle = eligibilityBundle({ memberId: 'V103A' });
    bundle.entry[1].resource.birthDate = '1980-02-30';
    const r = await gw.check({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: bundle }] }, token);
    expect(r.status).toBe(400);
    expect(r.body.issue.map((i: any) => i.expression[0])).toEqual(['Bundle.entry[1].resource.birthDate']);
  });
});
