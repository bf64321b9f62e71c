/**
 * `priorgate check-mappings`: the golden PAS ⇄ X12 cases translate to what was accepted; a rules
 * change that alters what goes to the payer, or a changed translation, is reported with a diff and
 * exit 1 until it is accepted deliberately (`--accept`); a bad manifest is exit 2 with its line.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { run } from '../../src/cli/commands/check-mappings.ts';
import { lineDiff } from '../../src/mappings/index.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { rulesCopy } from '../quality/kit.ts';

const ROOT = path.resolve('.');
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

/** A copy of mappings/ beside links to src/ and test/ (the manifest reaches into both). */
function mappingsCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-mappings-'));
  cpSync(path.join(ROOT, 'mappings'), path.join(dir, 'mappings'), { recursive: true });
  symlinkSync(path.join(ROOT, 'src'), path.join(dir, 'src'));
  symlinkSync(path.join(ROOT, 'test'), path.join(dir, 'test'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'mappings');
}

describe('priorgate check-mappings', () => {
  it('the shipped golden cases translate exactly as accepted (278 requests, PAS responses, the 270)', async () => {
    const r = await runCommand(run, [], { env: {} });
    expect(r.code, r.text).toBe(0);
    expect(r.stdout).toMatch(/^ok +surgical-request$/m);
    expect(r.stdout).toMatch(/^ok +referral-error$/m);
    expect(r.stdout).toMatch(/^ok +eligibility-request$/m);
    expect(r.stdout).toContain('11 cases: 11 unchanged, 0 changed, 0 failed');
  });

  it('a payer rules change that alters what goes to the payer is caught: the 278 cases differ at 2010A, the responses do not', async () => {
    const rules = rulesCopy({ 'payers/demo-payer.yaml': (t) => t.replace('umoId: "99999"', 'umoId: "88888"') });
    cleanups.push(rules.remove);
    const r = await runCommand(run, [], { env: { PRIORGATE_RULES_DIR: rules.dir } });
    expect(r.code, r.text).toBe(1);
    for (const id of ['surgical-request', 'referral-request', 'medical-services-request', 'homecare-request', 'homecare-update']) expect(r.stdout).toMatch(new RegExp(`^CHANGED +${id} `, 'm'));
    expect(r.stdout).toMatch(/^ok +referral-approved$/m);
    expect(r.stdout).toContain('-NM1*X3*2*Demo Health Plan*****PI*99999~');
    expect(r.stdout).toContain('+NM1*X3*2*Demo Health Plan*****PI*88888~');
    // The 270 names the payer in 2100A too.
    expect(r.stdout).toMatch(/^CHANGED +eligibility-request /m);
    expect(r.stderr).toContain('check-mappings --accept');
  });

  it('a changed translation is reported until accepted deliberately; --accept records it and the check passes again', async () => {
    const dir = mappingsCopy();
    const file = path.join(dir, 'expected/referral-denied.json');
    const accepted = readFileSync(file, 'utf8');
    // As if an older release had written another disposition.
    writeFileSync(file, accepted.replace(/"outcome": "complete"/, '"outcome": "queued"'));
    const before = await runCommand(run, ['--dir', dir], { env: {} });
    expect(before.code, before.text).toBe(1);
    expect(before.stdout).toMatch(/^CHANGED +referral-denied/m);
    expect(before.stdout).toContain(`-        "outcome": "queued",`);
    expect(before.stdout).toContain(`+        "outcome": "complete",`);
    const accept = await runCommand(run, ['--dir', dir, '--accept'], { env: {} });
    expect(accept.code, accept.text).toBe(0);
    expect(accept.stdout).toContain('1 accepted');
    expect(readFileSync(file, 'utf8')).toBe(accepted);
    expect((await runCommand(run, ['--dir', dir], { env: {} })).code).toBe(0);
  });

  it('a new case has no expected file until accepted; one case can be run alone', async () => {
    const dir = mappingsCopy();
    rmSync(path.join(dir, 'expected/referral-pended.json'));
    const r = await runCommand(run, ['--dir', dir, '--case', 'referral-pended'], { env: {} });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^new +referral-pended/m);
    expect(r.stdout).toContain('1 cases: 0 unchanged, 1 changed, 0 failed');
    const viaMain = await runCommand(main, ['check-mappings', '--dir', dir, '--case', 'referral-error'], { env: {} });
    expect(viaMain.code, viaMain.text).toBe(0);
  });

  it('a bad manifest is exit 2 with file, line and column; an unknown case too', async () => {
    const dir = mappingsCopy();
    const manifest = path.join(dir, 'cases.yaml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('direction: 278-to-pas', 'direction: sideways'));
    const r = await runCommand(run, ['--dir', dir], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: cases\\.5\\.direction: `));
    const unknown = await runCommand(run, ['--case', 'no-such-case'], { env: {} });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no case no-such-case');
  });

  it('the diff shows removed and added lines with their positions', () => {
    expect(lineDiff('a\nb\nc\nd\ne\nf\ng', 'a\nb\nc\nX\ne\nf\ng', 1)).toBe('@@ -3 +3 @@\n c\n-d\n+X\n e');
    expect(lineDiff('same', 'same')).toBe('');
  });
});
