/**
 * PAS request validation: the public face of `src/fhir/validate`.
 *
 * @example
 * import { validatePasRequestBundle, hasErrors } from '../fhir/validate/index.ts';
 * const issues = validatePasRequestBundle(body);
 * if (hasErrors(issues)) return reject(issues); // OperationOutcome, 400/422
 */
import type { ValidationIssue } from './types.ts';

export { PAS_PROFILES } from './pas-bundle.ts';
export {
  validatePasRequestBundle,
  validatePasInquiryBundle,
  validatePasResponseBundle,
  validatePasInquiryResponseBundle,
  validatePasBundle,
  preloadPasDefinitions,
  referenceValidation,
  compiledValidation,
  compiledCoverage,
  type CompiledCoverage,
} from './pas-validate.ts';
export type { UnsupportedReason } from './compiled/unsupported.ts';
export { IG_CONTEXT_DEFECTS } from './extensions.ts';
export { validatePasText, kindOf, type TextVerdict } from './any-bundle.ts';
export { validateEligibilityRequestBundle, preloadEligibilityDefinitions } from './eligibility-bundle.ts';
export { PAS_CHECKS, type PasCheck, type BundleKind } from './pas-checks.ts';
export { emptyValueIssues } from './empty-values.ts';
export type { ValidationIssue, IssueSeverity } from './types.ts';

/** True when at least one issue is an error (the Bundle must be rejected). */
export function hasErrors(issues: ValidationIssue[]): boolean {
  return issues.some((issue) => issue.severity === 'error');
}

/** `OperationOutcome.issue` entries for these issues (expression as the one-element array FHIR wants). */
export function toOutcomeIssues(issues: ValidationIssue[]): { severity: string; code: string; diagnostics: string; expression: string[] }[] {
  return issues.map(({ severity, code, diagnostics, expression }) => ({ severity, code, diagnostics, expression: [expression] }));
}
