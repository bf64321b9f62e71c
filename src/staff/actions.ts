/**
 * Staff actions that feed the CMS-0057-F metrics. How appeals and extensions are represented:
 *
 * - `summary.extended = true` (+ `extendedAt`, `extendedBy`): the payer took the extended review
 *   timeframe (up to 14 more calendar days). The request's deadline moves out by 14 days.
 * - `summary.appeal = true` and `summary.appealOutcome` ('pending' | 'approved' | 'upheld')
 *   (+ `appealAt`, `appealBy`): the determination was appealed; 'approved' = approved after appeal.
 *
 * Each change and its audit event (`request.extension`, `request.appeal`) commit together.
 */
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { mergeSummary, scopedRequest } from '../db/queries/staff.ts';
import { AppError } from '../errors/index.ts';
import { can } from './permissions.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';
import { withTransaction } from '../db/tx.ts';

export const APPEAL_OUTCOMES = ['pending', 'approved', 'upheld'] as const;
export type AppealOutcome = (typeof APPEAL_OUTCOMES)[number];

/** Determinations that can be appealed (a denial, in whole or in part). */
export const APPEALABLE: string[] = ['denied', 'partially_certified', 'modified'];
/** Requests that can still have had their review timeframe extended. */
export const EXTENDABLE: string[] = ['queued', 'sent', 'pended', 'certified', 'partially_certified', 'modified', 'denied', 'error'];
export const EXTENSION_DAYS = 14;

async function change(deps: StaffDeps, staff: StaffPrincipal, id: string, allowed: string[], what: string, apply: (tx: Db, row: NonNullable<Awaited<ReturnType<typeof scopedRequest>>>, now: Date) => Promise<void>) {
  // The routes check this too (guards.ts); callers outside HTTP get the same rule.
  if (!can(staff, 'requests.act')) throw new AppError('forbidden', `recording an ${what} needs the requests.act permission`);
  await withTransaction(deps.db, async (tx) => {
    const row = await scopedRequest(tx, staff.orgId, id);
    if (!row || row.kind !== 'prior-auth') throw new AppError('not_found', 'no such prior-authorization request');
    if (!allowed.includes(row.status)) throw new AppError('conflict', `a request in state ${row.status} cannot have an ${what} recorded`);
    await apply(tx, row, deps.now());
  });
}

export function recordExtension(deps: StaffDeps, staff: StaffPrincipal, id: string, httpRequestId?: string) {
  return change(deps, staff, id, EXTENDABLE, 'extension', async (tx, row, now) => {
    if (row.summary.extended === true) return;
    const deadline = row.deadlineAt ? new Date(row.deadlineAt.getTime() + EXTENSION_DAYS * 86_400_000) : undefined;
    await mergeSummary(tx, row.id, { extended: true, extendedAt: now.toISOString(), extendedBy: actorOf(staff) }, now, deadline);
    await appendAudit(tx, {
      actor: actorOf(staff),
      action: 'request.extension',
      orgId: row.orgId,
      entityType: 'request',
      entityId: row.id,
      requestId: httpRequestId ?? null,
      detail: { previousDeadline: row.deadlineAt?.toISOString() ?? null, deadline: deadline?.toISOString() ?? null },
      at: now,
    });
  });
}

export function recordAppeal(deps: StaffDeps, staff: StaffPrincipal, id: string, outcome: AppealOutcome, httpRequestId?: string) {
  return change(deps, staff, id, APPEALABLE, 'appeal', async (tx, row, now) => {
    await mergeSummary(tx, row.id, { appeal: true, appealOutcome: outcome, appealAt: now.toISOString(), appealBy: actorOf(staff) }, now);
    await appendAudit(tx, {
      actor: actorOf(staff),
      action: 'request.appeal',
      orgId: row.orgId,
      entityType: 'request',
      entityId: row.id,
      requestId: httpRequestId ?? null,
      detail: { outcome, previousOutcome: (row.summary.appealOutcome as string | undefined) ?? null },
      at: now,
    });
  });
}
