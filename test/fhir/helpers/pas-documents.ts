/**
 * Every PAS document the validators can be compared on, read in place (nothing is copied into the
 * repository): the IG 2.2.1 examples and the Inferno kit fixtures of the shared corpus, and — when
 * the kit's repository is on this machine (PRIORGATE_PAS_KIT_GIT, else the workspace mirror) —
 * every JSON file of the kit, including the Bundles its presets and Postman collections carry as
 * JSON text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORPUS_DIR } from '../../helpers/corpus.ts';

export interface PasDocument {
  /** Where it came from: `examples/…`, `inferno-fixtures/…`, `kit:lib/…#inputs[3].value`. */
  name: string;
  value: unknown;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KIT_GIT = process.env['PRIORGATE_PAS_KIT_GIT'] ?? path.resolve(root, '../.mirror/inferno-framework+davinci-pas-test-kit/repo');

/** FHIR resources inside a JSON value: itself, nested objects, and strings holding JSON. */
function resourcesIn(value: unknown, where: string, out: PasDocument[]): void {
  if (typeof value === 'string') {
    const text = value.trim();
    if (!text.startsWith('{') || !text.includes('"resourceType"')) return;
    try {
      resourcesIn(JSON.parse(text), where, out);
    } catch {
      // prose that merely looks like JSON
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (!Array.isArray(value) && typeof (value as { resourceType?: unknown }).resourceType === 'string') {
    out.push({ name: where, value });
    return;
  }
  for (const [key, child] of Object.entries(value)) resourcesIn(child, Array.isArray(value) ? `${where}[${key}]` : `${where}.${key}`, out);
}

function corpusDocuments(folder: string): PasDocument[] {
  const dir = path.join(CORPUS_DIR, 'pas-2.2.1', folder);
  const out: PasDocument[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    resourcesIn(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), `${folder}/${file}`, out);
  }
  return out;
}

function git(args: string[], input?: string): Buffer {
  const r = spawnSync('git', ['--git-dir', KIT_GIT, ...args], { input, maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout;
}

/** The kit's JSON files (fixtures, presets, Postman collections, expected outputs), or none. */
function kitDocuments(): PasDocument[] {
  if (!existsSync(KIT_GIT)) return [];
  const files = git(['ls-tree', '-r', '--name-only', 'HEAD'])
    .toString('utf8')
    .split('\n')
    .filter((f) => f.endsWith('.json'))
    .sort();
  // One `git cat-file --batch` for all of them: "<oid> blob <size>\n<content>\n" each.
  const batch = git(['cat-file', '--batch'], files.map((f) => `HEAD:${f}\n`).join(''));
  const out: PasDocument[] = [];
  let at = 0;
  for (const file of files) {
    const eol = batch.indexOf(10, at);
    const header = batch.subarray(at, eol).toString('utf8').split(' ');
    const size = Number(header[2]);
    const content = header[1] === 'blob' ? batch.subarray(eol + 1, eol + 1 + size).toString('utf8') : '';
    at = header[1] === 'blob' ? eol + 1 + size + 1 : eol + 1;
    try {
      resourcesIn(JSON.parse(content), `kit:${file}`, out);
    } catch {
      // not JSON after all
    }
  }
  return out;
}

let cached: { documents: PasDocument[]; kit: boolean } | undefined;

/**
 * The IG examples, the corpus's kit fixtures and (when available) the whole kit, each distinct
 * document once (the kit repeats its fixtures in presets and expected outputs).
 */
export function pasDocuments(): { documents: PasDocument[]; kit: boolean } {
  if (!cached) {
    const kit = kitDocuments();
    const seen = new Set<string>();
    const documents = [...corpusDocuments('examples'), ...corpusDocuments('inferno-fixtures'), ...kit].filter((d) => {
      const text = JSON.stringify(d.value);
      if (seen.has(text)) return false;
      seen.add(text);
      return true;
    });
    cached = { documents, kit: kit.length > 0 };
  }
  return cached;
}
