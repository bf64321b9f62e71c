/**
 * Staff sessions. The cookie carries a random 256-bit token; the database keeps only its SHA-256,
 * so a leaked table cannot be replayed. The CSRF token is an HMAC of the session token: tied to
 * the session, nothing extra to store, useless without the (HttpOnly) cookie.
 *
 * Cookie: HttpOnly, SameSite=Lax, Path=/, Secure (and the `__Host-` prefix) when the request came
 * over https (directly or per X-Forwarded-Proto). Sessions end after PRIORGATE_SESSION_MAX_HOURS
 * (12) or PRIORGATE_SESSION_IDLE_MINUTES (30) idle (HIPAA automatic logoff), both checked here on
 * every request; the worklist's background refresh does not count as activity. A new token is
 * issued at every sign-in step (password, TOTP, enrolment): no token survives a privilege change.
 */
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { appendAudit } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { createSession, deleteSession, sessionByTokenHash, touchSession, type NewSession } from '../db/queries/staff-auth.ts';
import { actorOf, roleOf, type PendingStaff, type StaffDeps, type StaffPrincipal } from './types.ts';
import { withTransaction } from '../db/tx.ts';

export const SESSION_COOKIE = 'pg_session';
export const SECURE_SESSION_COOKIE = '__Host-pg_session';
/** A half-signed-in session (TOTP or enrolment owed) lasts this long at most. */
export const PENDING_TTL_MS = 10 * 60_000;
/** Activity is written at most this often (not on every request). */
const TOUCH_EVERY_MS = 60_000;
/** Sent by the worklist's background refresh: not user activity. */
export const REFRESH_HEADER = 'x-priorgate-refresh';

export const sessionMaxMs = (config: Config) => config.sessionMaxHours * 3_600_000;
export const idleTimeoutMs = (config: Config) => config.sessionIdleMinutes * 60_000;

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

/**
 * Inserts a session (in the caller's transaction) and returns its fresh token. Full sessions live
 * PRIORGATE_SESSION_MAX_HOURS, half-signed-in ones PENDING_TTL_MS.
 */
export async function openSession(tx: Db, config: Config, s: { userId: string; stage: NewSession['stage']; now: Date; userAgent?: string }) {
  const token = newToken();
  const id = randomUUID();
  const ttl = s.stage === 'full' ? sessionMaxMs(config) : PENDING_TTL_MS;
  await createSession(tx, { id, tokenHash: hashToken(token), userId: s.userId, stage: s.stage, expiresAt: new Date(s.now.getTime() + ttl), now: s.now, userAgent: s.userAgent?.slice(0, 200) ?? null });
  return { token, id, maxAgeS: Math.floor(ttl / 1000) };
}

export function setSessionCookie(c: Context, token: string, maxAgeS: number) {
  const secure = isHttps(c);
  setCookie(c, secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure,
    path: '/',
    maxAge: maxAgeS,
  });
}

export function clearSessionCookie(c: Context) {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  if (isHttps(c)) deleteCookie(c, SECURE_SESSION_COOKIE, { path: '/', secure: true });
}

export function sessionToken(c: Context): string | undefined {
  return getCookie(c, SECURE_SESSION_COOKIE) ?? getCookie(c, SESSION_COOKIE);
}

/** Why a session is over at `now`, if it is: past its expiry or max age, or idle too long. */
export function sessionEnded(config: Config, s: { expiresAt: Date; createdAt: Date; lastSeenAt: Date }, now: Date): 'absolute' | 'idle' | undefined {
  if (s.expiresAt <= now || now.getTime() - s.createdAt.getTime() >= sessionMaxMs(config)) return 'absolute';
  if (now.getTime() - s.lastSeenAt.getTime() > idleTimeoutMs(config)) return 'idle';
  return undefined;
}

/**
 * Resolves the session cookie into `c.var.staff` (signed in) or `c.var.pendingStaff` (TOTP or
 * enrolment owed), or leaves both unset. Never rejects by itself; a timed-out session is deleted
 * (and the timeout audited) here, on the server, whatever the cookie's own lifetime says.
 */
export function loadStaff(deps: StaffDeps): MiddlewareHandler {
  return async (c, next) => {
    const token = sessionToken(c);
    if (token && token.length <= 128) {
      const tokenHash = hashToken(token);
      const found = await sessionByTokenHash(deps.db, tokenHash);
      const now = deps.now();
      if (found) {
        const { session, user } = found;
        const ended = sessionEnded(deps.config, session, now);
        if (ended) {
          await withTransaction(deps.db, async (tx) => {
            if (!(await deleteSession(tx, tokenHash))) return;
            await appendAudit(tx, {
              actor: actorOf(user),
              action: 'staff.session.timeout',
              orgId: user.orgId,
              entityType: 'staff_user',
              entityId: user.id,
              requestId: c.var.requestId ?? null,
              detail: { sessionId: session.id, reason: ended, stage: session.stage },
              at: now,
            });
          });
        } else {
          const principal: StaffPrincipal = { userId: user.id, username: user.username, role: roleOf(user.role), orgId: user.orgId, csrf: csrfFor(token), tokenHash, sessionId: session.id };
          if (session.stage === 'full') c.set('staff', principal);
          else c.set('pendingStaff', { ...principal, stage: session.stage === 'enrol' ? 'enrol' : 'mfa' } satisfies PendingStaff);
          if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS && !c.req.header(REFRESH_HEADER)) await touchSession(deps.db, tokenHash, now);
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
