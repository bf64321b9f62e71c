/**
 * `priorgate eligibility batch` as a real process (embedded store, or Postgres with
 * TEST_DATABASE_URL): killed with SIGKILL mid-run and re-run on the same output, every member
 * appears exactly once; bad rows are reported on stderr with their line numbers and exit 1; the
 * run is audited without PHI.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { parse } from 'csv-parse/sync';
import { like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { auditEvents } from '../../src/db/schema.ts';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { roster } from './fixtures.ts';

import { BIN, freePort } from '../helpers/process.ts';
const sim = createPayerSim({ pendMs: 60_000, delayMs: 2 });
let server: ServerType;
let endpoint: string;
let dir: string;
let pg: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  endpoint = await new Promise<string>((resolve) => {
    server = serve({ fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1' }, (i) => resolve(`http://127.0.0.1:${i.port}/core`));
  });
  dir = mkdtempSync(path.join(tmpdir(), 'pg-batch-cli-'));
  pg = process.env.TEST_DATABASE_URL ? await testDatabase() : undefined;
  env = { ...process.env, PRIORGATE_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: pg?.url ?? '', LOG_LEVEL: 'warn' };
});
afterAll(async () => {
  sim.close();
  server?.close();
  await pg?.close();
  rmSync(dir, { recursive: true, force: true });
});

function batch(args: string[], onSpawn?: (p: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, 'eligibility', 'batch', ...args, '--payer', 'demo-payer', '--endpoint', endpoint], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr += d));
    p.on('exit', (code, signal) => resolve({ code, signal, stderr }));
    onSpawn?.(p);
  });
}

const rowsOf = (file: string) => parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
const lineCount = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 2 : 0);

describe('priorgate eligibility batch (a real process)', () => {
  it('killed mid-run and re-run on the same output: every member exactly once', { timeout: 120_000 }, async () => {
    const rosterFile = path.join(dir, 'roster.csv');
    const out = path.join(dir, 'out.csv');
    writeFileSync(rosterFile, roster(1500));
    const killed = await batch([rosterFile, '--out', out, '--concurrency', '4'], (p) => {
      const poll = setInterval(() => {
        if (lineCount(out) >= 200) {
          clearInterval(poll);
          p.kill('SIGKILL');
        }
      }, 10);
      p.on('exit', () => clearInterval(poll));
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const partial = lineCount(out);
    expect(partial).toBeGreaterThanOrEqual(200);
    expect(partial).toBeLessThan(1500);

    const again = await batch([rosterFile, '--out', out, '--concurrency', '4']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already in .*out\.csv \(resumed\)/);
    const rows = rowsOf(out);
    expect(rows.length).toBe(1500);
    expect(new Set(rows.map((r) => r.member_id)).size).toBe(1500);
    expect(new Set(rows.map((r) => r.line)).size).toBe(1500);
    // Roster order, although the re-run's rows came after the kept ones.
    expect(rows.map((r) => Number(r.line))).toEqual(rows.map((r) => Number(r.line)).sort((a, b) => a - b));
    expect(rows.filter((r) => r.status === 'active').length).toBe(900);
    expect(rows.filter((r) => r.status === 'error').every((r) => r.error_code === '72')).toBe(true);

    const database = await openDatabase({ databaseUrl: pg?.url, dataDir: env.PRIORGATE_DATA_DIR });
    try {
      const events = await database.db.select().from(auditEvents).where(like(auditEvents.action, 'eligibility.batch.%')).orderBy(auditEvents.id);
      expect(events.map((e) => e.action)).toEqual(['eligibility.batch.start', 'eligibility.batch.start', 'eligibility.batch.finish']);
      expect(events[2]!.detail).toMatchObject({ payerId: 'demo-payer', skipped: partial, outcome: 'complete' });
      expect(JSON.stringify(events)).not.toMatch(/Doe\d|B0000/);
    } finally {
      await database.close();
    }
  });

  it('bad rows are reported on stderr with line numbers, the rest is checked, exit 1', async () => {
    const rosterFile = path.join(dir, 'bad.csv');
    const out = path.join(dir, 'bad-out.csv');
    writeFileSync(rosterFile, roster(5, 'C1,Al,,1980-01-01,\nC2,"Bro,ken,Doe,1980-01-01\nC3,Al,Doe,19800101,98\n'));
    const r = await batch([rosterFile, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('line 7 (member C1): last_name is empty');
    expect(r.stderr).toContain('line 8: not a CSV record');
    expect(r.stderr).not.toContain('line 9');
    expect(rowsOf(out).map((x) => x.status).sort()).toEqual(['active', 'active', 'active', 'active', 'error', 'inactive', 'invalid', 'invalid']);
  });

  it('a payer that cannot be reached fails at once with the real cause: one line, exit 1, no results file, no warnings', async () => {
    const rosterFile = path.join(dir, 'down-roster.csv');
    const out = path.join(dir, 'down-out.csv');
    writeFileSync(rosterFile, roster(20));
    const down = `http://127.0.0.1:${await freePort()}/core`;
    const p = spawn(process.execPath, [BIN, 'eligibility', 'batch', rosterFile, '--payer', 'demo-payer', '--endpoint', down, '--out', out], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => p.on('exit', r));
    expect(code, stderr).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([`eligibility batch: cannot reach payer demo-payer at ${down}: ECONNREFUSED (connect ECONNREFUSED ${down.slice(7, -5)})`]);
    expect(stderr).not.toMatch(/circuit|MaxListeners/);
    expect(existsSync(out)).toBe(false);
  });

  it('a missing roster or an unknown payer is a usage error (exit 2), answered before any store is opened', async () => {
    expect((await batch([path.join(dir, 'nope.csv')])).code).toBe(2);
    // A data directory never used: a usage error leaves it as it was (no embedded store created).
    const unused = path.join(dir, 'never-opened');
    const p = spawn(process.execPath, [BIN, 'eligibility', 'batch', path.join(dir, 'bad.csv'), '--payer', 'no-such-payer'], { env: { ...env, PRIORGATE_DATA_DIR: unused, DATABASE_URL: '' } });
    expect(await new Promise((r) => p.on('exit', r))).toBe(2);
    expect(existsSync(unused)).toBe(false);
    // Two CLI processes: seconds alone, past the 30 s default with both suites at once on two cores.
  }, 90_000);
});
