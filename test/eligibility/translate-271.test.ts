/**
 * 271 → CoverageEligibilityResponse: the public X279A1 samples read in place, the simulator's
 * answers (active, inactive, dependent, many EB loops) and hand-built AAA answers at every level.
 * AAA is an error with its code and follow-up, never "not covered".
 */
import { describe, expect, it } from 'vitest';
import { readEligibilityReply } from '../../src/payers/eligibility-deliver.ts';
import { respond271 } from '../../src/sim/decide-270.ts';
import { EB01, eligibility271ToFhir, ERROR_EXPRESSION_EXT, inquiryTo270, parse271, readEligibilityRequest, summarize271 } from '../../src/translate/eligibility/index.ts';
import { bodyOfText, corpus, eligibilityBundle, interchange, segs } from './fixtures.ts';

const now = new Date('2026-03-04T10:00:00Z');
let n = 0;
const ids = () => `id-${++n}`;

function simAnswer(memberId: string, opts: { dependent?: boolean; serviceTypes?: string[] } = {}) {
  const request = eligibilityBundle({ memberId, ...opts });
  const inquiry = readEligibilityRequest(request).inquiry!;
  const body = respond271(inquiryTo270(inquiry, { now, trace: 'TR1', originator: '9PRIORGATE' }).segments, { now, trace: 'P1' });
  return { request, body };
}

const cerOf = (bundle: any) => bundle.entry[0].resource;
const itemsOf = (cer: any) => cer.insurance?.[0]?.item ?? [];
const code = (cc: any, system: string) => cc?.coding?.find((c: any) => c.system === system)?.code;
const ST = 'https://codesystem.x12.org/005010/1365';
const EB = 'https://codesystem.x12.org/005010/1390';

describe('the public X279A1 samples (lfh-x12), read in place', () => {
  it('subscriber 271: active, plan from EB05, plan begin from DTP*346, one item per EB03 service type', () => {
    const body = bodyOfText(corpus('lfh-x12__subscriber-health-benefit-check.271'));
    const { bundle, summary } = eligibility271ToFhir(body, { now, ids });
    const cer = cerOf(bundle);
    expect(cer.resourceType).toBe('CoverageEligibilityResponse');
    expect(cer.outcome).toBe('complete');
    expect(cer.insurance[0].inforce).toBe(true);
    expect(cer.insurance[0].benefitPeriod).toEqual({ start: '2006-01-01' });
    expect(summary).toMatchObject({ status: 'active', planName: 'GOLD 123 PLAN', coverageStart: '2006-01-01' });
    // EB*1 with ten service types → ten items; EB*B in and out of network → copays 10 and 30 per visit.
    const copays = itemsOf(cer).filter((i: any) => code(i.benefit?.[0]?.type, EB) === 'B' && code(i.category, ST) === '98');
    expect(copays.map((i: any) => [i.network.coding[0].code, i.benefit[0].allowedMoney.value, i.term.coding[0].code])).toEqual([['in', 10, '27'], ['out', 30, '27']]);
    expect(itemsOf(cer).filter((i: any) => i.description === 'Active Coverage').length).toBe(11);
    expect(itemsOf(cer).find((i: any) => i.description.startsWith('Primary Care Provider')).description).toContain('P3 JONES, MARCUS (SV 0202034)');
    expect(summarize271(parse271(body), '98').copay).toBe(10);
  });

  it('dependent 271: the answer is about the 2000D dependent (INS*N*19), built as the patient', () => {
    const { bundle, summary } = eligibility271ToFhir(bodyOfText(corpus('lfh-x12__dependent-health-benefit-check.271')), { now, ids });
    const cer = cerOf(bundle);
    const patient = bundle.entry!.find((e: any) => e.fullUrl === cer.patient.reference)!.resource as any;
    expect(patient).toMatchObject({ name: [{ family: 'SMITH', given: ['MARY'] }], birthDate: '1998-10-14', gender: 'female' });
    expect(summary.status).toBe('active');
    expect(cer.insurance[0].inforce).toBe(true);
    const coverage = bundle.entry!.find((e: any) => e.resource.resourceType === 'Coverage')!.resource as any;
    expect(coverage.subscriberId).toBe('123456789');
  });

  it('error 271 (AAA*Y**50*N at 2100B, SE02 mismatch kept): an error naming the provider, never "not covered"', () => {
    const text = corpus('lfh-x12__subscriber-health-benefit-check-error.271');
    const reply = readEligibilityReply(text);
    expect(reply.kind).toBe('271');
    const { bundle, summary } = eligibility271ToFhir((reply as any).body, { now, ids });
    const cer = cerOf(bundle);
    expect(cer.outcome).toBe('error');
    expect(cer.insurance).toBeUndefined();
    expect(cer.error[0].code.coding[0]).toMatchObject({ code: '50', display: 'Provider Ineligible for Inquiries' });
    expect(cer.error[0].code.text).toContain('Resubmission Not Allowed');
    expect(cer.error[0].extension.find((e: any) => e.url.endsWith('errorFollowupAction')).valueCodeableConcept.coding[0].code).toBe('N');
    expect(summary).toMatchObject({ status: 'error', errors: [{ loopId: '2100B', code: '50', followUp: 'N' }] });
  });
});

