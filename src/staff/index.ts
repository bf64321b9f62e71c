/**
 * staff: the revenue-cycle side of Priorgate. One route group with everything staff use:
 *
 * - `GET/POST /ui/login`, `POST /ui/logout`, `GET/POST /ui/mfa`, `GET/POST /ui/mfa/enrol`
 * - `GET /ui` worklist (+ `/ui/worklist/rows` refresh fragment, `/ui/worklist.csv` export),
 *   `GET /ui/requests/{id}`, `POST /ui/requests/{id}/approve|return|documents|retry|resend|cancel|call|appeal|extension`,
 *   `GET /ui/metrics`, `GET /ui/admin`, `POST /ui/admin/orgs/{id}/review`
 * - `GET /ui/audit` (+ `/ui/audit.csv`), `GET/POST /ui/eligibility`, `POST /ui/eligibility/{id}/cancel`
 * - `GET /ui/account`, `POST /ui/sessions/{id}/revoke`, `GET /ui/admin/sessions`,
 *   `POST /ui/admin/users/{id}/mfa-reset`
 * - `GET /api/requests`, `GET /api/requests/{id}`, `GET /api/metrics/cms`
 * - `/api/eligibility/batches` (create, list, status, results CSV, cancel)
 * - `GET /ui/admin/alerts`, `POST /ui/admin/alerts/{id}/acknowledge`
 * - `GET /ui/quality`, `GET /api/quality` (data-quality report), `GET /ui/health`, `GET /api/health`
 * - `GET /ui/payers` (payer directory), `GET /ui/admin/clients`, `POST /ui/admin/clients/{id}/disable|enable`,
 *   `GET /ui/unmatched`, `POST /ui/unmatched/{id}/apply`
 * - `GET /fhir/AuditEvent` (`?type=alert`: security alerts)
 *
 * Who may do what is one table, permissions.ts; each route names its permission with `allow()`.
 *
 * @example createApp(deps, [staffRoutes])
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { RouteGroup } from '../http/app.ts';
import type { AppDeps } from '../http/context.ts';
import { auditEventRoutes } from '../fhir/operations/audit-event.ts';
import { every } from 'hono/combine';
import { allow, apiGuard, staffOf } from './guards.ts';
import { accountRoutes } from './routes/account.ts';
import { loginRoutes } from './routes/login.ts';
import { mfaRoutes } from './routes/mfa.ts';
import { apiRoutes } from './routes/api.ts';
import { batchRoutes } from './routes/batches.ts';
import { alertRoutes, canReadAlerts } from './routes/alerts.ts';
import { payerRoutes } from './routes/payers.ts';
import { auditRoutes } from './routes/audit.ts';
import { eligibilityRoutes } from './routes/eligibility.ts';
import { requestRoutes } from './routes/requests.ts';
import { uiRoutes } from './routes/ui.ts';
import { qualityRoutes } from './routes/quality.ts';
import { clientRoutes } from './routes/clients.ts';
import { unmatchedRoutes } from './routes/unmatched.ts';
import { staffInputGuard } from './input-guard.ts';
import { loadStaff } from './session.ts';
import type { StaffDeps } from './types.ts';

export { ROLES, roleOf, type Role, type StaffPrincipal } from './types.ts';
export { can, PERMISSIONS, ROLE_PERMISSIONS, type Permission } from './permissions.ts';
export { resetMfa } from './mfa.ts';
export { MAX_FAILURES, LOCK_MS } from './login.ts';
export { unlockUser } from './throttle.ts';
export { recordAppeal, recordExtension, APPEAL_OUTCOMES } from './actions.ts';
export { REQUEST_ACTIONS, actionsFor, type RequestAction } from './request-actions.ts';

export function staffDeps(deps: AppDeps): StaffDeps {
  return {
    db: deps.db,
    config: deps.config,
    now: () => deps.now?.() ?? new Date(),
    // Read when used: the gateway attaches its services after the routes are registered.
    get services() {
      return deps.services;
    },
  };
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
  // '/ui/*' also matches '/ui' itself. Pages check their inputs themselves (a page, not JSON).
  app.use('/ui/*', pageHeaders, staffInputGuard, load);
  app.use('/api/*', pageHeaders, load);
  app.use('/fhir/AuditEvent', load);
  app.use('/fhir/AuditEvent/*', load);
  loginRoutes(app, s);
  mfaRoutes(app, s);
  accountRoutes(app, s);
  apiRoutes(app, s);
  batchRoutes(app, s, deps);
  auditEventRoutes(app, deps, {
    db: s.db,
    guard: every(apiGuard, allow(s, 'audit.read')),
    scopeOf: (c: Context) => staffOf(c).orgId,
    canReadAlerts: (c: Context) => canReadAlerts(c.get('staff')),
  });
  alertRoutes(app, s);
  qualityRoutes(app, s, deps);
  payerRoutes(app, s, deps);
  clientRoutes(app, s);
  unmatchedRoutes(app, s);
  requestRoutes(app, s);
  auditRoutes(app, s);
  eligibilityRoutes(app, s, deps);
  // Last: it ends with the /ui/* catch-all 404.
  uiRoutes(app, s);
};
