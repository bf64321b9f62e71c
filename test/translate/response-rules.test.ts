/**
 * 278 response mapping rules beyond the IG examples: modified lines, line-level AAA, notes, reason
 * codes, event-level outcomes, matching lines back to Claim items, purity.
 */
import { describe, expect, it } from 'vitest';
import { pasRequestTo278, TranslateError, x12ResponseToPas, type Bundle } from '../../src/translate/index.ts';
import type { Segment } from '../../src/x12/types.ts';
import { example, golden } from './helpers/corpus.ts';
import { counter } from './helpers/segments.ts';
import { fromText, toText } from './helpers/x12-text.ts';

type Json = Record<string, any>;
const now = new Date('2024-03-01T12:00:00Z');
const REVIEW = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction';

const HEAD = golden('referral-approved.278.txt').replace(/HL\*5[\s\S]*$/, '');
const respond = (text: string, request: string | null = 'Bundle-ReferralAuthorizationBundleExample.json'): Json => {
  const bundle = x12ResponseToPas(fromText(text), { ...(request ? { request: example(request) } : {}), now, ids: counter() });
  return bundle.entry?.[0]?.resource as Json;
};
const action = (adj: Json[] | undefined): Json => adj?.[0]?.extension.find((e: Json) => e.url === REVIEW);
const code = (adj: Json[] | undefined): string | undefined => action(adj)?.extension.find((e: Json) => e.url.endsWith('reviewActionCode'))?.valueCodeableConcept.coding[0].code;
const line = (trn: string, rest: string) => `HL*5*4*SS*0\nTRN*2*${trn}*9012345678\nUM*SC*I*3*11:B\n${rest}`;

/** Turns our own 278 request into the UMO's answer: BHT02 11, our TRN echoed as TRN*2, an HCR per line. */
function answer(request: Segment[], hcr: (lineIndex: number) => string): Segment[] {
  let k = -1;
  return request.flatMap((s) => {
    if (s.tag === 'BHT') return [{ ...s, elements: ['0007', '11', ...s.elements.slice(2)] }];
    if (s.tag === 'TRN') return [{ ...s, elements: ['2', ...s.elements.slice(1)] }];
    if (s.tag === 'HL' && s.elements[2] === 'SS') k += 1;
    if (s.tag === 'UM' && k >= 0) return [s, ...fromText(hcr(k))];
    return [s];
  });
}

