/**
 * The compiled validator must say exactly what the reference says (@medplum/core's validator run
 * level by level): same verdict, same issues at the same FHIRPath expressions, same wording. Run
 * over every PAS document we can read (IG examples, Inferno kit fixtures), awkward hand-made
 * variants, and generated mutations; `npm run test:slow` runs thousands more mutations
 * (test/slow/validate-differential.test.ts). Where the compiled validator declines an input, the
 * gateway's validator must still answer exactly as the reference.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle } from '../../src/fhir/bundle.ts';
import {
  compiledCoverage,
  compiledValidation,
  preloadPasDefinitions,
  referenceValidation,
  validatePasInquiryBundle,
  validatePasRequestBundle,
} from '../../src/fhir/validate/index.ts';
import { agrees, compare, describe as explain, issueKey, type Kind } from './helpers/differential.ts';
import { mutantOf } from './helpers/mutations.ts';
import { pasDocuments } from './helpers/pas-documents.ts';
import { pasExample } from './helpers/pas-corpus.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- variants reach into example JSON freely */
const surgical = (): any => pasExample('Bundle-SurgicalRequestBundleExample.json');
const claim = (b: any): any => b.entry[0].resource;
const entry = (b: any, type: string): any => b.entry.find((e: any) => e.resource?.resourceType === type).resource;
const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';

/** [name, mutation of the Surgical request, kind]: shapes a careless or hostile client sends. */
const VARIANTS: [string, (b: any) => void, Kind?][] = [
  ['null where an object goes', (b) => (claim(b).item[0].productOrService = null)],
  ['null inside an array', (b) => (claim(b).item = [null])],
  ['string where an object goes', (b) => (claim(b).item[0] = 'item')],
  ['string where a positiveInt goes', (b) => (claim(b).item[0].sequence = '1')],
  ['zero positiveInt', (b) => (claim(b).item[0].sequence = 0)],
  ['fractional positiveInt', (b) => (claim(b).item[0].sequence = 1.5)],
  ['empty object where a dateTime goes', (b) => (claim(b).created = {})],
  ['array where a single value goes', (b) => (claim(b).created = ['2020-01-01'])],
  ['single value where an array goes', (b) => (claim(b).identifier = claim(b).identifier[0])],
  ['unknown element holding a null', (b) => (claim(b).foo = { bar: null, baz: [1, null] })],
  ['two choice-of-type keys in an extension', (b) => (claim(b).item[0].extension[0].valueString = 'x')],
  ['servicedDate and servicedPeriod both', (b) => (claim(b).item[0].servicedDate = '2020-07-01')],
  ['extension without url', (b) => delete claim(b).item[0].extension[0].url],
  ['extension without value (ext-1)', (b) => delete claim(b).item[0].extension[0].valueCodeableConcept],
  ['extension with both value and extensions (ext-1)', (b) => (claim(b).item[0].extension[0].extension = [{ url: 'x', valueString: 'y' }])],
  ['contained resource', (b) => (claim(b).contained = [{ resourceType: 'Patient', id: 'p1', gender: 'male' }])],
  ['contained resource of an unknown type', (b) => (claim(b).contained = [{ resourceType: 'NotAType', id: 'x' }])],
  ['primitive extension', (b) => (entry(b, 'Patient')._birthDate = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] })],
  ['empty string in a string array', (b) => (entry(b, 'Patient').name[0].given = ['A', ''])],
  ['array inside a string array', (b) => (entry(b, 'Patient').name[0].given = [['A']])],
  ['object where a code goes', (b) => (entry(b, 'Patient').gender = { code: 'male' })],
  ['code with doubled spaces', (b) => (claim(b).type.coding[0].code = 'a b  c')],
  ['uri with a space', (b) => (claim(b).item[0].productOrService.coding[0].system = 'not a uri')],
  ['entry that is a string', (b) => (b.entry[3] = 'entry')],
  ['empty entry', (b) => b.entry.push({})],
  ['entry of an unknown resource type', (b) => b.entry.push({ fullUrl: 'urn:uuid:8f1e5a4e-2b7d-4c1a-9e0f-3a2b1c0d9e8f', resource: { resourceType: 'Nope' } })],
  ['resourceType that is not a string', (b) => (b.entry[1].resource.resourceType = 5)],
  ['a careTeam member twice', (b) => claim(b).careTeam.push(structuredClone(claim(b).careTeam[0]))],
  ['item without extensions', (b) => (claim(b).item[0].extension = [])],
  ['empty supportingInfo category', (b) => claim(b).supportingInfo && (claim(b).supportingInfo[0].category = {})],
  ['boolean as a string', (b) => (claim(b).insurance[0].focal = 'true')],
  ['unknown declared profile', (b) => (claim(b).meta = { profile: ['http://example.org/StructureDefinition/unknown'] })],
  ['declared Claim Update profile', (b) => (claim(b).meta = { profile: [`${PAS}profile-claim-update`] })],
  ['profile of another resource type declared', (b) => (entry(b, 'Coverage').meta = { profile: [`${PAS}profile-claim`] })],
  ['quantity value that is a string', (b) => (claim(b).item[0].quantity = { value: 'x' })],
  ['a key named like an Object.prototype member', (b) => (claim(b).item[0].constructor = 'x')],
  ['a __proto__ key from the wire', (b) => Object.assign(claim(b), JSON.parse('{"__proto__": {"polluted": true}}'))],
  ['deeply nested unknown element', (b) => (claim(b).foo = JSON.parse('{"a":'.repeat(30) + '1' + '}'.repeat(30)))],
  ['string over 1 MB', (b) => (claim(b).item[0].productOrService.text = 'x'.repeat(1024 * 1024 + 1))],
  ['identifier value that is not an NPI', (b) => (entry(b, 'Practitioner').identifier[0].value = '123')],
  ['partial servicedDate (FullDateRule)', (b) => ((claim(b).item[0].servicedDate = '2020-07'), delete claim(b).item[0].servicedPeriod)],
  ["Bundle.type 'batch' (bdl- invariants)", (b) => (b.type = 'batch')],
  ['two entries with one fullUrl (bdl-7)', (b) => (b.entry[2].fullUrl = b.entry[1].fullUrl)],
  ['Claim.related (an update)', (b) => (claim(b).related = [{ claim: { identifier: { value: 'prior' } } }])],
  ['the request validated as an inquiry', () => undefined, 'inquiry'],
  ['no entries at all', (b) => (b.entry = [])],
];

