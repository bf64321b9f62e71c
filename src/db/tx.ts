/**
 * The one way to open a transaction: `withTransaction(db, fn)`. Postgres may abort a transaction
 * that did nothing wrong — a deadlock victim (40P01), a serialization failure (40001) — and the
 * right answer is to run it again from the start. This runner does, with a short jittered backoff
 * and a bounded count, so a payer's answer or a notification attempt is never lost to our own
 * contention. Everything inside `fn` must be safe to run again: it only talks to the database
 * through `tx` (side effects outside it, like files, undo themselves when `fn` throws).
 *
 * Lock order (docs/architecture.md): advisory locks, then request rows (by id), then subscription
 * rows (oldest first), then job rows; audit events take no shared lock at all.
 *
 * @example await withTransaction(db, async (tx) => { await saveMessage(tx, m); await appendAudit(tx, e) })
 */
import { PgTransaction, type PgTransactionConfig } from 'drizzle-orm/pg-core';
import type { Db, Tx } from './client.ts';
import { countedTransaction } from './stats.ts';

/** SQLSTATEs after which the whole transaction may simply be run again. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40P01', '40001']);

export interface RetryPolicy {
  /** Runs in all, the first included (default 6). */
  attempts?: number;
  /** First backoff ceiling in ms, doubling per retry (default 10). */
  baseMs?: number;
  /** Backoff ceiling in ms (default 500). */
  capMs?: number;
  /** Told about each retry (metrics, logs). */
  onRetry?: (info: { attempt: number; code: string; delayMs: number }) => void;
  /** Isolation and access mode of the outermost transaction (a read of one snapshot: repeatable read). */
  config?: PgTransactionConfig;
}

/** The SQLSTATE of an error from either driver, looking through drizzle's wrapper. */
export function sqlState(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

export function isRetryable(err: unknown): boolean {
  const code = sqlState(err);
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

let observer: RetryPolicy['onRetry'];
/** Process-wide retry observer (the gateway counts retries in a Prometheus metric). */
export function observeRetries(fn: RetryPolicy['onRetry']) {
  observer = fn;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` again while it fails with a retryable SQLSTATE, up to `attempts` runs in all, with
 * exponential backoff and full jitter in between. Other errors, and the last failure, are thrown.
 */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = policy.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      const ceiling = Math.min(policy.capMs ?? 500, (policy.baseMs ?? 10) * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      const info = { attempt, code: sqlState(err)!, delayMs };
      policy.onRetry?.(info);
      observer?.(info);
      await sleep(delayMs);
    }
  }
}

/**
 * Runs `fn` in a transaction, retried as a whole on deadlock or serialization failure. Called with
 * an open transaction, it opens a savepoint and does not retry (only the outermost transaction can
 * be run again: the locks that caused the failure belong to it).
 */
export function withTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  // drizzle types a transaction as PgTransaction, which is a PgDatabase: the one cast lives here.
  const run = () =>
    countedTransaction(() =>
      db.transaction((tx) => fn(tx), policy.config),
    );
  return db instanceof PgTransaction ? run() : withRetry(run, policy);
}

