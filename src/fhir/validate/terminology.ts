/**
 * Required-binding checks against the ValueSets we hold locally. @medplum/core's synchronous
 * validator does not check bindings at all, so this small expander fills the gap for what can be
 * decided offline:
 *
 * - an include that lists concepts, or names a CodeSystem we hold with `content = complete`, is
 *   enumerated and codes are checked exactly;
 * - an include of a whole external system (CPT, HCPCS, ICD-10, X12 code lists, NUBC …) or one with
 *   filters can only be checked at the level of the system: the coding must name one of them;
 * - a ValueSet we do not hold (US Core, the X12 `valueset.x12.org` sets) is not checked at all.
 */
import type { Definitions } from './definitions.ts';
import { unversioned } from './definitions.ts';
import type { CodeSystemConcept } from './types.ts';

/** system → its allowed codes, or `'any'` when only the system can be checked. */
type Expansion = Map<string, Set<string> | 'any'>;

export interface Coded {
  system?: unknown;
  code?: unknown;
}

const expansions = new WeakMap<Definitions, Map<string, Expansion | undefined>>();

/** Expands a ValueSet as far as the local definitions allow; `undefined` if it cannot be checked. */
export function expandValueSet(defs: Definitions, url: string): Expansion | undefined {
  let byUrl = expansions.get(defs);
  if (!byUrl) expansions.set(defs, (byUrl = new Map()));
  const key = unversioned(url);
  if (!byUrl.has(key)) byUrl.set(key, expand(defs, key, new Set()));
  return byUrl.get(key);
}

function expand(defs: Definitions, url: string, seen: Set<string>): Expansion | undefined {
  const vs = defs.valueSets.get(url);
  const includes = vs?.compose?.include;
  if (!includes?.length || seen.has(url)) return undefined;
  seen.add(url);
  const out: Expansion = new Map();
  for (const include of includes) {
    for (const nested of include.valueSet ?? []) {
      const sub = expand(defs, unversioned(nested), seen);
      if (!sub) return undefined;
      for (const [system, codes] of sub) merge(out, system, codes);
    }
    if (!include.system) continue;
    if (include.concept?.length) {
      merge(out, include.system, new Set(include.concept.map((c) => c.code)));
    } else if (!include.filter?.length && defs.codeSystems.get(include.system)?.content === 'complete') {
      merge(out, include.system, new Set(flatten(defs.codeSystems.get(include.system)?.concept ?? [])));
    } else {
      merge(out, include.system, 'any');
    }
  }
  return out;
}

function merge(out: Expansion, system: string, codes: Set<string> | 'any'): void {
  const have = out.get(system);
  if (have === 'any' || codes === 'any') out.set(system, 'any');
  else out.set(system, new Set([...(have ?? []), ...codes]));
}

function flatten(concepts: CodeSystemConcept[]): string[] {
  return concepts.flatMap((c) => [c.code, ...flatten(c.concept ?? [])]);
}

function codingAllowed(expansion: Expansion, coding: Coded): boolean {
  if (typeof coding.system !== 'string' || typeof coding.code !== 'string') return false;
  const codes = expansion.get(coding.system);
  return codes === 'any' || (codes !== undefined && codes.has(coding.code));
}

/**
 * Why a value breaks a required binding, or `undefined` when it is fine or cannot be checked.
 * @param type the FHIR type of the value: `code`, `Coding`, `CodeableConcept` (others are not checked)
 */
export function bindingProblem(defs: Definitions, valueSetUrl: string, type: string, value: unknown): string | undefined {
  const expansion = expandValueSet(defs, valueSetUrl);
  if (!expansion) return undefined;
  const vs = unversioned(valueSetUrl);
  if (type === 'code' && typeof value === 'string') {
    const known = [...expansion.values()];
    if (known.includes('any')) return undefined;
    // The value itself is not quoted: diagnostics go back to callers and may be logged, and a
    // free-text value in a code element can be PHI (CONTRACT: never PHI echoed back).
    return known.some((codes) => codes !== 'any' && codes.has(value)) ? undefined : `The code is not in the required value set ${vs}`;
  }
  if (type === 'Coding' && typeof value === 'object' && value !== null) {
    return codingAllowed(expansion, value as Coded) ? undefined : `${describe(value as Coded)} is not in the required value set ${vs}`;
  }
  if (type === 'CodeableConcept' && typeof value === 'object' && value !== null) {
    const codings = (value as { coding?: unknown }).coding;
    const list = Array.isArray(codings) ? codings.filter((c): c is Coded => typeof c === 'object' && c !== null) : [];
    if (list.some((c) => codingAllowed(expansion, c))) return undefined;
    const seen = list.length ? list.map(describe).join(', ') : 'no coding';
    return `None of the codings (${seen}) is in the required value set ${vs}`;
  }
  return undefined;
}

/** A coding by its system only (a URL): the code is the caller's value and is not quoted back. */
function describe(coding: Coded): string {
  return typeof coding.system === 'string' ? `The code (system ${coding.system})` : 'The code (no system)';
}
