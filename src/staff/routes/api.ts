/**
 * The staff status API (CONTRACT.md), authenticated by the staff session cookie:
 * `GET /api/requests` (filters status, payer, overdue, text; sort, dir, page, size),
 * `GET /api/requests/{id}` (with its timeline), `GET /api/metrics/cms?from=&to=[&format=csv]`.
 * Errors are OperationOutcome JSON through the app's one error handler. Member ids and birth
 * dates come masked for roles without `requests.read.phi` (worklist.ts), message bodies never.
 */
import type { Hono } from 'hono';
import { ZodError } from 'zod';
import type { AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { allow, apiGuard, staffOf } from '../guards.ts';
import { cmsMetrics, parsePeriod, reportCsv } from '../metrics.ts';
import { loadRequestDetail } from '../request-detail.ts';
import type { StaffDeps } from '../types.ts';
import { loadWorklist, parseWorklistParams } from '../worklist.ts';

function invalid(e: unknown): never {
  if (e instanceof ZodError) {
    const first = e.issues[0];
    throw new AppError('invalid', `invalid query parameter ${first?.path.join('.') || ''}: ${first?.message ?? 'bad value'}`.replace('  ', ' '));
  }
  if (e instanceof RangeError) throw new AppError('invalid', e.message);
  throw e;
}

export function apiRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  const reads = allow(deps, 'requests.read');
  app.get('/api/requests', apiGuard, reads, async (c) => {
    let params;
    try {
      params = parseWorklistParams(c.req.queries());
    } catch (e) {
      invalid(e);
    }
    const page = await loadWorklist(deps, staffOf(c), params, c.var.requestId);
    return c.json({ total: page.total, page: params.page, pageSize: params.size, pages: page.pages, generatedAt: page.generatedAt, items: page.rows });
  });

  app.get('/api/requests/:id', apiGuard, reads, async (c) => {
    const d = await loadRequestDetail(deps, staffOf(c), c.req.param('id'), c.var.requestId);
    if (!d) throw new AppError('not_found', 'no such request');
    // The message bodies stay on the page; the API gives their metadata.
    const messages = d.messages.map(({ text: _text, ...m }) => m);
    return c.json({ ...d.request, disposition: d.disposition ?? null, attachments: d.attachments ?? null, pasBundle275: d.pasBundle ?? null, lines: d.lines, errors: d.errors, warnings: d.warnings, timeline: d.timeline, messages });
  });

  app.get('/api/metrics/cms', apiGuard, allow(deps, 'metrics.read'), async (c) => {
    let period;
    try {
      period = parsePeriod({ from: c.req.query('from'), to: c.req.query('to') }, deps.now());
    } catch (e) {
      invalid(e);
    }
    const format = c.req.query('format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new AppError('invalid', 'format must be json or csv');
    const report = await cmsMetrics(deps, staffOf(c), period);
    if (format === 'json') return c.json(report);
    const name = `cms-metrics-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}.csv`;
    return c.body(reportCsv(report), 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}"` });
  });
}
