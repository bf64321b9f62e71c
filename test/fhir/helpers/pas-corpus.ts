/** Reads the shared PAS 2.2.1 corpus in place (never copied into the repo); tests mutate deep copies. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Bundle } from '../../../src/fhir/bundle.ts';
import type { ValidationIssue } from '../../../src/fhir/validate/index.ts';
import { CORPUS_DIR } from '../../helpers/corpus.ts';

export const CORPUS = CORPUS_DIR;
const PAS = path.join(CORPUS, 'pas-2.2.1');

/** A fresh copy of an IG example, e.g. `Bundle-SurgicalRequestBundleExample.json`. */
export function pasExample(name: string): Bundle {
  return JSON.parse(readFileSync(path.join(PAS, 'examples', name), 'utf8')) as Bundle;
}

export function pasExampleNames(pattern: RegExp): string[] {
  return readdirSync(path.join(PAS, 'examples')).filter((f) => pattern.test(f)).sort();
}

/** A fresh copy of an Inferno PAS test kit fixture. */
export function infernoFixture(name: string): Bundle {
  return JSON.parse(readFileSync(path.join(PAS, 'inferno-fixtures', name), 'utf8')) as Bundle;
}

export const errorsOf = (issues: ValidationIssue[]): ValidationIssue[] => issues.filter((i) => i.severity === 'error');

/** Assertion message: the issues, one a line, so a failure shows what the validator said. */
export function show(issues: ValidationIssue[]): string {
  return issues.length ? issues.map((i) => `${i.severity} ${i.code} ${i.expression}: ${i.diagnostics}`).join('\n') : '(no issues)';
}
