/**
 * The data-quality report as staff (and an organization's own dashboards) read it: per
 * organization, submitting client or provider NPI, in a period — payer rejections by reason (AAA
 * codes; 999/TA1 errors with their loop and element), pre-send warnings by kind, members with
 * conflicting demographics, and the trend per day or week; the same numbers as JSON and CSV.
 * The SQL is in db/queries/quality-report.ts. Member ids appear only in the conflicts list, masked
 * for roles without `requests.read.phi`; listing them is audited as a PHI read.
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { recordAudit } from '../audit/index.ts';
import { conflicts, conflictingMemberCounts, findingKinds, rejectionReasons, requestCounts, trend, type Bucket, type GroupBy } from '../db/queries/quality-report.ts';
import { scopedRequest } from '../db/queries/staff.ts';
import { KIND_LABELS } from '../quality/index.ts';
import type { DataQualityKind } from '../rules/index.ts';
import { maskMemberId } from './bundle-facts.ts';
import { REJECT_REASONS } from './codes.ts';
import { parsePeriod } from './metrics.ts';
import { can } from './permissions.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';

export const QualityParams = z.object({
  from: z.string().optional(),
  to: z.string().optional(),
  group: z.enum(['organization', 'client', 'npi']).optional().default('organization'),
  bucket: z.enum(['day', 'week']).optional().default('day'),
});

/** IK304 segment syntax error codes (X12 element 620). */
const IK304: Record<string, string> = {
  '1': 'Unrecognized segment ID', '2': 'Unexpected segment', '3': 'Required segment missing', '4': 'Loop occurs over maximum times',
  '5': 'Segment exceeds maximum use', '6': 'Segment not in defined transaction set', '7': 'Segment not in proper sequence',
  '8': 'Segment has data element errors', I4: 'Implementation "not used" segment present', I6: 'Implementation dependent segment missing',
  I7: 'Implementation loop occurs under minimum times', I8: 'Implementation segment below minimum use', I9: 'Implementation dependent "not used" segment present',
};
/** IK403 data element syntax error codes (X12 element 621). */
const IK403: Record<string, string> = {
  '1': 'Required data element missing', '2': 'Conditional required data element missing', '3': 'Too many data elements', '4': 'Data element too short',
  '5': 'Data element too long', '6': 'Invalid character in data element', '7': 'Invalid code value', '8': 'Invalid date', '9': 'Invalid time',
  '10': 'Exclusion condition violated', '12': 'Too many repetitions', '13': 'Too many components', I6: 'Code value not used in implementation',
  I9: 'Implementation dependent data element missing', I10: 'Implementation "not used" data element present', I11: 'Implementation too few repetitions',
  I12: 'Implementation pattern match failure', I13: 'Implementation dependent "not used" data element present',
};
/** IK5/AK9 verdicts and TA105 interchange note codes met most. */
const VERDICTS: Record<string, string> = { R: 'Transaction set rejected', M: 'Rejected, message authentication code failed', W: 'Rejected, assurance failed', X: 'Rejected, content could not be analyzed', '5': 'One or more segments in error' };
const TA105: Record<string, string> = {
  '001': 'Control numbers in ISA and IEA do not match', '005': 'Invalid interchange ID qualifier for sender', '006': 'Invalid interchange sender ID',
  '007': 'Invalid interchange ID qualifier for receiver', '008': 'Invalid interchange receiver ID', '014': 'Invalid interchange date value',
  '015': 'Invalid interchange time value', '018': 'Invalid interchange control number value', '022': 'Invalid control structure',
  '023': 'Improper (premature) end-of-file', '024': 'Invalid interchange content', '025': 'Duplicate interchange control number',
};

export function reasonLabel(r: { source: string; code: string; element: string | null }): string {
  if (r.source === 'AAA') return REJECT_REASONS[r.code] ?? `AAA03 ${r.code}`;
  if (r.source === 'TA1') return TA105[r.code] ?? `TA105 ${r.code}`;
  const elementLevel = r.element !== null && /\d$/.test(r.element);
  return (elementLevel ? IK403[r.code] : IK304[r.code]) ?? VERDICTS[r.code] ?? `999 code ${r.code}`;
}

export interface ReasonCount {
  source: string;
  code: string;
  loop: string | null;
  element: string | null;
  label: string;
  count: number;
  requests: number;
}

export interface QualityGroup {
  key: string;
  requests: number;
  rejections: { total: number; reasons: ReasonCount[] };
  warnings: { total: number; refused: number; kinds: { kind: string; label: string; refused: boolean; count: number }[] };
  conflictingMembers: number;
}

export interface QualityReport {
  from: string;
  to: string;
  generatedAt: string;
  scope: string;
  groupBy: GroupBy;
  bucket: Bucket;
  totals: { requests: number; rejections: number; warnings: number; refused: number; conflictingMembers: number };
  /** Every reason over all groups, most frequent first (the chart). */
  reasons: ReasonCount[];
  groups: QualityGroup[];
  trend: { period: string; group: string; rejections: number; warnings: number }[];
  /** The newest members with conflicting demographics (masked for roles without PHI). */
  conflicts: { member: string; group: string; requestId: string | null; at: string; element: string }[];
}

const reasonKey = (r: { source: string; code: string; loop: string | null; element: string | null }) => `${r.source}|${r.code}|${r.loop ?? ''}|${r.element ?? ''}`;

