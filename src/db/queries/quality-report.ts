/**
 * The data-quality report and payer-health aggregations, in SQL: counts of payer rejections by
 * reason, pre-send findings by kind, members with conflicting demographics, per organization,
 * submitting client or provider NPI, and per day or week; per payer, requests overdue and pended
 * without follow-up. Every report query takes the caller's `scope` (null: all organizations).
 */
import { sql, type SQL } from 'drizzle-orm';
import { rows as rowsOf, type Db } from '../client.ts';

export type GroupBy = 'organization' | 'client' | 'npi';
export type Bucket = 'day' | 'week';

const GROUP_COLUMN: Record<GroupBy, SQL> = {
  organization: sql.raw('org_id'),
  client: sql.raw('client_id'),
  npi: sql.raw('provider_npi'),
};

export interface ReportQuery {
  scope: string | null;
  from: Date;
  to: Date;
  groupBy: GroupBy;
  bucket: Bucket;
}

const within = (q: ReportQuery, column = 'created_at') =>
  sql`${sql.raw(column)} >= ${q.from.toISOString()}::timestamptz and ${sql.raw(column)} < ${q.to.toISOString()}::timestamptz ${q.scope ? sql`and org_id = ${q.scope}` : sql``}`;

const key = (v: unknown) => (v === null || v === undefined ? '(unknown)' : String(v));

export interface ReasonRow {
  group: string;
  source: string;
  code: string;
  loop: string | null;
  element: string | null;
  count: number;
  requests: number;
}

export async function rejectionReasons(db: Db, q: ReportQuery): Promise<ReasonRow[]> {
  const g = GROUP_COLUMN[q.groupBy];
  const out = await rowsOf<Record<string, unknown>>(db, sql`
    select ${g} as grp, source, code, loop, element, count(*)::int as n, count(distinct request_id)::int as requests
      from payer_rejections where ${within(q)}
     group by ${g}, source, code, loop, element
     order by n desc, source, code, loop nulls first, element nulls first`);
  return out.map((r) => ({ group: key(r.grp), source: String(r.source), code: String(r.code), loop: (r.loop as string | null) ?? null, element: (r.element as string | null) ?? null, count: Number(r.n), requests: Number(r.requests) }));
}

export interface KindRow {
  group: string;
  kind: string;
  refused: boolean;
  count: number;
}

export async function findingKinds(db: Db, q: ReportQuery): Promise<KindRow[]> {
  const g = GROUP_COLUMN[q.groupBy];
  const out = await rowsOf<Record<string, unknown>>(db, sql`
    select ${g} as grp, kind, refused, count(*)::int as n from quality_warnings where ${within(q)}
     group by ${g}, kind, refused order by n desc, kind`);
  return out.map((r) => ({ group: key(r.grp), kind: String(r.kind), refused: r.refused === true || r.refused === 't', count: Number(r.n) }));
}

/** Distinct members (by keyed member-id hash) with a demographics conflict, per group. */
export async function conflictingMemberCounts(db: Db, q: ReportQuery): Promise<Map<string, number>> {
  const g = GROUP_COLUMN[q.groupBy];
  const out = await rowsOf<Record<string, unknown>>(db, sql`
    select ${g} as grp, count(distinct member_hash)::int as n from quality_warnings
     where kind = 'member-demographics' and member_hash is not null and ${within(q)} group by ${g}`);
  return new Map(out.map((r) => [key(r.grp), Number(r.n)]));
}

/** Submitted requests per group (the denominator of rejection rates). */
export async function requestCounts(db: Db, q: ReportQuery): Promise<Map<string, number>> {
  const g = { organization: sql.raw('org_id'), client: sql.raw(`summary->>'clientId'`), npi: sql.raw(`summary->>'providerNpi'`) }[q.groupBy];
  const out = await rowsOf<Record<string, unknown>>(db, sql`select ${g} as grp, count(*)::int as n from requests where ${within(q)} group by ${g}`);
  return new Map(out.map((r) => [key(r.grp), Number(r.n)]));
}

export interface TrendRow {
  group: string;
  period: string;
  rejections: number;
  warnings: number;
}