/** The variants the compiled validator hands to the reference, and why. */
const DECLINED: Record<string, string> = {
  'contained resource of an unknown type': 'unknown-resource-type',
  'primitive extension': 'primitive-extension',
};

beforeAll(() => preloadPasDefinitions());

describe('compiled validator ≡ reference validator', () => {
  it('spec-23: every IG example and Inferno kit document agrees, as a request and as an inquiry', () => {
    const { documents, kit } = pasDocuments();
    expect(documents.length, 'the corpus is missing').toBeGreaterThan(70);
    const disagreements: string[] = [];
    let handled = 0;
    for (const { name, value } of documents) {
      for (const kind of ['request', 'inquiry'] as const) {
        const c = compare(value, kind);
        if (c.handled) handled++;
        if (!agrees(c)) disagreements.push(explain(`${name} as ${kind}`, c));
      }
    }
    expect(disagreements, disagreements.join('\n')).toEqual([]);
    // Declining is allowed (the gateway then asks the reference) but must stay the exception.
    expect(handled, `handled ${handled} of ${documents.length * 2}${kit ? '' : ' (kit repository not found: corpus only)'}`).toBeGreaterThan(documents.length * 2 * 0.9);
  });

  it('the IG request examples are all handled by the compiled validator, with no errors', () => {
    for (const name of ['Bundle-SurgicalRequestBundleExample.json', 'Bundle-ReferralAuthorizationBundleExample.json', 'Bundle-HomecareAuthorizationUpdateBundleExample.json']) {
      const result = compiledValidation(pasExample(name), 'request');
      expect('issues' in result && result.issues.filter((i) => i.severity === 'error'), name).toEqual([]);
    }
  });

  it.each(VARIANTS)('awkward input agrees: %s', (name, mutation, kind = 'request') => {
    const bundle = surgical();
    mutation(bundle);
    const c = compare(bundle, kind);
    expect(agrees(c), explain(name, c)).toBe(true);
    expect(c.handled ? 'handled' : `declined: ${c.reason}`).toBe(DECLINED[name] ? `declined: ${DECLINED[name]}` : 'handled');
  });

  it('generated mutations of the IG Surgical request agree (fast-check)', () => {
    const base = surgical();
    let declined = 0;
    fc.assert(
      fc.property(mutantOf(base), ({ value }) => {
        const c = compare(value, 'request');
        if (!c.handled) declined++;
        if (!agrees(c)) throw new Error(explain('mutant', c));
      }),
      { numRuns: Number(process.env.DIFFERENTIAL_RUNS ?? 150), seed: Number(process.env.DIFFERENTIAL_SEED ?? 20250516) },
    );
    expect(declined).toBeLessThan(15);
  });

  it('what the compiled validator declines is validated by the reference, with the same result', () => {
    const bundle = surgical();
    entry(bundle, 'Patient')._birthDate = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
    claim(bundle).foo = 'unknown element, so that there is an error to compare';
    expect(compiledValidation(bundle, 'request')).toEqual({ unsupported: 'primitive-extension' });
    const before = compiledCoverage().fallbacks['primitive-extension'] ?? 0;
    const issues = validatePasRequestBundle(bundle);
    expect(issues.map(issueKey).sort()).toEqual(referenceValidation(bundle, 'request').map(issueKey).sort());
    expect(issues.some((i) => i.severity === 'error' && i.expression === 'Bundle.entry[0].resource.foo')).toBe(true);
    expect(compiledCoverage().fallbacks['primitive-extension']).toBe(before + 1);
  });

  it('the inquiry entry point agrees too', () => {
    const bundle = pasExample('Bundle-PASClaimInquiryBundleExample.json') as Bundle & { entry: any[] };
    bundle.entry[0].resource.use = 'claim';
    expect(validatePasInquiryBundle(bundle).map(issueKey).sort()).toEqual(referenceValidation(bundle, 'inquiry').map(issueKey).sort());
  });
});
