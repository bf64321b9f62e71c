/**
 * The command line's manners: `--help` on every command and subcommand prints its usage and exits 0
 * without doing anything (no store opened, no file read, no migration run); the top-level help
 * lists every command and the exit codes; NPIs are checked (Luhn with the 80840 prefix) wherever
 * they enter: `client add --npi`, rule files' gold cards, eligibility batches.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, cpSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_NAMES, main } from '../../src/cli/main.ts';
import { EXIT_CODES, HELP } from '../../src/cli/help.ts';
import { npiProblem, validNpi } from '../../src/fhir/npi.ts';
import { loadRuleSet } from '../../src/rules/index.ts';
import { captureIo } from '../helpers/cli-io.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pg-cli-help-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const c = captureIo({ env: { PRIORGATE_DATA_DIR: path.join(dir, 'data'), ...env } });
  const code = await main(args, c.io);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

/** Every form of every command, as its help lists it: [command, subcommand?]. */
const FORMS = Object.entries(HELP).flatMap(([name, h]) => {
  const subs = [...new Set(h.usage.map((u) => u.split(' ')[2]).filter((w): w is string => w !== undefined && /^[a-z][a-z-]*$/.test(w)))];
  return subs.length ? subs.map((s) => [name, s]) : [[name]];
});

describe('priorgate --help', () => {
  it('lists every command and the exit codes, on stdout, exit 0', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const name of COMMAND_NAMES) expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    for (const line of EXIT_CODES) expect(r.stdout).toContain(line);
    expect((await cli(['help'])).code).toBe(0);
    expect((await cli(['-h'])).stdout).toBe(r.stdout);
  });

  it('has help for exactly the commands there are', () => {
    expect(Object.keys(HELP).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  it('no command at all is a usage error (stderr, exit 2)', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('usage: priorgate <command>');
  });

  it.each(FORMS)('%s %s --help prints its usage and exit codes and does nothing', async (...form) => {
    const args = form.filter(Boolean) as string[];
    for (const flag of ['--help', '-h']) {
      const r = await cli([...args, flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`usage: priorgate ${args[0]}`);
      expect(r.stdout).toMatch(/Exit codes: /);
      expect(r.stderr).toBe('');
    }
    // Nothing was done: no embedded store was created.
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('migrate --help migrates nothing; x12 pretty --help opens no file named --help; help CMD is CMD --help', async () => {
    const before = readdirSync(dir);
    expect((await cli(['migrate', '--help'])).stdout).toContain('usage: priorgate migrate');
    expect((await cli(['x12', 'pretty', '--help'])).stdout).toContain('usage: priorgate x12 pretty FILE|-');
    expect(readdirSync(dir)).toEqual(before);
    expect((await cli(['help', 'eligibility'])).stdout).toBe((await cli(['eligibility', '--help'])).stdout);
    // After `--`, --help is an argument, not a request for help.
    expect((await cli(['x12', 'pretty', '--', '--help'])).code).toBe(2);
  });
});

describe('NPI checks (Luhn with the 80840 prefix)', () => {
  it('knows valid and invalid NPIs, and says why', () => {
    for (const ok of ['1234567893', '1987654328']) expect(validNpi(ok), ok).toBe(true);
    for (const bad of ['1234567890', '123', '12345678931', 'abcdefghij', '']) expect(validNpi(bad), bad).toBe(false);
    expect(npiProblem('123')).toMatch(/exactly 10 digits/);
    expect(npiProblem('1234567890')).toMatch(/check digit/);
  });

  it('client add refuses a bad --npi with exit 2 before touching anything', async () => {
    const keys = path.join(dir, 'pub.jwks.json');
    writeFileSync(keys, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-384', kid: 'k1', x: 'AAAA', y: 'AAAA' }] }));
    for (const npi of ['123', '1234567890']) {
      const r = await cli(['client', 'add', '--id', 'c1', '--org', 'o1', '--npi', npi, '--jwks', keys]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--npi ${npi} is not a valid NPI`));
    }
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('rule files refuse a gold-card NPI with a bad check digit, with file and line', () => {
    const rules = path.join(dir, 'rules');
    cpSync(path.resolve('rules'), rules, { recursive: true });
    const file = path.join(rules, 'prior-auth', 'demo-payer.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('- npi: "1987654328"', '- npi: "1987654320"'));
    const { problems } = loadRuleSet(rules);
    expect(problems).toEqual([expect.objectContaining({ file, message: expect.stringMatching(/valid NPI/) })]);
    expect(problems[0]!.line).toBeGreaterThan(1);
  });
});
