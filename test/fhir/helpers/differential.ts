/**
 * Runs the compiled validator and the reference (@medplum/core, level by level) on the same input
 * and says how they differ: in verdict, or in any issue (severity, code, expression, and wording
 * without the trailing "(profile)" that names which level reported it first).
 */
import { compiledValidation, hasErrors, referenceValidation, type ValidationIssue } from '../../../src/fhir/validate/index.ts';

export type Kind = 'request' | 'inquiry';

export interface Comparison {
  /** False when the compiled engine declined (the gateway then uses the reference). */
  handled: boolean;
  reason?: string;
  /** Issues only the reference reported / only the compiled validator reported. */
  missing: string[];
  extra: string[];
  verdictDiffers: boolean;
}

export const issueKey = (i: ValidationIssue): string => `${i.severity}|${i.code}|${i.expression}|${i.diagnostics.replace(/ \([^()]*\)$/, '')}`;

export function compare(value: unknown, kind: Kind): Comparison {
  const compiled = compiledValidation(value, kind);
  if ('unsupported' in compiled) return { handled: false, reason: compiled.unsupported, missing: [], extra: [], verdictDiffers: false };
  const reference = referenceValidation(value, kind);
  const ours = new Set(compiled.issues.map(issueKey));
  const theirs = new Set(reference.map(issueKey));
  return {
    handled: true,
    missing: [...theirs].filter((k) => !ours.has(k)),
    extra: [...ours].filter((k) => !theirs.has(k)),
    verdictDiffers: hasErrors(compiled.issues) !== hasErrors(reference),
  };
}

export const agrees = (c: Comparison): boolean => !c.verdictDiffers && c.missing.length === 0 && c.extra.length === 0;

/** Assertion message: what differs. */
export function describe(name: string, c: Comparison): string {
  return [`${name}:`, ...c.missing.map((k) => `  only the reference: ${k}`), ...c.extra.map((k) => `  only compiled:      ${k}`)].join('\n');
}
