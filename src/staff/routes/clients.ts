/**
 * `GET /ui/admin/clients` (`users.admin`): the API clients of the admin's organization (all, for an
 * admin with none); `POST /ui/admin/clients/{id}/disable|enable` (CSRF-checked): stops a client at
 * once — no new tokens, its current tokens refused — or lets it back in (auth/client-status.ts).
 * Audited `client.disable` / `client.enable`. A client of another organization is "not found".
 */
import type { Hono } from 'hono';
import { setClientEnabled } from '../../auth/index.ts';
import { findClient, listClients } from '../../db/queries/clients.ts';
import type { AppEnv } from '../../http/context.ts';
import { allow, csrfGuard, staffOf, uiGuard } from '../guards.ts';
import { actorOf, type StaffDeps } from '../types.ts';
import { clientsPage } from '../views/clients.tsx';
import { messagePage } from '../views/message.tsx';

const NOTICES: Record<string, string> = { disable: 'Client disabled: its tokens are refused from now on.', enable: 'Client enabled: it may get new tokens.' };

export function clientRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  const admin = allow(deps, 'users.admin');
  app.get('/ui/admin/clients', uiGuard, admin, async (c) => {
    const s = staffOf(c);
    return c.html(clientsPage({ staff: s, clients: await listClients(deps.db, s.orgId), notice: NOTICES[c.req.query('done') ?? ''] }));
  });

  for (const action of ['disable', 'enable'] as const) {
    app.post(`/ui/admin/clients/:id/${action}`, uiGuard, csrfGuard(deps), admin, async (c) => {
      const s = staffOf(c);
      const id = c.req.param('id');
      const client = id.length <= 200 ? await findClient(deps.db, id) : undefined;
      if (!client || (s.orgId !== null && client.orgId !== s.orgId)) {
        return c.html(messagePage({ staff: s, title: 'Not found', text: 'There is no such API client in your organization.' }), 404);
      }
      await setClientEnabled(deps.db, { clientId: client.id, enabled: action === 'enable', actor: actorOf(s), now: deps.now(), requestId: c.var.requestId });
      return c.redirect(`/ui/admin/clients?done=${action}`, 303);
    });
  }
}
