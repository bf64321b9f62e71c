/**
 * `GET /ui/admin/alerts` (`alerts.read`: admins, auditors): the audit monitor's alerts, open ones
 * first by default; `POST /ui/admin/alerts/{id}/acknowledge` (`alerts.manage`: admins,
 * CSRF-checked): marks one acknowledged, audited
 * in the same transaction. An admin with an organization sees that organization's alerts only.
 */
import type { Hono } from 'hono';
import { appendAudit } from '../../audit/index.ts';
import { acknowledgeAlert, listAlerts } from '../../db/queries/monitor.ts';
import type { AppEnv } from '../../http/context.ts';
import { allow, csrfGuard, staffOf, uiGuard } from '../guards.ts';
import { can } from '../permissions.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from '../types.ts';
import { alertsPage } from '../views/alerts.tsx';
import { messagePage } from '../views/message.tsx';
import { withTransaction } from '../../db/tx.ts';

/** Who may read alerts (pages and the FHIR export). */
export function canReadAlerts(s: StaffPrincipal | undefined): boolean {
  return can(s, 'alerts.read');
}

export function alertRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  app.get('/ui/admin/alerts', uiGuard, allow(deps, 'alerts.read'), async (c) => {
    const s = staffOf(c);
    const showAll = c.req.query('show') === 'all';
    const alerts = await listAlerts(deps.db, { scope: s.orgId, openOnly: !showAll, limit: 500 });
    return c.html(alertsPage({ staff: s, alerts, showAll, notice: c.req.query('done') === 'ack' ? 'Alert acknowledged.' : undefined }));
  });

  app.post('/ui/admin/alerts/:id/acknowledge', uiGuard, allow(deps, 'alerts.manage'), csrfGuard(deps), async (c) => {
    const s = staffOf(c);
    const id = c.req.param('id');
    const done = await withTransaction(deps.db, async (tx) => {
      const at = deps.now();
      const row = await acknowledgeAlert(tx, id, s.orgId, actorOf(s), at);
      if (row) {
        await appendAudit(tx, {
          actor: actorOf(s),
          action: 'alert.acknowledge',
          orgId: row.orgId,
          entityType: 'audit_alert',
          entityId: row.id,
          requestId: c.var.requestId,
          detail: { rule: row.rule },
          at,
        });
      }
      return Boolean(row);
    });
    if (!done) return c.html(messagePage({ staff: s, title: 'Not found', text: 'There is no such open alert in your organization.' }), 404);
    return c.redirect('/ui/admin/alerts?done=ack', 303);
  });
}
