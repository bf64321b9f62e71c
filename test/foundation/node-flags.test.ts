/**
 * The node flags the gateway runs with (V8's young-generation size, src/cli/bin.mjs): the same
 * whether it is started by `npm start` or as the `priorgate` command (`npx priorgate serve`, which
 * runs the file through its `#!/usr/bin/env -S node …` line), and that line works as an executable.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BIN, startNodeFlags } from '../helpers/process.ts';

const run = promisify(execFile);

function shebangFlags(): string[] {
  const first = readFileSync(BIN, 'utf8').split('\n')[0]!;
  const m = /^#!\/usr\/bin\/env -S node(.*)$/.exec(first);
  expect(m, first).not.toBeNull();
  return m![1]!.trim().split(/\s+/).filter(Boolean);
}

describe('node flags of the gateway process', () => {
  it('npm start and the priorgate command give node the same flags, the young generation among them', () => {
    expect(startNodeFlags()).toContain('--max-semi-space-size=64');
    expect(shebangFlags()).toEqual(startNodeFlags());
  });

  it('the priorgate command runs as an executable through its #! line', async () => {
    const { stdout } = await run(BIN, ['help'], { timeout: 30_000 });
    expect(stdout).toMatch(/^usage: priorgate <command>/m);
  }, 40_000);
});