function mergeReasons(rows: ReasonCount[]): ReasonCount[] {
  const by = new Map<string, ReasonCount>();
  for (const r of rows) {
    const k = reasonKey(r);
    const had = by.get(k);
    by.set(k, had ? { ...had, count: had.count + r.count, requests: had.requests + r.requests } : { ...r });
  }
  return [...by.values()].sort((a, b) => b.count - a.count || a.source.localeCompare(b.source) || a.code.localeCompare(b.code));
}

export async function qualityReport(deps: StaffDeps, staff: StaffPrincipal, params: z.infer<typeof QualityParams>, httpRequestId?: string): Promise<QualityReport> {
  const period = parsePeriod({ from: params.from, to: params.to }, deps.now());
  const q = { scope: staff.orgId, ...period, groupBy: params.group, bucket: params.bucket };
  const [reasons, kinds, members, counts, series, recent] = await Promise.all([
    rejectionReasons(deps.db, q),
    findingKinds(deps.db, q),
    conflictingMemberCounts(deps.db, q),
    requestCounts(deps.db, q),
    trend(deps.db, q),
    conflicts(deps.db, q, 50),
  ]);
  const keys = [...new Set([...reasons.map((r) => r.group), ...kinds.map((k) => k.group), ...members.keys(), ...counts.keys()])].sort();
  const groups: QualityGroup[] = keys.map((key) => {
    const rs = reasons.filter((r) => r.group === key).map(({ group: _g, ...r }) => ({ ...r, label: reasonLabel(r) }));
    const ks = kinds.filter((k) => k.group === key).map((k) => ({ kind: k.kind, label: KIND_LABELS[k.kind as DataQualityKind] ?? k.kind, refused: k.refused, count: k.count }));
    return {
      key,
      requests: counts.get(key) ?? 0,
      rejections: { total: rs.reduce((t, r) => t + r.count, 0), reasons: rs },
      warnings: { total: ks.reduce((t, k) => t + k.count, 0), refused: ks.filter((k) => k.refused).reduce((t, k) => t + k.count, 0), kinds: ks },
      conflictingMembers: members.get(key) ?? 0,
    };
  });

  // The conflicts list names members: masked unless the role sees PHI, and audited as a read.
  const phi = can(staff, 'requests.read.phi');
  const seen = new Set<string>();
  const listed: QualityReport['conflicts'] = [];
  for (const c of recent) {
    if (seen.has(c.memberHash)) continue;
    seen.add(c.memberHash);
    const request = c.requestId ? await scopedRequest(deps.db, staff.orgId, c.requestId) : undefined;
    const demographics = request?.summary.demographics as { memberIds?: string[] } | undefined;
    const id = demographics?.memberIds?.[0];
    listed.push({ member: phi ? (id ?? '—') : maskMemberId(id), group: c.group, requestId: c.requestId, at: c.at.toISOString(), element: c.expression });
  }
  const requestIds = listed.map((c) => c.requestId).filter((id): id is string => Boolean(id));
  if (requestIds.length) {
    await recordAudit(deps.db, { actor: actorOf(staff), action: 'phi.read', orgId: staff.orgId, entityType: 'request', entityId: requestIds.join(','), requestId: httpRequestId ?? null, detail: { view: 'quality-report', masked: !phi } });
  }
  const sum = (f: (g: QualityGroup) => number) => groups.reduce((t, g) => t + f(g), 0);
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    generatedAt: deps.now().toISOString(),
    scope: staff.orgId ?? 'all organizations',
    groupBy: params.group,
    bucket: params.bucket,
    totals: {
      requests: sum((g) => g.requests),
      rejections: sum((g) => g.rejections.total),
      warnings: sum((g) => g.warnings.total),
      refused: sum((g) => g.warnings.refused),
      conflictingMembers: sum((g) => g.conflictingMembers),
    },
    reasons: mergeReasons(groups.flatMap((g) => g.rejections.reasons)),
    groups,
    trend: series,
    conflicts: listed,
  };
}

const CSV_COLUMNS = ['group_by', 'group', 'category', 'period', 'source', 'code', 'loop', 'element', 'kind', 'refused', 'label', 'count', 'requests'];

/**
 * One row per number of the JSON: per group its submitted requests, each rejection reason, each
 * warning kind and its count of conflicting members; then the trend, per period and group.
 */
export function qualityCsv(r: QualityReport): string {
  const rows: unknown[][] = [];
  const row = (g: string, category: string, v: Partial<Record<(typeof CSV_COLUMNS)[number], unknown>>) =>
    rows.push(CSV_COLUMNS.map((c) => (c === 'group_by' ? r.groupBy : c === 'group' ? g : c === 'category' ? category : (v[c] ?? ''))));
  for (const g of r.groups) {
    row(g.key, 'requests', { count: g.requests });
    for (const x of g.rejections.reasons) row(g.key, 'rejection', { source: x.source, code: x.code, loop: x.loop, element: x.element, label: x.label, count: x.count, requests: x.requests });
    for (const k of g.warnings.kinds) row(g.key, 'warning', { kind: k.kind, refused: k.refused, label: k.label, count: k.count });
    row(g.key, 'conflicting-members', { count: g.conflictingMembers });
  }
  for (const t of r.trend) {
    row(t.group, 'trend-rejections', { period: t.period, count: t.rejections });
    row(t.group, 'trend-warnings', { period: t.period, count: t.warnings });
  }
  return stringify(rows, { header: true, columns: CSV_COLUMNS, cast: { number: String, boolean: (b) => String(b) } });
}
