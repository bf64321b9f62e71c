/**
 * 278 response → PAS response: what the payer authorized (issue 14.2), what a pended payer asks for
 * (14.3) and the response-side leftovers of 14.13 (event providers, REF*ZH, PRV, TRN03/TRN04) all
 * land in the PAS elements the IG defines for them — and the result is a conformant PAS response
 * Bundle (issue 13 #1: no sub-extension its definition does not allow).
 */
import { describe, expect, it } from 'vitest';
import { validatePasResponseBundle } from '../../src/fhir/validate/index.ts';
import { x12ResponseToPas, type Bundle } from '../../src/translate/index.ts';
import { example, golden } from './helpers/corpus.ts';
import { fromText } from './helpers/x12-text.ts';

type Json = Record<string, any>;
const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';
const now = new Date('2005-05-02T06:02:00Z');
/** Deterministic UUIDs (fullUrls must be urn:uuid:<uuid>, PAS spec-16). */
function counter(): () => string {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
}
const envelope = { applicationSender: 'PAYERAPP', applicationReceiver: 'PRIORGATE', interchangeSender: 'DEMOPAYER', interchangeReceiver: 'PRIORGATE' };

/**
 * The IG's referral request, with its ServiceRequest quantity made PAS-conformant (the example's
 * `code: '1'` with UCUM breaks prof-3, and the echoed resource would carry the error along).
 */
function request(): Bundle {
  const b = example('Bundle-ReferralAuthorizationBundleExample.json') as Json;
  for (const e of b['entry']) if (e.resource.resourceType === 'ServiceRequest') e.resource.quantityQuantity = { value: 1, unit: 'visit' };
  return b as Bundle;
}

function respond(file: string): { bundle: Bundle; cr: Json; byUrl: Map<string, Json> } {
  const bundle = x12ResponseToPas(fromText(golden(file)), { request: request(), envelope, now, ids: counter() });
  const byUrl = new Map((bundle.entry ?? []).map((e) => [e.fullUrl as string, e.resource as Json]));
  return { bundle, cr: bundle.entry?.[0]?.resource as Json, byUrl };
}

const ext = (holder: Json | undefined, name: string): Json | undefined => (holder?.['extension'] ?? []).find((e: Json) => e.url === PAS + name);
const exts = (holder: Json | undefined, name: string): Json[] => (holder?.['extension'] ?? []).filter((e: Json) => e.url === PAS + name);
const sub = (e: Json | undefined, url: string): Json | undefined => (e?.['extension'] ?? []).find((s: Json) => s.url === url);
const errors = (bundle: Bundle) => validatePasResponseBundle(bundle).filter((i) => i.severity === 'error');

describe('issue 13 #1: reviewAction as its definition allows', () => {
  it.each(['referral-approved.278.txt', 'referral-pended.278.txt', 'referral-denied.278.txt', 'line-modified.278.txt', 'event-modified.278.txt'])(
    'spec-23 conf-6: %s → every reviewAction sub-extension is one extension-reviewAction defines (no relative `code`)',
    (file) => {
      const { bundle, cr } = respond(file);
      const actions = JSON.stringify(cr).match(/"url":"[^"]*extension-reviewAction"/g) ?? [];
      expect(actions.length).toBeGreaterThan(0);
      const allowed = new Set(['number', `${PAS}extension-reviewActionCode`, 'reasonCode', 'secondSurgicalOpinionFlag']);
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') {
          const o = v as Json;
          if (o['url'] === `${PAS}extension-reviewAction`) for (const s of o['extension']) expect(allowed, s.url).toContain(s.url);
          Object.values(o).forEach(walk);
        }
      };
      walk(cr);
      expect(errors(bundle), JSON.stringify(errors(bundle), null, 1)).toEqual([]);
    },
  );
});

