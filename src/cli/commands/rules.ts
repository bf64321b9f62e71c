/**
 * `priorgate rules check [DIR|FILE]`: validates the rule files (payer directory, prior-auth rules,
 * state timeframes) of a rules directory, one of its folders or one file, and prints each problem as
 * `file:line:column: message` (exit 0 valid; 1 invalid or no rule files; 2 no such path).
 * `priorgate rules explain FILE|- --payer ID [--state XX] [--json]`: which rules fire for a PAS
 * request Bundle and why (exit 0; 2 when the input is not a PAS request Bundle, or the payer or
 * state is unknown).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.ts';
import type { Bundle } from '../../fhir/bundle.ts';
import { checkRules, evaluatePriorAuth, formatProblems, loadRuleSet, type RuleDecision, USPS_STATES } from '../../rules/index.ts';
import { type CliIo, EXIT, println, readInput } from '../io.ts';
import { usageOf } from '../help.ts';

const USAGE = usageOf('rules');

function rulesDir(io: CliIo, given?: string): string {
  return given ?? io.env.PRIORGATE_RULES_DIR ?? loadConfig(io.env).rulesDir;
}

async function check(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const target = rulesDir(io, positionals[0]);
  // A path that is not there throws (exit 2); a rules directory, rule folder or rule file is checked.
  const r = checkRules(target);
  if (r.problems.length) {
    println(io.stdout, formatProblems(r.problems));
    println(io.stderr, `${r.problems.length} problem(s) in ${target}`);
    return EXIT.failed;
  }
  if (r.files.length === 0) {
    println(io.stderr, `rules check: no rule files in ${target} (expected .yaml files under payers/, prior-auth/ or states/, or a rule file)`);
    return EXIT.failed;
  }
  const parts = [
    `ok: ${r.files.length} rule file(s)`,
    ...(r.directory.length ? [`payer directory: ${r.directory.join(', ')}`] : []),
    ...(r.payers.length ? [`prior-auth rules for ${r.payers.join(', ')}`] : []),
    ...(r.states.length ? [`state timeframes for ${r.states.join(', ')}`] : []),
  ];
  println(io.stdout, parts.join('; '));
  return EXIT.ok;
}

export function formatDecision(d: RuleDecision, payerId: string): string {
  const lines = [`payer ${payerId}: ${d.outcome} (decision due within ${d.deadlineHours} h, ${d.urgency}, ${d.deadlineSource})`];
  for (const item of d.items) lines.push(`  item ${item.sequence} ${item.code ?? '?'}: ${item.outcome}${item.service ? ` by rule ${item.service}` : ''}`);
  lines.push('trace:');
  for (const s of d.trace) {
    const where = s.item !== undefined ? `item ${s.item} ` : '';
    lines.push(`  ${where}${s.rule} → ${s.result}${s.detail ? ` (${s.detail})` : ''}  ${JSON.stringify(s.inputs)}`);
  }
  if (d.documentation.length) {
    lines.push('documentation:');
    for (const doc of d.documentation) {
      lines.push(`  ${doc.service}/${doc.id} (item ${doc.item}): ${doc.satisfied ? `satisfied by ${doc.satisfiedBy.join(', ')}` : 'to fetch'} — ${doc.description}`);
      for (const src of doc.sources) lines.push(`    ${src.search}${src.filter ? `  where ${src.filter}` : ''}`);
    }
  }
  if (d.companionGuide.exceeded) lines.push(`companion guide: more than ${d.companionGuide.maxServiceLines} service lines`);
  for (const e of d.errors) lines.push(`error: ${e}`);
  return lines.join('\n');
}

/** Why `bundle` is not a PAS request Bundle (a Bundle whose first entry is a preauthorization Claim), if it is not. */
function notPasRequest(bundle: unknown): string | undefined {
  const b = bundle as { resourceType?: unknown; entry?: { resource?: { resourceType?: unknown; use?: unknown } }[] } | null;
  if (!b || typeof b !== 'object' || b.resourceType !== 'Bundle') return `it is ${b && typeof b === 'object' && typeof b.resourceType === 'string' ? `a ${b.resourceType}` : 'no FHIR resource'}, not a Bundle`;
  const first = Array.isArray(b.entry) ? b.entry[0]?.resource : undefined;
  if (first?.resourceType !== 'Claim') return `its first entry is ${typeof first?.resourceType === 'string' ? `a ${first.resourceType}` : 'missing'}, not a Claim`;
  if (first.use !== 'preauthorization') return `its Claim has use ${JSON.stringify(first.use ?? null)}, not preauthorization`;
  return undefined;
}

async function explain(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { payer: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' }, rules: { type: 'string' } } });
  const file = positionals[0];
  if (!file || !values.payer) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  let bundle: Bundle;
  try {
    bundle = JSON.parse(await readInput(file, io)) as Bundle;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw e;
    println(io.stderr, 'rules explain: the input is not valid JSON');
    return EXIT.usage;
  }
  // Refused like translate refuses: an answer about the wrong input would read as a real one.
  const notPas = notPasRequest(bundle);
  if (notPas) {
    println(io.stderr, `rules explain: the input is not a PAS request Bundle: ${notPas}`);
    return EXIT.usage;
  }
  const dir = rulesDir(io, values.rules);
  const { ruleSet, problems, directory } = loadRuleSet(dir);
  if (problems.length) println(io.stderr, `warning: rule problems (those files are ignored):\n${formatProblems(problems)}`);
  // A payer of the payer directory (it may have no prior-auth rules: the payer decides) or of the rules.
  const known = [...new Set([...Object.keys(directory?.fileOf ?? {}), ...Object.keys(ruleSet.payers)])].sort();
  if (!known.includes(values.payer)) {
    println(io.stderr, `rules explain: no payer "${values.payer}" in ${dir} (known: ${known.join(', ') || 'none'})`);
    return EXIT.usage;
  }
  const state = values.state?.trim().toUpperCase();
  if (state !== undefined && !USPS_STATES.has(state) && !ruleSet.states[state]) {
    println(io.stderr, `rules explain: --state ${values.state} is not a US state, territory or a state of ${dir}/states (a USPS code such as IL)`);
    return EXIT.usage;
  }
  const decision = evaluatePriorAuth(ruleSet, { bundle, payerId: values.payer, now: new Date(), ...(state ? { state } : {}) });
  println(io.stdout, values.json ? JSON.stringify(decision, null, 2) : formatDecision(decision, values.payer));
  return EXIT.ok;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'check') return check(rest, io);
  if (sub === 'explain') return explain(rest, io);
  println(io.stderr, USAGE);
  return EXIT.usage;
}
