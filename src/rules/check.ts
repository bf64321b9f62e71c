/**
 * What `priorgate rules check TARGET` checks. TARGET is a rules directory (`payers/`, `prior-auth/`,
 * `states/`), one of those folders, or one rule file. A file inside a rules directory is checked
 * against the rest of it (payer directory, other payers' insurer identifiers, states defined twice),
 * as the gateway will load it; a file elsewhere is checked alone, its kind told by what it holds.
 * A target with no rule files is reported as such, never as valid.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { AppError } from '../errors/index.ts';
import { loadRuleFiles, loadRuleSet } from './load.ts';
import { loadYamlFile, type RuleProblem } from './yaml-file.ts';
import { PayerSchema } from './payers.ts';

/** The rule folders, and the top-level key that tells a stray file of each kind. */
const KINDS = { payers: 'connector', 'prior-auth': 'payer', states: 'state' } as const;
type Kind = keyof typeof KINDS;
const isKind = (name: string): name is Kind => Object.hasOwn(KINDS, name);

export interface RulesCheck {
  /** Every rule file checked. */
  files: string[];
  problems: RuleProblem[];
  /** Payer directory entries, payers with prior-auth rules and states with timeframes that loaded. */
  directory: string[];
  payers: string[];
  states: string[];
}

const inside = (file: string, dir: string) => path.resolve(file).startsWith(path.resolve(dir) + path.sep);

function checkDirectory(dir: string, only?: string): RulesCheck {
  const loaded = loadRuleSet(dir);
  const mine = (file: string) => !only || inside(file, only);
  return {
    files: [...(loaded.directory?.files ?? []), ...loaded.ruleSet.files].filter(mine),
    problems: loaded.problems.filter((p) => mine(p.file)),
    directory: Object.entries(loaded.directory?.fileOf ?? {}).filter(([, f]) => mine(f)).map(([id]) => id),
    payers: Object.values(loaded.ruleSet.payers).filter((p) => mine(p.file)).map((p) => p.payer),
    states: Object.values(loaded.ruleSet.states).filter((s) => mine(s.file)).map((s) => s.state),
  };
}

/** The kind of a file outside a rules directory, by its top-level keys; undefined when it cannot be told. */
function kindByContent(file: string): Kind | 'unreadable' | undefined {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length) return 'unreadable';
  if (!isMap(doc.contents)) return undefined;
  const keys = new Set(doc.contents.items.map((p) => String((p.key as { value?: unknown } | null)?.value)));
  return (Object.keys(KINDS) as Kind[]).find((k) => keys.has(KINDS[k]));
}

function checkFile(file: string): RulesCheck {
  if (!/\.ya?ml$/.test(file)) throw new AppError('invalid', `${file}: not a rule file (rule files are .yaml)`);
  const folder = path.basename(path.dirname(file));
  if (isKind(folder)) {
    // Inside a rules directory: loaded with all of it, this file last; its problems only.
    const root = path.dirname(path.dirname(file));
    const loaded = loadRuleSet(root, { last: file });
    const same = (f: string) => path.resolve(f) === path.resolve(file);
    return {
      files: [file],
      problems: loaded.problems.filter((p) => same(p.file)),
      directory: Object.entries(loaded.directory?.fileOf ?? {}).filter(([, f]) => same(f)).map(([id]) => id),
      payers: Object.values(loaded.ruleSet.payers).filter((p) => same(p.file)).map((p) => p.payer),
      states: Object.values(loaded.ruleSet.states).filter((s) => same(s.file)).map((s) => s.state),
    };
  }
  const kind = kindByContent(file);
  if (kind === undefined) throw new AppError('invalid', `${file}: not a rule file (no top-level payer:, state: or connector: key, and not under payers/, prior-auth/ or states/)`);
  if (kind === 'payers' || kind === 'unreadable') {
    // A syntax error is the same problem whatever the kind: reported with its line by the YAML reader.
    const r = loadYamlFile(file, PayerSchema);
    return { files: [file], problems: r.ok ? [] : r.problems, directory: r.ok ? [r.value.id] : [], payers: [], states: [] };
  }
  const loaded = loadRuleFiles(kind === 'prior-auth' ? { priorAuth: [file] } : { states: [file] });
  return { files: [file], problems: loaded.problems, directory: [], payers: Object.keys(loaded.ruleSet.payers), states: Object.keys(loaded.ruleSet.states) };
}

/**
 * Checks a rules directory, rule folder or rule file. A path that is not there is an AppError
 * (`not_found`); no rule files at all comes back as `files: []` for the caller to refuse.
 * @example const r = checkRules('rules/prior-auth/demo-payer.yaml'); r.problems // [] when valid
 */
export function checkRules(target: string): RulesCheck {
  if (!existsSync(target)) throw new AppError('not_found', `${target}: no such file or directory`);
  if (!statSync(target).isDirectory()) return checkFile(target);
  const hasFolders = Object.keys(KINDS).some((k) => existsSync(path.join(target, k)));
  if (hasFolders) return checkDirectory(target);
  // One rule folder of a rules directory: checked with the rest of it, its own files reported.
  if (isKind(path.basename(path.resolve(target)))) return checkDirectory(path.join(target, '..'), target);
  return { files: [], problems: [], directory: [], payers: [], states: [] };
}
