/**
 * The Da Vinci PAS 2.2.1 IG's own request examples are conformant: validating them must yield no
 * errors (spec-23: all resources comply with their profiles). Read from the shared corpus in place.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { preloadPasDefinitions, validatePasInquiryBundle, validatePasRequestBundle } from '../../src/fhir/validate/index.ts';
import { errorsOf, pasExample, pasExampleNames, show } from './helpers/pas-corpus.ts';

const REQUEST_EXAMPLES = [
  ...pasExampleNames(/^Bundle-.*AuthorizationBundleExample\.json$/),
  'Bundle-SurgicalRequestBundleExample.json',
  'Bundle-HomecareAuthorizationUpdateBundleExample.json',
];

beforeAll(() => preloadPasDefinitions());

describe('PAS 2.2.1 IG request examples', () => {
  it('covers the IG request examples the corpus ships (guards against an empty glob)', () => {
    expect(REQUEST_EXAMPLES).toEqual(
      expect.arrayContaining([
        'Bundle-HomecareAuthorizationBundleExample.json',
        'Bundle-MedicalServicesAuthorizationBundleExample.json',
        'Bundle-ReferralAuthorizationBundleExample.json',
      ]),
    );
  });

  it.each(REQUEST_EXAMPLES)('spec-12, spec-23: %s validates with zero errors', (name) => {
    const issues = validatePasRequestBundle(pasExample(name));
    expect(errorsOf(issues), show(issues)).toEqual([]);
  });

  it('spec-23: the inquiry example validates with zero errors as an inquiry', () => {
    const issues = validatePasInquiryBundle(pasExample('Bundle-PASClaimInquiryBundleExample.json'));
    expect(errorsOf(issues), show(issues)).toEqual([]);
  });

  it('spec-12: the inquiry example is not a valid $submit request (its Claim lacks the PAS Claim item extensions)', () => {
    const issues = validatePasRequestBundle(pasExample('Bundle-PASClaimInquiryBundleExample.json'));
    expect(errorsOf(issues).length, show(issues)).toBeGreaterThan(0);
  });

  it('spec-13, spec-18, spec-20: the Surgical example’s PractitionerRole points outside the Bundle, so its Practitioner and Location hang off nothing: warnings, not errors', () => {
    const issues = validatePasRequestBundle(pasExample('Bundle-SurgicalRequestBundleExample.json'));
    expect(
      issues.map((i) => [i.severity, i.code, i.expression]),
      show(issues),
    ).toEqual([
      ['warning', 'not-found', 'Bundle.entry[6].resource.practitioner'],
      ['warning', 'not-found', 'Bundle.entry[6].resource.location[0]'],
      ['warning', 'informational', 'Bundle.entry[7]'],
      ['warning', 'informational', 'Bundle.entry[8]'],
    ]);
  });

  it('does not modify the Bundle it validates', () => {
    const bundle = pasExample('Bundle-HomecareAuthorizationUpdateBundleExample.json');
    const before = JSON.stringify(bundle);
    validatePasRequestBundle(bundle);
    expect(JSON.stringify(bundle)).toBe(before);
  });
});
