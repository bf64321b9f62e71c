/**
 * `GET/POST /ui/login` and `POST /ui/logout` (CONTRACT.md: form fields `username`, `password`).
 *
 * Login CSRF: browsers get a double-submit token (cookie `pg_login` + hidden field) and their
 * POST must be same-origin; a client that sends no browser headers at all (a script with curl)
 * cannot be the victim of a cross-site form, so it may post the two fields alone.
 *
 * A right password gives a new session token every time (any session the browser already had
 * ends: no fixation); when MFA is owed the new session only reaches the MFA pages.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../http/context.ts';
import { csrfGuard, pendingStep, safeNext } from '../guards.ts';
import { login, logout, MAX_FAILURES, LOCK_MS } from '../login.ts';
import { pauseMessage } from '../throttle.ts';
import { clientAddress } from '../../http/remote-address.ts';
import { homeOf } from '../permissions.ts';
import { clearSessionCookie, crossSite, fromBrowser, hashToken, isHttps, newToken, sameToken, sessionToken, setSessionCookie } from '../session.ts';
import type { StaffDeps } from '../types.ts';
import { loginPage } from '../views/login.tsx';
import { messagePage } from '../views/message.tsx';

const LOGIN_COOKIE = 'pg_login';
export const LOGIN_FAILED = `Sign-in failed: check the username, password and code. After ${MAX_FAILURES} failed attempts, signing in with this username from your network is paused for ${LOCK_MS / 60_000} minutes.`;

export function loginRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  const form = (c: Context, status: 200 | 401 | 429, extra: { error?: string; username?: string } = {}) => {
    const csrf = getCookie(c, LOGIN_COOKIE) ?? newToken();
    setCookie(c, LOGIN_COOKIE, csrf, { httpOnly: true, sameSite: 'Strict', secure: isHttps(c), path: '/ui/login', maxAge: 3600 });
    return c.html(loginPage({ csrf, next: safeNext(c.req.query('next')), ...extra }), status);
  };

  app.get('/ui/login', (c) => {
    const staff = c.get('staff');
    return staff ? c.redirect(safeNext(c.req.query('next'), homeOf(staff)), 303) : form(c, 200);
  });

  app.post('/ui/login', async (c) => {
    const body = await c.req.parseBody();
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const browser = fromBrowser(c) || getCookie(c, LOGIN_COOKIE) !== undefined;
    const token = typeof body._csrf === 'string' ? body._csrf : undefined;
    if (crossSite(c, deps) || (browser && !sameToken(token, getCookie(c, LOGIN_COOKIE)))) {
      return c.html(messagePage({ title: 'Form expired', text: 'The sign-in form could not be verified (CSRF check). Reload it and try again.' }), 403);
    }
    const previous = sessionToken(c);
    const result = await login(deps, username, password, {
      httpRequestId: c.var.requestId,
      userAgent: c.req.header('user-agent'),
      previousTokenHash: previous && previous.length <= 128 ? hashToken(previous) : undefined,
      address: clientAddress(c, deps.config.trustedProxies),
    });
    if (!result.ok) return form(c, result.pause ? 429 : 401, { error: result.pause ? pauseMessage(result.pause) : LOGIN_FAILED, username: username.slice(0, 200) });
    deleteCookie(c, LOGIN_COOKIE, { path: '/ui/login' });
    setSessionCookie(c, result.token, result.maxAgeS);
    const next = c.req.query('next');
    if (result.stage !== 'full') return c.redirect(`${pendingStep(result.stage)}${next ? `?next=${encodeURIComponent(safeNext(next))}` : ''}`, 303);
    return c.redirect(safeNext(next, homeOf(result)), 303);
  });

  // Also ends a half-signed-in session ("cancel" on the MFA pages).
  const anySession: MiddlewareHandler = async (c, next) => (c.get('staff') ?? c.get('pendingStaff') ? next() : c.redirect('/ui/login', 303));
  app.post('/ui/logout', anySession, csrfGuard(deps), async (c) => {
    const who = c.get('staff') ?? c.get('pendingStaff')!;
    await logout(deps, who, c.var.requestId);
    clearSessionCookie(c);
    return c.redirect('/ui/login', 303);
  });
}
