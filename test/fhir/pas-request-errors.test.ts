/**
 * Mutated copies of the IG's Surgical request example: each mutation must produce exactly the
 * expected errors, at the exact FHIRPath. The unmutated example has none (pas-examples.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle } from '../../src/fhir/bundle.ts';
import { preloadPasDefinitions, validatePasInquiryBundle, validatePasRequestBundle } from '../../src/fhir/validate/index.ts';
import { errorsOf, infernoFixture, pasExample, show } from './helpers/pas-corpus.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- tests reach into example JSON freely */
const surgical = (): Bundle => pasExample('Bundle-SurgicalRequestBundleExample.json');
const claimOf = (b: Bundle): any => b.entry![0]!.resource;
const entryOf = (b: Bundle, type: string): any => b.entry!.find((e) => e.resource?.resourceType === type)!.resource;
const itemExtension = (b: Bundle, suffix: string): any => claimOf(b).item[0].extension.find((e: any) => e.url.endsWith(suffix));
const CLAIM = 'Bundle.entry[0].resource';
const npiEntry = () => surgical().entry!.findIndex((e) => (e.resource as any)?.identifier?.some((id: any) => id.system === 'http://hl7.org/fhir/sid/us-npi'));
const npiIndex = () => (surgical().entry![npiEntry()]!.resource as any).identifier.findIndex((id: any) => id.system === 'http://hl7.org/fhir/sid/us-npi');
const PAS_TEMP_CODES = 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes';

