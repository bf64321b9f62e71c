/**
 * `priorgate check-mappings [--dir DIR] [--case ID]... [--accept]`: translates the golden PAS ⇄ X12
 * cases again (mappings/cases.yaml; the payers' X12 identifiers from the rules directory) and
 * reports every case whose output changed, with a diff. Exit 0 nothing changed (or, with
 * `--accept`, the new output recorded), 1 changes (or a case that no longer translates),
 * 2 an unreadable manifest (problems as file:line: message).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.ts';
import { acceptResults, checkMappings } from '../../mappings/index.ts';
import { loadPayers } from '../../rules/payers.ts';
import { formatProblems } from '../../rules/yaml-file.ts';
import { type CliIo, EXIT, println } from '../io.ts';

const DEFAULT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../mappings');

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { dir: { type: 'string' }, case: { type: 'string', multiple: true }, accept: { type: 'boolean' } } });
  const config = loadConfig(io.env);
  const dir = path.resolve(values.dir ?? DEFAULT_DIR);
  const payers = loadPayers(path.join(config.rulesDir, 'payers'));
  if (payers.problems.length) {
    println(io.stderr, formatProblems(payers.problems));
    return EXIT.usage;
  }
  const checked = checkMappings({ dir, payers: payers.payers, senderId: config.x12SenderId, only: values.case });
  if (!checked.ok) {
    println(io.stderr, formatProblems(checked.problems));
    return EXIT.usage;
  }
  const { results } = checked;
  for (const r of results) {
    if (r.status === 'same') println(io.stdout, `ok       ${r.id}`);
    else if (r.status === 'new') println(io.stdout, `new      ${r.id} (no ${path.relative(dir, r.expectedFile)} yet)`);
    else if (r.status === 'failed') println(io.stdout, `FAILED   ${r.id}: ${r.error}`);
    else println(io.stdout, `CHANGED  ${r.id} (${path.relative(dir, r.expectedFile)})\n${r.diff}`);
  }
  const failed = results.filter((r) => r.status === 'failed');
  const changed = results.filter((r) => r.status === 'changed' || r.status === 'new');
  if (values.accept) {
    const accepted = acceptResults(results);
    println(io.stdout, `${results.length} cases: ${accepted.length} accepted, ${failed.length} failed`);
    return failed.length ? EXIT.failed : EXIT.ok;
  }
  println(io.stdout, `${results.length} cases: ${results.length - changed.length - failed.length} unchanged, ${changed.length} changed, ${failed.length} failed`);
  if (changed.length || failed.length) {
    println(io.stderr, 'the translated output differs from the accepted golden files; if the change is intended, run: priorgate check-mappings --accept');
    return EXIT.failed;
  }
  return EXIT.ok;
}
