/**
 * 278 response → PAS response Bundle: for every IG response example, the reverse mapping of an
 * equivalent hand-built 278 response (golden/*.278.txt) carries the same decision-bearing fields:
 * reviewAction codes, authorization numbers, preAuthPeriod, errors, outcome.
 */
import { describe, expect, it } from 'vitest';
import { x12ResponseToPas, type Bundle } from '../../src/translate/index.ts';
import { example, golden } from './helpers/corpus.ts';
import { counter } from './helpers/segments.ts';
import { fromText } from './helpers/x12-text.ts';

type Json = Record<string, any>;

const REQUEST = 'Bundle-ReferralAuthorizationBundleExample.json';
const now = new Date('2005-05-02T06:02:00Z');

function respond(file: string): { bundle: Bundle; cr: Json } {
  const bundle = x12ResponseToPas(fromText(golden(file)), { request: example(REQUEST), now, ids: counter() });
  return { bundle, cr: bundle.entry?.[0]?.resource as Json };
}

const url = (name: string) => `http://hl7.org/fhir/us/davinci-pas/StructureDefinition/${name}`;

/** The fields a provider acts on, read the same way from the IG example and from our output. */
function decisionFields(cr: Json) {
  const ext = (holder: Json | undefined, name: string) => (holder?.['extension'] ?? []).find((e: Json) => e.url === url(name));
  return {
    outcome: cr['outcome'],
    request: cr['request']?.reference,
    patient: cr['patient']?.reference,
    insurer: cr['insurer']?.reference,
    identifier: (cr['identifier'] ?? []).map((i: Json) => i.value),
    items: (cr['item'] ?? []).map((item: Json) => {
      const action = ext(item.adjudication?.[0], 'extension-reviewAction');
      return {
        itemSequence: item.itemSequence,
        code: ext(action, 'extension-reviewActionCode')?.valueCodeableConcept?.coding?.[0]?.code,
        number: (action?.extension ?? []).find((e: Json) => e.url === 'number')?.valueString,
        preAuthPeriod: ext(item, 'extension-itemPreAuthPeriod')?.valuePeriod,
        issued: ext(item, 'extension-itemPreAuthIssueDate')?.valueDate,
        requested: ext(item, 'extension-itemRequestedServiceDate')?.valuePeriod,
        adminRef: ext(item, 'extension-administrationReferenceNumber')?.valueString,
        provider: ext(ext(item, 'extension-itemAuthorizedProvider'), 'provider')?.valueReference?.reference,
      };
    }),
    errors: (cr['error'] ?? []).map((e: Json) => ({
      code: e.code?.coding?.[0]?.code,
      system: e.code?.coding?.[0]?.system,
      followUp: ext(e, 'extension-errorFollowupAction')?.valueCodeableConcept?.coding?.[0]?.code,
    })),
  };
}

const fromExample = (name: string): Json => {
  const resource = example<Json>(name);
  return resource['resourceType'] === 'Bundle' ? resource['entry'][0].resource : resource;
};