describe('simulator answers', () => {
  it('active with many EB loops: deductible and out-of-pocket totals with what is used, co-insurance, a co-pay per service type', () => {
    const { request, body } = simAnswer('M200A', { serviceTypes: ['30', '98', 'UC'] });
    const { bundle, summary } = eligibility271ToFhir(body, { request, now, ids });
    const items = itemsOf(cerOf(bundle));
    const ded = items.find((i: any) => code(i.benefit?.[0]?.type, EB) === 'C' && code(i.unit, 'https://codesystem.x12.org/005010/1207') === 'IND' && i.network?.coding[0].code === 'in');
    expect(ded.benefit[0].type.coding[0]).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/benefit-type', code: 'deductible' });
    expect(ded.benefit[0].allowedMoney).toEqual({ value: 1500, currency: 'USD' });
    expect(ded.benefit[0].allowedMoney.value - ded.benefit[0].usedMoney.value).toBe(summary.deductibleRemaining);
    // The total's calendar year first; the merged remaining EB keeps its own period code (29).
    expect(ded.term.coding.map((c: any) => c.code)).toEqual(['annual', '23', '29']);
    const coins = items.find((i: any) => code(i.benefit?.[0]?.type, EB) === 'A' && i.network?.coding[0].code === 'in');
    expect(coins.benefit[0]).toMatchObject({ allowedUnsignedInt: 20 });
    const uc = items.find((i: any) => code(i.category, ST) === 'UC' && i.benefit?.[0]?.allowedMoney);
    expect(uc.benefit[0].allowedMoney.value).toBe(50);
    expect(uc.description).toContain('Urgent Care: co-pay applies per visit');
    expect(summary).toMatchObject({ status: 'active', planNumber: 'GOLDPPO01', planName: 'DEMO GOLD PPO', group: 'GRP100200', deductible: 1500, outOfPocket: 6000, coinsurancePercent: 20 });
    expect(items.length).toBeGreaterThanOrEqual(12);
    // The request's Coverage comes back with the payer's plan and group in Coverage.class.
    const coverage = bundle.entry!.find((e: any) => e.resource.resourceType === 'Coverage')!.resource as any;
    expect(coverage.class.map((c: any) => [c.type.coding[0].code, c.value])).toEqual([['plan', 'GOLDPPO01'], ['group', 'GRP100200']]);
    expect(cerOf(bundle).patient.reference).toBe('http://example.org/fhir/Patient/pat');
  });

  it('inactive (member ending I): inforce false, the plan item excluded, outcome complete', () => {
    const { request, body } = simAnswer('M200I');
    const { bundle, summary } = eligibility271ToFhir(body, { request, now, ids });
    const cer = cerOf(bundle);
    expect(cer.outcome).toBe('complete');
    expect(cer.insurance[0].inforce).toBe(false);
    expect(itemsOf(cer)[0]).toMatchObject({ excluded: true, description: expect.stringContaining('Inactive') });
    expect(summary.status).toBe('inactive');
    expect(cer.disposition).toBe('Coverage is not active');
  });

  it('dependent: the 271 answers at 2000D and the response is about the dependent patient', () => {
    const { request, body } = simAnswer('M200A', { dependent: true });
    expect(body.filter((s) => s.tag === 'HL').map((s) => s.elements[2])).toEqual(['20', '21', '22', '23']);
    const { bundle, summary } = eligibility271ToFhir(body, { request, now, ids });
    expect(cerOf(bundle).patient.reference).toBe('http://example.org/fhir/Patient/kid');
    expect(summary.status).toBe('active');
    expect(summary.deductible).toBe(1500);
  });

  it('AAA 72 at 2100C (member ending R): error on the Coverage member id, status error', () => {
    const { request, body } = simAnswer('M200R');
    const { bundle, summary } = eligibility271ToFhir(body, { request, now, ids });
    const err = cerOf(bundle).error[0];
    expect(err.code.coding[0].code).toBe('72');
    expect(err.extension.find((e: any) => e.url === ERROR_EXPRESSION_EXT).valueString).toBe('Bundle.entry[2].resource.subscriberId');
    expect(summary.status).toBe('error');
    expect(cerOf(bundle).insurance).toBeUndefined();
  });
});