/** [test name, mutation, the exact [code, expression] of every error expected]. */
const CASES: [string, (b: Bundle) => void, [string, string][]][] = [
  ['spec-23 (PAS Bundle profile): Bundle.identifier missing', (b) => delete b.identifier, [['required', 'Bundle.identifier']]],
  ['Bundle.identifier without a value (it carries the submitter transaction id)', (b) => (b.identifier = { system: 'http://example.org/x' }), [['required', 'Bundle.identifier.value']]],
  ['spec-23 (PAS Bundle profile): Bundle.timestamp missing', (b) => delete b.timestamp, [['required', 'Bundle.timestamp']]],
  ["spec-23 (PAS Bundle profile): Bundle.type is 'batch'", (b) => (b.type = 'batch'), [['value', 'Bundle.type'], ['invariant', 'Bundle']]],
  ['spec-12: the Claim is not the first entry', (b) => b.entry!.push(b.entry!.shift()!), [['invalid', CLAIM]]],
  ["spec-12: Claim.use is 'claim'", (b) => (claimOf(b).use = 'claim'), [['value', `${CLAIM}.use`]]],
  ['spec-12: Claim.use missing', (b) => delete claimOf(b).use, [['required', `${CLAIM}.use`]]],
  [
    "the requesting provider's NPI fails its check digit (US Core us-core-17: Luhn with 80840)",
    (b) => {
      const i = b.entry!.findIndex((e) => (e.resource as any)?.identifier?.some((id: any) => id.system === 'http://hl7.org/fhir/sid/us-npi'));
      (b.entry![i]!.resource as any).identifier.find((id: any) => id.system === 'http://hl7.org/fhir/sid/us-npi').value = '8189991235';
    },
    [['invariant', `Bundle.entry[${npiEntry()}].resource.identifier[${npiIndex()}]`]],
  ],
  ['spec-13: Claim.patient points at no entry', (b) => (claimOf(b).patient.reference = 'Patient/unknown'), [['not-found', `${CLAIM}.patient`]]],
  [
    'spec-13: Claim.insurer refers to the Coverage',
    (b) => (claimOf(b).insurer.reference = 'Coverage/InsuranceExample'),
    [['invalid', `${CLAIM}.insurer`]],
  ],
  [
    'spec-13: Claim.patient is a logical (identifier-only) reference',
    (b) => (claimOf(b).patient = { identifier: { system: 'http://example.org/MIN', value: '1' } }),
    [['required', `${CLAIM}.patient`]],
  ],
  [
    'spec-13: the extension Claim.encounter points at no entry',
    (b) => (claimOf(b).extension[1].valueReference.reference = 'Encounter/gone'),
    [['not-found', `${CLAIM}.extension[1].value`]],
  ],
  ['Claim.item[0] without productOrService', (b) => delete claimOf(b).item[0].productOrService, [['required', `${CLAIM}.item[0].productOrService`]]],
  ['spec-34: Claim.item[0] without sequence', (b) => delete claimOf(b).item[0].sequence, [['required', `${CLAIM}.item[0].sequence`]]],
  ['Claim.item empty', (b) => (claimOf(b).item = []), [['required', `${CLAIM}.item`]]],
  ['Claim.created is a number (wrong JSON type)', (b) => (claimOf(b).created = 12), [['structure', `${CLAIM}.created`]]],
  ['Claim.created is not a dateTime', (b) => (claimOf(b).created = '24 June 2020'), [['value', `${CLAIM}.created`]]],
  ['unknown element Claim.foo', (b) => (claimOf(b).foo = 'bar'), [['structure', `${CLAIM}.foo`]]],
  ['unknown element deep in an item', (b) => (claimOf(b).item[0].productOrService.colour = 'red'), [['structure', `${CLAIM}.item[0].productOrService.colour`]]],
  [
    'spec-12 (PAS Claim profile): item without the mandatory certificationType extension',
    (b) => (claimOf(b).item[0].extension = claimOf(b).item[0].extension.filter((e: any) => !e.url.endsWith('extension-certificationType'))),
    [['required', `${CLAIM}.item[0].extension`]],
  ],
  ['spec-12 (PAS Claim profile): item.category is mandatory', (b) => delete claimOf(b).item[0].category, [['required', `${CLAIM}.item[0].category`]]],
  ['spec-12 (PAS Claim profile): careTeam without careTeamClaimScope', (b) => delete claimOf(b).careTeam[0].extension, [['required', `${CLAIM}.careTeam[0].extension`]]],
  ['spec-12 (PAS Claim profile): insurance.focal pattern is true', (b) => (claimOf(b).insurance[0].focal = false), [['value', `${CLAIM}.insurance[0].focal`]]],
  [
    'spec-12 (PAS Claim profile): Claim.type outside the required ClaimTypes value set',
    (b) => (claimOf(b).type.coding[0].code = 'pharmacy'),
    [['code-invalid', `${CLAIM}.type`]],
  ],
  [
    'spec-12 (PAS Claim profile): FullDateRule on a partial item servicedDate',
    (b) => {
      delete claimOf(b).item[0].servicedPeriod;
      claimOf(b).item[0].servicedDate = '2020-07';
    },
    [['invariant', `${CLAIM}.item[0].serviced`]],
  ],
  [
    'spec-12 (PAS Claim profile): FullDateRule inside a nested slice (supportingInfo:AdmissionDates.timing[x]:timingPeriod.start)',
    (b) => (claimOf(b).supportingInfo[0].timingPeriod.start = '2020-07'),
    [['invariant', `${CLAIM}.supportingInfo[0].timing.start`]],
  ],
  [
    'spec-23 (PAS certificationType extension): value of a type the definition forbids',
    (b) => {
      const ext = itemExtension(b, 'extension-certificationType');
      ext.valueString = ext.valueCodeableConcept.coding[0].code;
      delete ext.valueCodeableConcept;
    },
    [['structure', `${CLAIM}.item[0].extension[1].value`]],
  ],
  [
    'spec-22: two supportingInfo entries with the same sequence',
    (b) => claimOf(b).supportingInfo.push({ sequence: 1, category: { coding: [{ system: PAS_TEMP_CODES, code: 'freeFormMessage' }] }, valueString: 'See notes' }),
    [['value', `${CLAIM}.supportingInfo[1].sequence`]],
  ],
  [
    'spec-12 (PAS Claim profile): a second AdmissionDates supportingInfo breaks the 0..1 slice',
    (b) => claimOf(b).supportingInfo.push({ ...claimOf(b).supportingInfo[0], sequence: 2 }),
    [['structure', `${CLAIM}.supportingInfo`]],
  ],
  ['item.diagnosisSequence points at no diagnosis', (b) => (claimOf(b).item[0].diagnosisSequence = [7]), [['not-found', `${CLAIM}.item[0].diagnosisSequence[0]`]]],
  ['spec-14: two entries share a fullUrl', (b) => (b.entry![2]!.fullUrl = b.entry![1]!.fullUrl), [['duplicate', 'Bundle.entry[2].fullUrl']]],
  ['spec-16: fullUrl neither a URL nor urn:uuid', (b) => (b.entry![2]!.fullUrl = 'Organization/InsurerExample'), [['value', 'Bundle.entry[2].fullUrl']]],
  ['spec-23 (PAS Bundle profile): entry.request is not allowed', (b) => (b.entry![1]!.request = { method: 'POST', url: 'Organization' }), [['invariant', 'Bundle'], ['structure', 'Bundle.entry[1].request']]],
  [
    'an entry holds an unknown resource type (and the Claim’s encounter now points at it)',
    (b) => (entryOf(b, 'Encounter').resourceType = 'Surgery'),
    [['invalid', 'Bundle.entry[5].resource'], ['invalid', `${CLAIM}.extension[1].value`]],
  ],
  [
    'a Patient declaring the PAS Coverage profile',
    (b) => (entryOf(b, 'Patient').meta.profile = ['http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-coverage']),
    [['invalid', 'Bundle.entry[4].resource.meta.profile']],
  ],
  ['a birthDate the format allows but the calendar has not (1980-02-31)', (b) => (entryOf(b, 'Patient').birthDate = '1980-02-31'), [['value', 'Bundle.entry[4].resource.birthDate']]],
  [
    'spec-23: Coverage (PAS Coverage profile) without status',
    (b) => delete entryOf(b, 'Coverage').status,
    [['required', 'Bundle.entry[3].resource.status']],
  ],
];

