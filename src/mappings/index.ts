/**
 * mappings: regression safety for the PAS ⇄ X12 translation. `checkMappings` translates every golden
 * case again (mappings/cases.yaml) and says, per case, whether the output is what was accepted
 * before; `accept` records the new output. `priorgate check-mappings` and CI run it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PayerConfig } from '../rules/payers.ts';
import { loadManifest, translateCase, type MappingCase } from './cases.ts';
import { lineDiff } from './diff.ts';

export { lineDiff } from './diff.ts';
export { loadManifest, translateCase, segmentsOf, type Manifest, type MappingCase } from './cases.ts';

export interface CaseResult {
  id: string;
  direction: MappingCase['direction'];
  /** same: as accepted; changed: differs (diff); new: no expected file yet; failed: could not translate. */
  status: 'same' | 'changed' | 'new' | 'failed';
  expectedFile: string;
  diff?: string;
  error?: string;
  actual?: string;
}

/** Translates the cases again and compares (nothing is written). */
export function checkMappings(opts: { dir: string; payers: PayerConfig[]; senderId: string; only?: string[] }): { ok: true; results: CaseResult[] } | { ok: false; problems: { file: string; line: number; message: string }[] } {
  const file = path.join(opts.dir, 'cases.yaml');
  if (!existsSync(file)) return { ok: false, problems: [{ file, line: 0, message: 'no cases.yaml in the mappings directory' }] };
  const loaded = loadManifest(file);
  if (!loaded.ok) return loaded;
  const { manifest } = loaded;
  const unknown = (opts.only ?? []).filter((id) => !manifest.cases.some((c) => c.id === id));
  if (unknown.length) return { ok: false, problems: unknown.map((id) => ({ file, line: 0, message: `no case ${id}` })) };
  const now = new Date(manifest.clock);
  const results = manifest.cases
    .filter((c) => !opts.only?.length || opts.only.includes(c.id))
    .map((c): CaseResult => {
      const expectedFile = path.resolve(opts.dir, c.expected);
      const base = { id: c.id, direction: c.direction, expectedFile };
      let actual: string;
      try {
        actual = translateCase(c, { dir: opts.dir, now, payers: opts.payers, senderId: opts.senderId });
      } catch (e) {
        return { ...base, status: 'failed', error: (e as Error).message };
      }
      if (!existsSync(expectedFile)) return { ...base, status: 'new', actual };
      const expected = readFileSync(expectedFile, 'utf8');
      return expected === actual ? { ...base, status: 'same' } : { ...base, status: 'changed', diff: lineDiff(expected, actual), actual };
    });
  return { ok: true, results };
}

/** Records the new output of changed and new cases as their expected files. */
export function acceptResults(results: CaseResult[]): CaseResult[] {
  const accepted = results.filter((r) => (r.status === 'changed' || r.status === 'new') && r.actual !== undefined);
  for (const r of accepted) {
    mkdirSync(path.dirname(r.expectedFile), { recursive: true });
    writeFileSync(r.expectedFile, r.actual!);
  }
  return accepted;
}
