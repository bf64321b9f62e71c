/**
 * Loads a rules directory: `prior-auth/*.yaml` (one file per payer) and `states/*.yaml`, checks
 * them across files (ids, references, payer directory) and compiles every FHIRPath expression, so
 * a bad rule is a load problem with file and line, never a surprise at request time.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compileFhirPath, runFhirPath, type Compiled } from './fhirpath.ts';
import { loadPayers } from './payers.ts';
import { PriorAuthFileSchema, StateFileSchema, type PriorAuthRules, type StateRules } from './schema.ts';
import { searchProblems } from './search.ts';
import { parseYamlWith, type RuleProblem, yamlFiles } from './yaml-file.ts';

export interface RuleSet {
  /** Prior-authorization rules by payer id. */
  payers: Record<string, PriorAuthRules & { file: string }>;
  /** State timeframes by USPS code. */
  states: Record<string, StateRules & { file: string }>;
  /** Compiled FHIRPath by expression text. */
  compiled: Map<string, Compiled>;
  files: string[];
}

export function emptyRuleSet(): RuleSet {
  return { payers: {}, states: {}, compiled: new Map(), files: [] };
}

/** Every FHIRPath expression and search of a payer file, with its YAML path. */
function expressionsOf(rules: PriorAuthRules): { at: (string | number)[]; kind: 'fhirpath' | 'search'; text: string }[] {
  const out: { at: (string | number)[]; kind: 'fhirpath' | 'search'; text: string }[] = [];
  rules.services.forEach((s, i) => {
    if (s.when) out.push({ at: ['services', i, 'when'], kind: 'fhirpath', text: s.when });
    s.requiredElements.forEach((r, j) => out.push({ at: ['services', i, 'requiredElements', j, 'expression'], kind: 'fhirpath', text: r.expression }));
    s.documentation.forEach((d, j) => {
      const base = ['services', i, 'documentation', j];
      if (d.search) out.push({ at: [...base, 'search'], kind: 'search', text: d.search });
      if (d.filter) out.push({ at: [...base, 'filter'], kind: 'fhirpath', text: d.filter });
      d.anyOf?.forEach((src, k) => {
        out.push({ at: [...base, 'anyOf', k, 'search'], kind: 'search', text: src.search });
        if (src.filter) out.push({ at: [...base, 'anyOf', k, 'filter'], kind: 'fhirpath', text: src.filter });
      });
    });
  });
  return out;
}

function crossChecks(rules: PriorAuthRules): { at: (string | number)[]; message: string }[] {
  const out: { at: (string | number)[]; message: string }[] = [];
  const ids = new Set<string>();
  rules.services.forEach((s, i) => {
    if (ids.has(s.id)) out.push({ at: ['services', i, 'id'], message: `service id ${s.id} is used twice` });
    ids.add(s.id);
    const docIds = new Set<string>();
    s.documentation.forEach((d, j) => {
      if (docIds.has(d.id)) out.push({ at: ['services', i, 'documentation', j, 'id'], message: `documentation id ${d.id} is used twice in ${s.id}` });
      docIds.add(d.id);
    });
    const required = new Set<string>();
    s.requiredElements.forEach((r, j) => {
      if (required.has(r.id)) out.push({ at: ['services', i, 'requiredElements', j, 'id'], message: `required element id ${r.id} is used twice in ${s.id}` });
      required.add(r.id);
    });
    if (s.priorAuth === 'not-required' && s.documentation.length) out.push({ at: ['services', i, 'documentation'], message: 'documentation is only asked for services that require prior authorization' });
  });
  rules.goldCard.forEach((g, i) =>
    g.services.forEach((id, k) => {
      if (!ids.has(id)) out.push({ at: ['goldCard', i, 'services', k], message: `gold card names unknown service ${id}` });
    }),
  );
  return out;
}

