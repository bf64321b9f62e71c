/**
 * A polling job worker: claims jobs of its kinds, runs their handlers with a concurrency limit,
 * completes or retries them. `wake()` skips the wait after an enqueue in this process.
 */
import type { Db } from '../db/client.ts';
import { backoffMs, claimJobs, completeJob, extendLease, failJob, type Job } from '../db/queries/jobs.ts';
import { lostConnection, withRepeatable } from '../db/tx.ts';
import type { Logger } from '../log/index.ts';

/** What a handler reports: done, or a failure that may be retried. */
export type JobOutcome =
  /** `completed`: the handler marked the job done in its own last transaction (`completeJob`). */
  | { ok: true; completed?: boolean }
  /** `ended`: the handler ended the job for good in its own last transaction (`endJob`). */
  | { ok: false; error: string; retryable: boolean; retryInMs?: number; ended?: boolean };

/**
 * Runs one job. `prepared` is what the process that enqueued the job (and runs its first attempt
 * itself, `Worker.run`) already holds, so the handler need not read it back; jobs claimed from the
 * table run without it.
 */
export type JobHandler = (job: Job, prepared?: unknown) => Promise<JobOutcome>;

export interface Worker {
  wake(): void;
  /**
   * Runs a job this process enqueued already claimed (`enqueue` with `claimForMs`), right after the
   * transaction that enqueued it committed, with the same bookkeeping as a claimed job. The job
   * table is the safety net: if this process dies first, the lease runs out and any worker runs it.
   */
  run(job: Job, prepared?: unknown): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs one claimed job and does its bookkeeping: done, retried later, or dead when its attempts are
 * used up or its failure is final. The worker loop uses it, and so does a process that claims a
 * job it just enqueued (`claimJob`) to run it at once.
 */
export async function runClaimedJob(db: Db, parentLog: Logger, handler: JobHandler, job: Job, prepared?: unknown, leaseMs?: number): Promise<JobOutcome> {
  const log = parentLog.child({ jobId: job.id, kind: job.kind, authRequestId: job.requestId });
  const release = leaseMs ? holdLease(db, log, job, leaseMs) : undefined;
  let outcome: JobOutcome;
  try {
    outcome = await handler(job, prepared);
  } catch (err) {
    log.error({ err }, 'job handler threw');
    outcome = { ok: false, error: (err as Error).name ?? 'error', retryable: true };
  } finally {
    release?.();
  }
  // The bookkeeping is run again after a deadlock or a lost connection (both statements set the
  // row to one value, so a repeat changes nothing), so a job done is not left `running` to be
  // redone after its lock expires.
  if (outcome.ok) {
    if (!outcome.completed) await withRepeatable(db, () => completeJob(db, job.id));
    return outcome;
  }
  if (outcome.ended) {
    log.warn({ attempt: job.attempts, status: 'dead', reason: outcome.error }, 'job failed');
    return outcome;
  }
  const retryIn = outcome.retryable ? (outcome.retryInMs ?? backoffMs(job.attempts)) : null;
  const failed = outcome;
  const status = await withRepeatable(db, () => failJob(db, job, failed.error, retryIn));
  log.warn({ attempt: job.attempts, status, retryInMs: retryIn, reason: outcome.error }, 'job failed');
  return outcome;
}

/**
 * Keeps the lease of a job while it runs: every third of `leaseMs`, pushed out to `leaseMs` again.
 * A job that runs longer than its lease (a slow payer) is then not taken by another worker or
 * instance while it is still running here; only a process that stopped renewing (it died) loses it.
 * Returns the function that stops renewing.
 */
function holdLease(db: Db, log: Logger, job: Job, leaseMs: number): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    extendLease(db, job, leaseMs).then(
      (held) => {
        // Not held after the handler finished is the job done, not taken.
        if (held || stopped) return;
        log.warn({ attempt: job.attempts }, 'job lease taken by another claim while running');
        clearInterval(timer);
      },
      (err) => log.warn({ err }, 'renewing a job lease failed'),
    );
  }, Math.max(50, Math.floor(leaseMs / 3)));
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

export function startWorker(opts: {
  db: Db;
  log: Logger;
  handlers: Record<string, JobHandler>;
  concurrency?: number;
  pollMs?: number;
  lockMs?: number;
}): Worker {
  const kinds = Object.keys(opts.handlers);
  const concurrency = opts.concurrency ?? 8;
  const lockMs = opts.lockMs ?? 60_000;
  let running = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wakeUp: (() => void) | undefined;
  const inflight = new Set<Promise<void>>();

  const runOne = async (job: Job, prepared?: unknown): Promise<void> => void (await runClaimedJob(opts.db, opts.log, opts.handlers[job.kind]!, job, prepared, lockMs));

  async function loop() {
    while (!stopped) {
      const free = concurrency - running;
      let claimed: Job[] = [];
      if (free > 0) {
        try {
          claimed = await claimJobs(opts.db, kinds, free, lockMs);
        } catch (err) {
          // A lost connection (a failover) is retried by the next poll: worth a warning, not an error.
          if (!stopped) opts.log[lostConnection(err) ? 'warn' : 'error']({ err }, 'claiming jobs failed');
        }
      }
      for (const job of claimed) {
        running++;
        const p = runOne(job)
          .catch((err) => opts.log.error({ err, jobId: job.id }, 'job bookkeeping failed'))
          .finally(() => {
            running--;
            inflight.delete(p);
            wakeUp?.();
          });
        inflight.add(p);
      }
      if (claimed.length === free && free > 0) continue;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, opts.pollMs ?? 250);
      });
      clearTimeout(timer);
    }
  }
  const done = loop();
  return {
    wake: () => wakeUp?.(),
    run(job, prepared) {
      const p = runOne(job, prepared)
        .catch((err) => opts.log.error({ err, jobId: job.id }, 'job bookkeeping failed'))
        .finally(() => inflight.delete(p));
      inflight.add(p);
      return p;
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await done;
      await Promise.allSettled([...inflight]);
    },
  };
}
