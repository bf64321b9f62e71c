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
import { sql } from 'drizzle-orm';
import { PgTransaction, type PgTransactionConfig } from 'drizzle-orm/pg-core';
import { onServer, rows, type Db, type Tx } from './client.ts';
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

export interface TransactionPolicy<T> extends RetryPolicy {
  /**
   * After a connection lost during the COMMIT, whether that run committed, given what its body
   * returned: a read on a new connection for a row only that transaction writes (a new request's
   * id), made once the server session that ran it has ended (it is ended if it still holds the
   * transaction, see `endSession`). True: the run's result stands. False: the error goes to the
   * caller, and nothing was committed (a COMMIT held up by the network can no longer land).
   * Without it, the runner reads the run's transaction id before its COMMIT (one statement more)
   * and asks Postgres what became of it (`txid_status`); the hot paths give a probe instead.
   * (Running the transaction again when it did not land was tried: under sessions ended every
   * 700 ms, one run in two left a request waiting on its connection for good. Not done.)
   */
  committed?: (result: T) => Promise<boolean>;
}

/** The first `code` on the error or its causes (drizzle wraps the driver's error) that `accept` takes. */
function codeOf(err: unknown, accept: (code: string) => boolean): string | undefined {
  return onChain(err, (e) => (typeof e.code === 'string' && accept(e.code) ? e.code : undefined));
}

