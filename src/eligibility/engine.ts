/**
 * The eligibility batch engine: streams a roster, checks each member through a `Check` (the payer
 * channel) with at most `concurrency` checks in flight, writes each result as it comes, skips what
 * the results file already holds, and reports progress and a summary. Memory is bounded by the
 * concurrency (rows in flight) plus the keys of finished rows; results are never held.
 * Reusable outside the CLI (a staff API job): every input and output is passed in.
 */
import type { EligibilitySummary } from '../translate/index.ts';
import type { Check, CheckResult } from './channel.ts';
import type { ResultRow, ResultsFile, ResultStatus } from './results.ts';
import { readRoster, rosterKey, type RosterProblem, type RosterRow } from './roster.ts';

export interface BatchCounts {
  active: number;
  inactive: number;
  unknown: number;
  /** The payer answered with an error (AAA, 999/TA1 rejection). */
  error: number;
  /** No usable answer (transport); checked again by a re-run. */
  failed: number;
  /** Bad roster rows. */
  invalid: number;
  /** Rows already in the results file. */
  skipped: number;
  /** Rows repeating an earlier row's member and service type. */
  duplicate: number;
}

export interface BatchProgress extends BatchCounts {
  /** Rows finished in this run (every status but skipped). */
  done: number;
  /** Data rows in the roster, when known. */
  total?: number;
  elapsedMs: number;
}

export interface BatchSummary extends BatchProgress {
  /** Stopped by the signal before the roster's end. */
  interrupted: boolean;
  /** Every row has an answer from the payer (active, inactive, unknown or error). */
  allChecked: boolean;
  /** Why the run stopped early on its own: the payer could not be reached at all. */
  unreachable?: string;
}

export interface BatchOptions {
  roster: NodeJS.ReadableStream;
  results: ResultsFile;
  check: Check;
  concurrency: number;
  total?: number;
  signal?: AbortSignal;
  onProgress?: (p: BatchProgress) => void;
  onProblem?: (p: RosterProblem) => void;
  now?: () => Date;
  /**
   * Stop the run when this many checks in a row failed to reach the payer before any answer came
   * (default: the concurrency, at least 3; 0 never stops): a payer that cannot be reached at all is
   * one error with its cause, not a roster of failed rows.
   */
  unreachableAfter?: number;
}

const clean = (s: string | undefined) => s?.replace(/[\r\n]+/g, ' ');

function resultRow(row: RosterRow, r: CheckResult, at: string): ResultRow {
  const s: EligibilitySummary | undefined = r.summary;
  const err = r.error ?? (s?.errors[0] ? { code: s.errors[0].code, description: `${s.errors[0].description}${s.errors[0].followUpDescription ? `; ${s.errors[0].followUpDescription}` : ''}` } : undefined);
  return {
    line: row.line,
    member_id: row.memberId,
    service_type: row.serviceType,
    status: r.status,
    plan: clean(s?.planName ?? s?.planNumber),
    group: clean(s?.group),
    coverage_start: s?.coverageStart,
    coverage_end: s?.coverageEnd,
    deductible: s?.deductible,
    deductible_remaining: s?.deductibleRemaining,
    out_of_pocket_max: s?.outOfPocket,
    out_of_pocket_remaining: s?.outOfPocketRemaining,
    copay: s?.copay,
    coinsurance_percent: s?.coinsurancePercent,
    error_code: err?.code,
    error_description: clean(err?.description),
    checked_at: at,
  };
}

/**
 * Results leave in roster order: each roster row takes a slot when it is read, and finished slots
 * are written from the front as soon as every earlier one is finished. Slots wait for at most a
 * window of rows, so memory stays bounded while one slow check holds the front.
 */
class InOrder {
  private readonly slots: { result?: { status: ResultStatus; row: ResultRow } | null }[] = [];
  private flushing = Promise.resolve();
  constructor(private readonly write: (status: ResultStatus, row: ResultRow) => Promise<void>) {}

