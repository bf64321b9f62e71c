/**
 * Shared by test/quality: a copy of the project's rules/ with some files changed (payer rules that
 * require elements or refuse warnings, tighter health thresholds), and small readers of the
 * warnings entry of a response Bundle.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../rules');

/** A temporary copy of rules/ with `edit(text)` applied to the named files (relative paths). */
export function rulesCopy(edits: Record<string, (text: string) => string> = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-quality-rules-'));
  cpSync(RULES, dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const at = path.join(dir, file);
    writeFileSync(at, edit(readFileSync(at, 'utf8')));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Issue {
  severity: string;
  code: string;
  details: { coding: { system: string; code: string }[] };
  diagnostics: string;
  expression: string[];
}

/** The data-quality issues of a response Bundle (its OperationOutcome entry), or of an OperationOutcome. */
export function qualityIssues(body: any): Issue[] {
  const outcome = body?.resourceType === 'OperationOutcome' ? body : body?.entry?.find((e: any) => e.resource?.resourceType === 'OperationOutcome')?.resource;
  return (outcome?.issue ?? []).filter((i: Issue) => i.details?.coding?.[0]?.system === 'urn:priorgate:data-quality');
}

export const kindsOf = (issues: Issue[]) => issues.map((i) => i.details.coding[0]!.code).sort();
