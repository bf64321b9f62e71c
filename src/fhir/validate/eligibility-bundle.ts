/**
 * Validation of a coverage eligibility request Bundle (`CoverageEligibilityRequest/$submit` input)
 * with the PAS validator's machinery, against base FHIR R4 (no implementation guide profiles
 * eligibility requests): the Bundle and each resource of BASE_BOUND_TYPES against its whole R4
 * definition compiled like a profile (cardinality, types, unknown elements, primitive formats,
 * invariants and required bindings: administrative-gender, fm-status, eligibilityrequest-purpose …),
 * any other resource against base R4 as the PAS validator checks resources no profile applies to,
 * and every date, dateTime and instant for a day that exists (`calendar.ts`).
 *
 * What the 270 needs beyond FHIR (the first entry is the CoverageEligibilityRequest, its references
 * resolve, a member id …) is `readEligibilityRequest`'s, in translate/.
 */
import { isResourceType } from '@medplum/core';
import { isObject } from '../bundle.ts';
import { impossibleDates } from './calendar.ts';
import { emptyValuesBeside } from './empty-values.ts';
import { compileProfile, type CompiledProfile } from './compile.ts';
import { compiledEngine, precompile } from './compiled/engine.ts';
import { countFallback, Unsupported } from './compiled/unsupported.ts';
import { loadDefinitions, type Definitions } from './definitions.ts';
import { referenceEngine, type EngineFactory } from './engine.ts';
import { dedupe } from './issues.ts';
import { knownResources, profileLookup, validateBundleShell } from './pas-bundle.ts';
import type { ValidationIssue } from './types.ts';

const error = (code: string, expression: string, diagnostics: string): ValidationIssue => ({ severity: 'error', code, expression, diagnostics });

const compiledBase = new WeakMap<Definitions, Map<string, CompiledProfile>>();

/** The R4 definition of `type` compiled like a profile, when it is one of BASE_BOUND_TYPES. */
function baseProfile(defs: Definitions, type: string): CompiledProfile | undefined {
  let byType = compiledBase.get(defs);
  if (!byType) compiledBase.set(defs, (byType = new Map()));
  let found = byType.get(type);
  const sd = found ? undefined : defs.base.get(type);
  // Issues name their source: `Missing required element (FHIR R4 CoverageEligibilityRequest)`.
  if (sd) byType.set(type, (found = { ...compileProfile(sd), name: `FHIR R4 ${type}` }));
  return found;
}

/**
 * Loads the definitions and compiles the R4 definitions of BASE_BOUND_TYPES and what they reach,
 * now rather than on the first eligibility request. Optional: validation does it lazily.
 * @returns how many schemas are compiled (PAS ones included, when they were)
 */
export function preloadEligibilityDefinitions(): number {
  const defs = loadDefinitions();
  const byUrl = new Map([...defs.base.values()].map((sd) => [sd.url, sd.type]));
  const lookup = (url: string) => {
    const type = byUrl.get(url);
    return type === undefined ? undefined : baseProfile(defs, type);
  };
  return precompile(defs, lookup, byUrl.keys());
}

/** What each entry holds: an object with a resource of a known type. */
function entryIssues(entries: unknown[]): ValidationIssue[] {
  if (entries.length === 0) return [error('required', 'Bundle.entry', 'The Bundle has no entries; the first entry must be the CoverageEligibilityRequest')];
  return entries.flatMap((entry, i) => {
    const at = `Bundle.entry[${i}]`;
    if (!isObject(entry)) return [error('structure', at, 'A Bundle entry must be a JSON object')];
    const resource = entry.resource;
    if (resource === undefined) return [error('required', `${at}.resource`, 'The entry has no resource')];
    if (!isObject(resource) || typeof resource.resourceType !== 'string') return [error('structure', `${at}.resource`, 'The entry resource has no resourceType')];
    // The type is not quoted back: it is the caller's text.
    if (!isResourceType(resource.resourceType)) return [error('invalid', `${at}.resource.resourceType`, 'Unknown resource type')];
    return [];
  });
}

function validateWith(bundle: unknown, engineFactory: EngineFactory): ValidationIssue[] {
  if (!isObject(bundle) || bundle.resourceType !== 'Bundle') {
    return [error('structure', 'Bundle', 'The request body must be a FHIR Bundle (JSON object with resourceType Bundle)')];
  }
  const defs = loadDefinitions();
  const engine = engineFactory(defs, profileLookup(defs));
  const entries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  const resources = knownResources(entries);
  const shell = baseProfile(defs, 'Bundle');
  if (shell) validateBundleShell(engine, shell, { bundle, entries, resources });
  for (const { index, resource } of resources) {
    const value = { type: resource.resourceType, value: resource };
    const at = `Bundle.entry[${index}].resource`;
    const profile = baseProfile(defs, resource.resourceType);
    if (profile) engine.validate(profile, value, at);
    else engine.validateBase(value, at);
  }
  const issues = [...entryIssues(entries), ...engine.sink.issues, ...impossibleDates({ type: 'Bundle', value: bundle }, 'Bundle')];
  // FHIR JSON has no empty values ("", [], {}): the engines read them as absent (empty-values.ts).
  return dedupe([...issues, ...emptyValuesBeside(issues, bundle)]);
}

/**
 * Every issue of an eligibility request Bundle, shaped like `OperationOutcome.issue` with a
 * Bundle-rooted FHIRPath; acceptable when none is an `error`. Values are never quoted back.
 * @example
 * validateEligibilityRequestBundle(bundleWithBirthDate('1980-02-31'))
 * // [{ severity: 'error', code: 'value', expression: 'Bundle.entry[1].resource.birthDate', … }]
 */
export function validateEligibilityRequestBundle(bundle: unknown): ValidationIssue[] {
  try {
    return validateWith(bundle, compiledEngine);
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    countFallback(err.reason);
    return validateWith(bundle, referenceEngine);
  }
}
