/**
 * CoverageEligibilityRequest Bundle → EligibilityInquiry → 270: exact segments for a subscriber
 * and a dependent inquiry, the public sample 270s rebuilt byte for byte from what we read out of
 * them, every generated 270 accepted by the codec's X279A1 validation, and invalid requests
 * refused with an OperationOutcome issue whose expression names the element.
 */
import { describe, expect, it } from 'vitest';
import { inquiryTo270, read270, readEligibilityRequest, traceOriginator, validNpi } from '../../src/translate/eligibility/index.ts';
import { validateX12 } from '../../src/x12/index.ts';
import { bodyOfText, corpus, eligibilityBundle, interchange, X12_ST } from './fixtures.ts';
import { toText } from '../translate/helpers/x12-text.ts';

const now = new Date('2026-03-04T10:20:00Z');
const CER = 'Bundle.entry[0].resource';

function to270(bundle: any) {
  const read = readEligibilityRequest(bundle);
  expect(read.issues.filter((i) => i.severity === 'error'), JSON.stringify(read.issues)).toEqual([]);
  return inquiryTo270(read.inquiry!, { now, trace: 'TRACE1', originator: traceOriginator('PRIORGATE') }).segments;
}

describe('request → 270', () => {
  it('a subscriber inquiry: 2000A payer, 2000B provider NPI, 2000C member with TRN, REF*6P, DMG, DTP*291 and one EQ per service type', () => {
    expect(toText(to270(eligibilityBundle({ memberId: 'M100A', serviceTypes: ['30', '98'] })))).toBe(
      [
        'BHT*0022*13*TRACE1*20260304*1020',
        'HL*1**20*1',
        'NM1*PR*2*Demo Health Plan*****PI*99999',
        'HL*2*1*21*1',
        'NM1*1P*2*Demo Clinic A*****XX*1234567893',
        'HL*3*2*22*0',
        'TRN*1*TRACE1*9PRIORGATE',
        'NM1*IL*1*Doe*Jane*Q***MI*M100A',
        'REF*6P*GRP-REQ',
        'DMG*D8*19800203*F',
        'DTP*291*D8*20260304',
        'EQ*30',
        'EQ*98',
      ].join('\n'),
    );
  });

  it('a dependent inquiry: the subscriber in 2000C, the patient in 2000D with TRN, DMG, INS*N*19, date and EQ', () => {
    expect(toText(to270(eligibilityBundle({ memberId: 'M100A', dependent: true })).slice(5))).toBe(
      [
        'HL*3*2*22*1',
        'NM1*IL*1*Doe*John****MI*M100A',
        'REF*6P*GRP-REQ',
        'DMG*D8*19790101*M',
        'HL*4*3*23*0',
        'TRN*1*TRACE1*9PRIORGATE',
        'NM1*03*1*Doe*Kim',
        'DMG*D8*20150601*F',
        'INS*N*19',
        'DTP*291*D8*20260304',
        'EQ*30',
      ].join('\n'),
    );
  });

  it.each([
    ['subscriber', {}],
    ['dependent', { dependent: true }],
    ['many service types', { serviceTypes: ['30', '1', '33', '35', '47', '86', '88', '98', 'AL', 'MH', 'UC'] }],
  ])('the %s 270 passes X279A1 validation', (_name, knobs) => {
    const v = validateX12(interchange('270', to270(eligibilityBundle(knobs))));
    expect(v.errors, JSON.stringify(v.errors)).toEqual([]);
    expect(v.accepted).toBe(true);
  });

  it.each(['lfh-x12__subscriber-health-benefit-check.270', 'lfh-x12__dependent-health-benefit-check.270'])(
    '%s (read in place) is rebuilt segment for segment from what we read out of it',
    (file) => {
      const body = bodyOfText(corpus(file));
      const { inquiry, reference, trace } = read270(body);
      const rebuilt = inquiryTo270(inquiry, { now: new Date('2006-05-01T13:19:00Z'), trace: trace!.value, originator: trace!.originator, reference });
      expect(toText(rebuilt.segments)).toBe(toText(body));
    },
  );

  it('NPI check digits (Luhn over 80840 + nine digits)', () => {
    expect(['1234567893', '1987654328'].map(validNpi)).toEqual([true, true]);
    expect(['1234567890', '123456789', 'abcdefghij'].map(validNpi)).toEqual([false, false, false]);
  });
});

