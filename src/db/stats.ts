/**
 * Counting what one piece of work costs the database: statements sent and transactions committed.
 * `countStatements(fn)` runs `fn` with a counter in its async context; every query drizzle sends
 * from that context (the query logger of both stores calls `noteQuery`) and every transaction
 * `withTransaction` opens from it are counted. A transaction's begin and commit are statements
 * too, and a write outside any transaction commits on its own.
 * Work done in other contexts (the job loop, the audit sequencer) is not counted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface StatementCount {
  /** Round trips to the database: queries, plus begin/commit (or savepoint/release) of each transaction. */
  statements: number;
  /** Commits that write: each outermost transaction, and each write statement run outside one (a read commits nothing). */
  commits: number;
}

interface Scope {
  count: StatementCount;
  depth: number;
}

const scope = new AsyncLocalStorage<Scope>();
const WRITES = /^\s*(insert|update|delete|with|merge)\b/i;

export async function countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; count: StatementCount }> {
  const count: StatementCount = { statements: 0, commits: 0 };
  const result = await scope.run({ count, depth: 0 }, fn);
  return { result, count };
}

/** Called by the stores' query logger for every query. */
export function noteQuery(query: string): void {
  const s = scope.getStore();
  if (!s) return;
  s.count.statements++;
  if (s.depth === 0 && WRITES.test(query)) s.count.commits++;
}

/** Runs a transaction body in a deeper scope, counting its begin and commit (or savepoint and release). */
export function countedTransaction<T>(fn: () => Promise<T>): Promise<T> {
  const s = scope.getStore();
  if (!s) return fn();
  s.count.statements += 2;
  if (s.depth === 0) s.count.commits++;
  return scope.run({ count: s.count, depth: s.depth + 1 }, fn);
}

export const queryLogger = { logQuery: (query: string) => noteQuery(query) };
