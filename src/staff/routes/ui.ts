/**
 * The server-rendered pages: the worklist (its refresh fragment and CSV export), metrics, admin,
 * and the two static assets. Everything behind `uiGuard` and `allow(permission)`. The request page
 * and its actions are in requests.ts, the audit page in audit.ts, eligibility batches in
 * eligibility.ts; the catch-all 404 here must be registered last.
 */
import type { Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import { stringify } from 'csv-stringify/sync';
import { ZodError } from 'zod';
import { appendAudit } from '../../audit/index.ts';
import { listStaff, organizationsIn, payerList, setReviewBeforeSend } from '../../db/queries/staff.ts';
import type { AppEnv } from '../../http/context.ts';
import { STAFF_CSS, STAFF_JS } from '../assets.ts';
import { chainStatus } from '../audit-status.ts';
import { allow, csrfGuard, staffOf, uiGuard } from '../guards.ts';
import { cmsMetrics, parsePeriod } from '../metrics.ts';
import { loginStates } from '../throttle.ts';
import { openUnmatched } from './unmatched.ts';
import { actorOf, type StaffDeps } from '../types.ts';
import { withTransaction } from '../../db/tx.ts';
import { adminPage } from '../views/admin.tsx';
import { messagePage } from '../views/message.tsx';
import { metricsPage } from '../views/metrics.tsx';
import { worklistPage, WorklistRows } from '../views/worklist.tsx';
import { DEFAULT_VIEW, isExplicit, rememberedFilters, rememberFilters } from '../worklist-views.ts';
import { EXPORT_COLUMNS, exportRow, exportWorklist, loadWorklist, parseWorklistParams, toQuery } from '../worklist.ts';

const NOTICES: Record<string, string> = {
  'mfa-reset': 'Two-step verification reset; their sessions ended.',
  unlock: 'Sign-in unlocked.',
  'review-on': 'Review before sending is on for that organization.',
  'review-off': 'Review before sending is off for that organization.',
};

/** Reads a page's query with `parse`; a bad query is answered 400 with the reasons (the page's `Response`). */
export function queryOf<T>(c: Context, parse: () => T): { ok: true; value: T } | { ok: false; response: Response | Promise<Response> } {
  try {
    return { ok: true, value: parse() };
  } catch (e) {
    return { ok: false, response: badRequest(c, e) };
  }
}

export function badRequest(c: Context, e: unknown) {
  if (!(e instanceof ZodError) && !(e instanceof RangeError)) throw e;
  const text = e instanceof ZodError ? e.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') : e.message;
  return c.html(messagePage({ staff: c.get('staff'), title: 'Bad request', text }), 400);
}

export function uiRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  app.get('/ui/assets/staff.css', (c) => c.body(STAFF_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=300' }));
  app.get('/ui/assets/staff.js', (c) => c.body(STAFF_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' }));

  const reads = allow(deps, 'requests.read');
  app.get('/ui', uiGuard, reads, async (c) => {
    const staff = staffOf(c);
    const query = c.req.queries();
    let params;
    let remembered = false;
    try {
      if (isExplicit(query)) {
        params = parseWorklistParams(query);
        rememberFilters(c, staff, params);
      } else {
        // No filters in the URL: the user's last ones, else "pended, due soonest first".
        const last = rememberedFilters(c, staff);
        remembered = Boolean(last);
        params = last ?? DEFAULT_VIEW.params;
      }
    } catch (e) {
      return badRequest(c, e);
    }
    const [page, payers, undelivered] = await Promise.all([loadWorklist(deps, staff, params, c.var.requestId), payerList(deps.db), openUnmatched(deps, staff)]);
    return c.html(worklistPage({ staff, page, payers, remembered, undelivered: undelivered.length }));
  });

  app.get('/ui/worklist/rows', uiGuard, reads, async (c) => {
    const q = queryOf(c, () => parseWorklistParams(c.req.queries()));
    if (!q.ok) return q.response;
    const params = q.value;
    const page = await loadWorklist(deps, staffOf(c), params, c.var.requestId);
    return c.html(WorklistRows({ rows: page.rows, refreshUrl: `/ui/worklist/rows${toQuery(params)}`, generatedAt: page.generatedAt, total: page.total }));
  });

  // The view as CSV: every page of it (up to EXPORT_MAX_ROWS rows), in the view's order.
  app.get('/ui/worklist.csv', uiGuard, reads, async (c) => {
    const q = queryOf(c, () => parseWorklistParams(c.req.queries()));
    if (!q.ok) return q.response;
    const params = q.value;
    const staff = staffOf(c);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="worklist-${deps.now().toISOString().slice(0, 10)}.csv"`);
    return stream(c, async (out) => {
      await out.write(stringify([EXPORT_COLUMNS as unknown as string[]]));
      for await (const rows of exportWorklist(deps, staff, params, c.var.requestId)) await out.write(stringify(rows.map(exportRow)));
    });
  });

  app.get('/ui/metrics', uiGuard, allow(deps, 'metrics.read'), async (c) => {
    const q = queryOf(c, () => parsePeriod({ from: c.req.query('from'), to: c.req.query('to') }, deps.now()));
    if (!q.ok) return q.response;
    const period = q.value;
    const report = await cmsMetrics(deps, staffOf(c), period);
    const query = { from: period.from.toISOString().slice(0, 10), to: new Date(period.to.getTime() - 1).toISOString().slice(0, 10) };
    return c.html(metricsPage({ staff: staffOf(c), report, query }));
  });

  app.get('/ui/admin', uiGuard, allow(deps, 'users.admin'), async (c) => {
    const s = staffOf(c);
    const [chain, listed, orgs] = await Promise.all([chainStatus(deps), listStaff(deps.db, s.orgId), organizationsIn(deps.db, s.orgId)]);
    // Sign-in pauses and failures live with the throttle (per name and address), not on the user row.
    const states = await loginStates(deps.db, listed.map((u) => u.username), deps.now());
    const users = listed.map((u) => ({ ...u, lockedUntil: states.get(u.username)?.lockedUntil ?? null, failedLogins: states.get(u.username)?.failures ?? 0 }));
    return c.html(adminPage({ staff: s, chain, checkedAt: deps.now(), users, orgs, notice: NOTICES[c.req.query('done') ?? ''] }));
  });

  // Review before sending, per organization (admins in the organization's scope; audited).
  app.post('/ui/admin/orgs/:id/review', uiGuard, csrfGuard(deps), allow(deps, 'org.settings'), async (c) => {
    const s = staffOf(c);
    const id = c.req.param('id');
    const on = String((await c.req.parseBody()).review ?? '') === 'on';
    const done = s.orgId !== null && s.orgId !== id ? false : await withTransaction(deps.db, async (tx) => {
      if (!(await setReviewBeforeSend(tx, id, on))) return false;
      await appendAudit(tx, { actor: actorOf(s), action: 'org.review-before-send', orgId: id, entityType: 'organization', entityId: id, requestId: c.var.requestId, detail: { on }, at: deps.now() });
      return true;
    });
    if (!done) return c.html(messagePage({ staff: s, title: 'Not found', text: 'There is no such organization in your scope.' }), 404);
    return c.redirect(`/ui/admin?done=review-${on ? 'on' : 'off'}`, 303);
  });

  // Anything else under /ui: an HTML 404 (the app-wide one is an OperationOutcome).
  app.all('/ui/*', (c) => c.html(messagePage({ staff: c.get('staff'), title: 'Not found', text: 'There is no such page.' }), 404));
}