type Mutation = (b: any) => void;
const entry = (b: any, type: string) => b.entry.find((e: any) => e.resource.resourceType === type).resource;

describe('invalid requests → OperationOutcome issues with expressions', () => {
  const cases: [string, Mutation, string, string][] = [
    ['not a Bundle', (b) => (b.resourceType = 'Parameters'), 'Bundle', 'invalid'],
    ['first entry not a CoverageEligibilityRequest', (b) => b.entry.reverse(), CER, 'invalid'],
    ['no request identifier at all', (b) => { delete b.identifier; delete b.entry[0].resource.identifier; }, 'Bundle.identifier', 'required'],
    ['status missing', (b) => delete b.entry[0].resource.status, `${CER}.status`, 'required'],
    ['purpose missing', (b) => delete b.entry[0].resource.purpose, `${CER}.purpose`, 'required'],
    ['purpose unknown', (b) => (b.entry[0].resource.purpose = ['eligibility']), `${CER}.purpose[0]`, 'code-invalid'],
    ['patient not in the Bundle', (b) => (b.entry[0].resource.patient = { reference: 'Patient/nobody' }), `${CER}.patient`, 'required'],
    ['patient without a family name', (b) => (entry(b, 'Patient').name = [{ given: ['Jane'] }]), 'Bundle.entry[1].resource.name', 'required'],
    ['birthDate not a date', (b) => (entry(b, 'Patient').birthDate = '03/02/1980'), 'Bundle.entry[1].resource.birthDate', 'value'],
    ['serviced date missing', (b) => delete b.entry[0].resource.servicedDate, `${CER}.servicedDate`, 'required'],
    ['insurer not in the Bundle', (b) => (b.entry[0].resource.insurer = { reference: 'Organization/x' }), `${CER}.insurer`, 'required'],
    ['provider not in the Bundle', (b) => (b.entry[0].resource.provider = { reference: 'Organization/x' }), `${CER}.provider`, 'required'],
    ['provider without NPI', (b) => (b.entry[4].resource.identifier = [{ system: 'urn:x', value: '1' }]), 'Bundle.entry[4].resource.identifier', 'required'],
    ['provider NPI with a bad check digit', (b) => (b.entry[4].resource.identifier[0].value = '1234567890'), 'Bundle.entry[4].resource.identifier', 'value'],
    ['no coverage', (b) => (b.entry[0].resource.insurance = []), `${CER}.insurance[0].coverage`, 'required'],
    ['coverage without member id', (b) => delete entry(b, 'Coverage').subscriberId, 'Bundle.entry[2].resource.subscriberId', 'required'],
    ['a category that is no service type', (b) => (b.entry[0].resource.item = [{ category: { coding: [{ system: X12_ST, code: '30' }] } }, { category: { coding: [{ system: X12_ST, code: 'ZZZ' }] } }]), `${CER}.item[1].category`, 'code-invalid'],
  ];
  it.each(cases)('%s', (_name, mutate, expression, code) => {
    const bundle = eligibilityBundle();
    mutate(bundle);
    const read = readEligibilityRequest(bundle);
    expect(read.inquiry).toBeUndefined();
    const errors = read.issues.filter((i) => i.severity === 'error');
    expect(errors, JSON.stringify(read.issues)).toContainEqual(expect.objectContaining({ code, expression: [expression] }));
  });

  it('a Bundle.identifier alone is enough for idempotency; a missing birthDate is a warning, not an error', () => {
    const bundle = eligibilityBundle();
    delete bundle.entry[0].resource.identifier;
    delete entry(bundle, 'Patient').birthDate;
    const read = readEligibilityRequest(bundle);
    expect(read.inquiry).toBeDefined();
    expect(read.identifier?.value).toMatch(/^b-/);
    expect(read.issues).toEqual([expect.objectContaining({ severity: 'warning', expression: ['Bundle.entry[1].resource.birthDate'] })]);
  });
});
