/**
 * Issue 14 at the translation level (pure functions, the IG examples and the TR3-style files):
 * the numbers updates and cancels quote, the document route in PWK02, the 275 built and read back,
 * names fitted to a payer's character set and delimiters, 271 details (no empty Patient, plan
 * class), the translate command on 271s, and a payer's 999 read into FHIR errors.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as translate } from '../../src/cli/commands/translate.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import {
  ackErrors, el, eligibility271ToFhir, mimeEntity, pasRequestTo278, pasTo275, promisedDocuments, read275, read999, requestPathOf,
} from '../../src/translate/index.ts';
import { fitForPayer, InMemoryControlNumbers, parseX12, toCharacterSet, validateX12, writeX12, type Segment } from '../../src/x12/index.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { x12File } from '../helpers/x12-files.ts';

const now = new Date(Date.UTC(2025, 0, 2, 3, 4));
const example = (name: string): any => JSON.parse(readFileSync(path.join(PAS_EXAMPLES, name), 'utf8'));
const lines = (segments: Segment[], tag: string) => segments.filter((s) => s.tag === tag);
const body = (text: string) => bodyOf(parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!);
const CANCEL = { url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-certificationType', valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/1322', code: '3' }] } };

describe('spec-65/69/70: updates and cancels quote the payer\'s numbers', () => {
  it('an update takes REF*BB and REF*NT from the prior answer, and each changed line its own REF*BB', () => {
    const { segments, warnings } = pasRequestTo278(example('Bundle-HomecareAuthorizationUpdateBundleExample.json'), {
      now, prior: { authNumber: 'AUTH-77', adminReference: 'ADM-5', itemAuthNumbers: { 2: 'AUTH-77-2', 3: 'AUTH-77-3' } },
    });
    const refs = lines(segments, 'REF').map((s) => `${el(s, 1)}*${el(s, 2)}`);
    expect(refs).toEqual(['BB*AUTH-77', 'NT*ADM-5', 'BB*AUTH-77-2', 'BB*AUTH-77-3']);
    expect(el(lines(segments, 'BHT')[0]!, 2)).toBe('13');
    expect(warnings.some((w) => w.message.includes('REF*BB'))).toBe(false);
  });

  it('the Claim\'s own authorizationNumber extension wins over the prior answer', () => {
    const b = example('Bundle-HomecareAuthorizationUpdateBundleExample.json');
    b.entry[0].resource.extension = [{ url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-authorizationNumber', valueString: 'OWN-1' }];
    const { segments } = pasRequestTo278(b, { now, prior: { authNumber: 'AUTH-77' } });
    expect(lines(segments, 'REF').filter((s) => el(s, 1) === 'BB').map((s) => el(s, 2))).toContain('OWN-1');
    expect(lines(segments, 'REF').map((s) => el(s, 2))).not.toContain('AUTH-77');
  });

  it('a whole-request cancel: BHT02 01, UM02 3, no lines, the case named; without numbers a warning', () => {
    const b = example('Bundle-HomecareAuthorizationUpdateBundleExample.json');
    b.entry[0].resource.extension = [CANCEL];
    const linked = pasRequestTo278(b, { now, prior: { adminReference: 'ADM-9' } });
    expect(el(lines(linked.segments, 'BHT')[0]!, 2)).toBe('01');
    expect(lines(linked.segments, 'UM').map((s) => el(s, 2))).toEqual(['3']);
    expect(lines(linked.segments, 'HL').map((s) => el(s, 3))).not.toContain('SS');
    expect(lines(linked.segments, 'REF').map((s) => `${el(s, 1)}*${el(s, 2)}`)).toEqual(['NT*ADM-9']);
    const unlinked = pasRequestTo278(b, { now });
    expect(unlinked.warnings).toContainEqual(expect.objectContaining({ code: 'missing-element', message: expect.stringContaining('REF*BB/REF*NT') }));
  });
});

describe('documents: PWK and the X12 275 (issue 14.4)', () => {
  it('PWK02 stays EL for a payer taking 275s and becomes the payer\'s route otherwise, with a warning', () => {
    const b = example('Bundle-ReferralAuthorizationBundleExample.json');
    const pwk = (route?: Parameters<typeof pasRequestTo278>[1]['attachmentRoute']) => lines(pasRequestTo278(b, { now, ...(route ? { attachmentRoute: route } : {}) }).segments, 'PWK').map((s) => el(s, 2));
    expect(pwk()).toEqual(['EL']);
    expect(pwk('x12-275')).toEqual(['EL']);
    expect([pwk('fax'), pwk('mail'), pwk('email'), pwk('portal'), pwk('none')]).toEqual([['FX'], ['BM'], ['EM'], ['FT'], ['AA']]);
  });

  it('a document without a control number gets <trace>-<sequence>, the same in PWK06 and the 275 TRN02', () => {
    const b = example('Bundle-ReferralAuthorizationBundleExample.json');
    const info = b.entry[0].resource.supportingInfo[0];
    info.extension[0].extension = info.extension[0].extension.filter((e: any) => e.url !== 'controlNumber');
    const pwk = lines(pasRequestTo278(b, { now }).segments, 'PWK')[0]!;
    const { documents } = promisedDocuments(b);
    expect(el(pwk, 6)).toBe(`${b.entry[0].resource.identifier[0].value}-1`);
    expect(documents.map((d) => d.controlNumber)).toEqual([el(pwk, 6)]);
  });

  it('the 275 carries the DocumentReference\'s data as a MIME entity; written, it validates and reads back byte for byte', () => {
    const b = example('Bundle-ReferralAuthorizationBundleExample.json');
    const { documents, missing } = promisedDocuments(b);
    expect(missing).toEqual([]);
    const segments = pasTo275(b, { now, payer: { id: '99999', name: 'Demo Health Plan' }, submitter: { id: 'PRIORGATE', name: 'PRIORGATE' }, documents, authNumber: 'AUTH-1' });
    const text = writeX12(
      { sender: { qualifier: 'ZZ', id: 'PRIORGATE' }, receiver: { qualifier: 'ZZ', id: 'DEMOPAYER' }, usage: 'T', groups: [{ functionalId: 'PI', applicationSender: 'PRIORGATE', applicationReceiver: 'DEMOPAYER', version: '005010X210', transactions: [{ setId: '275', segments }] }] },
      { controlNumbers: new InMemoryControlNumbers(), now },
    );
    const v = validateX12(text);
    expect(v.errors, JSON.stringify(v.errors)).toEqual([]);
    expect(v.ack).toContain('AK1*PI*1*005010X210~AK2*275*0001*005010X210~IK5*A~AK9*A*1*1*1~');
    const back = read275(body(text));
    expect(back).toMatchObject({ reference: 'A12345', payerId: '99999', refs: { BB: 'AUTH-1' } });
    expect(back.documents).toEqual([{ controlNumber: '111222', contentType: 'text/plain', data: 'VGhpcyBpcyBzYW1wbGUgYmFzZTY0IGVuY29kaW5nLg==', description: expect.stringContaining('procedure note'), declaredLength: expect.any(Number), actualLength: expect.any(Number) }]);
    expect(back.documents[0]!.declaredLength).toBe(back.documents[0]!.actualLength);
    expect(mimeEntity(documents[0]!)).toMatch(/^Content-Type: text\/plain\r\nContent-Transfer-Encoding: base64\r\nContent-ID: <111222>\r\n/);
  });

  it('a referenced resource that is not a DocumentReference travels as FHIR JSON; one with only a URL is reported missing', () => {
    const b = example('Bundle-ReferralAuthorizationBundleExample.json');
    const doc = b.entry.find((e: any) => e.resource.resourceType === 'DocumentReference').resource;
    doc.content = [{ attachment: { contentType: 'application/pdf', url: 'https://ehr.example/doc/1' } }];
    expect(promisedDocuments(b)).toMatchObject({ documents: [], missing: [{ controlNumber: '111222', reason: 'the DocumentReference has only a URL, no inline data' }] });
    b.entry[0].resource.supportingInfo[0].valueReference = { reference: 'Patient/SubscriberExample' };
    const [d] = promisedDocuments(b).documents;
    expect(d!.contentType).toBe('application/fhir+json');
    expect(JSON.parse(Buffer.from(d!.data, 'base64').toString()).resourceType).toBe('Patient');
  });

  it('a whole-request cancel promises no documents', () => {
    const b = example('Bundle-ReferralAuthorizationBundleExample.json');
    b.entry[0].resource.extension = [...(b.entry[0].resource.extension ?? []), CANCEL];
    expect(promisedDocuments(b)).toEqual({ documents: [], missing: [] });
  });
});

describe('what a payer can read (issue 14.8, 14.9)', () => {
  it('transliterates to the basic set (upper case) or the extended set, and says what it changed', () => {
    expect(toCharacterSet('Núñez-Łukasz', 'basic')).toBe('NUNEZ-LUKASZ');
    expect(toCharacterSet('Núñez-Łukasz', 'extended')).toBe('Nunez-Lukasz');
    expect(toCharacterSet('Ærøskøbing', 'basic')).toBe('AEROSKOBING');
    expect(toCharacterSet('Ærøskøbing', 'extended')).toBe('Aeroskobing');
    expect(toCharacterSet('Straße “Süd” – 5½', 'extended')).toBe('Strasse "Sud" - 51/2');
    expect(toCharacterSet('jane@example.org', 'basic')).toBe('JANE EXAMPLE.ORG');
    expect(toCharacterSet('Plain ASCII 123', 'extended')).toBe('Plain ASCII 123');
    const { segments, changes } = fitForPayer([{ tag: 'NM1', elements: ['IL', '1', 'Núñez', "O'Brien"] }], {
      characterSet: 'basic', delimiters: { element: '*', component: ':', repetition: '^', segment: "'" },
    });
    expect(segments[0]!.elements).toEqual(['IL', '1', 'NUNEZ', 'O BRIEN']);
    expect(changes.map((c) => `${c.position} ${c.kind}`)).toEqual(['NM103 transliterated', 'NM104 transliterated', 'NM104 delimiter-replaced']);
  });

  it('a pinned delimiter set is used as is, and no value can re-delimit the interchange', () => {
    const { segments } = fitForPayer(pasRequestTo278(example('Bundle-SurgicalRequestBundleExample.json'), { now }).segments.map((s) => (s.tag === 'NM1' && s.elements[0] === 'IL' ? { ...s, elements: s.elements.map((e, k) => (k === 2 ? "O'Neil*Smith~Jr" : e)) } : s)), {
      characterSet: 'extended', delimiters: { element: '*', component: ':', repetition: '^', segment: "'" },
    });
    const text = writeX12(
      { sender: { qualifier: 'ZZ', id: 'PRIORGATE' }, receiver: { qualifier: 'ZZ', id: 'PAYER' }, usage: 'T', groups: [{ functionalId: 'HI', applicationSender: 'PRIORGATE', applicationReceiver: 'PAYER', version: '005010X217', transactions: [{ setId: '278', segments }] }] },
      { controlNumbers: new InMemoryControlNumbers(), now, delimiters: { element: '*', component: ':', repetition: '^', segment: "'" } },
    );
    expect(text[105]).toBe("'");
    expect(validateX12(text).accepted).toBe(true);
    expect(body(text).find((s) => s.tag === 'NM1' && s.elements[0] === 'IL')!.elements[2]).toBe('O Neil Smith Jr');
  });
});

describe('271 details (issue 14.10, 14.13)', () => {
  it('a receiver-level rejection builds no empty Patient: the patient is marked absent', () => {
    const { bundle } = eligibility271ToFhir(body(x12File('x279-271-receiver-rejection.x12').text), { now, ids: () => crypto.randomUUID() });
    const cer = bundle.entry![0]!.resource as any;
    expect(bundle.entry!.filter((e) => e.resource?.resourceType === 'Patient')).toEqual([]);
    expect(cer.patient.extension[0]).toEqual({ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' });
    expect(cer.error[0].code.coding[0].code).toBe('50');
  });

  it('Coverage.class plan value is the plan number (REF*18), its description the name; without a number no plan class', () => {
    const detail = eligibility271ToFhir(body(x12File('x279-271-dependent-detail.x12').text), { now, ids: () => crypto.randomUUID() }).bundle;
    const coverage = detail.entry!.find((e) => e.resource?.resourceType === 'Coverage')!.resource as any;
    expect(coverage.class).toEqual([
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'plan' }] }, value: 'PLAN-123', name: 'GOLD 123 PLAN' },
      { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'group' }] }, value: 'GRP00042', name: 'ACME GOLD GROUP' },
    ]);
    const lfh = eligibility271ToFhir(body(x12File('lfh-x12__subscriber-health-benefit-check.271').text), { now, ids: () => crypto.randomUUID() }).bundle;
    const plain = lfh.entry!.find((e) => e.resource?.resourceType === 'Coverage')!.resource as any;
    expect(plain.class ?? []).toEqual([]);
  });

  it('priorgate translate reads a 271 into FHIR (every member) and says what else it was given', async () => {
    const ok = await runCommand(translate as never, ['-'], { stdin: x12File('x279-271-multi-subscriber.x12').text, env: {} });
    expect(ok.code, ok.stderr).toBe(0);
    const out = JSON.parse(ok.stdout);
    expect(out.entry.filter((e: any) => e.resource.resourceType === 'CoverageEligibilityResponse')).toHaveLength(4);
    const refused = await runCommand(translate as never, ['-'], { stdin: x12File('lfh-x12__subscriber-health-benefit-check.270').text, env: {} });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('the input is an X12 270, neither a PAS Bundle, an X12 278 response nor a 271');
  });
});

describe('a payer\'s 999 read into errors (issue 14.12)', () => {
  it('IK3/IK4/IK5/AK9 become error entries with the X12 position and, for a 278 request element, its FHIR path', () => {
    const group = read999(body(x12File('x231-999-rejecting-278.x12').text));
    expect(group).toMatchObject({ functionalId: 'HI', controlNumber: '42', status: 'R', sets: [{ setId: '278', controlNumber: '0042', status: 'R', codes: ['5'] }] });
    const errors = ackErrors(group, group.sets[0], requestPathOf) as any[];
    expect(errors.map((e) => e.code.coding[0])).toEqual([
      { system: 'https://codesystem.x12.org/005010/621', code: '6' },
      { system: 'https://codesystem.x12.org/005010/620', code: '7' },
      { system: 'https://codesystem.x12.org/005010/618', code: '5' },
    ]);
    expect(errors[0].extension).toEqual([
      { url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-errorElement', extension: [{ url: 'error', valueString: '2010C NM109 (segment 8)' }] },
      { url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-errorPath', valueString: '(Bundle.entry.resource.ofType(Coverage).subscriberId | (Bundle.entry.resource.ofType(Coverage).subscriber.resolve() | Bundle.entry.resource.ofType(Claim).patient.resolve()).identifier.value)' },
    ]);
    expect(errors[0].code.text).toContain('W123$5');
  });

  it('the eMedNY rejected 999 (IK3 NM at 17, code 1) reads the same way', () => {
    const group = read999(body(x12File('herophilus__999_Sample_Rejected.txt').text));
    const errors = ackErrors(group, group.sets[0]) as any[];
    expect(errors.map((e) => [e.code.coding[0].code, e.extension?.[0]?.extension?.[0]?.valueString])).toEqual([['1', 'NM (segment 17)'], ['5', undefined]]);
  });
});
