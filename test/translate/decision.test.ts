/**
 * decisionOf: the compact summary the workflow stores, and the real eMedNY 278 response sample
 * read through the reverse mapping. AAA rejections are told apart from denials.
 */
import { describe, expect, it } from 'vitest';
import { decisionOf, x12ResponseToPas } from '../../src/translate/index.ts';
import { golden, x12Sample } from './helpers/corpus.ts';
import { counter } from './helpers/segments.ts';
import { fromText, splitX12 } from './helpers/x12-text.ts';

type Json = Record<string, any>;
const now = new Date('2024-03-01T12:00:00Z');

describe('decisionOf', () => {
  it('approved referral: A1 with the item auth number, period and trace', () => {
    expect(decisionOf(fromText(golden('referral-approved.278.txt')))).toEqual({
      overall: 'A1',
      trace: '111099',
      authNumber: 'AUTH0001',
      items: [{ hl: '5', trace: '1122334', code: 'A1', authNumber: 'AUTH0001', period: { start: '2005-05-02', end: '2005-06-02' } }],
      aaa: [],
    });
  });

  it('pended referral: A4 and the administrative reference number, no auth number', () => {
    const d = decisionOf(fromText(golden('referral-pended.278.txt')));
    expect(d.overall).toBe('A4');
    expect(d.authNumber).toBeUndefined();
    expect(d.items).toEqual([{ hl: '5', trace: '1122334', code: 'A4', adminRef: 'PEND0001' }]);
  });

  it('a denial is A3 with no AAA; an AAA rejection is "rejected" with no review code (AAA is never a denial)', () => {
    const denied = decisionOf(fromText(golden('referral-denied.278.txt')));
    expect(denied.overall).toBe('A3');
    expect(denied.aaa).toEqual([]);
    const rejected = decisionOf(fromText(golden('referral-error.278.txt')));
    expect(rejected.overall).toBe('rejected');
    expect(rejected.items).toEqual([]);
    expect(rejected.aaa).toEqual([
      { loop: '2000A', valid: 'N', reason: '04' },
      { loop: '2010A', valid: 'N', reason: 'T4', followUp: 'C' },
    ]);
  });

  it('mixed lines: a pended line keeps the whole request pended; certified + not certified is A2', () => {
    const base = golden('referral-approved.278.txt').replace(/HL\*5[\s\S]*$/, '');
    const line = (hl: number, trace: string, hcr: string) => `HL*${hl}*4*SS*0\nTRN*2*${trace}*9012345678\nUM*SC*I*3\n${hcr}\n`;
    expect(decisionOf(fromText(base + line(5, 'a', 'HCR*A1*X1') + line(6, 'b', 'HCR*A4'))).overall).toBe('A4');
    expect(decisionOf(fromText(base + line(5, 'a', 'HCR*A1*X1') + line(6, 'b', 'HCR*A3'))).overall).toBe('A2');
    expect(decisionOf(fromText(base + line(5, 'a', 'HCR*A3') + line(6, 'b', 'HCR*A3'))).overall).toBe('A3');
  });

  it('certification effective/expiration dates (DTP*007/036) win over the event date (AAH)', () => {
    const text = golden('referral-approved.278.txt').replace('DTP*102*D8*20050502', 'DTP*007*D8*20050510\nDTP*036*D8*20050531');
    expect(decisionOf(fromText(text)).items[0]?.period).toEqual({ start: '2005-05-10', end: '2005-05-31' });
  });
});

describe('real 278 response sample (eMedNY DVS, herophilus)', () => {
  const raw = x12Sample('herophilus__278DVSResponseSample.txt');
  const [tx] = splitX12(raw).transactions;

  it('splits into one 278 transaction body starting with BHT02 11', () => {
    expect(splitX12(raw).transactions).toHaveLength(1);
    expect(tx?.[0]).toEqual({ tag: 'BHT', elements: ['0007', '11', '2010122100001', '20110101', '010000', '18'] });
  });

  it('decision: event and line certified in total, event auth number and certified period', () => {
    expect(decisionOf(tx!)).toEqual({
      overall: 'A1',
      trace: '012090880001ERM203232010',
      authNumber: '99999999999',
      period: { start: '2010-12-21', end: '2010-12-25' },
      items: [{ hl: '5', trace: '012090880001ERM203232010', code: 'A1', authNumber: '1', period: { start: '2010-12-21', end: '2010-12-25' } }],
      aaa: [],
    });
  });

  it('ClaimResponse without the request: parties built from the name loops, SV1 modifier read back', () => {
    const bundle = x12ResponseToPas(tx!, { now, ids: counter() });
    const [first, ...rest] = bundle.entry ?? [];
    const cr = first?.resource as Json;
    expect(cr).toMatchObject({
      resourceType: 'ClaimResponse',
      status: 'active',
      use: 'preauthorization',
      outcome: 'complete',
      preAuthRef: '99999999999',
      preAuthPeriod: { start: '2010-12-21', end: '2010-12-25' },
      request: { identifier: { value: '012090880001ERM203232010' } },
    });
    expect(cr['item']).toHaveLength(1);
    expect(cr['item'][0].itemSequence).toBe(1);
    const detail = cr['item'][0].extension.find((e: Json) => e.url.endsWith('itemAuthorizedDetail'));
    expect(detail.extension.map((e: Json) => [e.url, e.valueCodeableConcept?.coding?.[0]?.code ?? e.valueQuantity?.value])).toEqual([
      ['productOrServiceCode', 'A4927'],
      ['modifier', 'RT'],
      ['quantity', 1],
    ]);
    const patient = rest.find((e) => e.resource?.resourceType === 'Patient')?.resource as Json;
    expect(patient).toMatchObject({ gender: 'female', birthDate: '1001-01-01', name: [{ family: 'Patient Last Name' }] });
    expect(cr['patient'].reference).toBe(rest.find((e) => e.resource === patient)?.fullUrl);
    const insurer = rest.find((e) => e.fullUrl === cr['insurer'].reference)?.resource as Json;
    expect(insurer).toMatchObject({ resourceType: 'Organization', name: 'NYSDOH' });
    // Every reference in the ClaimResponse resolves inside the Bundle.
    const urls = new Set(bundle.entry?.map((e) => e.fullUrl));
    const refs = JSON.stringify(cr).match(/"reference":"[^"]+"/g) ?? [];
    for (const r of refs) expect(urls.has(r.slice(13, -1)), r).toBe(true);
  });
});
