/**
 * The batch's results file: one CSV row per roster row, in roster order (the engine writes them in
 * order; a resumed file is sorted back into order when the re-run closes it). Re-opening an existing file resumes: rows already there are
 * skipped by the engine, a torn last line (the process was killed mid-write) is cut off, and rows
 * that `failed` (no answer from the payer) or were `invalid` are dropped so the re-run does them
 * again — every roster row ends up in the file exactly once. Only the keys of finished rows stay
 * in memory, never the results.
 */
import { once } from 'node:events';
import { closeSync, createReadStream, createWriteStream, existsSync, fstatSync, ftruncateSync, openSync, readSync, renameSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../errors/index.ts';
import { rosterKey } from './roster.ts';

export const RESULT_COLUMNS = [
  'line', 'member_id', 'service_type', 'status', 'plan', 'group', 'coverage_start', 'coverage_end',
  'deductible', 'deductible_remaining', 'out_of_pocket_max', 'out_of_pocket_remaining', 'copay', 'coinsurance_percent',
  'error_code', 'error_description', 'checked_at',
] as const;

export type ResultRow = Partial<Record<(typeof RESULT_COLUMNS)[number], string | number | undefined>>;

/** active | inactive | unknown: answered; error: the payer refused (AAA, 999); failed: no answer; invalid: bad roster row. */
export type ResultStatus = 'active' | 'inactive' | 'unknown' | 'error' | 'failed' | 'invalid';

/** The --out file cannot take this batch's results (exit 2). */
export class ResultsError extends AppError {
  override name = 'ResultsError';
  constructor(message: string) {
    super('invalid', message);
  }
}

export interface ResultsFile {
  /** Keys (member|service type, or `line:N` for rows without a member id) already in the file. */
  done: Set<string>;
  /** Rows kept from an earlier run. */
  resumed: number;
  /** Rows of an earlier run that failed or were invalid, dropped to be done again. */
  retried: number;
  write(row: ResultRow): Promise<void>;
  close(): Promise<void>;
}

const HEADER = stringify([RESULT_COLUMNS as unknown as string[]]);

export function keyOfResult(row: ResultRow): string {
  return row.member_id ? rosterKey(String(row.member_id), row.service_type ? String(row.service_type) : undefined) : `line:${row.line}`;
}

/** Cuts a torn last line (no trailing newline) off the file. */
function cutTornLine(file: string): boolean {
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 64 * 1024));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    if (tail.length === 0 || tail[tail.length - 1] === 10) return false;
    const lastNewline = tail.lastIndexOf(10);
    ftruncateSync(fd, lastNewline < 0 ? size - tail.length : size - tail.length + lastNewline + 1);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** The data lines of a results file with their status, after checking its header. */
async function* rows(file: string): AsyncGenerator<{ text: string; row: ResultRow }> {
  let first = true;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (first) {
      first = false;
      if (`${text}\n` !== HEADER) throw new ResultsError(`${file} is not a results file of "eligibility batch" (its header differs); choose another --out`);
      continue;
    }
    if (!text.trim()) continue;
    const values = (parse(text, { relax_column_count: true }) as string[][])[0] ?? [];
    yield { text, row: Object.fromEntries(RESULT_COLUMNS.map((c, i) => [c, values[i]])) as ResultRow };
  }
}

/** Rows a re-run does again: no answer from the payer, or a roster line that may have been fixed since. */
export const DONE_AGAIN: readonly ResultStatus[] = ['failed', 'invalid'];
const AGAIN = new Set<string>(DONE_AGAIN);

/** Reads an earlier run's file: the keys it finished; when some rows are to be done again, rewrites it without them. */
async function resume(file: string): Promise<{ done: Set<string>; resumed: number; retried: number }> {
  cutTornLine(file);
  const done = new Set<string>();
  let resumed = 0;
  let retried = 0;
  for await (const { row } of rows(file)) {
    if (AGAIN.has(String(row.status))) retried++;
    else {
      done.add(keyOfResult(row));
      resumed++;
    }
  }
  if (retried === 0) return { done, resumed, retried };
  const out = createWriteStream(`${file}.tmp`);
  out.write(HEADER);
  for await (const { text, row } of rows(file)) {
    if (!AGAIN.has(String(row.status)) && !out.write(`${text}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(`${file}.tmp`, file);
  return { done, resumed, retried };
}

/**
 * Puts a resumed file back in roster order: its kept rows came first, the re-run's rows after them.
 * Rows are whole lines starting with their roster line number; the sort is stable.
 */
async function sortByLine(file: string): Promise<void> {
  const lines: { n: number; text: string }[] = [];
  for await (const { text, row } of rows(file)) lines.push({ n: Number(row.line), text });
  lines.sort((a, b) => a.n - b.n);
  const out = createWriteStream(`${file}.tmp`);
  out.write(HEADER);
  for (const l of lines) if (!out.write(`${l.text}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  renameSync(`${file}.tmp`, file);
}

/** Opens (resuming) or creates the results file. */
export async function openResults(file: string): Promise<ResultsFile> {
  const existing = existsSync(file) && statSync(file).size > 0;
  const state = existing ? await resume(file) : { done: new Set<string>(), resumed: 0, retried: 0 };
  if (!existing) writeFileSync(file, HEADER);
  const sink = sinkFor(createWriteStream(file, { flags: 'a' }), state);
  if (state.resumed === 0) return sink;
  // A resumed file gets the re-run's rows after its kept ones: sorted into roster order at the end.
  let wrote = false;
  return {
    ...sink,
    write: (row) => ((wrote = true), sink.write(row)),
    async close() {
      await sink.close();
      if (wrote) await sortByLine(file);
    },
  };
}

/** Results to a stream (stdout when there is no --out): no resume. */
export function streamResults(out: NodeJS.WritableStream): ResultsFile {
  out.write(HEADER);
  return sinkFor(out, { done: new Set(), resumed: 0, retried: 0 });
}

function sinkFor(out: NodeJS.WritableStream, state: { done: Set<string>; resumed: number; retried: number }): ResultsFile {
  // One shared wait for 'drain', however many checks finish while the stream is full.
  let drained: Promise<unknown> | undefined;
  return {
    ...state,
    async write(row) {
      const line = stringify([RESULT_COLUMNS.map((c) => row[c] ?? '')]);
      if (out.write(line)) return;
      drained ??= once(out as NodeJS.EventEmitter, 'drain').finally(() => (drained = undefined));
      await drained;
    },
    async close() {
      if (out === process.stdout || out === process.stderr) return;
      (out as WriteStream).end();
      await once(out as NodeJS.EventEmitter, 'finish');
    },
  };
}
