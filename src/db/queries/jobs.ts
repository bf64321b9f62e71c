/**
 * The outbox / job queue. Jobs are enqueued in the caller's transaction (so a state change and its
 * follow-up commit together) and claimed with FOR UPDATE SKIP LOCKED (so two workers, in one
 * process or many, never take the same job). A claimed job whose lock expires (its worker died) is
 * claimable again: delivery is at-least-once, and receivers de-duplicate by control number.
 */
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../client.ts';
import { jobs } from '../schema.ts';

export type Job = typeof jobs.$inferSelect;

export interface EnqueueInput {
  kind: string;
  orgId?: string | null;
  requestId?: string | null;
  payload?: Record<string, unknown>;
  runAt?: Date;
  maxAttempts?: number;
}

export async function enqueue(tx: Db, job: EnqueueInput): Promise<number> {
  const [row] = await tx
    .insert(jobs)
    .values({
      kind: job.kind,
      orgId: job.orgId ?? null,
      requestId: job.requestId ?? null,
      payload: job.payload ?? {},
      runAt: job.runAt ?? new Date(),
      maxAttempts: job.maxAttempts ?? 8,
    })
    .returning({ id: jobs.id });
  return row!.id;
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

function toJob(r: JobRow): Job {
  return {
    id: Number(r.id),
    kind: r.kind,
    orgId: r.org_id,
    requestId: r.request_id,
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload,
    status: r.status,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    runAt: new Date(r.run_at),
    lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
  };
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
  return claimed.map(toJob);
}

export async function completeJob(tx: Db, id: number) {
  await tx.execute(sql`update jobs set status = 'done', locked_until = null, last_error = null where id = ${id}`);
}

/** Schedules a retry, or marks the job dead when its attempts are used up. Returns the new status. */
export async function failJob(db: Db, job: Job, error: string, retryInMs: number | null): Promise<'ready' | 'dead'> {
  const dead = retryInMs === null || job.attempts >= job.maxAttempts;
  await db.execute(
    sql`update jobs set status = ${dead ? 'dead' : 'ready'}, locked_until = null, last_error = ${error.slice(0, 500)},
          run_at = now() + (${dead ? 0 : retryInMs}::int * interval '1 millisecond')
        where id = ${job.id}`,
  );
  return dead ? 'dead' : 'ready';
}

/** Exponential backoff with full jitter: attempt 1 → up to base, doubling, capped. */
export function backoffMs(attempt: number, baseMs = 1000, capMs = 5 * 60_000, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
