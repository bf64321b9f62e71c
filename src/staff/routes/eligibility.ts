/**
 * The eligibility batch page (`eligibility.batch`): `GET /ui/eligibility` lists the organization's
 * batches with their progress (the page script follows running ones live through the JSON API) and
 * an upload form (drag a roster onto it, or pick the file); `POST /ui/eligibility` starts a batch
 * (the same checks as `POST /api/eligibility/batches`); `POST /ui/eligibility/{id}/cancel` cancels
 * one. Results download from `/api/eligibility/batches/{id}/results`.
 */
import type { Context, Hono } from 'hono';
import { getBatch, listBatches, resultCountsOf } from '../../db/queries/eligibility-batches.ts';
import { organizationsIn } from '../../db/queries/staff.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { allow, csrfGuard, staffOf, uiGuard } from '../guards.ts';
import type { StaffDeps } from '../types.ts';
import { eligibilityPage } from '../views/eligibility.tsx';
import { messagePage } from '../views/message.tsx';
import { batchPayers, cancelStaffBatch, createBatch, readUpload, view } from './batches.ts';

export function eligibilityRoutes(app: Hono<AppEnv>, s: StaffDeps, deps: AppDeps) {
  const may = allow(s, 'eligibility.batch');

  const page = async (c: Context<AppEnv>, extra: { notice?: string; error?: string; status?: number } = {}) => {
    const staff = staffOf(c);
    const [items, orgs] = await Promise.all([listBatches(s.db, staff.orgId), staff.orgId ? Promise.resolve([]) : organizationsIn(s.db, null)]);
    const counts = await resultCountsOf(s.db, items.map((b) => b.id));
    const batches = items.map((b) => view(b, counts.get(b.id) ?? {}));
    return c.html(eligibilityPage({ staff, batches, payers: batchPayers(deps), orgs, ...extra }), (extra.status ?? 200) as 200);
  };

  app.get('/ui/eligibility', uiGuard, may, (c) => page(c, { notice: c.req.query('done') === 'started' ? 'Batch started: progress shows below.' : c.req.query('done') === 'cancelled' ? 'Batch cancelled.' : undefined }));

  app.post('/ui/eligibility', uiGuard, csrfGuard(s), may, async (c) => {
    try {
      const batch = await createBatch(s, deps, staffOf(c), await readUpload(c), c.var.requestId);
      return c.redirect(`/ui/eligibility?done=started#batch-${batch.id}`, 303);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return page(c, { error: `The batch was not started: ${e.message}.`, status: e.status });
    }
  });

  app.post('/ui/eligibility/:id{[0-9a-f-]{36}}/cancel', uiGuard, csrfGuard(s), may, async (c) => {
    const staff = staffOf(c);
    const b = await getBatch(s.db, c.req.param('id'), staff.orgId);
    if (!b) return c.html(messagePage({ staff, title: 'Not found', text: 'There is no such batch in your organization.' }), 404);
    if (!(await cancelStaffBatch(s, deps, staff, b, c.var.requestId))) return page(c, { error: `That batch has already ended (${b.status}).`, status: 409 });
    return c.redirect('/ui/eligibility?done=cancelled', 303);
  });
}
