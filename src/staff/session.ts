/**
 * Staff sessions. The cookie carries a random 256-bit token; the database keeps only its SHA-256,
 * so a leaked table cannot be replayed. The CSRF token is an HMAC of the session token: tied to
 * the session, nothing extra to store, useless without the (HttpOnly) cookie.
 *
 * Cookie: HttpOnly, SameSite=Lax, Path=/, Secure (and the `__Host-` prefix) when the request came
 * over https (directly or per X-Forwarded-Proto). Sessions end after 12 h, or 30 min idle
 * (HIPAA automatic logoff); the worklist's background refresh does not count as activity.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { deleteSession, sessionByTokenHash, touchSession } from '../db/queries/staff.ts';
import { roleOf, type StaffDeps, type StaffPrincipal } from './types.ts';

export const SESSION_COOKIE = 'pg_session';
export const SECURE_SESSION_COOKIE = '__Host-pg_session';
export const SESSION_TTL_MS = 12 * 3_600_000;
export const IDLE_TIMEOUT_MS = 30 * 60_000;
/** Activity is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;
/** Sent by the worklist's background refresh: not user activity. */
export const REFRESH_HEADER = 'x-priorgate-refresh';

export const newToken = () => randomBytes(32).toString('base64url');
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const csrfFor = (token: string) => createHmac('sha256', token).update('priorgate-csrf-v1').digest('base64url');

/** Constant-time comparison of two tokens. */
export function sameToken(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Did the request reach us over https (directly, or through a proxy that says so)? */
export function isHttps(c: Context): boolean {
  const forwarded = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  if (forwarded) return forwarded === 'https';
  return new URL(c.req.url).protocol === 'https:';
}

export function setSessionCookie(c: Context, token: string) {
  const secure = isHttps(c);
  setCookie(c, secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    path: '/',
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export function clearSessionCookie(c: Context) {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  if (isHttps(c)) deleteCookie(c, SECURE_SESSION_COOKIE, { path: '/', secure: true });
}

export function sessionToken(c: Context): string | undefined {
  return getCookie(c, SECURE_SESSION_COOKIE) ?? getCookie(c, SESSION_COOKIE);
}

/** Resolves the session cookie into `c.var.staff` (or leaves it unset). Never rejects by itself. */
export function loadStaff(deps: StaffDeps): MiddlewareHandler {
  return async (c, next) => {
    const token = sessionToken(c);
    if (token && token.length <= 128) {
      const tokenHash = hashToken(token);
      const found = await sessionByTokenHash(deps.db, tokenHash);
      const now = deps.now();
      if (found) {
        const { session, user } = found;
        const idle = now.getTime() - session.lastSeenAt.getTime();
        if (session.expiresAt <= now || idle > IDLE_TIMEOUT_MS) {
          await deleteSession(deps.db, tokenHash);
        } else {
          const principal: StaffPrincipal = { userId: user.id, username: user.username, role: roleOf(user.role), orgId: user.orgId, csrf: csrfFor(token), tokenHash };
          c.set('staff', principal);
          if (idle > TOUCH_EVERY_MS && !c.req.header(REFRESH_HEADER)) await touchSession(deps.db, tokenHash, now);
        }
      }
    }
    await next();
  };
}

/** The origins a form may legitimately be posted from: ours (as reached, or as configured). */
function ownOrigins(c: Context, deps: StaffDeps): string[] {
  const url = new URL(c.req.url);
  const out = [url.origin];
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host') ?? url.host;
  out.push(`${isHttps(c) ? 'https' : 'http'}://${host}`);
  if (deps.config.baseUrl) out.push(new URL(deps.config.baseUrl).origin);
  return out;
}

/**
 * Rejects cross-site POSTs by the Fetch Metadata and Origin headers browsers attach to every form
 * submission. A request without either is not from a browser form, so cannot be a CSRF.
 */
export function crossSite(c: Context, deps: StaffDeps): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = c.req.header('origin');
  if (origin !== undefined && !ownOrigins(c, deps).includes(origin)) return true;
  return false;
}

/** Does the request look like it came from a browser (so browser-only defences apply)? */
export function fromBrowser(c: Context): boolean {
  return Boolean(c.req.header('origin') ?? c.req.header('sec-fetch-site') ?? c.req.header('sec-fetch-mode'));
}
