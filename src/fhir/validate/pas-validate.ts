/**
 * The validator the gateway uses: the compiled engine, and the reference (@medplum/core) whenever
 * the compiled engine says it does not handle an input. Both give the same issues (the
 * differential test, test/fhir/validate-differential.test.ts, holds them to it); the compiled one
 * is more than ten times faster (`npm run bench -- validate`).
 */
import { compiledEngine, precompile } from './compiled/engine.ts';
import { interpretedExpressions } from './compiled/fhirpath.ts';
import { countFallback, fallbackCounts, Unsupported, type UnsupportedReason } from './compiled/unsupported.ts';
import { loadDefinitions } from './definitions.ts';
import { referenceEngine } from './engine.ts';
import { preloadPasProfiles, profileLookup, validatePasBundleWith } from './pas-bundle.ts';
import type { BundleKind } from './pas-checks.ts';
import type { ValidationIssue } from './types.ts';

/**
 * Validates a Da Vinci PAS 2.2.1 prior-authorization request Bundle (`Claim/$submit` input).
 * Returns every issue found; the Bundle is acceptable when none has severity `error`.
 * @example
 * validatePasRequestBundle({ resourceType: 'Bundle', type: 'collection', entry: [] })
 * // [{ severity: 'error', code: 'required', expression: 'Bundle.identifier', diagnostics: '…' }, …]
 */
export function validatePasRequestBundle(bundle: unknown): ValidationIssue[] {
  return validatePasBundle(bundle, 'request');
}

/** Validates a PAS 2.2.1 inquiry request Bundle (`Claim/$inquire` input). */
export function validatePasInquiryBundle(bundle: unknown): ValidationIssue[] {
  return validatePasBundle(bundle, 'inquiry');
}

/**
 * Validates a PAS 2.2.1 response Bundle (`Claim/$submit` output, and what Subscription
 * notifications carry): ClaimResponse first (spec-30), PAS Claim Response and every profile its
 * references and extensions name, sub-extension urls and extension contexts as the HL7 validator
 * checks them, and the Quantity rules prof-2/prof-3.
 */
export function validatePasResponseBundle(bundle: unknown): ValidationIssue[] {
  return validatePasBundle(bundle, 'response');
}

/** Validates a PAS 2.2.1 inquiry response Bundle (each `return` of `Claim/$inquire`). */
export function validatePasInquiryResponseBundle(bundle: unknown): ValidationIssue[] {
  return validatePasBundle(bundle, 'inquiry-response');
}

/** Compiled validation, falling back to the reference for what the compiled engine does not model. */
export function validatePasBundle(bundle: unknown, kind: BundleKind): ValidationIssue[] {
  const compiled = compiledValidation(bundle, kind);
  if ('issues' in compiled) return compiled.issues;
  countFallback(compiled.unsupported);
  return referenceValidation(bundle, kind);
}

/** The reference alone: @medplum/core's validator, level by level (slow; for comparison). */
export function referenceValidation(bundle: unknown, kind: BundleKind): ValidationIssue[] {
  return validatePasBundleWith(bundle, kind, referenceEngine);
}

/** The compiled engine alone: its issues, or why it declined this input. */
export function compiledValidation(bundle: unknown, kind: BundleKind): { issues: ValidationIssue[] } | { unsupported: UnsupportedReason } {
  try {
    return { issues: validatePasBundleWith(bundle, kind, compiledEngine) };
  } catch (err) {
    if (err instanceof Unsupported) return { unsupported: err.reason };
    throw err;
  }
}

/**
 * Loads the definitions and compiles every PAS profile, its levels and every FHIR type they reach,
 * now rather than on the first requests that need them. Optional: validation does it lazily.
 * @returns how many schemas were compiled
 */
export function preloadPasDefinitions(): number {
  preloadPasProfiles();
  const defs = loadDefinitions();
  return precompile(defs, profileLookup(defs), defs.profiles.keys());
}

export interface CompiledCoverage {
  /** Types and profile levels compiled so far. */
  schemas: number;
  /** FHIRPath expressions met so far that run on @medplum/core's interpreter instead of compiled code. */
  interpreted: string[];
  /** Validations handed to the reference since start, by reason. */
  fallbacks: Record<string, number>;
}

/** What the compiled validator does not cover, and how often that mattered (for operators and tests). */
export function compiledCoverage(): CompiledCoverage {
  const defs = loadDefinitions();
  return {
    schemas: precompile(defs, profileLookup(defs), []),
    interpreted: interpretedExpressions(),
    fallbacks: fallbackCounts(),
  };
}
