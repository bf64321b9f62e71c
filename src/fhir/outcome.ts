/** OperationOutcome builders: every FHIR error leaves Priorgate through one of these. */

export type IssueSeverity = 'fatal' | 'error' | 'warning' | 'information';

export interface OutcomeIssue {
  severity: IssueSeverity;
  /** FHIR issue-type code: invalid, required, value, not-found, security, forbidden, exception ... */
  code: string;
  diagnostics?: string;
  expression?: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OutcomeIssue[];
}

/**
 * @example operationOutcome([{ severity: 'error', code: 'required', diagnostics: 'Bundle.identifier is required', expression: ['Bundle.identifier'] }])
 */
export function operationOutcome(issues: OutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function outcomeOf(code: string, diagnostics: string, expression?: string, severity: IssueSeverity = 'error'): OperationOutcome {
  return operationOutcome([{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }]);
}
