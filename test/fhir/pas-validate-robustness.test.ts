/**
 * The validator faces untrusted input: whatever JSON arrives, it returns issues (never throws), and
 * every issue points into the Bundle. Also: definitions load once and leave medplum's base types intact.
 */
import fc from 'fast-check';
import { getDataType, getResourceTypes } from '@medplum/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/fhir/validate/definitions.ts';
import { preloadPasDefinitions, validatePasInquiryBundle, validatePasRequestBundle, type ValidationIssue } from '../../src/fhir/validate/index.ts';
import { pasExample } from './helpers/pas-corpus.ts';

const SEVERITIES = ['error', 'warning', 'information'];

function wellFormed(issues: ValidationIssue[]): boolean {
  return issues.every(
    (i) => SEVERITIES.includes(i.severity) && /^[a-z-]+$/.test(i.code) && i.diagnostics.length > 0 && /^Bundle(\.|$)/.test(i.expression),
  );
}

/** Every path (as keys) to a value inside the JSON. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => pathsOf((value as Record<string | number, unknown>)[k], [...prefix, k]))];
}

function replaceAt(root: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = replacement;
  return copy;
}

beforeAll(() => preloadPasDefinitions());

describe('validator robustness', () => {
  it('never throws on arbitrary JSON, and reports it is not a Bundle', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const issues = validatePasRequestBundle(body);
        return wellFormed(issues) && issues.some((i) => i.severity === 'error');
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on Bundles with arbitrary entries', () => {
    const entry = fc.oneof(fc.jsonValue(), fc.record({ fullUrl: fc.string(), resource: fc.dictionary(fc.string(), fc.jsonValue()) }));
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), fc.constantFrom('Claim', 'Patient', 'Nope'), (entries, type) => {
        const body = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: type } }, ...entries] };
        return wellFormed(validatePasRequestBundle(body)) && wellFormed(validatePasInquiryBundle(body));
      }),
      { numRuns: 100 },
    );
  });

  it('never throws when any part of a real request is replaced by arbitrary JSON', () => {
    const example = pasExample('Bundle-SurgicalRequestBundleExample.json');
    const paths = pathsOf(example).filter((p) => !p.includes('text'));
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 2 }), (path, replacement) =>
        wellFormed(validatePasRequestBundle(replaceAt(example, path, replacement))),
      ),
      { numRuns: 400 },
    );
  });
});

describe('definitions', () => {
  it('are loaded once and cached', () => {
    expect(loadDefinitions()).toBe(loadDefinitions());
    expect(loadDefinitions().profiles.has('http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim')).toBe(true);
  });

  it('leave medplum’s base R4 types untouched (profile levels never replace ClaimItem & co)', () => {
    const item = getDataType('ClaimItem');
    expect(Object.keys(item.elements)).toEqual(expect.arrayContaining(['sequence', 'productOrService', 'detail', 'extension']));
    expect(item.elements['extension']?.slicing).toBeUndefined();
    expect(getDataType('Claim').url).toBe('http://hl7.org/fhir/StructureDefinition/Claim');
    expect(getResourceTypes().filter((t) => t.includes('priorgate'))).toEqual([]);
  });
});