/**
 * FHIR R4 JSON (json.html): no empty strings, arrays or objects. The profile engines read `""`,
 * `[]` and `{}` as an absent element, so without the JSON walk these passed as if left out.
 */
const EMPTY_CASES: [string, (b: Bundle) => void, [string, string][]][] = [
  ['an empty code in item.productOrService', (b) => (claimOf(b).item[0].productOrService.coding[0].code = ''), [['value', `${CLAIM}.item[0].productOrService.coding[0].code`]]],
  ['an empty Patient.name.family', (b) => (entryOf(b, 'Patient').name[0].family = ''), [['value', 'Bundle.entry[4].resource.name[0].family']]],
  ['an empty Coverage.subscriberId (the 278 NM109 member id)', (b) => (entryOf(b, 'Coverage').subscriberId = ''), [['value', 'Bundle.entry[3].resource.subscriberId']]],
  ['an empty uri inside an extension', (b) => (itemExtension(b, 'extension-certificationType').valueCodeableConcept.coding[0].system = ''), [['value', `${CLAIM}.item[0].extension[1].valueCodeableConcept.coding[0].system`]]],
  ['an empty id', (b) => (entryOf(b, 'Coverage').id = ''), [['value', 'Bundle.entry[3].resource.id']]],
  ['an empty array (Patient.telecom)', (b) => (entryOf(b, 'Patient').telecom = []), [['structure', 'Bundle.entry[4].resource.telecom']]],
  ['an empty object (Bundle.meta)', (b) => (b.meta = {}), [['structure', 'Bundle.meta']]],
  ['an empty object in an array (Patient.name[1])', (b) => entryOf(b, 'Patient').name.push({}), [['structure', 'Bundle.entry[4].resource.name[1]']]],
  ['an empty primitive extension (_birthDate: {})', (b) => (entryOf(b, 'Patient')._birthDate = {}), [['structure', 'Bundle.entry[4].resource.birthDate']]],
];

beforeAll(() => preloadPasDefinitions());

describe('FHIR JSON has no empty values', () => {
  it.each(EMPTY_CASES)('%s is an error at that element', (_name, mutate, expected) => {
    const bundle = surgical();
    mutate(bundle);
    const issues = validatePasRequestBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual(expected);
  });

  it('spec-12: Claim.item: [] is said once, as the missing item the checks table names', () => {
    const bundle = surgical();
    claimOf(bundle).item = [];
    const issues = validatePasRequestBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression, i.diagnostics]), show(issues)).toEqual([['required', `${CLAIM}.item`, 'The Claim must request at least one item']]);
  });

  it('an empty string in an inquiry Bundle too', () => {
    const bundle = pasExample('Bundle-PASClaimInquiryBundleExample.json');
    claimOf(bundle).identifier[0].value = '';
    const issues = validatePasInquiryBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual([['value', `${CLAIM}.identifier[0].value`]]);
  });
});

