/**
 * CMS-0057-F prior-authorization metrics (42 CFR 422.122(c) and its siblings): per payer and
 * period, for standard and expedited requests, the share approved, denied, approved after appeal
 * and approved after an extended review timeframe, and the average and median time from
 * submission to decision. The SQL is in db/queries/metrics.ts; this file turns it into a report.
 *
 * Percentages are of the requests that got a determination in the period's cohort (approved +
 * denied); pending, rejected (AAA), cancelled and errored requests are counted but are not
 * determinations, nor are requests that needed no prior authorization (HCR01 NA, `notRequired`,
 * counted apart). Approved/denied describe the payer's determination; "approved after appeal"
 * are determinations later reversed on appeal (summary.appealOutcome = 'approved').
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { cmsMetricRows, type MetricsRow } from '../db/queries/metrics.ts';
import type { StaffDeps, StaffPrincipal } from './types.ts';

export interface MetricGroup {
  requests: number;
  decided: number;
  approved: number;
  denied: number;
  /** Needed no prior authorization (HCR01 NA): counted in `requests`, never a determination. */
  notRequired: number;
  appealed: number;
  approvedAfterAppeal: number;
  extended: number;
  approvedAfterExtension: number;
  percentApproved: number | null;
  percentDenied: number | null;
  percentApprovedAfterAppeal: number | null;
  percentApprovedAfterExtension: number | null;
  averageDecisionHours: number | null;
  medianDecisionHours: number | null;
  /** The same times in minutes (one decimal): what the pages show for anything under an hour. */
  averageDecisionMinutes: number | null;
  medianDecisionMinutes: number | null;
}

export interface PayerMetrics {
  /** 'all' for the all-payers summary. */
  payerId: string;
  standard: MetricGroup;
  expedited: MetricGroup;
  all: MetricGroup;
}

