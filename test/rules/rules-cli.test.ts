/**
 * `priorgate rules check` and `rules explain` on real files: the shipped rules copied to a temp dir
 * and changed line by line, so every problem's reported position can be checked exactly
 * (`file:line:column: message`, the line and column of the offending key or value), and what the
 * commands refuse (a path that is not there, a directory with no rule files, an unknown payer or
 * state, a Bundle that is no PAS request) is refused with exit 2 or 1, never a false "ok".
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { eligibilityBundle } from '../eligibility/fixtures.ts';
import { rulesCopy } from './fixtures.ts';

const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the shipped rules with `edits` applied to the lines of its files (1-based line numbers). */
function rulesWith(edits: Record<string, (lines: string[]) => string[]>): string {
  const dir = rulesCopy();
  made.push(dir);
  for (const [file, edit] of Object.entries(edits)) {
    const f = path.join(dir, file);
    writeFileSync(f, edit(readFileSync(f, 'utf8').split('\n')).join('\n'));
  }
  return dir;
}

/** Replaces line `n` (1-based) after checking it is what the test thinks it is. */
const setLine = (n: number, was: string, now: string) => (lines: string[]) => {
  expect(lines[n - 1], `line ${n}`).toBe(was);
  return lines.map((l, i) => (i === n - 1 ? now : l));
};

/** Through `main`, as the `priorgate` command runs: thrown errors become exit codes there. */
const check = (target: string) => runCommand(main, ['rules', 'check', target]);

/** The `file:line:column: message` lines of a check, file names relative to `dir`. */
function problems(out: string, dir: string): string[] {
  return out.trim().split('\n').filter(Boolean).map((l) => l.replace(`${dir}${path.sep}`, ''));
}

describe('rules check: each problem at the line and column of the offending key or value', () => {
  it('unknown keys (nested and top level) and a value of the wrong type', async () => {
    const dir = rulesWith({
      'prior-auth/demo-payer.yaml': (lines) => [
        ...setLine(23, '', '    bogusField: true')(setLine(10, '  maxServiceLines: 20', '  maxServiceLines: twenty')(lines)),
        // The file ends with a newline: line 85 is empty, line 86 the new key.
        'extraKey: 1',
        '',
      ],
      'payers/demo-payer.yaml': setLine(11, '  umoIdQualifier: PI', '  umoIdQualifer: PI'),
    });
    const r = await check(dir);
    expect(r.code, r.text).toBe(1);
    expect(problems(r.stdout, dir).sort()).toEqual(
      [
        'payers/demo-payer.yaml:11:3: x12.umoIdQualifer: unknown key',
        'prior-auth/demo-payer.yaml:10:20: companionGuide.maxServiceLines: Invalid input: expected number, received string',
        'prior-auth/demo-payer.yaml:23:5: services.0.bogusField: unknown key',
        'prior-auth/demo-payer.yaml:86:1: extraKey: unknown key',
      ].sort(),
    );
  });

  it('FHIRPath that does not compile or calls an unknown function, at the expression', async () => {
    const dir = rulesWith({
      'prior-auth/demo-payer.yaml': (lines) =>
        setLine(57, '    when: "%item.quantity.value > 12"', '    when: "%item.quantity.value >"')(
          setLine(47, `            filter: "status = 'completed' and performed.ofType(Period).start <= {today-6w}"`, '            filter: "status.nosuchfunction()"')(lines),
        ),
    });
    const r = await check(dir);
    expect(r.code, r.text).toBe(1);
    const got = problems(r.stdout, dir);
    expect(got.map((p) => p.split(': invalid FHIRPath')[0])).toEqual([
      'prior-auth/demo-payer.yaml:47:21: services.1.documentation.1.anyOf.0.filter',
      'prior-auth/demo-payer.yaml:57:11: services.2.when',
    ]);
  });

  it('an insurer identifier two payers claim, at the identifier itself (routing would be ambiguous)', async () => {
    const dir = rulesWith({ 'prior-auth/demo-fhir-payer.yaml': setLine(4, 'insurerIdentifiers: ["DEMOFHIR"]', 'insurerIdentifiers: ["DEMOFHIR", "DEMOPAYER"]') });
    const r = await check(dir);
    expect(r.code, r.text).toBe(1);
    expect(problems(r.stdout, dir)).toEqual([
      `prior-auth/demo-payer.yaml:5:31: insurerIdentifiers.1: insurer identifier DEMOPAYER already routes to demo-fhir-payer (${path.join(dir, 'prior-auth/demo-fhir-payer.yaml')})`,
    ]);
  });

  it('YAML syntax errors: a repeated key and a tab used as indentation', async () => {
    const dir = rulesWith({
      'prior-auth/demo-payer.yaml': setLine(30, '    # The plan rejects MRI requests that name no diagnosis: warned before sending (refuse: true', '    priorAuth: not-required'),
      'states/ZZ.yaml': setLine(4, 'expeditedHours: 48', '\texpeditedHours: 48'),
    });
    const r = await check(dir);
    expect(r.code, r.text).toBe(1);
    expect(problems(r.stdout, dir)).toEqual(['prior-auth/demo-payer.yaml:30:5: Map keys must be unique', 'states/ZZ.yaml:4:1: Tabs are not allowed as indentation']);
  });
});

