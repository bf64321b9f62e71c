/**
 * What a pre-send check finds, and how it reaches the caller: an OperationOutcome issue (severity
 * warning, or error when the payer's rules refuse it). Messages name the element and the problem,
 * never the value sent (CONTRACT.md: no values quoted back).
 */
import type { DataQualityKind } from '../rules/index.ts';

export type { DataQualityKind };

export interface Finding {
  kind: DataQualityKind;
  /** FHIRPath of the offending element in the request Bundle. */
  expression: string;
  message: string;
  /** OperationOutcome.issue.code (FHIR IssueType). */
  issueCode: 'value' | 'code-invalid' | 'required' | 'business-rule';
  /** The payer refuses the request for it (422). */
  refused: boolean;
  /** A required-element rule that says `refuse: true` itself. */
  refuseByRule?: boolean;
  /** member-demographics: the keyed hash of the member id (never the id). */
  memberHash?: string;
}

/** The coding system of our warning kinds in OperationOutcome.issue.details. */
export const QUALITY_SYSTEM = 'urn:priorgate:data-quality';

export const KIND_LABELS: Record<DataQualityKind, string> = {
  'npi-check-digit': 'NPI fails its check digit',
  'member-demographics': 'Member sent before with other demographics',
  'code-not-valid': 'Code not valid on the service date',
  'required-element': 'Element the payer requires is missing',
};

/** Marks the findings the payer refuses: those its rules list, and required elements marked `refuse`. */
export function applyRefusals(findings: Finding[], refuse: readonly DataQualityKind[]): Finding[] {
  return findings.map((f) => ({ ...f, refused: f.refuseByRule === true || refuse.includes(f.kind) }));
}

export function outcomeIssue(f: Pick<Finding, 'kind' | 'expression' | 'message' | 'issueCode' | 'refused'>) {
  return {
    severity: f.refused ? ('error' as const) : ('warning' as const),
    code: f.issueCode,
    details: { coding: [{ system: QUALITY_SYSTEM, code: f.kind, display: KIND_LABELS[f.kind] }], text: KIND_LABELS[f.kind] },
    diagnostics: f.refused ? `${f.message} (this payer refuses such requests)` : f.message,
    expression: [f.expression],
  };
}

/** An OperationOutcome of these findings (the warnings entry of a response, or a 422 body). */
export function qualityOutcome(findings: Pick<Finding, 'kind' | 'expression' | 'message' | 'issueCode' | 'refused'>[]) {
  return { resourceType: 'OperationOutcome', issue: findings.map(outcomeIssue) };
}