const HEAD = `BHT*0022*11*REF1*20260304*1000
HL*1**20*1`;
const SOURCE = 'NM1*PR*2*ACME PLAN*****PI*12345';
const RECEIVER = `HL*2*1*21*1
NM1*1P*2*CLINIC*****XX*1234567893`;
const MEMBER = `HL*3*2*22*0
NM1*IL*1*DOE*JANE****MI*M1`;

describe('AAA at every level', () => {
  const cases: [string, string, string, string][] = [
    ['2000A', `${HEAD}\nAAA*N**42*R\n${SOURCE}`, '42', 'Bundle.entry[3].resource'],
    ['2100A', `${HEAD}\n${SOURCE}\nAAA*N**T4*C`, 'T4', 'Bundle.entry[3].resource'],
    ['2100B', `${HEAD}\n${SOURCE}\n${RECEIVER}\nAAA*N**43*C`, '43', 'Bundle.entry[4].resource'],
    ['2100C', `${HEAD}\n${SOURCE}\n${RECEIVER}\n${MEMBER}\nAAA*N**75*C`, '75', 'Bundle.entry[2].resource.subscriberId'],
  ];
  it.each(cases)('AAA in %s → CoverageEligibilityResponse.error with the code, the follow-up and the request element', (loop, text, reason, expression) => {
    const { bundle, summary } = eligibility271ToFhir(segs(text), { request: eligibilityBundle(), now, ids });
    const cer = cerOf(bundle);
    expect(cer.outcome).toBe('error');
    expect(cer.insurance).toBeUndefined();
    expect(cer.error[0].code.coding[0].code).toBe(reason);
    expect(cer.error[0].code.text).toContain(`loop ${loop}`);
    expect(cer.error[0].extension.find((e: any) => e.url === ERROR_EXPRESSION_EXT).valueString).toBe(expression);
    expect(summary).toMatchObject({ status: 'error', errors: [{ loopId: loop, code: reason }] });
  });

  it('an AAA inside one EB loop (2110C) is an error about that service type; coverage stays active', () => {
    const text = `${HEAD}\n${SOURCE}\n${RECEIVER}\n${MEMBER}\nEB*1**30\nEB*V**AL\nAAA*N**53*C`;
    const { bundle, summary } = eligibility271ToFhir(segs(text), { request: eligibilityBundle({ serviceTypes: ['30', 'AL'] }), now, ids });
    const cer = cerOf(bundle);
    expect(cer.insurance[0].inforce).toBe(true);
    expect(cer.error[0].extension.find((e: any) => e.url === ERROR_EXPRESSION_EXT).valueString).toBe('Bundle.entry[0].resource.item[1]');
    expect(summary).toMatchObject({ status: 'active', errors: [{ loopId: '2110C', code: '53' }] });
  });
});

