/**
 * The outbox / job queue. Jobs are enqueued in the caller's transaction (so a state change and its
 * follow-up commit together) and claimed with FOR UPDATE SKIP LOCKED (so two workers, in one
 * process or many, never take the same job). A claimed job whose lock expires (its worker died) is
 * claimable again: delivery is at-least-once, and receivers de-duplicate by control number.
 */
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../client.ts';
import { jobs } from '../schema.ts';
import { openJobPayload, sealJobPayload } from './sealed-rows.ts';

export type Job = typeof jobs.$inferSelect;

export interface EnqueueInput {
  kind: string;
  orgId?: string | null;
  requestId?: string | null;
  payload?: Record<string, unknown>;
  runAt?: Date;
  maxAttempts?: number;
  /**
   * Claimed by the caller for this long (its first attempt is run right after the commit, in this
   * process): no worker takes it unless the lease runs out first, as it does when the process dies.
   */
  claimForMs?: number;
}

export async function enqueue(tx: Db, job: EnqueueInput): Promise<number> {
  const payload = job.payload ?? {};
  // A payload is sealed to its row id, so the id is taken before the insert.
  const id = Object.keys(payload).length ? await nextJobId(tx) : undefined;
  const [row] = await jobInsert(tx, job, id).returning({ id: jobs.id });
  return row!.id;
}

/**
 * `enqueue` of a job without a payload as a statement returning its `id`: the result of a batch
 * (`Batch.flush(statement)`), so the job goes out with the transaction's other writes.
 */
export function enqueueStatement(tx: Db, job: EnqueueInput) {
  if (job.payload && Object.keys(job.payload).length) throw new Error('a job with a payload is sealed to its id: use enqueue');
  return jobInsert(tx, job, undefined).returning({ id: jobs.id });
}

function jobInsert(tx: Db, job: EnqueueInput, id: number | undefined) {
  const payload = job.payload ?? {};
  return tx.insert(jobs).values({
    ...(id !== undefined ? { id } : {}),
    kind: job.kind,
    orgId: job.orgId ?? null,
    requestId: job.requestId ?? null,
    payload: id !== undefined ? sealJobPayload(tx, id, payload) : payload,
    runAt: job.runAt ?? new Date(),
    maxAttempts: job.maxAttempts ?? 8,
    ...(job.claimForMs !== undefined ? { status: 'running', attempts: 1, lockedUntil: sql`now() + (${job.claimForMs}::int * interval '1 millisecond')` } : {}),
  });
}

/**
 * Enqueues a job claimed by the caller (`claimForMs`) and returns it as a worker would have claimed
 * it: the one way a process runs a job it just enqueued (`runClaimedJob`, or `Worker.run`) right
 * after the commit, with the job table as the safety net if the process dies first.
 */
export async function enqueueClaimed(tx: Db, job: EnqueueInput & { claimForMs: number }): Promise<Job> {
  return claimedJob(await enqueue(tx, job), job);
}

/** The job `enqueue` wrote with `claimForMs`, as a worker would have claimed it (no read back). */
export function claimedJob(id: number, job: EnqueueInput): Job {
  const now = new Date();
  return {
    id,
    kind: job.kind,
    orgId: job.orgId ?? null,
    requestId: job.requestId ?? null,
    payload: job.payload ?? {},
    status: 'running',
    attempts: 1,
    maxAttempts: job.maxAttempts ?? 8,
    runAt: job.runAt ?? now,
    lockedUntil: new Date(now.getTime() + (job.claimForMs ?? 0)),
    lastError: null,
    createdAt: now,
  };
}

async function nextJobId(tx: Db): Promise<number> {
  const [r] = await rows<{ id: string | number }>(tx, sql`select nextval(pg_get_serial_sequence('jobs', 'id')) as id`);
  return Number(r!.id);
}

interface JobRow {
  id: string | number;
  kind: string;
  org_id: string | null;
  request_id: string | null;
  payload: Record<string, unknown> | string;
  status: string;
  attempts: number;
  max_attempts: number;
  run_at: Date | string;
  locked_until: Date | string | null;
  last_error: string | null;
  created_at: Date | string;
}

