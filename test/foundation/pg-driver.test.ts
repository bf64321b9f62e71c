/**
 * The Postgres driver when Postgres ends a connection (an operator's pg_terminate_backend, a
 * failover, a restart). postgres.js 3.4.9 schedules small writes for later; the rollback a
 * transaction sends after the failure that closed its connection then found no socket and threw a
 * TypeError no caller can catch, which ended the process (porsager/postgres#1066, #1154, #1208).
 * The gateway applies a patch on install (src/db/driver-patches, by patch-package): the rollback is
 * refused like the queries the close refused, and a connection that closed with a write pending
 * does not carry it over to its next socket.
 *
 * Run in a child process so that the unpatched failure shows as its exit code. Postgres only.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { usingPostgres } from '../helpers/db.ts';

const SCENARIO = `
import postgres from 'postgres';
const url = process.env.SCENARIO_URL;
const sql = postgres(url, { max: 2, onnotice: () => {} });
const killer = postgres(url, { max: 1, onnotice: () => {} });
const outcomes = [];
// Unref'd: a timer left pending must not hold the process open after the last round.
const timeout = (ms) => new Promise((r) => setTimeout(() => r('no answer'), ms).unref());
for (let round = 0; round < 10; round++) {
  let pid = null;
  // The backend is ended while the transaction's statement runs: the transaction's own rollback follows.
  // Its outcome is taken at once: on a busy machine the close can reach this process before the
  // killer's answer does, and a rejection nobody handles yet would end the process (exit 1).
  const tx = sql.begin(async (t) => {
    const [row] = await t\`select pg_backend_pid() as pid\`;
    pid = row.pid;
    await t\`select pg_sleep(30)\`;
  }).then(() => 'committed', (e) => e.code);
  let over = false;
  void tx.then(() => (over = true));
  while (pid === null && !over) await new Promise((r) => setTimeout(r, 10));
  // It ended before its first statement answered (no connection): that outcome is the last.
  if (pid === null) {
    outcomes.push(await tx);
    break;
  }
  await killer\`select pg_terminate_backend(\${pid})\`;
  // Waits up to 15 s (the statement sleeps 30): a busy machine's slow answer is not a lost one.
  outcomes.push(await Promise.race([tx, timeout(15000)]));
  if (outcomes.at(-1) === 'no answer') break;
  // The pool goes on: a new statement gets an answer. One racing the close may get its error
  // (57P01, the server's notice on that connection): then the next one is asked, up to 20 times.
  let answer = 'never';
  for (let i = 0; i < 20 && !answer.startsWith('answer'); i++) {
    answer = await Promise.race([sql\`select 42 as n\`.then((r) => 'answer ' + r[0].n, (e) => e.code), timeout(15000)]);
    if (answer === 'no answer') break;
  }
  outcomes.push(answer);
  if (answer === 'no answer') break;
}
await new Promise((r) => setTimeout(r, 200));
console.log(JSON.stringify(outcomes));
await sql.end({ timeout: 1 });
await killer.end();
`;

describe.skipIf(!usingPostgres)('the Postgres driver when the server ends a connection', () => {
  it('is patched on install (npm install runs patch-package)', () => {
    const main = path.resolve(import.meta.dirname, '../../node_modules/postgres');
    for (const file of ['src/connection.js', 'cjs/src/connection.js']) {
      expect(readFileSync(path.join(main, file), 'utf8'), file).toContain('priorgate patch');
    }
  });

  it('refuses a transaction whose backend was terminated, keeps the process, and answers afterwards', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCENARIO], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: { ...process.env, SCENARIO_URL: process.env.TEST_DATABASE_URL },
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(run.stderr).not.toContain('TypeError');
    expect(run.status, run.stderr).toBe(0);
    const outcomes = JSON.parse(run.stdout.trim().split('\n').pop()!) as string[];
    expect(outcomes, JSON.stringify(outcomes)).toHaveLength(20);
    for (let i = 0; i < 20; i += 2) {
      // The transaction: refused by the close (or by the server's own termination notice).
      expect(['CONNECTION_CLOSED', '57P01'], JSON.stringify(outcomes)).toContain(outcomes[i]);
      // Then the pool answers again (a statement left without an answer would read 'no answer').
      expect(outcomes[i + 1], JSON.stringify(outcomes)).toBe('answer 42');
    }
  }, 120_000);
});
