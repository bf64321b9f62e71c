/**
 * The server-rendered pages: worklist (and its refresh fragment), request detail with the staff
 * actions, metrics, admin, and the two static assets. Everything behind `uiGuard` and
 * `allow(permission)`; a request outside the user's organization is "not found", exactly like one
 * that does not exist.
 */
import type { Context, Hono } from 'hono';
import { ZodError } from 'zod';
import { verifyAudit } from '../../audit/index.ts';
import { listStaff, payerList } from '../../db/queries/staff.ts';
import type { AppEnv } from '../../http/context.ts';
import { AppError } from '../../http/errors.ts';
import { APPEAL_OUTCOMES, recordAppeal, recordExtension, type AppealOutcome } from '../actions.ts';
import { STAFF_CSS, STAFF_JS } from '../assets.ts';
import { allow, csrfGuard, staffOf, uiGuard } from '../guards.ts';
import { cmsMetrics, parsePeriod } from '../metrics.ts';
import { loadRequestDetail } from '../request-detail.ts';
import { loginStates } from '../throttle.ts';
import { openUnmatched } from './unmatched.ts';
import type { StaffDeps } from '../types.ts';
import { adminPage } from '../views/admin.tsx';
import { detailPage } from '../views/detail.tsx';
import { messagePage } from '../views/message.tsx';
import { metricsPage } from '../views/metrics.tsx';
import { worklistPage, WorklistRows } from '../views/worklist.tsx';
import { loadWorklist, parseWorklistParams, toQuery } from '../worklist.ts';

const NOTICES: Record<string, string> = { appeal: 'Appeal recorded.', extension: 'Extended review timeframe recorded.', 'mfa-reset': 'Two-step verification reset; their sessions ended.', unlock: 'Sign-in unlocked.' };

function badRequest(c: Context, e: unknown) {
  if (!(e instanceof ZodError) && !(e instanceof RangeError)) throw e;
  const text = e instanceof ZodError ? e.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ') : e.message;
  return c.html(messagePage({ staff: c.get('staff'), title: 'Bad request', text }), 400);
}

export function uiRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  app.get('/ui/assets/staff.css', (c) => c.body(STAFF_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=300' }));
  app.get('/ui/assets/staff.js', (c) => c.body(STAFF_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'public, max-age=300' }));

  const reads = allow(deps, 'requests.read');
  app.get('/ui', uiGuard, reads, async (c) => {
    let params;
    try {
      params = parseWorklistParams(c.req.queries());
    } catch (e) {
      return badRequest(c, e);
    }
    const [page, payers, undelivered] = await Promise.all([loadWorklist(deps, staffOf(c), params, c.var.requestId), payerList(deps.db), openUnmatched(deps, staffOf(c))]);
    return c.html(worklistPage({ staff: staffOf(c), page, payers, undelivered: undelivered.length }));
  });

  app.get('/ui/worklist/rows', uiGuard, reads, async (c) => {
    let params;
    try {
      params = parseWorklistParams(c.req.queries());
    } catch (e) {
      return badRequest(c, e);
    }
    const page = await loadWorklist(deps, staffOf(c), params, c.var.requestId);
    return c.html(WorklistRows({ rows: page.rows, refreshUrl: `/ui/worklist/rows${toQuery(params)}`, generatedAt: page.generatedAt }));
  });

  app.get('/ui/requests/:id', uiGuard, reads, async (c) => {
    const d = await loadRequestDetail(deps, staffOf(c), c.req.param('id'), c.var.requestId);
    if (!d) return c.html(messagePage({ staff: staffOf(c), title: 'Not found', text: 'There is no such request in your organization.' }), 404);
    return c.html(detailPage({ staff: staffOf(c), d, notice: NOTICES[c.req.query('done') ?? ''] }));
  });

  const act = (name: 'appeal' | 'extension', run: (c: Context, id: string) => Promise<void>) =>
    app.post(`/ui/requests/:id/${name}`, uiGuard, csrfGuard(deps), allow(deps, 'requests.act'), async (c) => {
      const id = c.req.param('id');
      try {
        await run(c, id);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        return c.html(messagePage({ staff: staffOf(c), title: 'Not recorded', text: e.message }), e.status as 404);
      }
      return c.redirect(`/ui/requests/${id}?done=${name}`, 303);
    });
  act('appeal', async (c, id) => {
    const outcome = String((await c.req.parseBody()).outcome ?? 'pending');
    if (!(APPEAL_OUTCOMES as readonly string[]).includes(outcome)) throw new AppError('invalid', `appeal outcome must be one of ${APPEAL_OUTCOMES.join(', ')}`);
    await recordAppeal(deps, staffOf(c), id, outcome as AppealOutcome, c.var.requestId);
  });
  act('extension', (c, id) => recordExtension(deps, staffOf(c), id, c.var.requestId));

  app.get('/ui/metrics', uiGuard, allow(deps, 'metrics.read'), async (c) => {
    let period;
    try {
      period = parsePeriod({ from: c.req.query('from'), to: c.req.query('to') }, deps.now());
    } catch (e) {
      return badRequest(c, e);
    }
    const report = await cmsMetrics(deps, staffOf(c), period);
    const query = { from: period.from.toISOString().slice(0, 10), to: new Date(period.to.getTime() - 1).toISOString().slice(0, 10) };
    return c.html(metricsPage({ staff: staffOf(c), report, query }));
  });

  app.get('/ui/admin', uiGuard, allow(deps, 'users.admin'), async (c) => {
    const s = staffOf(c);
    const [chain, listed] = await Promise.all([verifyAudit(deps.db), listStaff(deps.db, s.orgId)]);
    // Sign-in pauses and failures live with the throttle (per name and address), not on the user row.
    const states = await loginStates(deps.db, listed.map((u) => u.username), deps.now());
    const users = listed.map((u) => ({ ...u, lockedUntil: states.get(u.username)?.lockedUntil ?? null, failedLogins: states.get(u.username)?.failures ?? 0 }));
    return c.html(adminPage({ staff: s, chain, checkedAt: deps.now(), users, notice: NOTICES[c.req.query('done') ?? ''] }));
  });

  // Anything else under /ui: an HTML 404 (the app-wide one is an OperationOutcome).
  app.all('/ui/*', (c) => c.html(messagePage({ staff: c.get('staff'), title: 'Not found', text: 'There is no such page.' }), 404));
}
