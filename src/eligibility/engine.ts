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

export async function runEligibilityBatch(o: BatchOptions): Promise<BatchSummary> {
  const started = Date.now();
  const now = () => o.now?.() ?? new Date();
  const counts: BatchCounts = { active: 0, inactive: 0, unknown: 0, error: 0, failed: 0, invalid: 0, skipped: 0, duplicate: 0 };
  const seen = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  const progress = (): BatchProgress => ({ ...counts, done, ...(o.total !== undefined ? { total: o.total } : {}), elapsedMs: Date.now() - started });
  const finish = async (status: ResultStatus, row: ResultRow) => {
    await o.results.write(row);
    counts[status]++;
    done++;
    o.onProgress?.(progress());
  };

  const today = now().toISOString().slice(0, 10);
  for await (const item of readRoster(o.roster, today)) {
    if (o.signal?.aborted) break;
    if (item.kind === 'problem') {
      const p = item.problem;
      o.onProblem?.(p);
      // Written every run (a resume drops invalid rows), so a fixed roster line is checked next time.
      await finish('invalid', { line: p.line, member_id: p.memberId, status: 'invalid', error_code: 'roster', error_description: clean(p.message), checked_at: now().toISOString() });
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
    // Back-pressure: the roster is read on only when a check slot is free.
    while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    const task: Promise<void> = o
      .check(row, o.signal)
      .catch((e: Error): CheckResult => ({ status: 'failed', error: { code: 'internal', description: e.message } }))
      .then((r) => (r.error?.code === 'aborted' ? undefined : finish(r.status, resultRow(row, r, now().toISOString()))))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  const summary = progress();
  const interrupted = Boolean(o.signal?.aborted);
  return { ...summary, interrupted, allChecked: !interrupted && summary.failed === 0 && summary.invalid === 0 };
}
