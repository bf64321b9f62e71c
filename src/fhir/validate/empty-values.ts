/**
 * FHIR JSON never carries an empty value (R4 §2.6.2, json.html): a primitive is never `""`, an
 * array never `[]`, an object never `{}` — an element without content is left out. The profile
 * engines cannot see these: @medplum/core (and the compiled engine, held to it) treat `""`, `[]` and
 * `{}` as an absent element, so an empty `code` or `family` passed as if it were not there. This
 * walk reads the JSON itself, once, wherever a value sits (extensions and `_element` primitive
 * extensions included).
 */
import type { ValidationIssue } from './types.ts';

/**
 * Every empty string, array and object in `value`, with the FHIRPath of the element holding it
 * (`_family` is reported as `family`: the primitive extension belongs to that element). Nulls are
 * left alone: they pair primitives with their extensions in `given`/`_given` arrays.
 *
 * @example
 * emptyValueIssues({ resourceType: 'Bundle', meta: {} }, 'Bundle')
 * // [{ severity: 'error', code: 'structure', expression: 'Bundle.meta', diagnostics: 'Empty object: …' }]
 */
export function emptyValueIssues(value: unknown, root: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  // Iterative: hostile nesting must not exhaust the stack (the body limits bound it on the server, not in the CLI).
  const stack: { value: unknown; at: string }[] = [{ value, at: root }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { value: v, at } = next;
    if (typeof v === 'string') {
      if (v === '') issues.push({ severity: 'error', code: 'value', expression: at, diagnostics: 'Empty string: FHIR JSON has no empty values; leave the element out or give it content' });
    } else if (Array.isArray(v)) {
      if (v.length === 0) issues.push({ severity: 'error', code: 'structure', expression: at, diagnostics: 'Empty array: FHIR JSON has no empty arrays; leave the element out' });
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], at: `${at}[${i}]` });
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      if (keys.length === 0) issues.push({ severity: 'error', code: 'structure', expression: at, diagnostics: 'Empty object: FHIR JSON has no empty objects; leave the element out' });
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ value: (v as Record<string, unknown>)[key], at: `${at}.${key.startsWith('_') && key.length > 1 ? key.slice(1) : key}` });
      }
    }
  }
  return issues;
}

/**
 * The empty values of `bundle` beside `issues` already found: one at an element an error already
 * names (`Claim.item: []`, "at least one item") is said once, the other way.
 */
export function emptyValuesBeside(issues: ValidationIssue[], bundle: unknown): ValidationIssue[] {
  const named = new Set(issues.filter((i) => i.severity === 'error').map((i) => i.expression));
  return emptyValueIssues(bundle, 'Bundle').filter((i) => !named.has(i.expression));
}