describe('278 response mapping rules', () => {
  it('A6 modified: the requested item is answered A6 and what was authorized goes to addItem with the same sequence (spec-36, spec-37)', () => {
    const cr = respond(HEAD + line('1122334', 'HCR*A6*AUTH0009\nSV1*HC:99212**UN*3\nHSD*VS*3'));
    expect(cr['item']).toHaveLength(1);
    expect(cr['item'][0].itemSequence).toBe(1);
    expect(code(cr['item'][0].adjudication)).toBe('A6');
    expect(cr['addItem']).toHaveLength(1);
    expect(cr['addItem'][0]).toMatchObject({ itemSequence: [1], quantity: { value: 3 }, productOrService: { coding: [{ code: '99212' }] } });
    expect(code(cr['addItem'][0].adjudication)).toBe('A6');
  });

  it('each item echoes the sequence of the Claim item it answers, matched by trace even when lines come back reordered (spec-34)', () => {
    const request = example('Bundle-HomecareAuthorizationBundleExample.json');
    const { segments } = pasRequestTo278(request, { now });
    const reply = answer(segments, (k) => (k === 0 ? 'HCR*A1*AUTH-G0154' : 'HCR*A3'));
    // Swap the two 2000F loops.
    const firstSs = reply.findIndex((s) => s.tag === 'HL' && s.elements[2] === 'SS');
    const secondSs = reply.findIndex((s, i) => i > firstSs && s.tag === 'HL' && s.elements[2] === 'SS');
    const swapped = [...reply.slice(0, firstSs), ...reply.slice(secondSs), ...reply.slice(firstSs, secondSs)];
    const cr = x12ResponseToPas(swapped, { request, now, ids: counter() }).entry?.[0]?.resource as Json;
    const bySeq = Object.fromEntries(cr['item'].map((i: Json) => [i.itemSequence, code(i.adjudication)]));
    expect(bySeq).toEqual({ 1: 'A1', 2: 'A3' });
    expect(cr['outcome']).toBe('complete');
  });

  it('some lines decided and some pended → outcome partial; all pended → complete, as the IG pended example', () => {
    const request = example('Bundle-HomecareAuthorizationBundleExample.json');
    const { segments } = pasRequestTo278(request, { now });
    const run = (hcr: (k: number) => string) => (x12ResponseToPas(answer(segments, hcr), { request, now, ids: counter() }).entry?.[0]?.resource as Json)['outcome'];
    expect(run((k) => (k === 0 ? 'HCR*A1*X' : 'HCR*A4'))).toBe('partial');
    expect(run(() => 'HCR*A4')).toBe('complete');
  });

  it('an AAA on a line is an error about that Claim item, never a denial: no A3, outcome error', () => {
    const cr = respond(HEAD + line('1122334', 'AAA*N**33*C'));
    expect(cr['outcome']).toBe('error');
    expect(cr['item']).toBeUndefined();
    expect(JSON.stringify(cr)).not.toContain('"A3"');
    const ext = Object.fromEntries(cr['error'][0].extension.map((e: Json) => [e.url.split('-').pop(), e]));
    expect(ext['errorElement'].extension[0].valueString).toBe('2000F');
    expect(ext['errorPath'].valueString).toBe('Bundle.entry[0].resource.item[0]');
    expect(ext['errorFollowupAction'].valueCodeableConcept.coding[0]).toEqual({ system: 'https://codesystem.x12.org/005010/889', code: 'C' });
    expect(cr['error'][0].code.coding[0]).toEqual({ system: 'https://codesystem.x12.org/005010/901', code: '33' });
  });

  it('HCR03 reason (code source 886) and HCR04 second surgical opinion land in reviewAction; MSG becomes processNote', () => {
    const cr = respond(HEAD.replace('UM*SC*I*3*11:B**U', 'UM*SC*I*3*11:B**U\nMSG*CALL THE UMO') + line('1122334', 'HCR*A3**SYN1*Y\nMSG*SEE REASON'));
    const parts = Object.fromEntries(action(cr['item'][0].adjudication).extension.map((e: Json) => [e.url.split('/').pop(), e]));
    expect(parts['reasonCode'].valueCodeableConcept.coding[0]).toEqual({ system: 'https://codesystem.x12.org/external/886', code: 'SYN1' });
    expect(parts['secondSurgicalOpinionFlag'].valueBoolean).toBe(true);
    expect(cr['processNote']).toEqual([
      { number: 1, type: 'display', text: 'CALL THE UMO' },
      { number: 2, type: 'display', text: 'SEE REASON' },
    ]);
    expect(cr['item'][0].noteNumber).toEqual([2]);
  });

  it('an MSG text the payer repeats (the reason in 2000E and again on the line) is one processNote; the line points at it and at its own', () => {
    const denied = 'REQUESTED SERVICE IS NOT COVERED';
    const cr = respond(HEAD.replace('UM*SC*I*3*11:B**U', `UM*SC*I*3*11:B**U\nMSG*${denied}`) + line('1122334', `HCR*A3**0U\nMSG*${denied}\nMSG*SEE PLAN DOCUMENTS\nMSG*${denied}`));
    expect(cr['processNote']).toEqual([
      { number: 1, type: 'display', text: denied },
      { number: 2, type: 'display', text: 'SEE PLAN DOCUMENTS' },
    ]);
    expect(cr['item'][0].noteNumber).toEqual([1, 2]);
  });

  it('an event-level HCR with no 2000F loops answers every item sent, with the event period and auth number', () => {
    const text = HEAD.replace('UM*SC*I*3*11:B**U', 'UM*SC*I*3*11:B**U\nHCR*A1*EVT123\nDTP*AAH*RD8*20050601-20050630');
    const cr = respond(text);
    expect(cr['preAuthRef']).toBe('EVT123');
    expect(cr['preAuthPeriod']).toEqual({ start: '2005-06-01', end: '2005-06-30' });
    expect(code(cr['adjudication'])).toBe('A1');
    expect(cr['item']).toHaveLength(1);
    expect(cr['item'][0].itemSequence).toBe(1);
    expect(code(cr['item'][0].adjudication)).toBe('A1');
    expect(cr['item'][0].extension.find((e: Json) => e.url.endsWith('itemPreAuthPeriod')).valuePeriod).toEqual({ start: '2005-06-01', end: '2005-06-30' });
  });

  it('without the request, lines are numbered in order and the Claim is referenced by its trace (TRN04 → subDepartment)', () => {
    const cr = respond(golden('referral-approved.278.txt'), null);
    expect(cr['item'][0].itemSequence).toBe(1);
    const trace = {
      extension: [{ url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-identifierSubDepartment', valueString: '223412' }],
      system: 'urn:trnorg:9012345678',
      value: '111099',
    };
    expect(cr['request']).toEqual({ identifier: trace });
    expect(cr['identifier']).toEqual([trace]);
  });

  it('refuses a 278 that is not a response (BHT02 must be 11)', () => {
    const { segments } = pasRequestTo278(example('Bundle-ReferralAuthorizationBundleExample.json'), { now });
    expect(() => x12ResponseToPas(segments, { now, ids: counter() })).toThrowError(TranslateError);
  });

  it('is pure: same segments, clock and id sequence → the same Bundle; ids come only from ctx.ids', () => {
    const text = golden('referral-additional.278.txt');
    const a = x12ResponseToPas(fromText(text), { now, ids: counter() });
    const b = x12ResponseToPas(fromText(text), { now, ids: counter() });
    expect(b).toEqual(a);
    expect(a.id).toMatch(/^id-\d+$/);
    expect(toText(fromText(text))).toBe(toText(fromText(text)));
  });
});

describe('AAA errorPath: the request element the rejected segment was built from', () => {
  const SURGICAL = 'Bundle-SurgicalRequestBundleExample.json';
  /** Our own 278 request for `request`, answered with one AAA after the first segment `after` picks. */
  const rejected = (request: Bundle, after: (s: Segment) => boolean, aaa: string): Json => {
    const { segments } = pasRequestTo278(request, { now });
    const at = segments.findIndex(after);
    expect(at, 'the segment to answer after').toBeGreaterThanOrEqual(0);
    const reply = answer([...segments.slice(0, at + 1), ...fromText(aaa), ...segments.slice(at + 1)], () => 'HCR*A4');
    return x12ResponseToPas(reply, { request, now, ids: counter() }).entry?.[0]?.resource as Json;
  };
  const pathOf = (cr: Json): string[] => cr['error'].map((e: Json) => e.extension.find((x: Json) => x.url.endsWith('extension-errorPath'))?.valueString);
  const nm1 = (entity: string) => (s: Segment) => s.tag === 'NM1' && s.elements[0] === entity;
  /** The IG Surgical request (Coverage entry 3, Patient entry 4, requester Organization entry 1) with this member id, or none. */
  const withMember = (memberId?: string): Bundle => {
    const b = example<Bundle>(SURGICAL);
    const coverage = b.entry![3]!.resource as Json;
    if (memberId) coverage['subscriberId'] = memberId;
    else delete coverage['subscriberId'];
    return b;
  };

  it.each([
    ['72 invalid member id in 2010C: Coverage.subscriberId (the NM109 it was built from)', withMember('W100R'), nm1('IL'), 'AAA*N**72*C', 'Bundle.entry[3].resource.subscriberId'],
    ['75 subscriber not found in 2010C: Coverage.subscriberId', withMember('W100R'), nm1('IL'), 'AAA*N**75*C', 'Bundle.entry[3].resource.subscriberId'],
    ['72 without Coverage.subscriberId: the subscriber identifier NM109 came from', withMember(), nm1('IL'), 'AAA*N**72*C', 'Bundle.entry[4].resource.identifier[0]'],
    ['73 subscriber name in 2010C: the Patient name', withMember('W100R'), nm1('IL'), 'AAA*N**73*C', 'Bundle.entry[4].resource.name'],
    ['58 invalid or missing date of birth in 2010C: Patient.birthDate (here missing, so no DMG was sent)', withMember('W100R'), nm1('IL'), 'AAA*N**58*C', 'Bundle.entry[4].resource.birthDate'],
    ['78 not in group or plan in 2010C: the subscriber as a whole', withMember('W100R'), nm1('IL'), 'AAA*N**78*C', 'Bundle.entry[4].resource'],
    ['43 provider identification in 2010B: the requester NPI identifier', withMember('W100R'), nm1('1P'), 'AAA*N**43*C', 'Bundle.entry[1].resource.identifier[0]'],
    ['97 provider address in 2010B: the requester address', withMember('W100R'), nm1('1P'), 'AAA*N**97*C', 'Bundle.entry[1].resource.address'],
  ] as [string, Bundle, (s: Segment) => boolean, string, string][])('%s', (_name, request, after, aaa, expected) => {
    const cr = rejected(request, after, aaa);
    expect(cr['outcome'], JSON.stringify(cr['error'])).toBe('error');
    expect(pathOf(cr)).toEqual([expected]);
  });

  it('AG invalid procedure code on a line (2000F): that item’s productOrService', () => {
    const request = withMember('W100R');
    const { segments } = pasRequestTo278(request, { now });
    const reply = answer(segments, () => 'HCR*A4\nAAA*N**AG*C');
    const cr = x12ResponseToPas(reply, { request, now, ids: counter() }).entry?.[0]?.resource as Json;
    expect(pathOf(cr)).toEqual(['Bundle.entry[0].resource.item[0].productOrService']);
  });
});
