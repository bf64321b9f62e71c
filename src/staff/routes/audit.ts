/**
 * The audit trail as staff read it (`audit.read`: auditors and admins): `GET /ui/audit` (a table,
 * newest first, filters actor, action, request, date range and an event range, paging by sequence
 * number (log position) and paging by event id (an event is sealed into the log within a second), the chain's verification status) and `GET /ui/audit.csv` (the same filters, up to
 * AUDIT_EXPORT_MAX rows; the export itself is audited as `audit.export`).
 */
import type { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { recordAudit } from '../../audit/index.ts';
import { auditActions, auditPage, UUID, type AuditQuery } from '../../db/queries/staff.ts';
import type { AppEnv } from '../../http/context.ts';
import { chainStatus } from '../audit-status.ts';
import { allow, staffOf, uiGuard } from '../guards.ts';
import { actorOf, type StaffDeps } from '../types.ts';
import { AUDIT_COLUMNS, auditCsvRow, auditPageView, type AuditFilters } from '../views/audit.tsx';
import { queryOf } from './ui.ts';

export const AUDIT_PAGE_SIZE = 100;
export const AUDIT_EXPORT_MAX = 10_000;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-01-31')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), 'is not a date');
const blank = (v: unknown) => (v === '' ? undefined : v);

export const AuditFilterSchema = z.object({
  actor: z.preprocess(blank, z.string().max(120).regex(/^[\w.:@-]+$/, 'letters, digits and . : @ - only').optional()),
  action: z.preprocess(blank, z.string().max(80).regex(/^[\w.-]+$/, 'letters, digits, dots and dashes only').optional()),
  request: z.preprocess(blank, z.string().regex(UUID, 'must be a request id (UUID)').optional()),
  from: z.preprocess(blank, day.optional()),
  to: z.preprocess(blank, day.optional()),
  fromSeq: z.preprocess(blank, z.coerce.number().int().min(1).optional()),
  toSeq: z.preprocess(blank, z.coerce.number().int().min(1).optional()),
  before: z.preprocess(blank, z.coerce.number().int().min(1).optional()),
});

function toQuery(f: AuditFilters, scope: string | null, limit: number): AuditQuery {
  return {
    scope,
    ...(f.actor ? { actor: f.actor } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.request ? { requestId: f.request } : {}),
    ...(f.from ? { from: new Date(`${f.from}T00:00:00Z`) } : {}),
    // `to` is a whole day, inclusive.
    ...(f.to ? { to: new Date(Date.parse(`${f.to}T00:00:00Z`) + 86_400_000) } : {}),
    ...(f.fromSeq ? { fromSeq: f.fromSeq } : {}),
    ...(f.toSeq ? { toSeq: f.toSeq } : {}),
    ...(f.before ? { beforeId: f.before } : {}),
    limit,
  };
}

export function auditRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  const reads = allow(deps, 'audit.read');
  const parse = (q: Record<string, string | undefined>) => AuditFilterSchema.parse(q);

  app.get('/ui/audit', uiGuard, reads, async (c) => {
    const q = queryOf(c, () => parse(c.req.query()));
    if (!q.ok) return q.response;
    const f = q.value;
    const s = staffOf(c);
    const [rows, actions, chain] = await Promise.all([auditPage(deps.db, toQuery(f, s.orgId, AUDIT_PAGE_SIZE + 1)), auditActions(deps.db, s.orgId), chainStatus(deps)]);
    const more = rows.length > AUDIT_PAGE_SIZE;
    return c.html(auditPageView({ staff: s, filters: f, rows: rows.slice(0, AUDIT_PAGE_SIZE), more, actions, chain }));
  });

  app.get('/ui/audit.csv', uiGuard, reads, async (c) => {
    const q = queryOf(c, () => parse(c.req.query()));
    if (!q.ok) return q.response;
    const f = q.value;
    const s = staffOf(c);
    const { before: _b, ...filters } = f;
    await recordAudit(deps.db, { actor: actorOf(s), action: 'audit.export', orgId: s.orgId, entityType: 'audit-trail', requestId: c.var.requestId ?? null, detail: { filters, format: 'csv' }, at: deps.now() });
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="audit-${deps.now().toISOString().slice(0, 10)}.csv"`);
    return stream(c, async (out) => {
      await out.write(stringify([AUDIT_COLUMNS as unknown as string[]]));
      let before: number | undefined;
      for (let n = 0; n < AUDIT_EXPORT_MAX; ) {
        const page = await auditPage(deps.db, toQuery({ ...filters, ...(before ? { before } : {}) }, s.orgId, Math.min(1000, AUDIT_EXPORT_MAX - n)));
        if (page.length === 0) break;
        await out.write(stringify(page.map(auditCsvRow)));
        n += page.length;
        before = page[page.length - 1]!.id;
      }
    });
  });
}