describe('validatePasRequestBundle on mutated Surgical example', () => {
  it.each(CASES)('%s', (_name, mutate, expected) => {
    const bundle = surgical();
    mutate(bundle);
    const issues = validatePasRequestBundle(bundle);
    expect(
      errorsOf(issues).map((i) => [i.code, i.expression]),
      show(issues),
    ).toEqual(expected);
  });

  it('diagnostics name the unknown element and the profile that rejected it', () => {
    const bundle = surgical();
    claimOf(bundle).foo = 'bar';
    const [issue] = errorsOf(validatePasRequestBundle(bundle));
    expect(issue?.diagnostics).toMatch(/'foo'/);
    expect(issue?.diagnostics).toMatch(/PASClaim/);
  });

  it('spec-13: a Bundle without its Coverage: the coverage reference dangles and the Coverage is missing', () => {
    const bundle = surgical();
    bundle.entry = bundle.entry!.filter((e) => e.resource?.resourceType !== 'Coverage');
    const issues = validatePasRequestBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual([
      ['required', 'Bundle.entry'],
      ['not-found', `${CLAIM}.insurance[0].coverage`],
    ]);
  });

  it('spec-23: the Claim.patient target is held to PAS Beneficiary even when it declares no profile', () => {
    const bundle = surgical();
    const patient = entryOf(bundle, 'Patient');
    delete patient.meta;
    delete patient.gender;
    const issues = validatePasRequestBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual([['required', 'Bundle.entry[4].resource.gender']]);
    expect(errorsOf(issues)[0]?.diagnostics).toMatch(/PASBeneficiary/);
  });

  it('spec-16: urn:uuid fullUrls with matching references validate cleanly', () => {
    const bundle = surgical();
    const uuids = new Map<string, string>();
    bundle.entry!.forEach((e, i) => {
      const urn = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      uuids.set(`${e.resource!.resourceType}/${e.resource!.id}`, urn);
      e.fullUrl = urn;
    });
    const text = JSON.stringify(bundle).replace(/"reference":"([A-Za-z]+\/[A-Za-z0-9\-.]+)"/g, (m, ref: string) =>
      uuids.has(ref) ? `"reference":"${uuids.get(ref)}"` : m,
    );
    const issues = validatePasRequestBundle(JSON.parse(text));
    expect(errorsOf(issues), show(issues)).toEqual([]);
  });

  it('spec-65, prof-4: an update whose Claim.related.claim is not in the Bundle', () => {
    const bundle = pasExample('Bundle-HomecareAuthorizationUpdateBundleExample.json');
    bundle.entry = bundle.entry!.slice(0, 5); // drop the prior Claim
    const issues = validatePasRequestBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual([['not-found', `${CLAIM}.related[0].claim`]]);
  });

  it('spec-13: Inferno fixture with a careTeam provider missing from the Bundle', () => {
    const issues = validatePasRequestBundle(infernoFixture('missing_referenced_resource_request_bundle.json'));
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toContainEqual(['not-found', `${CLAIM}.careTeam[0].provider`]);
  });

  it.each([
    ['a JSON array', []],
    ['null', null],
    ['a Patient', { resourceType: 'Patient' }],
    ['a string', 'Bundle'],
  ])('spec-11: rejects %s as not a Bundle', (_name, body) => {
    expect(validatePasRequestBundle(body)).toEqual([expect.objectContaining({ severity: 'error', code: 'structure', expression: 'Bundle' })]);
  });

  it('an empty Bundle reports every missing part, and nothing throws', () => {
    const issues = validatePasRequestBundle({ resourceType: 'Bundle' });
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual(
      expect.arrayContaining([
        ['required', 'Bundle.type'],
        ['required', 'Bundle.identifier'],
        ['required', 'Bundle.timestamp'],
        ['required', 'Bundle.entry'],
      ]),
    );
  });
});

describe('validatePasInquiryBundle', () => {
  const inquiry = (): Bundle => pasExample('Bundle-PASClaimInquiryBundleExample.json');

  it('spec-23: reports a missing Bundle.identifier', () => {
    const bundle = inquiry();
    delete bundle.identifier;
    const issues = validatePasInquiryBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual([['required', 'Bundle.identifier']]);
  });

  it('spec-23: holds the Claim to PAS Claim Inquiry: identifier is 1..1', () => {
    const bundle = inquiry();
    claimOf(bundle).identifier.push({ system: 'http://example.org/x', value: 'second' });
    const issues = validatePasInquiryBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual([['structure', `${CLAIM}.identifier`]]);
  });

  it('spec-12: the Claim must come first in an inquiry too', () => {
    const bundle = inquiry();
    bundle.entry!.reverse();
    const issues = validatePasInquiryBundle(bundle);
    expect(errorsOf(issues).map((i) => [i.code, i.expression]), show(issues)).toEqual([['invalid', CLAIM]]);
  });
});