/** The first thing `pick` finds on the error or its causes (at most five deep). */
function onChain<T>(err: unknown, pick: (e: { code?: unknown; backendPid?: unknown }) => T | undefined): T | undefined {
  for (let e = err as { code?: unknown; backendPid?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const found = pick(e);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The SQLSTATE of an error from either driver, looking through drizzle's wrapper. */
export function sqlState(err: unknown): string | undefined {
  return codeOf(err, (code) => /^[0-9A-Z]{5}$/.test(code));
}

export function isRetryable(err: unknown): boolean {
  return retryableState(err) !== undefined;
}

/** The SQLSTATE of a deadlock or serialization failure, else undefined. */
function retryableState(err: unknown): string | undefined {
  const code = sqlState(err);
  return code !== undefined && RETRYABLE_SQLSTATES.has(code) ? code : undefined;
}

/**
 * The connection went away under the statement: postgres.js's own code, the socket's, and the
 * server's notice that it is shutting the session down (57P01 administrator command, 57P02 crash,
 * 57P03 not accepting connections yet) or any connection exception (class 08). Not the pool's own
 * shutdown (CONNECTION_ENDED, CONNECTION_DESTROYED: the process is stopping; nothing to run again on).
 */
const LOST_CONNECTION = new Set(['CONNECTION_CLOSED', 'CONNECT_TIMEOUT', 'ECONNRESET', 'EPIPE', 'ECONNREFUSED', '57P01', '57P02', '57P03']);

/** The code that says the connection was lost, looking through drizzle's wrapper; else undefined. */
export function lostConnection(err: unknown): string | undefined {
  return codeOf(err, (code) => LOST_CONNECTION.has(code) || /^08[0-9A-Z]{3}$/.test(code));
}

let observer: RetryPolicy['onRetry'];
/** Process-wide retry observer (the gateway counts retries in a Prometheus metric). */
export function observeRetries(fn: RetryPolicy['onRetry']) {
  observer = fn;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` again while it fails with a retryable SQLSTATE (or what `retryable` names), up to
 * `attempts` runs in all, with exponential backoff and full jitter in between. Other errors, and the
 * last failure, are thrown. A single statement is not run again on a lost connection: it may have
 * been committed before the answer was lost.
 */
export async function withRetry<T>(fn: () => Promise<T>, policy: RetryPolicy = {}, retryable: (err: unknown) => string | undefined = retryableState): Promise<T> {
  const attempts = policy.attempts ?? 6;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = attempt < attempts ? retryable(err) : undefined;
      if (code === undefined) throw err;
      const ceiling = Math.min(policy.capMs ?? 500, (policy.baseMs ?? 10) * 2 ** (attempt - 1));
      const delayMs = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
      const info = { attempt, code, delayMs };
      policy.onRetry?.(info);
      observer?.(info);
      await sleep(delayMs);
    }
  }
}

/** What a repeatable statement may be run again after: a deadlock, a serialization failure, or a lost connection. */
function repeatRetryable(err: unknown): string | undefined {
  return retryableState(err) ?? lostConnection(err);
}

/**
 * Runs a statement that is safe to run twice, outside any transaction, again when Postgres ended
 * its connection (a failover, an operator ending sessions) or chose it as a deadlock victim. A
 * lone write may have committed before its answer was lost, so this is for reads, and for writes
 * whose repeat does no harm: setting a fenced row to one value (a job done), or reserving numbers
 * where a gap is allowed (control numbers). Called with an open transaction it runs once: a lost
 * connection has ended that transaction, and only its runner can start it again.
 *
 * @example const [row] = await withRepeatable(db, () => db.select().from(requests).where(eq(requests.id, id)))
 */
export function withRepeatable<T>(db: Db, fn: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  if (db instanceof PgTransaction) return fn();
  return withRetry(fn, policy, repeatRetryable);
}

/** The server process a lost connection's statement ran on (the driver patch puts it on the error). */
export function backendPidOf(err: unknown): number | undefined {
  return onChain(err, (e) => (typeof e.backendPid === 'number' && e.backendPid > 0 ? e.backendPid : undefined));
}

/** How long `endSession` waits for a server process to finish the transaction it holds. */
const SESSION_END_MS = 5000;

/**
 * Makes sure the server session `pid` (of this database and role) holds no transaction any more, so
 * that whatever it did is final: one still inside a transaction (its COMMIT not yet received, or
 * still running) is ended with `pg_terminate_backend` and waited for. True once it is gone or idle;
 * false when that cannot be seen (another role's session shows no state) or it outlives the wait.
 * A COMMIT that had been written to the log by then stays committed; any other is rolled back.
 */
export async function endSession(db: Db, pid: number, waitMs = SESSION_END_MS): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (let asked = false; ; asked = true) {
    const [row] = await rows<{ state: string | null; ended: boolean | null }>(
      db,
      sql`select state, case when ${!asked} and state is not null and state <> 'idle' then pg_terminate_backend(pid) end as ended
          from pg_stat_activity where pid = ${pid} and datname = current_database() and usename = current_user`,
    );
    if (!row || row.state === 'idle') return true;
    if (row.state === null || Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/** What Postgres says became of a transaction id: committed (true), aborted (false), else undefined. */
async function xidCommitted(db: Db, xid: string): Promise<boolean | undefined> {
  const [row] = await rows<{ status: string | null }>(db, sql`select txid_status(${xid}::bigint) as status`);
  return row?.status === 'committed' ? true : row?.status === 'aborted' ? false : undefined;
}

/**
 * Runs `fn` in a transaction, retried as a whole on deadlock or serialization failure, and when the
 * connection was lost before the body finished. Lost during the COMMIT, the outcome is unknown
 * until the session that ran it has ended; then `policy.committed`, or else the run's transaction
 * id, says whether the run landed (its result is returned); if not, the error goes to the caller.
 * Called with an open transaction, it opens a savepoint and does not retry (only the outermost
 * transaction can be run again: the locks that caused the failure belong to it).
 */
export async function withTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>, policy: TransactionPolicy<T> = {}): Promise<T> {
  // A savepoint (isolation is the outer transaction's).
  if (db instanceof PgTransaction) return countedTransaction(() => db.transaction((tx) => fn(tx)));
  // The latest run's body result, once it finished: after that, only its COMMIT was left.
  let done: { result: T } | undefined;
  // Without the caller's probe, on a server connection (which can be lost), the run's transaction
  // id is read before its COMMIT: Postgres can then say what became of it (`txid_status`). Null
  // when the run wrote nothing (no id assigned): its COMMIT changes nothing.
  const marksXid = !policy.committed && onServer(db);
  let xid: string | null | undefined;
  const run = () => {
    done = undefined;
    xid = undefined;
    return countedTransaction(() =>
      db.transaction(async (tx) => {
        const result = await fn(tx);
        if (marksXid) xid = (await rows<{ xid: string | null }>(tx, sql`select txid_current_if_assigned()::text as xid`))[0]?.xid ?? null;
        done = { result };
        return result;
      }, policy.config),
    );
  };
  // A connection lost while the body ran (a failover, an operator ending sessions): nothing was
  // committed, so the transaction runs again on a new connection.
  try {
    return await withRetry(run, policy, (err) => retryableState(err) ?? (done ? undefined : lostConnection(err)));
  } catch (err) {
    const finished = done;
    if (!finished || !lostConnection(err)) throw err;
    const ranXid = xid;
    // A run that wrote nothing (no transaction id): its COMMIT changed nothing, its result stands.
    if (!policy.committed && ranXid === null) return finished.result;
    const committed = policy.committed ?? (typeof ranXid === 'string' ? () => xidCommitted(db, ranXid) : undefined);
    if (!committed) throw err;
    // First the session: while it may still hold the transaction, a row not found proves nothing.
    // Once it has ended, not found is final: the caller's error then means nothing was committed, and
    // asking again (a provider's retry) cannot make a second copy of a COMMIT still on its way.
    const pid = backendPidOf(err);
    if (pid !== undefined) await withRepeatable(db, () => endSession(db, pid), policy).catch(() => false);
    const landed = await withRepeatable(db, () => committed(finished.result), policy).catch(() => undefined);
    if (landed === true) return finished.result;
    throw err;
  }
}
