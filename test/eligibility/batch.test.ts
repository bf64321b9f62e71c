/**
 * The batch engine in-process against the payer simulator on loopback: every roster row answered
 * once, bad rows reported with their line numbers while the rest proceeds, bounded concurrency,
 * and resuming on the same results file after an interruption, after transport failures and after
 * a torn last line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlNumberBlocks, eligibilityChannel, memoryReserve, openResults, ResultsError, RosterError, runEligibilityBatch, type Check } from '../../src/eligibility/index.ts';
import { connectorFor } from '../../src/payers/connector.ts';
import { loadPayers } from '../../src/rules/payers.ts';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { freePort } from '../helpers/process.ts';
import { roster } from './fixtures.ts';

const payer = loadPayers('rules/payers').payers.find((p) => p.id === 'demo-payer')!;
const sim = createPayerSim({ pendMs: 60_000 });
let server: ServerType;
let simUrl: string;
let dir: string;

beforeAll(async () => {
  simUrl = await new Promise<string>((resolve) => {
    server = serve({ fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1' }, (i) => resolve(`http://127.0.0.1:${i.port}/core`));
  });
  dir = mkdtempSync(path.join(tmpdir(), 'pg-batch-'));
});
afterAll(() => {
  sim.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function channel(endpoint = simUrl, attempts = 3): Check {
  return eligibilityChannel({
    payer,
    connector: connectorFor(payer, endpoint),
    senderId: 'PRIORGATE',
    receiver: { entity: '1P', person: false, name: { last: 'DEMO CLINIC A' }, qualifier: 'XX', id: '1234567893' },
    numbers: new ControlNumberBlocks(memoryReserve(Math.floor(Math.random() * 1e6)), 100),
    runId: 'T-',
    attempts,
    backoffMs: 1,
  });
}

function readResults(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
}

async function run(file: string, text: string, check = channel(), extra: Partial<Parameters<typeof runEligibilityBatch>[0]> = {}) {
  const results = await openResults(file);
  try {
    return await runEligibilityBatch({ roster: Readable.from([text]), results, check, concurrency: 4, ...extra });
  } finally {
    await results.close();
  }
}

describe('eligibility batch engine', () => {
  it('answers every row once, with status, plan and key amounts; bad rows are reported with line numbers and the rest proceeds', async () => {
    const file = path.join(dir, 'all.csv');
    const problems: { line: number; message: string }[] = [];
    const bad = 'X1,Al,,1980-01-01,\nX2,"Bro,ken,Doe,1980-01-01\nX3,Al,Doe,1980-02-30,\nX4,Al,Doe,1980-01-01,ZZ\n';
    const s = await run(file, roster(60, bad), channel(), { onProblem: (p) => problems.push(p) });
    expect(problems.map((p) => p.line)).toEqual([62, 63, 64, 65]);
    expect(problems[2]!.message).toContain('birth_date');
    const rows = readResults(file);
    expect(rows.length).toBe(64);
    expect(new Set(rows.map((r) => r.line)).size).toBe(64);
    expect(s).toMatchObject({ active: 36, inactive: 12, error: 12, invalid: 4, failed: 0, allChecked: false });
    const active = rows.find((r) => r.member_id === 'B00001A')!;
    expect(active).toMatchObject({ status: 'active', service_type: '98', plan: 'DEMO GOLD PPO', group: 'GRP100200', deductible: '1500', copay: '25', coinsurance_percent: '20' });
    expect(rows.find((r) => r.member_id === 'B00004R')).toMatchObject({ status: 'error', error_code: '72', error_description: expect.stringContaining('Invalid/Missing Subscriber/Insured ID') });
    expect(rows.find((r) => r.line === '63')).toMatchObject({ status: 'invalid', error_code: 'roster' });
  });

  it('never has more checks in flight than its concurrency', async () => {
    let now = 0;
    let max = 0;
    const inner = channel();
    const counting: Check = async (row) => {
      max = Math.max(max, ++now);
      try {
        return await inner(row);
      } finally {
        now--;
      }
    };
    await run(path.join(dir, 'bounded.csv'), roster(40), counting, { concurrency: 3 });
    expect(max).toBe(3);
  });

  it('resumes after an interruption: the second run skips what the first wrote, every member once', async () => {
    const file = path.join(dir, 'resume.csv');
    const controller = new AbortController();
    const first = await run(file, roster(120), channel(), { signal: controller.signal, onProgress: (p) => p.done >= 30 && controller.abort() });
    expect(first.interrupted).toBe(true);
    expect(first.allChecked).toBe(false);
    const second = await run(file, roster(120));
    expect(second.skipped).toBe(first.done);
    expect(second.done + first.done).toBe(120);
    const rows = readResults(file);
    expect(rows.length).toBe(120);
    expect(new Set(rows.map((r) => r.member_id)).size).toBe(120);
    expect(second.allChecked).toBe(true);
  });

  it('stops at once when the payer cannot be reached at all, with the cause; the next run checks everyone, each once', async () => {
    const file = path.join(dir, 'failed.csv');
    const down = await run(file, roster(20), channel(`http://127.0.0.1:${await freePort()}/core`, 2));
    expect(down).toMatchObject({ allChecked: false, interrupted: true, unreachable: expect.stringMatching(/ECONNREFUSED/) });
    // Only the checks that were tried are written (not 20 rows of the same failure).
    expect(down.failed).toBeGreaterThanOrEqual(4);
    expect(down.failed).toBeLessThan(20);
    expect(readResults(file)[0]).toMatchObject({ status: 'failed', error_code: 'transport' });
    const again = await run(file, roster(20));
    expect(again).toMatchObject({ skipped: 0, done: 20, failed: 0, allChecked: true });
    const rows = readResults(file);
    expect(rows.length).toBe(20);
    expect(rows.every((r) => r.status !== 'failed')).toBe(true);
  });

  it('writes results in roster order whatever order the answers come in, memory bounded by a window', async () => {
    const file = path.join(dir, 'ordered.csv');
    const real = channel();
    // Answers come back in a shuffled order: later rows often finish first.
    const shuffled: Check = async (row, signal) => {
      await new Promise((r) => setTimeout(r, (row.line * 7919) % 23));
      return real(row, signal);
    };
    const summary = await run(file, roster(200), shuffled, { concurrency: 8 });
    expect(summary).toMatchObject({ done: 200, allChecked: true });
    const lines = readResults(file).map((r) => Number(r.line));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(lines).toHaveLength(200);
  });

  it('keeps a resumed file in roster order: the re-run\'s rows are sorted in among the kept ones', async () => {
    const file = path.join(dir, 'resumed-order.csv');
    const controller = new AbortController();
    let n = 0;
    const real = channel();
    const stopping: Check = async (row, signal) => {
      if (++n === 30) controller.abort();
      return real(row, signal);
    };
    await run(file, roster(60), stopping, { signal: controller.signal });
    const kept = readResults(file).length;
    expect(kept).toBeLessThan(60);
    await run(file, roster(60));
    const lines = readResults(file).map((r) => Number(r.line));
    expect(lines).toHaveLength(60);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('cuts a torn last line (killed mid-write) and checks that member again', async () => {
    const file = path.join(dir, 'torn.csv');
    await run(file, roster(10));
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    writeFileSync(file, `${text.slice(0, -1).join('\n')}\n`);
    appendFileSync(file, text.at(-1)!.slice(0, 12));
    const again = await run(file, roster(10));
    expect(again).toMatchObject({ skipped: 9, done: 1 });
    expect(readResults(file).length).toBe(10);
  });

  it('duplicate rows (same member and service type) are reported once and skipped', async () => {
    const problems: string[] = [];
    const text = `${roster(3)}B00000A,Pat,Doe0,1980-02-01,\n`;
    const s = await run(path.join(dir, 'dup.csv'), text, channel(), { onProblem: (p) => problems.push(`${p.line}: ${p.message}`) });
    expect(s.duplicate).toBe(1);
    expect(problems).toEqual([expect.stringMatching(/^5: repeats an earlier row/)]);
  });

  it('refuses a roster without the required header and a results file that is not one', async () => {
    await expect(run(path.join(dir, 'hdr.csv'), 'member,name\nA,B\n')).rejects.toThrow(RosterError);
    const other = path.join(dir, 'other.csv');
    writeFileSync(other, 'a,b,c\n1,2,3\n');
    await expect(openResults(other)).rejects.toThrow(ResultsError);
  });
});
