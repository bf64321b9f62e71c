/**
 * The worklist: query parameters (shared by `/ui` and `GET /api/requests`), the page of requests
 * in the caller's scope, and the row each request becomes. PHI is reduced to initials, and — for
 * roles without `requests.read.phi` — the member id to its last four characters and the birth
 * date to its year, here on the server: the full values never reach such a user's page or JSON.
 * Each listing is audited as one `phi.read` of the requests it showed.
 */
import { z } from 'zod';
import { recordAudit } from '../audit/index.ts';
import { deliveryJobsOf, lastTransitionsOf, latestResponsesOf, payerAnsweredOf, requestBundles, SORTS, worklist, type RequestRow, type SortKey } from '../db/queries/staff.ts';
import { STATES } from '../workflow/states.ts';
import { maskBirthDate, maskMemberId, parseBundle, patientBirthDate, patientInitials, serviceSummary } from './bundle-facts.ts';
import { can } from './permissions.ts';
import { storyOf, type Story } from './request-story.ts';
import { storyFacts } from './story-facts.ts';
import { timeLeft, type TimeLeft } from './time.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';

/** A yes/no filter: 1/true/on/yes or 0/false/off/no (or absent, empty); anything else is refused, not read as no. */
const flag = z
  .enum(['', '1', 'true', 'on', 'yes', '0', 'false', 'off', 'no'])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'on' || v === 'yes');

export const WorklistParams = z.object({
  status: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
    .pipe(z.array(z.enum(STATES))),
  payer: z.string().max(100).optional().transform((v) => v || undefined),
  overdue: flag,
  text: z.string().max(200).optional().transform((v) => v?.trim() || undefined),
  kind: z.enum(['prior-auth', 'eligibility', 'all']).optional().default('prior-auth'),
  sort: z.enum(Object.keys(SORTS) as [SortKey, ...SortKey[]]).optional().default('submitted'),
  dir: z.enum(['asc', 'desc']).optional().default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).optional().default(1),
  size: z.coerce.number().int().min(1).max(100).optional().default(25),
});
export type WorklistParams = z.infer<typeof WorklistParams>;

/** Reads the query string; repeated `status` parameters are joined. Throws a ZodError when bad. */
export function parseWorklistParams(query: Record<string, string[]>): WorklistParams {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(query)) flat[k] = k === 'status' ? v.join(',') : (v[0] ?? '');
  return WorklistParams.parse(flat);
}