describe('rules check: a file, a directory, or an error; never ok on nothing', () => {
  it('a rule file is checked (alone: exit 0 naming it) against the rest of its directory', async () => {
    const dir = rulesWith({});
    const file = path.join(dir, 'prior-auth/demo-payer.yaml');
    const ok = await check(file);
    expect(ok.code, ok.text).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 1 rule file\(s\); prior-auth rules for demo-payer/);
    const dup = rulesWith({ 'prior-auth/demo-fhir-payer.yaml': setLine(4, 'insurerIdentifiers: ["DEMOFHIR"]', 'insurerIdentifiers: ["DEMOFHIR", "DEMOPAYER"]') });
    // The file checked is judged against the others, whichever sorts first.
    const r = await check(path.join(dup, 'prior-auth/demo-fhir-payer.yaml'));
    expect(r.code, r.text).toBe(1);
    expect(problems(r.stdout, dup)).toEqual([`prior-auth/demo-fhir-payer.yaml:4:34: insurerIdentifiers.1: insurer identifier DEMOPAYER already routes to demo-payer (${path.join(dup, 'prior-auth/demo-payer.yaml')})`]);
    const states = await check(path.join(dir, 'states/ZZ.yaml'));
    expect(states.code, states.text).toBe(0);
    const payer = await check(path.join(dir, 'payers/demo-payer.yaml'));
    expect(payer.code, payer.text).toBe(0);
  });

  it('a file outside a rules directory is judged by what it holds', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-rules-file-'));
    made.push(dir);
    writeFileSync(path.join(dir, 'new-plan.yaml'), 'payer: new-plan\ninsurerIdentifiers: ["NEWPLAN"]\ndefaultPriorAuth: required\nservices:\n  - id: mri\n    description: MRI\n    codes: ["72148"]\n    priorAuth: sometimes\n');
    const r = await check(path.join(dir, 'new-plan.yaml'));
    expect(r.code, r.text).toBe(1);
    expect(problems(r.stdout, dir)).toEqual(['new-plan.yaml:8:16: services.0.priorAuth: Invalid option: expected one of "required"|"not-required"']);
    writeFileSync(path.join(dir, 'notes.yaml'), 'hello: world\n');
    const unknown = await check(path.join(dir, 'notes.yaml'));
    expect(unknown.code, unknown.text).toBe(2);
    expect(unknown.stderr).toMatch(/not a rule file/);
  });

  it('a directory with no rule files is an error (exit 1), not "ok: 0 rule file(s)"', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-rules-empty-'));
    made.push(dir);
    const r = await check(dir);
    expect(r.code, r.text).toBe(1);
    expect(r.stdout).not.toMatch(/^ok/);
    expect(r.stderr).toContain(`no rule files in ${dir}`);
  });

  it('a path that does not exist is a usage error (exit 2)', async () => {
    const r = await check('/nonexistent/priorgate-rules');
    expect(r.code, r.text).toBe(2);
    expect(r.stderr).toContain('/nonexistent/priorgate-rules: no such file or directory');
  });
});

describe('rules explain: bad input is exit 2 with a message, as translate does', () => {
  const dir = rulesWith({});
  const surgical = path.join(PAS_EXAMPLES, 'Bundle-SurgicalRequestBundleExample.json');
  const explain = (...args: string[]) => runCommand(main, ['rules', 'explain', ...args, '--rules', dir]);

  it('the IG surgical example at demo-payer is explained (exit 0)', async () => {
    const r = await explain(surgical, '--payer', 'demo-payer', '--state', 'il');
    expect(r.code, r.text).toBe(0);
    expect(r.stdout).toMatch(/^payer demo-payer: /);
    expect(r.stdout).toContain('state:IL');
  });

  it('an unknown payer', async () => {
    const r = await explain(surgical, '--payer', 'nope');
    expect(r.code, r.text).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no payer "nope" in .*\(known: demo-fhir-payer, demo-payer\)/);
  });

  it('a state that is no US state or territory and has no rules file (ZZ has one, so it is accepted)', async () => {
    const r = await explain(surgical, '--payer', 'demo-payer', '--state', 'XX');
    expect(r.code, r.text).toBe(2);
    expect(r.stderr).toMatch(/--state XX is not a US state/);
    expect((await explain(surgical, '--payer', 'demo-payer', '--state', 'ZZ')).code).toBe(0);
    expect((await explain(surgical, '--payer', 'demo-payer', '--state', 'PR')).code).toBe(0);
  });

  it('a Bundle that is not a PAS request (an eligibility Bundle)', async () => {
    mkdirSync(path.join(dir, 'in'), { recursive: true });
    const file = path.join(dir, 'in/eligibility.json');
    writeFileSync(file, JSON.stringify(eligibilityBundle()));
    const r = await explain(file, '--payer', 'demo-payer');
    expect(r.code, r.text).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/not a PAS request Bundle.*CoverageEligibilityRequest/);
  });
});
