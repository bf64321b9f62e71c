/**
 * A job's lease (src/jobs/worker.ts, src/db/queries/jobs.ts). A job runs under a lease: claimed
 * with `locked_until`, taken by any worker once that has passed (its process died). A job that runs
 * longer than the lease — a slow payer — must not be taken while it is still running: the runner
 * renews the lease, and a stale runner (its lease taken by a newer claim) cannot reschedule the job.
 * Run on the store under test; on Postgres the second worker is a real second connection pool.
 */
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { claimJobs, completeJob, enqueue, extendLease, failJob } from '../../src/db/queries/jobs.ts';
import { jobs } from '../../src/db/schema.ts';
import { runClaimedJob, startWorker } from '../../src/jobs/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

const LEASE_MS = 600;
const log = pino({ level: 'silent' });

let t: TestDatabase;
/** Another instance's pool on the same database (Postgres), or the same store (embedded). */
let other: Database | undefined;
beforeAll(async () => {
  t = await testDatabase();
  if (t.url) other = await openDatabase({ databaseUrl: t.url });
}, 60_000);
afterAll(async () => {
  await other?.close();
  await t?.close();
});

describe('a job that runs longer than its lease', () => {
  it('keeps it while it runs: another worker polling all along never claims it, and it runs once and is done', async () => {
    const kind = `test.lease.${Date.now()}`;
    const id = await enqueue(t.db, { kind });
    let runs = 0;
    const worker = startWorker({
      db: t.db,
      log,
      lockMs: LEASE_MS,
      pollMs: 20,
      handlers: {
        [kind]: async () => {
          runs++;
          // Five leases long.
          await new Promise((r) => setTimeout(r, LEASE_MS * 5));
          return { ok: true };
        },
      },
    });
    const otherDb = other?.db ?? t.db;
    const takenByOther: number[] = [];
    try {
      // Wait until the worker holds it, then poll as a second instance would until it is done.
      for (let i = 0; i < 100 && runs === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(runs).toBe(1);
      for (;;) {
        const [row] = await otherDb.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, id));
        if (row!.status === 'done') break;
        takenByOther.push(...(await claimJobs(otherDb, [kind], 1, LEASE_MS)).map((j) => j.id));
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await worker.stop();
    }
    expect(takenByOther).toEqual([]);
    expect(runs).toBe(1);
    const [done] = await t.db.select().from(jobs).where(eq(jobs.id, id));
    expect(done).toMatchObject({ status: 'done', attempts: 1 });
  }, 30_000);

  it('is the one attempt that may change it: after a newer claim took the job, the old attempt can neither renew the lease nor reschedule the job', async () => {
    const kind = `test.fenced.${Date.now()}`;
    const id = await enqueue(t.db, { kind });
    const [first] = await claimJobs(t.db, [kind], 1, 1);
    expect(first!.attempts).toBe(1);
    // The lease runs out (1 ms); another claim takes the job: attempt 2.
    await new Promise((r) => setTimeout(r, 20));
    const [second] = await claimJobs(other?.db ?? t.db, [kind], 1, 60_000);
    expect(second).toMatchObject({ id, attempts: 2 });
    expect(await extendLease(t.db, first!, 60_000)).toBe(false);
    await failJob(t.db, first!, 'stale attempt', 0);
    const [row] = await t.db.select().from(jobs).where(eq(jobs.id, id));
    expect(row).toMatchObject({ status: 'running', attempts: 2, lastError: null });
    // The holder's own renewal works.
    expect(await extendLease(t.db, second!, 60_000)).toBe(true);
  });

  it('stays done when the old attempt finished it while the newer claim was still running, and that claim then fails', async () => {
    // The old runner was slow, not dead: its lease ran out, a second claim took the job, and the
    // old runner then finished the work (a payer answered it) and marked the job done.
    const kind = `test.done.${Date.now()}`;
    const id = await enqueue(t.db, { kind });
    const [first] = await claimJobs(t.db, [kind], 1, 1);
    await new Promise((r) => setTimeout(r, 20));
    const [second] = await claimJobs(other?.db ?? t.db, [kind], 1, 60_000);
    expect(second).toMatchObject({ id, attempts: 2 });
    await completeJob(t.db, first!.id);
    // The second attempt fails (say the payer now refuses a duplicate): rescheduling it would send
    // the work a third time.
    await failJob(other?.db ?? t.db, second!, 'duplicate at the payer', 0);
    const [row] = await t.db.select().from(jobs).where(eq(jobs.id, id));
    expect(row).toMatchObject({ status: 'done', lastError: null });
    expect(await claimJobs(t.db, [kind], 1, 60_000)).toEqual([]);
  });
});

describe('a job that fails', () => {
  it('is logged with its reason (our own PHI-free text, as stored in last_error), so an operator sees why', async () => {
    const kind = `test.reason.${Date.now()}`;
    await enqueue(t.db, { kind });
    const [job] = await claimJobs(t.db, [kind], 1, 60_000);
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never });
    await runClaimedJob(t.db, logger, async () => ({ ok: false, error: 'payer answered HTTP 503', retryable: true }), job!);
    logger.flush();
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'job failed');
    expect(line).toMatchObject({ reason: 'payer answered HTTP 503', status: 'ready', attempt: 1 });
    const [row] = await t.db.select().from(jobs).where(eq(jobs.id, job!.id));
    expect(row).toMatchObject({ status: 'ready', lastError: 'payer answered HTTP 503' });
  });
});
