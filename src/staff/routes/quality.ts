/**
 * Data quality and payer interface health for staff:
 * - `GET /ui/quality`, `GET /api/quality[?format=csv]` (`quality.read`): the data-quality report
 *   per organization, submitting client or provider NPI (`group`), per day or week (`bucket`),
 *   `from`/`to` like the CMS metrics;
 * - `GET /ui/health`, `GET /api/health` (`health.read`): each payer's interface health and its alerts.
 * Scoped like everything else: a user of one organization sees that organization's report; payer
 * health is the same for everyone (it holds no organization's data).
 */
import type { Context, Hono } from 'hono';
import { ZodError } from 'zod';
import { healthAlerts } from '../../db/queries/quality.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { HEALTH_RULES, payerHealth } from '../../quality/index.ts';
import { allow, apiGuard, staffOf, uiGuard } from '../guards.ts';
import { can } from '../permissions.ts';
import { QualityParams, qualityCsv, qualityReport } from '../quality-report.ts';
import type { StaffDeps } from '../types.ts';
import { healthPage } from '../views/health.tsx';
import { messagePage } from '../views/message.tsx';
import { qualityPage } from '../views/quality.tsx';

function params(c: Context) {
  return QualityParams.parse({ from: c.req.query('from') || undefined, to: c.req.query('to') || undefined, group: c.req.query('group') || undefined, bucket: c.req.query('bucket') || undefined });
}

const problem = (e: unknown) => (e instanceof ZodError ? e.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') : e instanceof RangeError ? e.message : undefined);

async function health(app: AppDeps, deps: StaffDeps) {
  const payers = app.services?.payers.all() ?? [];
  const now = deps.now();
  const [h, alerts] = await Promise.all([payerHealth(deps.db, payers, now), healthAlerts(deps.db, [...HEALTH_RULES], payers.map((p) => p.config.id), 200)]);
  return { generatedAt: now, health: h, alerts };
}

export function qualityRoutes(app: Hono<AppEnv>, deps: StaffDeps, appDeps: AppDeps) {
  const reads = allow(deps, 'quality.read');
  app.get('/ui/quality', uiGuard, reads, async (c) => {
    let p;
    let report;
    try {
      p = params(c);
      report = await qualityReport(deps, staffOf(c), p, c.var.requestId);
    } catch (e) {
      const text = problem(e);
      if (!text) throw e;
      return c.html(messagePage({ staff: staffOf(c), title: 'Bad request', text }), 400);
    }
    const query = { from: report.from.slice(0, 10), to: new Date(Date.parse(report.to) - 1).toISOString().slice(0, 10), group: p.group, bucket: p.bucket };
    return c.html(qualityPage({ staff: staffOf(c), report, query, canOpenRequests: can(staffOf(c), 'requests.read') }));
  });

  app.get('/api/quality', apiGuard, reads, async (c) => {
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new AppError('invalid', 'format must be json or csv');
    let report;
    try {
      report = await qualityReport(deps, staffOf(c), params(c), c.var.requestId);
    } catch (e) {
      const text = problem(e);
      if (!text) throw e;
      throw new AppError('invalid', `invalid query parameter ${text}`);
    }
    if (format === 'json') return c.json(report);
    const name = `data-quality-${report.groupBy}-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}.csv`;
    return c.body(qualityCsv(report), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}"` });
  });

  const healthReads = allow(deps, 'health.read');
  app.get('/ui/health', uiGuard, healthReads, async (c) => c.html(healthPage({ staff: staffOf(c), ...(await health(appDeps, deps)) })));
  app.get('/api/health', apiGuard, healthReads, async (c) => {
    const h = await health(appDeps, deps);
    return c.json({
      generatedAt: h.generatedAt.toISOString(),
      payers: h.health.map((p) => ({
        ...p,
        alerts: h.alerts.filter((a) => a.groupKey === p.payerId).map((a) => ({ id: a.id, rule: a.rule, severity: a.severity, raisedAt: a.firstAt, lastSeenAt: a.lastAt, clearedAt: a.clearedAt, acknowledgedAt: a.acknowledgedAt, detail: a.detail })),
      })),
    });
  });
}