export async function trend(db: Db, q: ReportQuery): Promise<TrendRow[]> {
  const g = GROUP_COLUMN[q.groupBy];
  const unit = sql.raw(`'${q.bucket}'`);
  const out = await rowsOf<Record<string, unknown>>(db, sql`
    with x as (
      select ${g} as grp, date_trunc(${unit}, created_at at time zone 'UTC') as period, 1 as rej, 0 as warn from payer_rejections where ${within(q)}
      union all
      select ${g} as grp, date_trunc(${unit}, created_at at time zone 'UTC') as period, 0, 1 from quality_warnings where ${within(q)}
    )
    select grp, to_char(period, 'YYYY-MM-DD') as period, sum(rej)::int as rejections, sum(warn)::int as warnings from x group by grp, period order by period, grp`);
  return out.map((r) => ({ group: key(r.grp), period: String(r.period), rejections: Number(r.rejections), warnings: Number(r.warnings) }));
}

export interface ConflictRow {
  memberHash: string;
  group: string;
  requestId: string | null;
  at: Date;
  expression: string;
}

/** The newest demographics conflicts (one row per member and request), newest first. */
export async function conflicts(db: Db, q: ReportQuery, limit: number): Promise<ConflictRow[]> {
  const g = GROUP_COLUMN[q.groupBy];
  const out = await rowsOf<Record<string, unknown>>(db, sql`
    select member_hash, ${g} as grp, request_id, created_at, expression from quality_warnings
     where kind = 'member-demographics' and member_hash is not null and ${within(q)}
     order by created_at desc limit ${limit}`);
  return out.map((r) => ({ memberHash: String(r.member_hash), group: key(r.grp), requestId: (r.request_id as string | null) ?? null, at: new Date(String(r.created_at)), expression: String(r.expression) }));
}

// ---- payer health -------------------------------------------------------------------------------

/** States in which the payer still owes a decision. */
const OPEN = sql`status in ('queued', 'sent', 'pended', 'error')`;

export interface PayerBacklog {
  payerId: string;
  overdue: number;
  dueSoon: number;
  pendedNoFollowUp: number;
  /** Soonest deadline of an undecided request that is due within the warning time (or already past). */
  nextDeadline: Date | null;
}

/**
 * Per payer: undecided requests past their decision deadline, due within `warnMs`, and pended ones
 * the payer has not followed up for `followUpMs` (each payer's own setting).
 */
export async function payerBacklog(db: Db, now: Date, settings: { payerId: string; warnMs: number; followUpMs: number }[]): Promise<PayerBacklog[]> {
  const out: PayerBacklog[] = [];
  for (const s of settings) {
    const soon = new Date(now.getTime() + s.warnMs).toISOString();
    const stale = new Date(now.getTime() - s.followUpMs).toISOString();
    const [r] = await rowsOf<Record<string, unknown>>(db, sql`
      select (count(*) filter (where deadline_at < ${now.toISOString()}::timestamptz))::int as overdue,
             (count(*) filter (where deadline_at >= ${now.toISOString()}::timestamptz and deadline_at < ${soon}::timestamptz))::int as due_soon,
             (count(*) filter (where status = 'pended' and updated_at < ${stale}::timestamptz))::int as pended_stale,
             min(deadline_at) filter (where deadline_at < ${soon}::timestamptz) as next_deadline
        from requests where payer_id = ${s.payerId} and kind = 'prior-auth' and ${OPEN}`);
    out.push({
      payerId: s.payerId,
      overdue: Number(r?.overdue ?? 0),
      dueSoon: Number(r?.due_soon ?? 0),
      pendedNoFollowUp: Number(r?.pended_stale ?? 0),
      nextDeadline: r?.next_deadline ? new Date(String(r.next_deadline)) : null,
    });
  }
  return out;
}

/** 999/TA1 rejections per payer since `since` (distinct requests). */
export async function ackRejections(db: Db, since: Date): Promise<Map<string, number>> {
  const out = await rowsOf<Record<string, unknown>>(db, sql`
    select payer_id, count(distinct request_id)::int as n from payer_rejections
     where source in ('999', 'TA1') and created_at >= ${since.toISOString()}::timestamptz group by payer_id`);
  return new Map(out.map((r) => [String(r.payer_id), Number(r.n)]));
}
