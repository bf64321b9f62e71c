import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/rules.ts';
import { loadRuleSet, payerForInsurer } from '../../src/rules/index.ts';
import { pasBundle, RULES_DIR, rulesCopy } from './fixtures.ts';
import { captureIo } from '../helpers/cli-io.ts';

/** A copy of the shipped rules with one prior-auth file replaced. */
function withPayerFile(text: string): { dir: string; file: string } {
  const dir = rulesCopy();
  const file = path.join(dir, 'prior-auth/demo-payer.yaml');
  writeFileSync(file, text);
  return { dir, file };
}

const HEAD = ['payer: demo-payer', 'services:', '  - id: mri', '    description: MRI', '    codes: ["72148"]', '    priorAuth: required'];

describe('loading rule files', () => {
  it('reports a YAML syntax error with file and line', () => {
    const { dir, file } = withPayerFile(['payer: demo-payer', 'services:', '  - id: mri', '    codes: [72148', '    priorAuth: required'].join('\n'));
    const { problems } = loadRuleSet(dir);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file, line: expect.any(Number) });
    expect(problems[0]!.line).toBeGreaterThanOrEqual(4);
  });

  it('reports a schema error with the line and path of the offending value', () => {
    const { dir, file } = withPayerFile([...HEAD.slice(0, 5), '    priorAuth: maybe'].join('\n'));
    const { problems } = loadRuleSet(dir);
    expect(problems).toEqual([{ file, line: 6, column: 16, message: expect.stringMatching(/^services\.0\.priorAuth: /) }]);
  });

  it('reports a bad code range', () => {
    const { dir } = withPayerFile([...HEAD.slice(0, 4), '    codes: ["99215-99212"]', '    priorAuth: required'].join('\n'));
    expect(loadRuleSet(dir).problems[0]).toMatchObject({ line: 5, message: expect.stringContaining('range') });
  });

  it('compiles FHIRPath at load: a syntax error is reported with its line', () => {
    const { dir, file } = withPayerFile([...HEAD, '    when: "%item.quantity.value >"'].join('\n'));
    expect(loadRuleSet(dir).problems).toEqual([{ file, line: 7, column: 11, message: expect.stringMatching(/^services\.0\.when: invalid FHIRPath: /) }]);
  });

  it('an unknown FHIRPath function and the machine clock are load problems too', () => {
    const { dir } = withPayerFile(
      [...HEAD, '    documentation:', '      - id: dx', '        description: dx', '        search: Condition?patient={patient}', '        filter: "code.nosuchfunction()"',
        '      - id: recent', '        description: recent', '        search: Observation?patient={patient}', '        filter: "effective > today()"'].join('\n'),
    );
    const problems = loadRuleSet(dir).problems;
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([[11, 'services.0.documentation.0.filter'], [15, 'services.0.documentation.1.filter']]);
    expect(problems[1]!.message).toContain('{today}');
  });

  it('checks searches, gold-card references and the payer directory', () => {
    const { dir } = withPayerFile(
      ['payer: no-such-payer', 'services:', '  - id: mri', '    description: MRI', '    codes: ["72148"]', '    priorAuth: required', '    documentation:',
        '      - id: dx', '        description: dx', '        search: Condition?patient={patient}&onset=2020', 'goldCard:', '  - npi: "1987654328"', '    services: [ct]'].join('\n'),
    );
    const messages = loadRuleSet(dir).problems.map((p) => `${p.line}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^1: payer: no payer no-such-payer/),
        expect.stringMatching(/^10: .*search parameter "onset" is not supported/),
        expect.stringMatching(/^13: goldCard\.0\.services\.0: gold card names unknown service ct/),
      ]),
    );
  });

  it('reports state file problems and routes insurers to payers', () => {
    const dir = rulesCopy();
    writeFileSync(path.join(dir, 'states/XX.yaml'), 'state: Xx\nname: Bad\nexpeditedHours: 48\nstandardHours: 0\nsource: test\n');
    const { ruleSet, problems } = loadRuleSet(dir);
    expect(problems.map((p) => [p.line, p.message.split(':')[0]])).toEqual([[1, 'state'], [4, 'standardHours']]);
    expect(payerForInsurer(ruleSet, ['99999'])).toBe('demo-payer');
    expect(payerForInsurer(ruleSet, ['nope'])).toBeUndefined();
  });
});

function io() {
  const c = captureIo();
  return { io: c.io, out: c.stdout, err: c.stderr };
}

describe('priorgate rules', () => {
  it('check: exit 0 on the shipped rules', async () => {
    const t = io();
    expect(await run(['check', RULES_DIR], t.io)).toBe(0);
    expect(t.out()).toMatch(/^ok: .*demo-fhir-payer, demo-payer/);
  });

  it('check: exit 1 and file:line:column: message per problem', async () => {
    const { dir, file } = withPayerFile([...HEAD.slice(0, 5), '    priorAuth: maybe'].join('\n'));
    const t = io();
    expect(await run(['check', dir], t.io)).toBe(1);
    expect(t.out()).toContain(`${file}:6:16: services.0.priorAuth:`);
  });

  it('explain: shows which rules fire and why', async () => {
    const dir = rulesCopy();
    mkdirSync(path.join(dir, 'in'));
    const input = path.join(dir, 'in/request.json');
    writeFileSync(input, JSON.stringify(pasBundle({ lines: [{ code: '99213' }, { code: '72148' }], state: 'IL' })));
    const t = io();
    expect(await run(['explain', input, '--payer', 'demo-payer'], t.io)).toBe(0);
    const out = t.out();
    expect(out).toMatch(/^payer demo-payer: required \(decision due within 120 h, standard, state:IL\)/);
    expect(out).toContain('item 1 office-visits → not-required');
    expect(out).toContain('item 2 mri-lumbar-spine → required');
    expect(out).toContain('mri-lumbar-spine/conservative-therapy (item 2): to fetch');
    const j = io();
    expect(await run(['explain', input, '--payer', 'demo-payer', '--json'], j.io)).toBe(0);
    expect(JSON.parse(j.out()).outcome).toBe('required');
  });
});
