/**
 * Access checks for the staff side: a session for pages (else to the login page), a session for
 * the JSON API and the AuditEvent export (else 401 OperationOutcome), the admin role, and the
 * CSRF check every form POST behind a session goes through.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../http/errors.ts';
import { crossSite, sameToken } from './session.ts';
import type { StaffDeps, StaffPrincipal } from './types.ts';
import { messagePage } from './views/message.tsx';

/** A safe place to return to after login: our own pages only (no open redirect). */
export function safeNext(next: string | undefined | null): string {
  if (!next || !next.startsWith('/ui') || next.startsWith('//') || /[\\\r\n]/.test(next)) return '/ui';
  return next;
}

export function staffOf(c: Context): StaffPrincipal {
  const s = c.get('staff');
  if (!s) throw new AppError('unauthorized', 'a staff session is required: sign in at /ui/login');
  return s;
}

/** Pages: no session → the login page, remembering where the user was going. */
export const uiGuard: MiddlewareHandler = async (c, next) => {
  if (!c.get('staff')) {
    const url = new URL(c.req.url);
    const to = c.req.method === 'GET' ? safeNext(url.pathname + url.search) : '/ui';
    return c.redirect(`/ui/login?next=${encodeURIComponent(to)}`, 303);
  }
  await next();
};

/** JSON API and FHIR export: no session → 401. */
export const apiGuard: MiddlewareHandler = async (c, next) => {
  staffOf(c);
  await next();
};

/** Admin pages and actions. Use after `uiGuard`. */
export const adminGuard: MiddlewareHandler = async (c, next) => {
  const s = staffOf(c);
  if (s.role !== 'admin') {
    return c.html(messagePage({ staff: s, title: 'Not allowed', text: 'This page is for administrators only.' }), 403);
  }
  await next();
};

/**
 * Form POSTs behind a session: same-origin (Fetch Metadata / Origin) and the session's
 * synchronizer token in the `_csrf` field (or the `X-CSRF-Token` header).
 */
export function csrfGuard(deps: StaffDeps): MiddlewareHandler {
  return async (c, next) => {
    const s = staffOf(c);
    let sent = c.req.header('x-csrf-token');
    if (!sent) {
      const form = await c.req.parseBody();
      sent = typeof form._csrf === 'string' ? form._csrf : undefined;
    }
    if (crossSite(c, deps) || !sameToken(sent, s.csrf)) {
      return c.html(messagePage({ staff: s, title: 'Form expired', text: 'The form could not be verified (CSRF check). Reload the page and try again.' }), 403);
    }
    await next();
  };
}