export interface MetricsReport {
  from: string;
  to: string;
  generatedAt: string;
  scope: string;
  payers: PayerMetrics[];
  total: PayerMetrics;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const pct = (n: number, d: number) => (d === 0 ? null : round1((100 * n) / d));
const hours = (s: number | null) => (s === null ? null : round1(s / 3600));
const minutes = (s: number | null) => (s === null ? null : round1(s / 60));

/**
 * A decision time in words: minutes under an hour ("42 min", "< 1 min"), hours under two days
 * ("5.3 h"), days and hours beyond ("3 d 4 h").
 * @example decisionTime(0.7) // '42 min'
 */
export function decisionTime(minutesValue: number | null): string {
  if (minutesValue === null) return '—';
  if (minutesValue < 1) return '< 1 min';
  if (minutesValue < 60) return `${Math.round(minutesValue)} min`;
  const h = minutesValue / 60;
  if (h < 48) return `${round1(h)} h`;
  return `${Math.floor(h / 24)} d ${Math.round(h % 24)} h`;
}

export function groupOf(r: MetricsRow | undefined): MetricGroup {
  const x = r ?? { requests: 0, approved: 0, denied: 0, notRequired: 0, appealed: 0, approvedAfterAppeal: 0, extended: 0, approvedAfterExtension: 0, avgSeconds: null, medianSeconds: null };
  const decided = x.approved + x.denied;
  return {
    requests: x.requests,
    decided,
    approved: x.approved,
    denied: x.denied,
    notRequired: x.notRequired,
    appealed: x.appealed,
    approvedAfterAppeal: x.approvedAfterAppeal,
    extended: x.extended,
    approvedAfterExtension: x.approvedAfterExtension,
    percentApproved: pct(x.approved, decided),
    percentDenied: pct(x.denied, decided),
    percentApprovedAfterAppeal: pct(x.approvedAfterAppeal, decided),
    percentApprovedAfterExtension: pct(x.approvedAfterExtension, decided),
    averageDecisionHours: hours(x.avgSeconds),
    medianDecisionHours: hours(x.medianSeconds),
    averageDecisionMinutes: minutes(x.avgSeconds),
    medianDecisionMinutes: minutes(x.medianSeconds),
  };
}

export function buildReport(rows: MetricsRow[], meta: { from: Date; to: Date; now: Date; scope: string | null }): MetricsReport {
  const find = (payer: string | null, urgency: string | null) => rows.find((r) => r.payerId === payer && r.urgency === urgency);
  const entry = (payer: string | null): PayerMetrics => ({
    payerId: payer ?? 'all',
    standard: groupOf(find(payer, 'standard')),
    expedited: groupOf(find(payer, 'expedited')),
    all: groupOf(find(payer, null)),
  });
  const payerIds = [...new Set(rows.map((r) => r.payerId).filter((p): p is string => p !== null))].sort();
  return {
    from: meta.from.toISOString(),
    to: meta.to.toISOString(),
    generatedAt: meta.now.toISOString(),
    scope: meta.scope ?? 'all organizations',
    payers: payerIds.map(entry),
    total: entry(null),
  };
}

const DAY = 86_400_000;
const dateOrTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/**
 * `from` / `to`: dates (YYYY-MM-DD, whole days, `to` inclusive) or ISO date-times (`to`
 * exclusive). Defaults: the current calendar year up to today.
 */
export function parsePeriod(q: { from?: string; to?: string }, now: Date): { from: Date; to: Date } {
  const p = z.object({ from: dateOrTime.optional(), to: dateOrTime.optional() }).parse({ from: q.from || undefined, to: q.to || undefined });
  const from = p.from ? new Date(p.from.length === 10 ? `${p.from}T00:00:00Z` : p.from) : new Date(Date.UTC(now.getUTCFullYear(), 0, 1));
  const to = p.to
    ? p.to.length === 10
      ? new Date(Date.parse(`${p.to}T00:00:00Z`) + DAY)
      : new Date(p.to)
    : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY);
  if (!(from < to)) throw new RangeError('"from" must be before "to"');
  if (to.getTime() - from.getTime() > 11 * 366 * DAY) throw new RangeError('the period may span at most 10 years');
  return { from, to };
}

export async function cmsMetrics(deps: StaffDeps, staff: StaffPrincipal, period: { from: Date; to: Date }): Promise<MetricsReport> {
  const rows = await cmsMetricRows(deps.db, { ...period, scope: staff.orgId });
  return buildReport(rows, { ...period, now: deps.now(), scope: staff.orgId });
}

const CSV_COLUMNS = [
  'payer_id', 'urgency', 'period_from', 'period_to', 'requests', 'decided', 'approved', 'denied', 'appealed', 'approved_after_appeal',
  'extended', 'approved_after_extension', 'percent_approved', 'percent_denied', 'percent_approved_after_appeal',
  'percent_approved_after_extension', 'average_decision_hours', 'median_decision_hours', 'average_decision_minutes', 'median_decision_minutes',
  // Added after the first release: new columns go at the end.
  'not_required',
];

/** One row per payer and urgency (standard, expedited, all), then the all-payers rows. */
export function reportCsv(r: MetricsReport): string {
  const rows: unknown[][] = [];
  for (const p of [...r.payers, r.total]) {
    for (const urgency of ['standard', 'expedited', 'all'] as const) {
      const g = p[urgency];
      rows.push([
        p.payerId, urgency, r.from, r.to, g.requests, g.decided, g.approved, g.denied, g.appealed, g.approvedAfterAppeal, g.extended,
        g.approvedAfterExtension, g.percentApproved, g.percentDenied, g.percentApprovedAfterAppeal, g.percentApprovedAfterExtension,
        g.averageDecisionHours, g.medianDecisionHours, g.averageDecisionMinutes, g.medianDecisionMinutes, g.notRequired,
      ]);
    }
  }
  return stringify(rows, { header: true, columns: CSV_COLUMNS, cast: { number: String } });
}
