import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { evaluatePriorAuth, rulesWatcher, type RulesReload, type RulesWatcher } from '../../src/rules/index.ts';
import { NOW, pasBundle, rulesCopy } from './fixtures.ts';

let watcher: RulesWatcher | undefined;
afterEach(() => watcher?.close());

function nextReload(reloads: RulesReload[], count: number): Promise<RulesReload> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const poll = () => (reloads.length >= count ? resolve(reloads[count - 1]!) : Date.now() > deadline ? reject(new Error('no reload')) : setTimeout(poll, 20));
    poll();
  });
}

describe('rules hot reload', () => {
  it('applies a valid change, keeps the last good set while a file is invalid, and reports why', async () => {
    const dir = rulesCopy();
    const file = path.join(dir, 'prior-auth/demo-payer.yaml');
    const original = readFileSync(file, 'utf8');
    const reloads: RulesReload[] = [];
    watcher = rulesWatcher(dir, (r) => reloads.push(r), { debounceMs: 30 });
    const mri = () => evaluatePriorAuth(watcher!.current(), { bundle: pasBundle({ lines: [{ code: '72148' }] }), payerId: 'demo-payer', now: NOW }).outcome;
    expect(mri()).toBe('required');

    // 72148 taken off the MRI rule (the payer default applies): applied.
    writeFileSync(file, original.replace('codes: ["72148", "72149", "72158"]', 'codes: ["72149", "72158"]'));
    const good = await nextReload(reloads, 1);
    expect(good).toMatchObject({ applied: true, problems: [] });
    expect(mri()).toBe('not-required');

    // Broken YAML: reported, not applied, the previous set stays in force.
    writeFileSync(file, 'payer: demo-payer\nservices: [\n');
    const bad = await nextReload(reloads, reloads.length + 1);
    expect(bad.applied).toBe(false);
    expect(bad.problems[0]).toMatchObject({ file, line: expect.any(Number) });
    expect(watcher.problems()).toEqual(bad.problems);
    expect(mri()).toBe('not-required');

    // Fixed again: applied.
    writeFileSync(file, original);
    const fixed = await new Promise<RulesReload>((resolve) => {
      const poll = () => (reloads.at(-1)?.applied ? resolve(reloads.at(-1)!) : setTimeout(poll, 20));
      poll();
    });
    expect(fixed.problems).toEqual([]);
    expect(mri()).toBe('required');
  });
});