describe('issue 14.2: what the payer actually authorized', () => {
  it('spec-36 spec-37 prof-3: an event-level A6 (HSD*DY*5, DTP*435/096/102, 007/036) answers the item A6 and puts the authorized stay in addItem', () => {
    const { cr, bundle } = respond('event-modified.278.txt');
    expect(cr['item']).toHaveLength(1);
    const item = cr['item'][0];
    expect(item.itemSequence).toBe(1);
    expect(JSON.stringify(item.adjudication)).toContain('"code":"A6"');
    const [added] = cr['addItem'];
    expect(added.itemSequence).toEqual([1]);
    // 2000E has no SV: what was authorized is the event's service type (UM03).
    expect(added.productOrService).toEqual({ coding: [{ system: 'https://codesystem.x12.org/005010/1365', code: '1' }] });
    // HSD01 DY / HSD02 5: five days, coded with the X12 quantity units (prof-2, prof-3).
    expect(added.quantity).toEqual({ value: 5, unit: 'days', system: 'https://codesystem.x12.org/005010/673', code: 'DY' });
    expect(ext(added, 'extension-admissionDates')?.['valuePeriod']).toEqual({ start: '2005-05-10', end: '2005-05-10' });
    expect(ext(added, 'extension-dischargeDate')?.['valueDate']).toBe('2005-05-15');
    expect(ext(added, 'extension-itemPreAuthIssueDate')?.['valueDate']).toBe('2005-05-02');
    expect(ext(added, 'extension-itemPreAuthPeriod')?.['valuePeriod']).toEqual({ start: '2005-05-10', end: '2005-05-15' });
    expect(ext(added, 'extension-authorizationNumber')?.['valueString']).toBe('AUTH0002');
    expect(ext(added, 'extension-serviceItemRequestType')?.['valueCodeableConcept'].coding[0].code).toBe('AR');
    expect(ext(added, 'extension-itemTraceNumber')?.['valueIdentifier'].value).toBe('1122334');
    // The same dates on the item the event answered; the header carries the event's decision.
    expect(ext(item, 'extension-admissionDates')).toBeDefined();
    expect(cr['preAuthPeriod']).toEqual({ start: '2005-05-10', end: '2005-05-15' });
    expect(cr['preAuthRef']).toBe('AUTH0002');
    expect(JSON.stringify(cr['adjudication'])).toContain('"code":"A6"');
    expect(cr['processNote'][0].text).toBe('5 OF 7 DAYS APPROVED');
    expect(errors(bundle)).toEqual([]);
  });

  it('a line-level A6 keeps its request item on ClaimResponse.item and what was authorized (SV1, HSD, dates, numbers, provider) in addItem', () => {
    const { cr, byUrl, bundle } = respond('line-modified.278.txt');
    const [added] = cr['addItem'];
    expect(added.productOrService.coding[0]).toMatchObject({ code: '99213' });
    expect(added.modifier[0].coding[0].code).toBe('25');
    expect(added.quantity).toEqual({ value: 2, unit: 'visits', system: 'https://codesystem.x12.org/005010/673', code: 'VS' });
    expect(added.unitPrice).toEqual({ value: 150, currency: 'USD' });
    expect(added.servicedPeriod).toEqual({ start: '2005-05-02', end: '2005-06-02' });
    expect(ext(added, 'extension-authorizationNumber')?.['valueString']).toBe('AUTH0009');
    // What the request item said and the 278 did not change travels on: the requested service.
    const service = ext(added, 'extension-requestedService')?.['valueReference'].reference;
    expect([...byUrl.values()].some((r) => `${r['resourceType']}/${r['id']}` === service)).toBe(true);
    expect(added.provider[0].extension[0].valueCodeableConcept.coding[0].code).toBe('SJ');
    expect(cr['item'][0].noteNumber).toEqual([1]);
    expect(errors(bundle)).toEqual([]);
  });

  it('a certified line answers with itemAuthorizedDetail: product, quantity with its unit (prof-2), price', () => {
    const { cr } = respond('referral-approved.278.txt');
    const detail = ext(cr['item'][0], 'extension-itemAuthorizedDetail');
    expect(sub(detail, 'quantity')?.['valueQuantity']).toEqual({ value: 1, unit: 'visits', system: 'https://codesystem.x12.org/005010/673', code: 'VS' });
    expect(sub(detail, 'productOrServiceCode')?.['valueCodeableConcept'].coding[0].code).toBe('3');
  });
});