function loadPayerRules(file: string, set: RuleSet, knownPayers: Set<string> | undefined, problems: RuleProblem[]) {
  const text = readFileSync(file, 'utf8');
  const parsed = parseYamlWith(file, text, PriorAuthFileSchema);
  if (!parsed.ok) return void problems.push(...parsed.problems);
  const rules = parsed.value;
  const local: RuleProblem[] = [];
  const problem = (at: (string | number)[], message: string) => local.push({ file, ...parsed.locate(at), message: `${at.join('.')}: ${message}` });
  if (set.payers[rules.payer]) problem(['payer'], `payer ${rules.payer} already has rules in ${set.payers[rules.payer]!.file}`);
  if (knownPayers && !knownPayers.has(rules.payer)) problem(['payer'], `no payer ${rules.payer} in the payer directory (payers/)`);
  // One identifier, one payer: routing (PayerRegistry.forInsurer) must not depend on file order.
  rules.insurerIdentifiers.forEach((id, i) => {
    const other = Object.values(set.payers).find((o) => o.insurerIdentifiers.includes(id));
    if (other) problem(['insurerIdentifiers', i], `insurer identifier ${id} already routes to ${other.payer} (${other.file})`);
  });
  for (const c of crossChecks(rules)) problem(c.at, c.message);
  for (const e of expressionsOf(rules)) {
    if (e.kind === 'search') {
      for (const message of searchProblems(e.text)) problem(e.at, message);
      continue;
    }
    if (set.compiled.has(e.text)) continue;
    const compiled = compileFhirPath(e.text);
    if (!compiled.ok) {
      problem(e.at, `invalid FHIRPath: ${compiled.error}`);
      continue;
    }
    // A dry run on an empty resource catches what parsing cannot (unknown functions).
    const probe = runFhirPath(compiled.fn, { resourceType: 'Bundle' }, { today: '2000-01-01', item: {}, claim: {} });
    if (!probe.ok) problem(e.at, `invalid FHIRPath: ${probe.error}`);
    else set.compiled.set(e.text, compiled.fn);
  }
  if (local.length) return void problems.push(...local);
  set.payers[rules.payer] = { ...rules, file };
}

function loadStateRules(file: string, set: RuleSet, problems: RuleProblem[]) {
  const text = readFileSync(file, 'utf8');
  const parsed = parseYamlWith(file, text, StateFileSchema);
  if (!parsed.ok) return void problems.push(...parsed.problems);
  const s = parsed.value;
  if (set.states[s.state]) return void problems.push({ file, ...parsed.locate(['state']), message: `state: ${s.state} is already defined in ${set.states[s.state]!.file}` });
  set.states[s.state] = { ...s, file };
}

export interface LoadedRules {
  ruleSet: RuleSet;
  problems: RuleProblem[];
  /** The payer directory (`payers/`): its files, and the file of each payer id that loaded; absent when there is none. */
  directory?: { files: string[]; fileOf: Record<string, string> };
}

/**
 * Loads and checks every rule file under `dir`. Problems never throw; the rule set holds what
 * loaded cleanly (callers that hot-reload keep their previous set while problems exist).
 * `last`: a file of `dir` read after the others of its folder, so problems between it and another
 * file (an insurer identifier two payers claim) are reported in it (`rules check FILE`).
 * @example const { ruleSet, problems } = loadRuleSet('rules'); if (problems.length) report(formatProblems(problems));
 */
export function loadRuleSet(dir: string, opts: { last?: string } = {}): LoadedRules {
  if (!existsSync(dir)) return { ruleSet: emptyRuleSet(), problems: [{ file: dir, line: 0, message: 'rules directory not found' }] };
  let directory: LoadedRules['directory'];
  const problems: RuleProblem[] = [];
  if (existsSync(path.join(dir, 'payers'))) {
    const payers = loadPayers(path.join(dir, 'payers'), opts);
    problems.push(...payers.problems);
    directory = { files: payers.files, fileOf: payers.fileOf };
  }
  const loaded = loadRuleFiles({ priorAuth: yamlFiles(path.join(dir, 'prior-auth'), opts.last), states: yamlFiles(path.join(dir, 'states'), opts.last), knownPayers: directory && new Set(Object.keys(directory.fileOf)) });
  return { ruleSet: loaded.ruleSet, problems: [...problems, ...loaded.problems], ...(directory ? { directory } : {}) };
}

/**
 * Loads prior-auth and state rule files given by name (in this order), checked against each other
 * and, when `knownPayers` is given, against the payer directory.
 */
export function loadRuleFiles(files: { priorAuth?: string[]; states?: string[]; knownPayers?: Set<string> }): { ruleSet: RuleSet; problems: RuleProblem[] } {
  const set = emptyRuleSet();
  const problems: RuleProblem[] = [];
  for (const file of files.priorAuth ?? []) {
    set.files.push(file);
    loadPayerRules(file, set, files.knownPayers, problems);
  }
  for (const file of files.states ?? []) {
    set.files.push(file);
    loadStateRules(file, set, problems);
  }
  return { ruleSet: set, problems };
}

/** The payer whose rules list one of the Claim.insurer identifiers. */
export function payerForInsurer(set: RuleSet, identifiers: string[]): string | undefined {
  const ids = new Set(identifiers.map((i) => i.trim()));
  return Object.values(set.payers).find((p) => p.insurerIdentifiers.some((i) => ids.has(i)))?.payer;
}
