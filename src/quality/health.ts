/**
 * Payer interface health, computed from what the gateway saw: per payer, the window of recent calls
 * (success rate, latency p50/p95/p99), 999/TA1 rejections against the answered calls, this
 * process's circuit breaker and the breaker history of all processes, requests overdue against
 * their decision deadline or about to be, and pended requests the payer has not followed up on.
 * Each condition that crosses the payer's thresholds (rules/payers `health:`) is an alert rule.
 */
import type { Db } from '../db/client.ts';
import { breakerHistory, recentCalls, type BreakerEventRow } from '../db/queries/quality.ts';
import { ackRejections, payerBacklog, type PayerBacklog } from '../db/queries/quality-report.ts';
import type { PayerRuntime } from '../payers/registry.ts';
import type { PayerHealthSettings } from '../rules/payers.ts';

/** The alert rules of payer health (rows of the audit alerts table, group = payer id). */
export const HEALTH_RULES = ['payer-error-rate', 'payer-latency', 'payer-deadline'] as const;
export type HealthRule = (typeof HEALTH_RULES)[number];

export interface CallWindow {
  from: Date;
  calls: number;
  failures: number;
  /** null without calls. */
  successRate: number | null;
  /** At least `minCalls` calls: enough to judge error rate and latency. */
  judged: boolean;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  byOutcome: Record<string, number>;
}

export interface PayerHealth {
  payerId: string;
  name: string;
  connector: string;
  thresholds: PayerHealthSettings;
  window: CallWindow;
  ackRejections: number;
  ackRejectionRate: number | null;
  circuit: { state: 'closed' | 'open' | 'half-open'; history: Pick<BreakerEventRow, 'state' | 'instance' | 'at'>[] };
  backlog: PayerBacklog;
  /** The conditions the alert rules watch, with the value that decided each. */
  conditions: Record<HealthRule, { on: boolean; value: number | null; threshold: number }>;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function callWindow(calls: { ok: boolean; durationMs: number; outcome: string }[], from: Date, minCalls: number): CallWindow {
  const ms = calls.map((c) => c.durationMs).sort((a, b) => a - b);
  const failures = calls.filter((c) => !c.ok).length;
  const byOutcome: Record<string, number> = {};
  for (const c of calls) byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
  return {
    from,
    calls: calls.length,
    failures,
    successRate: calls.length ? (calls.length - failures) / calls.length : null,
    judged: calls.length >= minCalls,
    p50Ms: percentile(ms, 50),
    p95Ms: percentile(ms, 95),
    p99Ms: percentile(ms, 99),
    byOutcome,
  };
}

const HOUR = 3_600_000;

export async function payerHealth(db: Db, payers: PayerRuntime[], now: Date): Promise<PayerHealth[]> {
  const ids = payers.map((p) => p.config.id);
  const longest = Math.max(1, ...payers.map((p) => p.config.health.windowMinutes));
  const [history, acks, backlog] = await Promise.all([
    breakerHistory(db, ids, 20 * Math.max(1, ids.length)),
    ackRejections(db, new Date(now.getTime() - longest * 60_000)),
    payerBacklog(db, now, payers.map((p) => ({ payerId: p.config.id, warnMs: p.config.health.deadlineWarningHours * HOUR, followUpMs: p.config.health.pendedFollowUpHours * HOUR }))),
  ]);
  const out: PayerHealth[] = [];
  for (const p of payers) {
    const h = p.config.health;
    const from = new Date(now.getTime() - h.windowMinutes * 60_000);
    const window = callWindow(await recentCalls(db, p.config.id, from, h.windowCalls), from, h.minCalls);
    const answered = window.calls - window.failures;
    const ack = acks.get(p.config.id) ?? 0;
    const b = backlog.find((x) => x.payerId === p.config.id)!;
    const errorRate = window.successRate === null ? null : 1 - window.successRate;
    const judged = window.judged;
    out.push({
      payerId: p.config.id,
      name: p.config.name,
      connector: p.config.connector,
      thresholds: h,
      window,
      ackRejections: ack,
      ackRejectionRate: answered > 0 ? Math.min(1, ack / answered) : null,
      circuit: { state: p.breaker.state, history: history.filter((e) => e.payerId === p.config.id).slice(0, 20) },
      backlog: b,
      conditions: {
        'payer-error-rate': { on: judged && errorRate !== null && errorRate >= h.errorRate, value: errorRate, threshold: h.errorRate },
        'payer-latency': { on: judged && window.p95Ms !== null && window.p95Ms >= h.latencyP95Ms, value: window.p95Ms, threshold: h.latencyP95Ms },
        'payer-deadline': { on: b.overdue + b.dueSoon > 0, value: b.overdue + b.dueSoon, threshold: h.deadlineWarningHours },
      },
    });
  }
  return out;
}
