/**
 * Validating a PAS Bundle whose kind is not known beforehand (`priorgate validate FILE`), with the
 * same validator the server uses: the kind is read from the Bundle itself — first entry Claim or
 * ClaimResponse, and the inquiry profiles where the Bundle or its first resource claims them — and
 * the answer is an OperationOutcome, as CONTRACT.md promises.
 *
 * A `Parameters` holding `return` Bundles (a saved `$inquire` answer) is validated Bundle by Bundle.
 */
import { isObject } from '../bundle.ts';
import type { BundleKind } from './pas-checks.ts';
import { validatePasInquiryBundle, validatePasInquiryResponseBundle, validatePasRequestBundle, validatePasResponseBundle } from './pas-validate.ts';
import type { ValidationIssue } from './types.ts';

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';

const VALIDATORS: Record<BundleKind, { name: string; run: (b: unknown) => ValidationIssue[] }> = {
  request: { name: 'PAS Request Bundle', run: validatePasRequestBundle },
  inquiry: { name: 'PAS Inquiry Request Bundle', run: validatePasInquiryBundle },
  response: { name: 'PAS Response Bundle', run: validatePasResponseBundle },
  'inquiry-response': { name: 'PAS Inquiry Response Bundle', run: validatePasInquiryResponseBundle },
};

const profilesOf = (r: unknown): string[] => (isObject(r) && isObject(r.meta) && Array.isArray(r.meta.profile) ? r.meta.profile.filter((p): p is string => typeof p === 'string').map((p) => p.split('|')[0]!) : []);

/** Which PAS Bundle this is: by its first resource, then the inquiry profiles it or that resource claims. */
export function kindOf(bundle: Record<string, unknown>): BundleKind {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const first = isObject(entries[0]) ? entries[0].resource : undefined;
  const claimed = [...profilesOf(bundle), ...profilesOf(first)];
  const response = isObject(first) && first.resourceType === 'ClaimResponse';
  if (response) return claimed.some((p) => p === `${PAS}profile-pas-inquiry-response-bundle` || p === `${PAS}profile-claiminquiryresponse`) ? 'inquiry-response' : 'response';
  return claimed.some((p) => p === `${PAS}profile-pas-inquiry-request-bundle` || p === `${PAS}profile-claim-inquiry`) ? 'inquiry' : 'request';
}

export interface TextVerdict {
  /** `unreadable`: not JSON, or neither a Bundle nor Parameters of Bundles. */
  status: 'accepted' | 'rejected' | 'unreadable';
  outcome: { resourceType: 'OperationOutcome'; issue: { severity: string; code: string; diagnostics: string; expression?: string[] }[] };
}

function outcome(issues: TextVerdict['outcome']['issue']): TextVerdict['outcome'] {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/**
 * @example
 * validatePasText(readFileSync('bundle.json', 'utf8'))
 * // { status: 'accepted', outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'information', … 'valid PAS Request Bundle' }] } }
 */
export function validatePasText(text: string): TextVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status: 'unreadable', outcome: outcome([{ severity: 'fatal', code: 'structure', diagnostics: 'not valid JSON' }]) };
  }
  if (!isObject(parsed)) return { status: 'unreadable', outcome: outcome([{ severity: 'fatal', code: 'structure', diagnostics: 'not a FHIR resource' }]) };
  const targets: { at: string; bundle: Record<string, unknown>; kind?: BundleKind }[] = [];
  if (parsed.resourceType === 'Bundle') targets.push({ at: 'Bundle', bundle: parsed });
  else if (parsed.resourceType === 'Parameters' && Array.isArray(parsed.parameter)) {
    parsed.parameter.forEach((p, i) => {
      if (isObject(p) && p.name === 'return' && isObject(p.resource) && p.resource.resourceType === 'Bundle') targets.push({ at: `Parameters.parameter[${i}].resource`, bundle: p.resource, kind: 'inquiry-response' });
    });
    if (targets.length === 0) return { status: 'unreadable', outcome: outcome([{ severity: 'fatal', code: 'structure', diagnostics: 'a Parameters with no `return` Bundle (an $inquire answer) to validate', expression: ['Parameters.parameter'] }]) };
  } else {
    return { status: 'unreadable', outcome: outcome([{ severity: 'fatal', code: 'structure', diagnostics: `expected a PAS Bundle (or an $inquire Parameters), got ${typeof parsed.resourceType === 'string' ? parsed.resourceType : 'no resourceType'}` }]) };
  }
  const issues: TextVerdict['outcome']['issue'] = [];
  let errors = 0;
  for (const t of targets) {
    const kind = t.kind ?? kindOf(t.bundle);
    const v = VALIDATORS[kind];
    const found = v.run(t.bundle);
    errors += found.filter((i) => i.severity === 'error').length;
    for (const i of found) issues.push({ severity: i.severity, code: i.code, diagnostics: i.diagnostics, expression: [t.at === 'Bundle' ? i.expression : i.expression.replace(/^Bundle/, t.at)] });
    issues.push({ severity: 'information', code: 'informational', diagnostics: `validated as a ${v.name} (PAS 2.2.1): ${found.filter((i) => i.severity === 'error').length === 0 ? 'valid' : 'not valid'}`, expression: [t.at] });
  }
  return { status: errors ? 'rejected' : 'accepted', outcome: outcome(issues) };
}