describe('EB01 codes', () => {
  it.each(Object.entries(EB01).filter(([, v]) => v.status))('EB01 %s is coverage %s', (eb01, info) => {
    const { summary, bundle } = eligibility271ToFhir(segs(`${HEAD}\n${SOURCE}\n${RECEIVER}\n${MEMBER}\nEB*${eb01}**30`), { now, ids });
    expect(summary.status).toBe(info.status);
    expect(cerOf(bundle).insurance[0].inforce).toBe(info.status === 'active');
  });

  it('every other EB01 code has a display and never decides coverage on its own', () => {
    for (const [eb01, info] of Object.entries(EB01).filter(([, v]) => !v.status)) {
      expect(info.display.length, eb01).toBeGreaterThan(2);
      const { summary } = eligibility271ToFhir(segs(`${HEAD}\n${SOURCE}\n${RECEIVER}\n${MEMBER}\nEB*${eb01}**30***23*100`), { now, ids });
      expect(summary.status, eb01).toBe('unknown');
    }
  });
});

describe('syntax variations read the same', () => {
  const { request, body } = simAnswer('M300A', { serviceTypes: ['98'] });
  const reference = summarize271(parse271(body), '98');

  it.each([
    ['default delimiters, no line breaks', {}],
    ['CRLF after every segment', { lineBreak: '\r\n' as const }],
    ['odd delimiters # @ ` and ~ with CRLF', { delimiters: { element: '#', component: '@', repetition: '`', segment: '~' }, lineBreak: '\r\n' as const }],
  ])('%s', (_name, opts) => {
    const reply = readEligibilityReply(interchange('271', body, opts));
    expect(reply.kind).toBe('271');
    expect(summarize271(parse271((reply as any).body), '98')).toEqual(reference);
    expect(eligibility271ToFhir((reply as any).body, { request, now, ids: () => 'x' }).bundle).toEqual(eligibility271ToFhir(body, { request, now, ids: () => 'x' }).bundle);
  });

  it('newline as the segment terminator, with | \\ ! (a reader must accept what the writer never makes)', () => {
    const map: Record<string, string> = { '*': '|', ':': '\\', '^': '!', '~': '\n' };
    const text = interchange('271', body).replace(/[*:^~]/g, (c) => map[c]!);
    const reply = readEligibilityReply(text);
    expect(reply.kind).toBe('271');
    expect(summarize271(parse271((reply as any).body), '98')).toEqual(reference);
  });

  it('the lfh sample with CRLF line ends reads like the original', () => {
    const text = corpus('lfh-x12__subscriber-health-benefit-check.271');
    const crlf = text.replace(/~\r?\n?/g, '~\r\n');
    expect(summarize271(parse271(bodyOfText(crlf)))).toEqual(summarize271(parse271(bodyOfText(text))));
  });

  it('the lfh sample with # @ ! and newline terminators keeps its EB03 repetitions (ten service types)', () => {
    const text = corpus('lfh-x12__subscriber-health-benefit-check.271');
    const map: Record<string, string> = { '*': '#', ':': '@', '^': '!', '~': '\n' };
    const odd = text.replace(/\r?\n/g, '').replace(/[*:^~]/g, (c) => map[c]!);
    const eb = parse271(bodyOfText(odd)).subscriber!.benefits[2]!;
    expect(eb.serviceTypes).toEqual(['1', '33', '35', '47', '86', '88', '98', 'AL', 'MH', 'UC']);
    expect(summarize271(parse271(bodyOfText(odd)), '98')).toEqual(summarize271(parse271(bodyOfText(text)), '98'));
  });
});
