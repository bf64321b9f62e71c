import { describe, expect, it } from 'vitest';
import { findEntries, resolveReference, type Bundle } from './bundle.ts';

const bundle: Bundle = {
  resourceType: 'Bundle',
  type: 'collection',
  entry: [
    { fullUrl: 'https://ehr.example/fhir/Claim/c1', resource: { resourceType: 'Claim', id: 'c1' } },
    { fullUrl: 'https://ehr.example/fhir/Patient/p1', resource: { resourceType: 'Patient', id: 'p1' } },
    { fullUrl: 'https://other.example/fhir/Patient/p1', resource: { resourceType: 'Patient', id: 'p1', meta: { versionId: 'other' } } },
    { fullUrl: 'urn:uuid:6f1c3a44-52a1-4c5e-9d2b-0a4b0f6a1c11', resource: { resourceType: 'Coverage', id: 'cov' } },
    { fullUrl: 'urn:uuid:6f1c3a44-52a1-4c5e-9d2b-0a4b0f6a1c12', resource: { resourceType: 'Organization', id: 'org' } },
  ],
};

describe('resolveReference', () => {
  it('matches an absolute reference against fullUrl', () => {
    expect(resolveReference(bundle, { reference: 'urn:uuid:6f1c3a44-52a1-4c5e-9d2b-0a4b0f6a1c11' })?.index).toBe(3);
    expect(resolveReference(bundle, 'https://other.example/fhir/Patient/p1')?.index).toBe(2);
  });

  it('resolves a relative reference against the RESTful base of the referencing entry', () => {
    expect(resolveReference(bundle, 'Patient/p1', 'https://other.example/fhir/Claim/c9')?.index).toBe(2);
    expect(resolveReference(bundle, 'Patient/p1', 'https://ehr.example/fhir/Claim/c1')?.index).toBe(1);
  });

  it('falls back to resourceType/id when the fullUrl base does not help (urn:uuid entries)', () => {
    expect(resolveReference(bundle, 'Organization/org', 'urn:uuid:6f1c3a44-52a1-4c5e-9d2b-0a4b0f6a1c11')?.resource.id).toBe('org');
    expect(resolveReference(bundle, { reference: 'Coverage/cov' })?.index).toBe(3);
  });

  it('ignores a version in the reference', () => {
    expect(resolveReference(bundle, 'Patient/p1/_history/3', 'https://ehr.example/fhir/Claim/c1')?.index).toBe(1);
    expect(resolveReference(bundle, 'https://ehr.example/fhir/Patient/p1/_history/3')?.index).toBe(1);
  });

  it('returns undefined for dangling, contained, logical and malformed references', () => {
    expect(resolveReference(bundle, 'Patient/nobody')).toBeUndefined();
    expect(resolveReference(bundle, 'urn:uuid:00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(resolveReference(bundle, '#contained-1')).toBeUndefined();
    expect(resolveReference(bundle, { identifier: { system: 'http://x', value: '1' } })).toBeUndefined();
    expect(resolveReference(bundle, '')).toBeUndefined();
    expect(resolveReference(bundle, undefined)).toBeUndefined();
  });

  it('tolerates a Bundle that is not one', () => {
    expect(resolveReference(null, 'Patient/p1')).toBeUndefined();
    expect(resolveReference({ entry: 'nope' }, 'Patient/p1')).toBeUndefined();
    expect(resolveReference({ entry: [null, 7, { resource: 'x' }] }, 'Patient/p1')).toBeUndefined();
  });
});

describe('findEntries', () => {
  it('lists the entries of one resource type in Bundle order, with their positions', () => {
    expect(findEntries(bundle, 'Patient').map((e) => [e.index, e.fullUrl])).toEqual([
      [1, 'https://ehr.example/fhir/Patient/p1'],
      [2, 'https://other.example/fhir/Patient/p1'],
    ]);
    expect(findEntries(bundle, 'Practitioner')).toEqual([]);
  });

  it('skips entries without a resource', () => {
    expect(findEntries({ resourceType: 'Bundle', entry: [{ fullUrl: 'urn:x' }, { resource: { resourceType: 'Claim' } }] }, 'Claim')).toEqual([
      { index: 1, fullUrl: undefined, resource: { resourceType: 'Claim' } },
    ]);
  });
});
