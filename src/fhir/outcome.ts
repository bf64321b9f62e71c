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

/** Issues one OperationOutcome carries at most: a body with 150,000 faults gets a readable answer, not 23 MB. */
export const MAX_OUTCOME_ISSUES = 100;

const RANK: Record<IssueSeverity, number> = { fatal: 0, error: 1, warning: 2, information: 3 };

/**
 * Up to MAX_OUTCOME_ISSUES issues, in the order given; past that, the most severe first and a last
 * issue saying how many more there were.
 *
 * @example operationOutcome([{ severity: 'error', code: 'required', diagnostics: 'Bundle.identifier is required', expression: ['Bundle.identifier'] }])
 */
export function operationOutcome(given: OutcomeIssue[]): OperationOutcome {
  // FHIR JSON has no empty arrays or strings, and OperationOutcome.issue is 1..*.
  const issues = given.map(({ expression, diagnostics, ...issue }) => ({ ...issue, ...(diagnostics ? { diagnostics } : {}), ...(expression?.length ? { expression } : {}) }));
  if (issues.length === 0) return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'no issues' }] };
  if (issues.length <= MAX_OUTCOME_ISSUES) return { resourceType: 'OperationOutcome', issue: issues };
  const kept = [...issues].sort((a, b) => RANK[a.severity] - RANK[b.severity]).slice(0, MAX_OUTCOME_ISSUES - 1);
  const more = issues.length - kept.length;
  const note: OutcomeIssue = { severity: 'information', code: 'too-costly', diagnostics: `${more} more issues are not shown (an OperationOutcome lists at most ${MAX_OUTCOME_ISSUES}); correct these and send again` };
  return { resourceType: 'OperationOutcome', issue: [...kept, note] };
}

export function outcomeOf(code: string, diagnostics: string, expression?: string, severity: IssueSeverity = 'error'): OperationOutcome {
  return operationOutcome([{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }]);
}
