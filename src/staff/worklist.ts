/**
 * The worklist: query parameters (shared by `/ui` and `GET /api/requests`), the page of requests
 * in the caller's scope, and the row each request becomes. PHI is reduced to initials, and — for
 * roles without `requests.read.phi` — the member id to its last four characters and the birth
 * date to its year, here on the server: the full values never reach such a user's page or JSON.
 * Each listing is audited as one `phi.read` of the requests it showed.
 */
import { z } from 'zod';
import { recordAudit } from '../audit/index.ts';
import { requestBundles, SORTS, worklist, type RequestRow, type SortKey } from '../db/queries/staff.ts';
import { STATES } from '../workflow/states.ts';
import { maskBirthDate, maskMemberId, parseBundle, patientBirthDate, patientInitials, serviceSummary } from './bundle-facts.ts';
import { can } from './permissions.ts';
import { timeLeft, type TimeLeft } from './time.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';

const flag = z
  .string()
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
}

/** One request as a row; `phi` says whether the viewer may see member id and birth date whole. */
export function toRow(r: RequestRow, bundleText: string | undefined, now: Date, phi: boolean): WorklistRow {
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
  };
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
  const bundles = await requestBundles(deps.db, rows.map((r) => r.id));
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
    rows: rows.map((r) => toRow(r, bundles.get(r.id), now, phi)),
    total,
    pages: Math.max(1, Math.ceil(total / params.size)),
    generatedAt: now.toISOString(),
  };
}
