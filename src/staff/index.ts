/**
 * staff: the revenue-cycle side of Priorgate. One route group with everything staff use:
 *
 * - `GET/POST /ui/login`, `POST /ui/logout`
 * - `GET /ui` worklist (+ `/ui/worklist/rows` refresh fragment), `GET /ui/requests/{id}`,
 *   `POST /ui/requests/{id}/appeal|extension` (admin), `GET /ui/metrics`, `GET /ui/admin` (admin),
 *   `GET /ui/admin/alerts`, `POST /ui/admin/alerts/{id}/acknowledge` (admin)
 * - `GET /api/requests`, `GET /api/requests/{id}`, `GET /api/metrics/cms`
 * - `GET /fhir/AuditEvent` (`?type=alert`: security alerts, admin)
 *
 * @example createApp(deps, [staffRoutes])
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { RouteGroup } from '../http/app.ts';
import type { AppDeps } from '../http/context.ts';
import { auditEventRoutes } from '../fhir/operations/audit-event.ts';
import { apiGuard, staffOf } from './guards.ts';
import { loginRoutes } from './routes/login.ts';
import { apiRoutes } from './routes/api.ts';
import { alertRoutes, canReadAlerts } from './routes/alerts.ts';
import { uiRoutes } from './routes/ui.ts';
import { loadStaff } from './session.ts';
import type { StaffDeps } from './types.ts';

export { ROLES, roleOf, type Role, type StaffPrincipal } from './types.ts';
export { MAX_FAILURES, LOCK_MS } from './login.ts';
export { recordAppeal, recordExtension, APPEAL_OUTCOMES } from './actions.ts';

export function staffDeps(deps: AppDeps): StaffDeps {
  return { db: deps.db, config: deps.config, now: () => deps.now?.() ?? new Date() };
}

/** Pages and API answers carry PHI: never cached, never framed, scripts only from us. */
const pageHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Cache-Control', 'no-store');
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'same-origin');
  if (c.res.headers.get('content-type')?.startsWith('text/html')) {
    c.header('X-Frame-Options', 'DENY');
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  }
};

export const staffRoutes: RouteGroup = (app, deps) => {
  const s = staffDeps(deps);
  const load = loadStaff(s);
  // '/ui/*' also matches '/ui' itself.
  for (const path of ['/ui/*', '/api/*']) app.use(path, pageHeaders, load);
  app.use('/fhir/AuditEvent', load);
  loginRoutes(app, s);
  apiRoutes(app, s);
  auditEventRoutes(app, deps, { db: s.db, guard: apiGuard, scopeOf: (c: Context) => staffOf(c).orgId, canReadAlerts: (c: Context) => canReadAlerts(c.get('staff')) });
  alertRoutes(app, s);
  uiRoutes(app, s);
};
