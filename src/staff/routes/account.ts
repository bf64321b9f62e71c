/**
 * Account and session pages: `GET /ui/account` (own MFA state and sessions), `POST
 * /ui/sessions/{id}/revoke` (own, or anyone's in scope with `sessions.admin`), `GET
 * /ui/admin/sessions` (`sessions.admin`), `POST /ui/admin/users/{id}/mfa-reset` (`users.admin`).
 */
import type { Hono } from 'hono';
import { recoveryCodesLeft } from '../../db/queries/staff-auth.ts';
import { staffById } from '../../db/queries/staff.ts';
import type { AppEnv } from '../../http/context.ts';
import { allow, csrfGuard, staffOf, uiGuard } from '../guards.ts';
import { resetMfa } from '../mfa.ts';
import { unlockUser } from '../throttle.ts';
import { clearSessionCookie } from '../session.ts';
import { ownSessions, revokeSession, scopeSessions } from '../sessions.ts';
import { actorOf, type StaffDeps } from '../types.ts';
import { accountPage, allSessionsPage } from '../views/account.tsx';
import { messagePage } from '../views/message.tsx';

const NOTICES: Record<string, string> = { revoked: 'Session revoked.' };

export function accountRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  app.get('/ui/account', uiGuard, async (c) => {
    const s = staffOf(c);
    const [user, sessions] = await Promise.all([staffById(deps.db, s.userId), ownSessions(deps, s)]);
    const enabled = Boolean(user?.mfaEnabledAt);
    const mfa = {
      enabled,
      since: user?.mfaEnabledAt ?? null,
      recoveryCodesLeft: enabled ? await recoveryCodesLeft(deps.db, s.userId) : 0,
      required: deps.config.mfaRequiredRoles.includes(s.role),
    };
    return c.html(accountPage({ staff: s, mfa, sessions, notice: NOTICES[c.req.query('done') ?? ''] }));
  });

  app.post('/ui/sessions/:id/revoke', uiGuard, csrfGuard(deps), async (c) => {
    const s = staffOf(c);
    const id = c.req.param('id');
    if (!(await revokeSession(deps, s, id, c.var.requestId))) {
      return c.html(messagePage({ staff: s, title: 'Not found', text: 'There is no such session you could end.' }), 404);
    }
    if (id === s.sessionId) {
      clearSessionCookie(c);
      return c.redirect('/ui/login', 303);
    }
    const back = (await c.req.parseBody()).back === 'admin' ? '/ui/admin/sessions' : '/ui/account';
    return c.redirect(`${back}?done=revoked`, 303);
  });

  app.get('/ui/admin/sessions', uiGuard, allow(deps, 'sessions.admin'), async (c) => {
    const s = staffOf(c);
    return c.html(allSessionsPage({ staff: s, sessions: await scopeSessions(deps, s), notice: NOTICES[c.req.query('done') ?? ''] }));
  });

  app.post('/ui/admin/users/:id/mfa-reset', uiGuard, csrfGuard(deps), allow(deps, 'users.admin'), async (c) => {
    const s = staffOf(c);
    const target = await staffById(deps.db, c.req.param('id'));
    if (!target || (s.orgId !== null && target.orgId !== s.orgId)) {
      return c.html(messagePage({ staff: s, title: 'Not found', text: 'There is no such user in your organization.' }), 404);
    }
    if (target.id === s.userId) {
      return c.html(messagePage({ staff: s, title: 'Not reset', text: 'Ask another administrator (or the operator: priorgate staff reset-mfa) to reset your own two-step verification.' }), 409);
    }
    await resetMfa(deps.db, target, actorOf(s), deps.now(), c.var.requestId);
    return c.redirect('/ui/admin?done=mfa-reset', 303);
  });

  app.post('/ui/admin/users/:id/unlock', uiGuard, csrfGuard(deps), allow(deps, 'users.admin'), async (c) => {
    const s = staffOf(c);
    const target = await staffById(deps.db, c.req.param('id'));
    if (!target || (s.orgId !== null && target.orgId !== s.orgId)) {
      return c.html(messagePage({ staff: s, title: 'Not found', text: 'There is no such user in your organization.' }), 404);
    }
    await unlockUser(deps.db, target, actorOf(s), deps.now(), c.var.requestId);
    return c.redirect('/ui/admin?done=unlock', 303);
  });
}