describe('278 response → PAS response Bundle, against the IG response examples (spec-30)', () => {
  it.each([
    ['referral-approved.278.txt', 'Bundle-ReferralAuthorizationResponseBundleExample.json'],
    ['referral-approved.278.txt', 'ClaimResponse-PractitionerRequestorResponseExample.json'],
    ['referral-pended.278.txt', 'Bundle-ReferralPendingAuthorizationResponseBundleExample.json'],
    ['referral-pended.278.txt', 'ClaimResponse-PractitionerRequestorPendingResponseExample.json'],
    ['referral-denied.278.txt', 'Bundle-RejectionResponseBundleExample.json'],
    ['referral-denied.278.txt', 'ClaimResponse-RejectionResponseExample.json'],
  ])('%s reproduces the decision of %s', (x12, ig) => {
    const { cr } = respond(x12);
    const expected = decisionFields(fromExample(ig));
    const actual = decisionFields(cr);
    for (const [i, item] of expected.items.entries()) {
      for (const [key, value] of Object.entries(item)) {
        if (value !== undefined) expect(actual.items[i]?.[key as keyof typeof item], `${ig} item ${i} ${key}`).toEqual(value);
      }
    }
    expect(actual.items).toHaveLength(expected.items.length);
    expect(actual.outcome).toBe(expected.outcome);
    expect(actual.request).toBe(expected.request);
    expect(actual.patient).toBe(expected.patient);
    expect(actual.insurer).toBe(expected.insurer);
    expect(actual.identifier).toEqual(expected.identifier);
    expect(actual.errors).toEqual([]);
  });

  it('inquiry response example: same certified item, auth number and requested dates', () => {
    const actual = decisionFields(respond('referral-approved.278.txt').cr);
    const expected = decisionFields(fromExample('ClaimResponse-PASClaimInquiryResponseExample.json'));
    expect(actual.items[0]).toMatchObject({ code: 'A1', number: 'AUTH0001', requested: expected.items[0].requested });
  });

  it('error example: AAA at 2000A and 2010A become ClaimResponse.error with codes from 901 and follow-up from 889, outcome error', () => {
    const { cr } = respond('referral-error.278.txt');
    const expected = decisionFields(fromExample('Bundle-ErrorResponseBundleExample.json'));
    const actual = decisionFields(cr);
    expect(actual.errors).toEqual(expected.errors);
    expect(actual.outcome).toBe('error');
    expect(cr['item']).toBeUndefined();
    expect(cr['adjudication']).toBeUndefined();
    // errorElement names the loop the AAA sits in, as the IG's "2010A-NM103" does.
    const igElement = fromExample('ClaimResponse-ErrorResponseExample.json')['error'][1].extension[0].extension[0].valueString;
    const ours = cr['error'][1].extension.find((e: Json) => e.url === url('extension-errorElement')).extension[0].valueString;
    expect(igElement.startsWith(ours)).toBe(true);
  });

  it('error example: errorPath points into the request Bundle at the insurer the 2010A AAA is about', () => {
    const { cr } = respond('referral-error.278.txt');
    const path: string = cr['error'][1].extension.find((e: Json) => e.url === url('extension-errorPath')).valueString;
    const index = Number(path.match(/^Bundle\.entry\[(\d+)\]\.resource$/)?.[1]);
    expect(example<Json>(REQUEST)['entry'][index].resource).toMatchObject({ resourceType: 'Organization', id: 'InsurerExample' });
  });

  it('additional content example: the extra authorized line becomes addItem with revenue code, category, dates and provider type', () => {
    const { cr } = respond('referral-additional.278.txt');
    const expected = fromExample('ClaimResponse-PractitionerRequestorAdditionalContentResponseExample.json');
    const actual = cr['addItem'];
    expect(actual).toHaveLength(1);
    expect(actual[0].itemSequence).toEqual(expected['addItem'][0].itemSequence);
    // prof-2: a PAS Quantity has a value and a unit or code (the IG example has the value only).
    expect(actual[0].quantity).toMatchObject(expected['addItem'][0].quantity);
    expect(actual[0].quantity.unit).toBe('units');
    expect(actual[0].unitPrice).toEqual(expected['addItem'][0].unitPrice);
    expect(actual[0].productOrService.coding[0]).toMatchObject({ system: 'https://codesystem.x12.org/005010/1365', code: '3' });
    expect(actual[0].provider).toEqual(expected['addItem'][0].provider);
    const byUrl = (list: Json[]) => Object.fromEntries(list.map((e) => [e.url, e]));
    const ours = byUrl(actual[0].extension);
    for (const e of expected['addItem'][0].extension) {
      const { url: u, ...value } = e;
      if (u.endsWith('itemCategory')) {
        expect(ours[u].valueCodeableConcept.coding[0].code).toBe(value.valueCodeableConcept.coding[0].code);
      } else {
        expect({ u, ...ours[u] }).toMatchObject({ u, ...value });
      }
    }
    expect(decisionFields(cr).items).toHaveLength(1);
  });

  it('echoes request resources with the same fullUrl and id, ClaimResponse first (spec-30, spec-33)', () => {
    const { bundle } = respond('referral-approved.278.txt');
    const request = example<Json>(REQUEST);
    const urls = new Map(request['entry'].map((e: Json) => [e.fullUrl, e.resource.id]));
    const [first, ...rest] = bundle.entry ?? [];
    expect(first?.resource?.resourceType).toBe('ClaimResponse');
    expect(rest.length).toBeGreaterThan(0);
    for (const e of rest) expect(urls.get(e.fullUrl), e.fullUrl).toBe(e.resource?.id);
    const refs = rest.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
    expect(refs).toEqual(expect.arrayContaining(['Patient/SubscriberExample', 'Organization/InsurerExample', 'Organization/UMOExample', 'Practitioner/ReferralPractitionerExample']));
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', identifier: { value: 'A12345' }, timestamp: now.toISOString() });
    expect(new Set(bundle.entry?.map((e) => e.fullUrl)).size).toBe(bundle.entry?.length);
  });
});
