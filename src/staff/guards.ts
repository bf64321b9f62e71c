/**
 * Access checks for the staff side: a (fully signed-in) session for pages (else to the login or
 * the pending MFA step), a session for the JSON API and the AuditEvent export (else 401
 * OperationOutcome), `allow(permission)` — the one permission check, on every route, from the
 * table in permissions.ts — and the CSRF check every form POST behind a session goes through.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { recordAudit } from '../audit/index.ts';
import { AppError } from '../errors/index.ts';
import { can, type Permission } from './permissions.ts';
import { crossSite, sameToken } from './session.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';
import { messagePage } from './views/message.tsx';

/** A safe place to return to after login: our own pages only (no open redirect). */
export function safeNext(next: string | undefined | null, home = '/ui'): string {
  if (!next || !next.startsWith('/ui') || next.startsWith('//') || /[\\\r\n]/.test(next)) return home;
  return next;
}

export function staffOf(c: Context): StaffPrincipal {
  const s = c.get('staff');
  if (!s) throw new AppError('unauthorized', 'a staff session is required: sign in at /ui/login');
  return s;
}

/** Where a half-signed-in browser has to go next. */
export const pendingStep = (stage: 'mfa' | 'enrol') => (stage === 'mfa' ? '/ui/mfa' : '/ui/mfa/enrol');

/** Pages: no session → the login page (remembering where the user was going); MFA owed → its page. */
export const uiGuard: MiddlewareHandler = async (c, next) => {
  if (!c.get('staff')) {
    const url = new URL(c.req.url);
    const to = c.req.method === 'GET' ? safeNext(url.pathname + url.search) : '/ui';
    const pending = c.get('pendingStaff');
    return c.redirect(pending ? `${pendingStep(pending.stage)}?next=${encodeURIComponent(to)}` : `/ui/login?next=${encodeURIComponent(to)}`, 303);
  }
  await next();
};

/** JSON API and FHIR export: no session (or MFA still owed) → 401. */
export const apiGuard: MiddlewareHandler = async (c, next) => {
  staffOf(c);
  await next();
};

/**
 * The permission check (after `uiGuard` or `apiGuard`). A refusal is audited (`staff.denied`)
 * and answered 403: a page under /ui, an OperationOutcome elsewhere.
 */
export function allow(deps: StaffDeps, permission: Permission): MiddlewareHandler {
  return async (c, next) => {
    const s = staffOf(c);
    if (can(s, permission)) return next();
    const path = new URL(c.req.url).pathname;
    await recordAudit(deps.db, {
      actor: actorOf(s),
      action: 'staff.denied',
      outcome: 'failure',
      orgId: s.orgId,
      entityType: 'staff_user',
      entityId: s.userId,
      requestId: c.var.requestId ?? null,
      // Paths hold opaque ids only (never PHI); the query string is left out.
      detail: { permission, role: s.role, method: c.req.method, path },
      at: deps.now(),
    });
    if (path.startsWith('/ui')) {
      return c.html(messagePage({ staff: s, title: 'Not allowed', text: `Your role (${s.role}) does not allow this (${permission}).` }), 403);
    }
    throw new AppError('forbidden', `the ${s.role} role does not have the ${permission} permission`);
  };
}

/**
 * Form POSTs behind a session (or a half-signed-in one): same-origin (Fetch Metadata / Origin)
 * and the session's synchronizer token in the `_csrf` field (or the `X-CSRF-Token` header).
 */
export function csrfGuard(deps: StaffDeps): MiddlewareHandler {
  return async (c, next) => {
    const s = c.get('staff') ?? c.get('pendingStaff');
    if (!s) throw new AppError('unauthorized', 'a staff session is required: sign in at /ui/login');
    let sent = c.req.header('x-csrf-token');
    if (!sent) {
      const form = await c.req.parseBody();
      sent = typeof form._csrf === 'string' ? form._csrf : undefined;
    }
    if (crossSite(c, deps) || !sameToken(sent, s.csrf)) {
      // The JSON API answers like the rest of the API (OperationOutcome); pages get a page.
      if (new URL(c.req.url).pathname.startsWith('/api/')) throw new AppError('forbidden', 'the request could not be verified (CSRF token or origin)');
      return c.html(messagePage({ staff: c.get('staff'), title: 'Form expired', text: 'The form could not be verified (CSRF check). Reload the page and try again.' }), 403);
    }
    await next();
  };
}
