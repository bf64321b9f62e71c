/**
 * A batch's results in the database instead of a file (staff batches: any gateway process can
 * resume or serve them). Same contract as the results file: rows already stored are skipped on a
 * resume, failed and invalid ones are done again. Writes are grouped (up to `flushRows` rows or
 * `flushMs`) so a thousand answers a second cost a few statements, not a thousand; rows not yet
 * flushed when the process dies are simply checked again by the run that resumes the batch.
 */
import type { Db } from '../db/client.ts';
import { insertResults, resumeResults, type StoredResult } from '../db/queries/eligibility-batches.ts';
import { DONE_AGAIN, keyOfResult, RESULT_COLUMNS, type ResultRow, type ResultsFile } from './results.ts';

export async function dbResults(db: Db, batchId: string, opts: { flushRows?: number; flushMs?: number } = {}): Promise<ResultsFile> {
  const { kept, retried } = await resumeResults(db, batchId, DONE_AGAIN);
  const keys = kept.map((row) => keyOfResult(row as ResultRow));
  const flushRows = opts.flushRows ?? 200;
  const flushMs = opts.flushMs ?? 250;
  let pending: StoredResult[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return writing;
    const rows = pending;
    pending = [];
    // One flush at a time, in order; a failed flush fails the next write (and so the run).
    writing = writing.then(() => insertResults(db, batchId, rows));
    return writing;
  };

  return {
    done: new Set(keys),
    resumed: keys.length,
    retried,
    async write(row: ResultRow) {
      const stored = Object.fromEntries(RESULT_COLUMNS.map((c) => [c, row[c] ?? null])) as StoredResult['row'];
      pending.push({ line: Number(row.line), key: keyOfResult(row), status: String(row.status), row: stored });
      if (pending.length >= flushRows) await flush();
      else timer ??= setTimeout(() => void flush().catch(() => {}), flushMs);
    },
    close: () => flush(),
  };
}
