/**
 * CMS-0057-F prior-authorization metrics, aggregated in SQL (one pass, any volume): per payer and
 * urgency, plus per-payer, per-urgency and overall totals (GROUPING SETS).
 *
 * Definitions (see src/staff/metrics.ts for the percentages):
 * - a request counts in the period when it was submitted (`requests.created_at`) in [from, to);
 * - decision time = first audit event moving the request into a decided state minus submission;
 * - appeal: `summary.appeal = true`, won when `summary.appealOutcome = 'approved'`;
 * - extension: `summary.extended = true` (the payer took the extended review timeframe);
 * - no authorization needed (`not_required`, HCR01 NA on every line): counted apart, never a
 *   determination; a transition recorded with decision NA (before that state existed such requests
 *   moved to `certified`) gives no decision time.
 */
import { sql } from 'drizzle-orm';
import { rows as rowsOf, type Db } from '../client.ts';

/** Transitions into these states are determinations (CMS: approved or denied). */
export const DECISION_STATES = ['certified', 'partially_certified', 'modified', 'denied'] as const;
export const APPROVED_STATES = ['certified', 'partially_certified', 'modified'] as const;

export interface MetricsRow {
  /** null on the all-payers rows. */
  payerId: string | null;
  /** null on the all-urgencies rows. */
  urgency: string | null;
  requests: number;
  approved: number;
  denied: number;
  /** Requests that needed no prior authorization (NA): not determinations. */
  notRequired: number;
  appealed: number;
  approvedAfterAppeal: number;
  extended: number;
  approvedAfterExtension: number;
  /** Requests with a decision event (the ones the times are computed over). */
  timed: number;
  avgSeconds: number | null;
  medianSeconds: number | null;
}

const list = (xs: readonly string[]) => sql.join(xs.map((x) => sql`${x}`), sql`, `);

export async function cmsMetricRows(db: Db, q: { from: Date; to: Date; scope: string | null }): Promise<MetricsRow[]> {
  const approved = sql`r.status in (${list(APPROVED_STATES)})`;
  const rows = await rowsOf<Record<string, unknown>>(db, sql`
    with r as (
      select req.id, req.payer_id, coalesce(req.urgency, 'standard') as urgency, req.status, req.summary, req.created_at,
             (select min(a.at) from audit_events a
               where a.entity_type = 'request' and a.entity_id = req.id::text and a.action = 'request.transition'
                 and a.detail->>'to' in (${list(DECISION_STATES)})
                 and coalesce(a.detail->>'decision', '') <> 'NA') as decided_at
        from requests req
       where req.kind = 'prior-auth'
         and req.created_at >= ${q.from.toISOString()}::timestamptz and req.created_at < ${q.to.toISOString()}::timestamptz
         ${q.scope ? sql`and req.org_id = ${q.scope}` : sql``}
    )
    select r.payer_id, r.urgency, grouping(r.payer_id) as all_payers, grouping(r.urgency) as all_urgencies,
           count(*)::int as requests,
           (count(*) filter (where ${approved}))::int as approved,
           (count(*) filter (where r.status = 'denied'))::int as denied,
           (count(*) filter (where r.status = 'not_required'))::int as not_required,
           (count(*) filter (where r.summary->>'appeal' = 'true'))::int as appealed,
           (count(*) filter (where r.summary->>'appeal' = 'true' and r.summary->>'appealOutcome' = 'approved'))::int as approved_after_appeal,
           (count(*) filter (where r.summary->>'extended' = 'true'))::int as extended,
           (count(*) filter (where r.summary->>'extended' = 'true' and ${approved}))::int as approved_after_extension,
           count(r.decided_at)::int as timed,
           avg(extract(epoch from r.decided_at - r.created_at))::float8 as avg_s,
           (percentile_cont(0.5) within group (order by extract(epoch from r.decided_at - r.created_at)))::float8 as median_s
      from r
     group by grouping sets ((r.payer_id, r.urgency), (r.payer_id), (r.urgency), ())
     order by all_payers, r.payer_id nulls last, all_urgencies, r.urgency
  `);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    payerId: Number(r.all_payers) === 1 ? null : ((r.payer_id as string | null) ?? '(none)'),
    urgency: Number(r.all_urgencies) === 1 ? null : String(r.urgency),
    requests: Number(r.requests),
    approved: Number(r.approved),
    denied: Number(r.denied),
    notRequired: Number(r.not_required),
    appealed: Number(r.appealed),
    approvedAfterAppeal: Number(r.approved_after_appeal),
    extended: Number(r.extended),
    approvedAfterExtension: Number(r.approved_after_extension),
    timed: Number(r.timed),
    avgSeconds: num(r.avg_s),
    medianSeconds: num(r.median_s),
  }));
}