/** The same parameters as a query string (for links that change one of them). */
export function toQuery(p: WorklistParams, change: Partial<Record<keyof WorklistParams, string | number | boolean | undefined>> = {}): string {
  const v: Record<string, string | number | boolean | undefined> = {
    status: p.status.join(',') || undefined,
    payer: p.payer,
    overdue: p.overdue ? '1' : undefined,
    text: p.text,
    kind: p.kind === 'prior-auth' ? undefined : p.kind,
    sort: p.sort === 'submitted' ? undefined : p.sort,
    dir: p.dir === 'desc' ? undefined : p.dir,
    page: p.page === 1 ? undefined : p.page,
    size: p.size === 25 ? undefined : p.size,
    ...change,
  };
  const qs = new URLSearchParams();
  for (const [k, val] of Object.entries(v)) if (val !== undefined && val !== '' && val !== false) qs.set(k, String(val));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export interface WorklistRow {
  id: string;
  orgId: string;
  kind: string;
  status: string;
  payerId: string | null;
  urgency: string | null;
  patientInitials: string;
  /** Whole for roles with `requests.read.phi`, else masked (last four characters). */
  memberId: string;
  /** YYYY-MM-DD for roles with `requests.read.phi`, else the year alone; null when unknown. */
  birthDate: string | null;
  service: string;
  submittedAt: string;
  deadlineAt: string | null;
  timeLeft: TimeLeft;
  traceNumber: string | null;
  authNumber: string | null;
  appeal: boolean;
  extended: boolean;
  /** Claim.identifier: the number the provider knows the request by. */
  claimIdentifier: string | null;
  /** Why it was decided (or failed, or is held), in words; '' when there is nothing to say. */
  reason: string;
  /** What happened, in one sentence (request-story.ts). */
  happened: string;
  /** What staff can do now, in one sentence. */
  nextStep: string;
}

/** One request as a row; `phi` says whether the viewer may see member id and birth date whole. */
export function toRow(r: RequestRow, bundleText: string | undefined, now: Date, phi: boolean, story?: Story): WorklistRow {
  const bundle = parseBundle(bundleText);
  const memberIds = Array.isArray(r.summary.memberIds) ? (r.summary.memberIds as unknown[]) : [];
  const memberId = memberIds[0];
  const birthDate = patientBirthDate(bundle);
  return {
    id: r.id,
    orgId: r.orgId,
    kind: r.kind,
    status: r.status,
    payerId: r.payerId,
    urgency: r.urgency,
    patientInitials: patientInitials(bundle),
    memberId: phi && typeof memberId === 'string' && memberId ? memberId : maskMemberId(memberId),
    birthDate: phi ? (birthDate ?? null) : maskBirthDate(birthDate),
    service: serviceSummary(bundle),
    submittedAt: r.createdAt.toISOString(),
    deadlineAt: r.deadlineAt?.toISOString() ?? null,
    timeLeft: timeLeft(r.status, r.deadlineAt, now),
    traceNumber: r.traceNumber,
    authNumber: typeof r.summary.authNumber === 'string' ? r.summary.authNumber : null,
    appeal: r.summary.appeal === true,
    extended: r.summary.extended === true,
    claimIdentifier: typeof r.summary.claimIdentifier === 'string' && r.summary.claimIdentifier ? r.summary.claimIdentifier : null,
    reason: story?.reason ?? '',
    happened: story?.happened ?? '',
    nextStep: story?.next ?? '',
  };
}

/** The stories of some rows: their last transitions, delivery jobs, newest responses and payers. */
export async function storiesOf(deps: StaffDeps, rows: RequestRow[], now: Date): Promise<Map<string, Story>> {
  const ids = rows.map((r) => r.id);
  const [last, jobs, responses, answered] = await Promise.all([lastTransitionsOf(deps.db, ids), deliveryJobsOf(deps.db, ids), latestResponsesOf(deps.db, ids), payerAnsweredOf(deps.db, ids)]);
  return new Map(
    rows.map((r) => {
      const payer = r.payerId ? deps.services?.payers.get(r.payerId)?.config : undefined;
      const facts = storyFacts(r, { last: last.get(r.id), job: jobs.get(r.id), response: responses.get(r.id), payer, payerAnswered: answered.has(r.id), syncWaitMs: deps.config.syncWaitMs, now });
      return [r.id, storyOf(facts)];
    }),
  );
}

export interface WorklistPage {
  params: WorklistParams;
  rows: WorklistRow[];
  total: number;
  pages: number;
  generatedAt: string;
}

export async function loadWorklist(deps: StaffDeps, staff: StaffPrincipal, params: WorklistParams, httpRequestId?: string): Promise<WorklistPage> {
  const now = deps.now();
  const phi = can(staff, 'requests.read.phi');
  const { rows, total } = await worklist(deps.db, {
    scope: staff.orgId,
    kind: params.kind === 'all' ? undefined : params.kind,
    statuses: params.status,
    payerId: params.payer,
    overdue: params.overdue,
    text: params.text,
    // Masked fields are searched only by those who may see them whole.
    memberIdSearch: phi,
    sort: params.sort,
    dir: params.dir,
    limit: params.size,
    offset: (params.page - 1) * params.size,
    now,
  });
  const [bundles, stories] = await Promise.all([requestBundles(deps.db, rows.map((r) => r.id)), storiesOf(deps, rows, now)]);
  if (rows.length > 0) {
    await recordAudit(deps.db, {
      actor: actorOf(staff),
      action: 'phi.read',
      orgId: staff.orgId,
      entityType: 'request-list',
      requestId: httpRequestId ?? null,
      detail: { requestIds: rows.map((r) => r.id), masked: !phi },
    });
  }
  return {
    params,
    rows: rows.map((r) => toRow(r, bundles.get(r.id), now, phi, stories.get(r.id))),
    total,
    pages: Math.max(1, Math.ceil(total / params.size)),
    generatedAt: now.toISOString(),
  };
}

/** The CSV columns of a worklist export (one row per request, the view's order). */
export const EXPORT_COLUMNS = [
  'claim_identifier', 'request_id', 'status', 'payer', 'urgency', 'patient_initials', 'member_id', 'service',
  'submitted_at', 'deadline_at', 'time_left', 'decision_reason', 'next_step', 'authorization_number', 'trace_number',
] as const;

/** At most this many rows go into one export (a view that large should be narrowed first). */
export const EXPORT_MAX_ROWS = 5000;

/** A spreadsheet must not run a cell as a formula: values starting with = + - @ get a leading quote. */
export function csvCell(v: string | null | undefined): string {
  const s = v ?? '';
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export function exportRow(r: WorklistRow): string[] {
  return [
    r.claimIdentifier, r.id, r.status, r.payerId, r.urgency, r.patientInitials, r.memberId, r.service,
    r.submittedAt, r.deadlineAt, r.timeLeft.text, r.reason, r.nextStep, r.authNumber, r.traceNumber,
  ].map((v) => csvCell(v));
}

/** Every row of a view (all its pages, up to EXPORT_MAX_ROWS), each page audited as it is read. */
export async function* exportWorklist(deps: StaffDeps, staff: StaffPrincipal, params: WorklistParams, httpRequestId?: string): AsyncGenerator<WorklistRow[]> {
  const size = 100;
  for (let page = 1; (page - 1) * size < EXPORT_MAX_ROWS; page++) {
    const p = await loadWorklist(deps, staff, { ...params, page, size }, httpRequestId);
    if (p.rows.length) yield p.rows;
    if (page >= p.pages) break;
  }
}