function toJob(db: Db, r: JobRow): Job {
  const stored = typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload;
  const job = {
    id: Number(r.id),
    kind: r.kind,
    orgId: r.org_id,
    requestId: r.request_id,
    payload: stored,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: new Date(r.run_at),
    lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
  };
  // Decrypted when the handler reads it: a payload that fails to decrypt fails that job (retried,
  // then dead) instead of every job claimed with it.
  let opened: Record<string, unknown> | undefined;
  Object.defineProperty(job, 'payload', { enumerable: true, get: () => (opened ??= openJobPayload(db, job.id, stored)) });
  return job;
}

/** Every job of a kind, oldest first, payloads decrypted (operators, tests). */
export async function jobsOfKind(db: Db, kind: string): Promise<Job[]> {
  const found = await rows<JobRow>(db, sql`select * from jobs where kind = ${kind} order by id`);
  return found.map((r) => toJob(db, r));
}

/** Claims up to `limit` due jobs of the given kinds for `lockMs`. */
export async function claimJobs(db: Db, kinds: string[], limit: number, lockMs: number): Promise<Job[]> {
  const kindList = sql.join(kinds.map((k) => sql`${k}`), sql`, `);
  const claimed = await rows<JobRow>(
    db,
    sql`update jobs set status = 'running', attempts = attempts + 1,
          locked_until = now() + (${lockMs}::int * interval '1 millisecond')
        where id in (
          select id from jobs
          where kind in (${kindList})
            and ((status = 'ready' and run_at <= now()) or (status = 'running' and locked_until < now()))
          order by run_at, id
          for update skip locked
          limit ${limit})
        returning *`,
  );
  return claimed.map((r) => toJob(db, r));
}

export async function completeJob(tx: Db, id: number) {
  await tx.execute(completeJobStatement(id));
}

/** `completeJob` as a statement, for a batch. */
export function completeJobStatement(id: number) {
  return sql`update jobs set status = 'done', locked_until = null, last_error = null where id = ${id}`;
}

/**
 * Pushes a running job's lease out to `lockMs` from now, if this attempt still holds it (a claim
 * counts an attempt: the attempt number is the lease's token). False when another claim has it.
 */
export async function extendLease(db: Db, job: Pick<Job, 'id' | 'attempts'>, lockMs: number): Promise<boolean> {
  const held = await rows<{ id: number }>(
    db,
    sql`update jobs set locked_until = now() + (${lockMs}::int * interval '1 millisecond')
        where id = ${job.id} and status = 'running' and attempts = ${job.attempts} returning id`,
  );
  return held.length > 0;
}

/**
 * Schedules a retry, or marks the job dead when its attempts are used up. Returns the new status.
 * Only the attempt that holds the job may: a runner whose lease another claim took changes nothing,
 * and a job another runner finished meanwhile (its lease ran out while it was still working) stays done.
 */
export async function failJob(db: Db, job: Job, error: string, retryInMs: number | null): Promise<'ready' | 'dead'> {
  const dead = retryInMs === null || job.attempts >= job.maxAttempts;
  await db.execute(
    sql`update jobs set status = ${dead ? 'dead' : 'ready'}, locked_until = null, last_error = ${error.slice(0, 500)},
          run_at = now() + (${dead ? 0 : retryInMs}::int * interval '1 millisecond')
        where id = ${job.id} and attempts = ${job.attempts} and status = 'running'`,
  );
  return dead ? 'dead' : 'ready';
}

/**
 * Ends a running job for good (`dead`, with its error), in the caller's transaction: for a handler
 * whose failure also changes what the job was for (its request moves to error), so that both
 * commit together. False, changing nothing, when this attempt no longer holds the job (another
 * claim took it, or it is done).
 */
export async function endJob(tx: Db, job: Pick<Job, 'id' | 'attempts'>, error: string): Promise<boolean> {
  const held = await rows<{ id: number | string }>(
    tx,
    sql`update jobs set status = 'dead', locked_until = null, last_error = ${error.slice(0, 500)}, run_at = now()
        where id = ${job.id} and attempts = ${job.attempts} and status = 'running' returning id`,
  );
  return held.length > 0;
}

/** Exponential backoff with full jitter: attempt 1 → up to base, doubling, capped. */
export function backoffMs(attempt: number, baseMs = 1000, capMs = 5 * 60_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Whether a job of this kind was ever queued for the request (whatever its state): follow-ups are queued once. */
export async function jobExists(db: Db, requestId: string, kind: string): Promise<boolean> {
  const found = await rows<{ id: string | number }>(db, sql`select id from jobs where request_id = ${requestId} and kind = ${kind} limit 1`);
  return found.length > 0;
}