describe('issue 14.3: what a pended payer asks for', () => {
  it('spec-30: PWK + HI*LOI become PAS CommunicationRequests linked from the ClaimResponse, addressed to the 2010EB contact', () => {
    const { cr, byUrl, bundle } = respond('pended-info.278.txt');
    const requests = (cr['communicationRequest'] as Json[]).map((r) => byUrl.get(r['reference'])!);
    expect(requests.map((r) => r['resourceType'])).toEqual(['CommunicationRequest', 'CommunicationRequest']);
    const [documents, questionnaire] = requests as [Json, Json];
    expect(documents['identifier']).toEqual([{ value: 'ATTCTRL001' }]); // PWK06, PWK05 AC
    expect(documents['category'][0].coding[0]).toEqual({ system: 'https://codesystem.x12.org/005010/755', code: '09' }); // PWK01
    expect(documents['medium'][0].coding[0]).toEqual({ system: 'https://codesystem.x12.org/005010/756', code: 'EL' }); // PWK02
    expect(documents['payload'][0].contentString).toBe('18776-5');
    expect(ext(documents['payload'][0], 'extension-contentModifier')?.['valueCodeableConcept'].coding[0].code).toBe('18804-5');
    expect(ext(documents['payload'][0], 'extension-communicatedDiagnosis')?.['valueCodeableConcept'].coding[0].code).toBe('G89.4');
    expect(ext(documents, 'extension-serviceLineNumber')?.['valuePositiveInt']).toBe(1);
    expect(questionnaire['payload'][0].contentString).toBe('102089-0');
    expect(questionnaire['identifier']).toEqual([{ value: 'PEND0001' }]); // REF*NT: the number to quote
    const contact = byUrl.get(documents['recipient'][0].reference)!;
    expect(contact).toMatchObject({ resourceType: 'Organization', name: 'UM CLINICAL REVIEW', address: [{ city: 'BALTIMORE', state: 'MD', postalCode: '212010000' }] });
    expect(contact['contact'][0]).toMatchObject({ name: { text: 'NURSE REVIEWER' }, telecom: [{ system: 'phone', value: '8005550199' }, { system: 'fax', value: '8005550198' }] });
    expect(documents['requester'].reference).toBe(cr['insurer'].reference);
    expect(documents['sender'].reference).toBe(cr['requestor'].reference);
    expect(ext(cr['item'][0], 'extension-administrationReferenceNumber')?.['valueString']).toBe('PEND0001');
    expect(errors(bundle), JSON.stringify(errors(bundle))).toEqual([]);
  });

  it('ainfo-3: with the UMO URL (2010A PER UR) a PAS Task asks for the attachments; the 102089-0 questionnaire context is that level\'s TRN', () => {
    const { byUrl } = respond('pended-info.278.txt');
    const task = [...byUrl.values()].find((r) => r['resourceType'] === 'Task')!;
    expect(task['code'].coding[0].code).toBe('attachment-request-questionnaire');
    expect(task['identifier']).toEqual([{ value: 'PEND0001' }]);
    expect(task['statusReason'].coding[0]).toEqual({ system: 'https://codesystem.x12.org/external/886', code: '0V' });
    expect(task['requester'].identifier).toEqual({ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' });
    expect(task['owner'].identifier).toEqual({ system: 'http://hl7.org/fhir/sid/us-npi', value: '8189991234' });
    const input = (code: string) => (task['input'] as Json[]).filter((i) => i['type'].coding[0].code === code);
    expect(input('payer-url')[0]!['valueUrl']).toBe('https://payer.example.org/pa/attachments');
    expect(input('attachments-needed')[0]!['valueCodeableConcept'].coding[0].code).toBe('18776-5');
    expect(input('questionnaire-context')[0]!['valueString']).toBe('UMOLINE1');
    // The Task names the Claim it is about, and the Claim travels with the response (spec-45).
    const claim = byUrl.get('http://example.org/fhir/Claim/ReferralAuthorizationExample');
    expect(claim?.['resourceType']).toBe('Claim');
    expect(task['reasonReference'].reference).toBe('Claim/ReferralAuthorizationExample');
  });

  it('without a URL to send to, no Task (PAS Task needs its PayerURL); the CommunicationRequests still say what to send', () => {
    const text = golden('pended-info.278.txt').replace('*UR*https://payer.example.org/pa/attachments', '');
    const bundle = x12ResponseToPas(fromText(text), { request: request(), now, ids: counter() });
    const types = (bundle.entry ?? []).map((e) => e.resource?.resourceType);
    expect(types).not.toContain('Task');
    expect(types.filter((t) => t === 'CommunicationRequest')).toHaveLength(2);
  });
});

describe('issue 14.13 (response side)', () => {
  it('2010EA event providers go on every item the event answers (the extension\'s context) and in the root slice PAS Claim Response defines', () => {
    const { cr, bundle } = respond('event-modified.278.txt');
    const root = ext(cr, 'extension-itemAuthorizedProvider');
    const onItem = exts(cr['item'][0], 'extension-itemAuthorizedProvider');
    expect(root).toBeDefined();
    expect(onItem).toHaveLength(1);
    expect(onItem[0]).toEqual(root);
    // PRV01 AT → role (claim-careteamrole plus the X12 code), PRV03 taxonomy → qualification.
    expect(sub(root, 'role')?.['valueCodeableConcept'].coding).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/claimcareteamrole', code: 'primary' },
      { system: 'https://codesystem.x12.org/005010/1221', code: 'AT' },
    ]);
    expect(sub(root, 'qualification')?.['valueCodeableConcept'].coding[0]).toEqual({ system: 'http://nucc.org/provider-taxonomy', code: '207Q00000X' });
    // The root use is outside the extension's declared context: the validator calls it an IG defect, not an error.
    const issues = validatePasResponseBundle(bundle).filter((i) => i.expression === 'Bundle.entry[0].resource.extension[1]');
    expect(issues.map((i) => i.severity)).toEqual(['warning']);
  });

  it('REF*ZH, N3/N4 and PER of a 2010F provider are kept: the provider as the payer knows it', () => {
    const { cr, byUrl } = respond('line-modified.278.txt');
    const provider = byUrl.get(sub(ext(cr['item'][0], 'extension-itemAuthorizedProvider'), 'provider')?.['valueReference'].reference)!;
    expect(provider['resourceType']).toBe('Practitioner');
    expect(provider['identifier']).toEqual([
      { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' },
      { type: { coding: [{ system: 'https://codesystem.x12.org/005010/128', code: 'ZH' }] }, system: 'urn:x12:005010:128:ZH', value: 'PRV778' },
    ]);
    expect(provider['address'][0]).toMatchObject({ line: ['111 1ST STREET'], city: 'SAN DIEGO', state: 'CA', postalCode: '921010000' });
    expect(provider['telecom']).toEqual([{ system: 'phone', value: '4029993456' }]);
    expect(sub(ext(cr['item'][0], 'extension-itemAuthorizedProvider'), 'role')?.['valueCodeableConcept'].coding[1].code).toBe('PE');
  });

  it('TRN01 1 (the UMO\'s own trace): TRN03 → urn:trnorg system, TRN04 → identifierSubDepartment', () => {
    const { cr } = respond('event-modified.278.txt');
    expect(cr['identifier'][1]).toEqual({
      extension: [{ url: `${PAS}extension-identifierSubDepartment`, valueString: 'UMDEPT' }],
      system: 'urn:trnorg:9999999999',
      value: 'UMO778899',
    });
  });

  it('the interchange (ISA06/ISA08, GS02/GS03) → TransmissionIdentifiers', () => {
    const { cr } = respond('referral-approved.278.txt');
    const t = ext(cr, 'extension-TransmissionIdentifiers');
    expect(Object.fromEntries((t?.['extension'] as Json[]).map((e) => [e['url'], e['valueString']]))).toEqual({
      applicationSenderCode: 'PAYERAPP',
      applicationReceiverCode: 'PRIORGATE',
      interchangeSenderID: 'DEMOPAYER',
      interchangeReceiverID: 'PRIORGATE',
    });
  });

  it('spec-31 spec-33: an echoed PractitionerRole brings what it refers to (practitioner, location), each once', () => {
    const { bundle } = respond('pended-info.278.txt');
    const urls = (bundle.entry ?? []).map((e) => e.fullUrl);
    expect(new Set(urls).size).toBe(urls.length);
    expect(urls).toEqual(expect.arrayContaining(['http://example.org/fhir/Practitioner/ReferralPractitionerExample', 'http://example.org/fhir/Location/ReferralLocationExample']));
  });
});