  get size() {
    return this.slots.length;
  }

  /** A place for the next roster row's result; `settle(null)` when it writes none. */
  take(): (result: { status: ResultStatus; row: ResultRow } | null) => Promise<void> {
    const slot: { result?: { status: ResultStatus; row: ResultRow } | null } = {};
    this.slots.push(slot);
    return (result) => {
      slot.result = result;
      return this.flush();
    };
  }

  private flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      while (this.slots.length && this.slots[0]!.result !== undefined) {
        const { result } = this.slots.shift()!;
        if (result) await this.write(result.status, result.row);
      }
    });
    return this.flushing;
  }
}

export async function runEligibilityBatch(o: BatchOptions): Promise<BatchSummary> {
  const started = Date.now();
  const now = () => o.now?.() ?? new Date();
  const counts: BatchCounts = { active: 0, inactive: 0, unknown: 0, error: 0, failed: 0, invalid: 0, skipped: 0, duplicate: 0 };
  const seen = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  const progress = (): BatchProgress => ({ ...counts, done, ...(o.total !== undefined ? { total: o.total } : {}), elapsedMs: Date.now() - started });
  const ordered = new InOrder(async (status, row) => {
    await o.results.write(row);
    counts[status]++;
    done++;
    o.onProgress?.(progress());
  });
  const window = Math.max(64, o.concurrency * 8);
  // A payer that cannot be reached at all: stop after this many transport failures with no answer.
  const stopAfter = o.unreachableAfter ?? Math.max(3, Math.min(o.concurrency, 10));
  let answered = 0;
  let unreachableRun = 0;
  let unreachable: string | undefined;
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;

  const today = now().toISOString().slice(0, 10);
  for await (const item of readRoster(o.roster, today)) {
    if (signal.aborted) break;
    if (item.kind === 'problem') {
      const p = item.problem;
      o.onProblem?.(p);
      // Written every run (a resume drops invalid rows), so a fixed roster line is checked next time.
      const written: Promise<void> = ordered
        .take()({ status: 'invalid', row: { line: p.line, member_id: p.memberId, status: 'invalid', error_code: 'roster', error_description: clean(p.message), checked_at: now().toISOString() } })
        .finally(() => inFlight.delete(written));
      inFlight.add(written);
      continue;
    }
    const row = item.row;
    const key = rosterKey(row.memberId, row.serviceType);
    if (o.results.done.has(key)) {
      counts.skipped++;
      o.onProgress?.(progress());
      continue;
    }
    if (seen.has(key)) {
      counts.duplicate++;
      o.onProblem?.({ line: row.line, memberId: row.memberId, message: 'repeats an earlier row for the same member and service type; skipped' });
      continue;
    }
    seen.add(key);
    // Back-pressure: the roster is read on only when a check slot is free and the rows waiting
    // for an earlier one (to keep roster order) fit in the window.
    while (inFlight.size >= o.concurrency || (ordered.size >= window && inFlight.size > 0)) await Promise.race(inFlight);
    if (signal.aborted) break;
    const settle = ordered.take();
    const task: Promise<void> = o
      .check(row, signal)
      .catch((e: Error): CheckResult => ({ status: 'failed', error: { code: 'internal', description: e.message } }))
      .then((r) => {
        if (r.error?.code === 'aborted') return settle(null);
        if (r.status !== 'failed') answered++;
        else if (r.error?.code === 'transport' && answered === 0 && stopAfter > 0 && ++unreachableRun >= stopAfter && !unreachable) {
          unreachable = r.error.description;
          stop.abort();
        }
        return settle({ status: r.status, row: resultRow(row, r, now().toISOString()) });
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  const summary = progress();
  const interrupted = Boolean(o.signal?.aborted) || Boolean(unreachable);
  return { ...summary, interrupted, allChecked: !interrupted && summary.failed === 0 && summary.invalid === 0, ...(unreachable ? { unreachable } : {}) };
}
