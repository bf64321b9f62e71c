/**
 * Showing a batch's progress: a cli-progress bar with rate and ETA on a terminal, a plain line
 * every few seconds otherwise (logs, CI, pipes), and the closing summary.
 */
import cliProgress from 'cli-progress';
import type { BatchProgress, BatchSummary } from './engine.ts';

export interface ProgressView {
  update(p: BatchProgress): void;
  stop(): void;
}

/** Rows per second over the whole run, and the seconds left at that rate. */
export function rateOf(p: BatchProgress): { rate: number; etaS?: number } {
  const rate = p.elapsedMs > 0 ? (p.done * 1000) / p.elapsedMs : 0;
  const left = p.total !== undefined ? Math.max(0, p.total - p.done - p.skipped - p.duplicate) : undefined;
  return { rate, ...(left !== undefined && rate > 0 ? { etaS: Math.round(left / rate) } : {}) };
}

function duration(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

const counts = (p: BatchProgress) => `active ${p.active}, inactive ${p.inactive}, payer errors ${p.error}, failed ${p.failed}, invalid ${p.invalid}`;

function ttyView(stream: NodeJS.WritableStream, total: number | undefined): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: total
        ? 'eligibility {bar} {percentage}% | {value}/{total} | {rate}/s | ETA {eta_text} | {counts}'
        : 'eligibility {value} checked | {rate}/s | {counts}',
      hideCursor: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total ?? 0, 0, { rate: '0', eta_text: '…', counts: '' });
  return {
    update(p) {
      const { rate, etaS } = rateOf(p);
      bar.update(p.done + p.skipped + p.duplicate, { rate: rate.toFixed(0), eta_text: etaS === undefined ? '…' : duration(etaS), counts: counts(p) });
    },
    stop: () => bar.stop(),
  };
}

function lineView(stream: NodeJS.WritableStream, everyMs: number): ProgressView {
  let last = 0;
  return {
    update(p) {
      if (p.elapsedMs - last < everyMs) return;
      last = p.elapsedMs;
      const { rate, etaS } = rateOf(p);
      const of = p.total ? `/${p.total} (${Math.floor(((p.done + p.skipped + p.duplicate) * 100) / p.total)}%)` : '';
      stream.write(`eligibility: ${p.done + p.skipped + p.duplicate}${of} rows, ${rate.toFixed(0)}/s${etaS !== undefined ? `, ETA ${duration(etaS)}` : ''}; ${counts(p)}\n`);
    },
    stop() {},
  };
}

export function progressView(stream: NodeJS.WritableStream & { isTTY?: boolean }, total?: number, everyMs = 5_000): ProgressView {
  return stream.isTTY ? ttyView(stream, total) : lineView(stream, everyMs);
}

export function summaryText(s: BatchSummary, out: string | undefined): string {
  const secs = s.elapsedMs / 1000;
  const rate = secs > 0 ? Math.round(s.done / secs) : 0;
  return [
    `${s.interrupted ? 'interrupted after' : 'finished'}: ${s.done} rows in ${secs.toFixed(1)} s (${rate}/s)`,
    `  ${counts(s)}, unknown ${s.unknown}`,
    ...(s.skipped ? [`  ${s.skipped} already in ${out ?? 'the output'} (resumed)`] : []),
    ...(s.duplicate ? [`  ${s.duplicate} duplicate rows skipped`] : []),
    ...(s.failed || s.interrupted ? [`  run the same command again to check the rest (results file ${out ?? 'needed: use --out'})`] : []),
  ].join('\n');
}
