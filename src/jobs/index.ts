/**
 * jobs: the outbox's job loop. Jobs are enqueued in the transaction of the change they follow
 * (db/queries/jobs.ts); a worker claims due jobs (FOR UPDATE SKIP LOCKED, with a lease) and runs
 * their handlers; a process that enqueued a job claimed (`enqueueClaimed`) runs it at once with
 * `runClaimedJob` (or `Worker.run`), the lease leaving it to any worker if that process dies.
 */
export { runClaimedJob, startWorker, type JobHandler, type JobOutcome, type Worker } from './worker.ts';
export { DELIVER_JOB } from './kinds.ts';
