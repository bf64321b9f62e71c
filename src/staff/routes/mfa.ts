/**
 * The MFA pages: `GET/POST /ui/mfa` (the code step after the password) and `GET/POST
 * /ui/mfa/enrol` (TOTP enrolment: required for roles in PRIORGATE_MFA_REQUIRED_ROLES right after
 * the password, optional for everyone else from their account page). Both steps end with a new
 * session token; a half-signed-in session reaches nothing but these pages and logout.
 */
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import { clientAddress } from '../../http/remote-address.ts';
import { csrfGuard, safeNext } from '../guards.ts';
import { confirmEnrolment, enrolmentMaterial, verifySecondFactor } from '../mfa.ts';
import { homeOf } from '../permissions.ts';
import { csrfFor, hashToken, setSessionCookie } from '../session.ts';
import { LOGIN_FAILED } from './login.ts';
import type { StaffDeps, StaffPrincipal } from '../types.ts';
import { messagePage } from '../views/message.tsx';
import { enrolPage, mfaPage, recoveryCodesPage } from '../views/mfa.tsx';

const stepCtx = (c: Context<AppEnv>, deps: StaffDeps) => ({ httpRequestId: c.var.requestId, userAgent: c.req.header('user-agent'), address: clientAddress(c, deps.config.trustedProxies) });

export function mfaRoutes(app: Hono<AppEnv>, deps: StaffDeps) {
  const nextOf = (c: Context) => {
    const n = c.req.query('next');
    return n ? safeNext(n) : undefined;
  };
  // Only a browser that owes a code reaches the code step; anyone else goes where they belong.
  const elsewhere = (c: Context) => (c.get('staff') ? c.redirect(homeOf(c.get('staff')!), 303) : c.redirect('/ui/login', 303));

  app.get('/ui/mfa', (c) => {
    const p = c.get('pendingStaff');
    if (p?.stage !== 'mfa') return p ? c.redirect('/ui/mfa/enrol', 303) : elsewhere(c);
    return c.html(mfaPage({ csrf: p.csrf, next: nextOf(c) }));
  });

  app.post('/ui/mfa', async (c, next) => (c.get('pendingStaff')?.stage === 'mfa' ? next() : elsewhere(c)), csrfGuard(deps), async (c) => {
    const p = c.get('pendingStaff')!;
    const code = String((await c.req.parseBody()).code ?? '').slice(0, 40);
    const result = await verifySecondFactor(deps, p, code, stepCtx(c, deps));
    if (!result.ok) return c.html(mfaPage({ csrf: p.csrf, next: nextOf(c), error: LOGIN_FAILED }), 401);
    setSessionCookie(c, result.token, result.maxAgeS);
    return c.redirect(safeNext(nextOf(c), homeOf(p)), 303);
  });

  /** Who may enrol: a half-signed-in user who owes it, or a signed-in one (optional MFA). */
  const enrolling = (c: Context): { who: StaffPrincipal; pending: boolean } | undefined => {
    const p = c.get('pendingStaff');
    if (p?.stage === 'enrol') return { who: p, pending: true };
    const s = c.get('staff');
    return s ? { who: s, pending: false } : undefined;
  };

  app.get('/ui/mfa/enrol', async (c) => {
    const e = enrolling(c);
    if (!e) return c.get('pendingStaff') ? c.redirect('/ui/mfa', 303) : c.redirect('/ui/login', 303);
    const material = await enrolmentMaterial(deps, e.who, stepCtx(c, deps));
    if (!material) return c.redirect('/ui/account', 303);
    return c.html(enrolPage({ staff: e.pending ? undefined : e.who, csrf: e.who.csrf, next: nextOf(c), material, required: e.pending }));
  });

  app.post('/ui/mfa/enrol', async (c, next) => (enrolling(c) ? next() : c.redirect('/ui/login', 303)), csrfGuard(deps), async (c) => {
    const e = enrolling(c)!;
    const code = String((await c.req.parseBody()).code ?? '').slice(0, 40);
    const result = await confirmEnrolment(deps, e.who, code, stepCtx(c, deps));
    if (!result.ok && result.reason === 'already') {
      return c.html(messagePage({ staff: c.get('staff'), title: 'Already set up', text: 'Two-step verification is already on for this account.' }), 409);
    }
    if (!result.ok) {
      const material = await enrolmentMaterial(deps, e.who, stepCtx(c, deps));
      if (!material) return c.redirect('/ui/account', 303);
      const error = 'That code is not right. Check the time on your phone and enter the code the app shows now.';
      return c.html(enrolPage({ staff: e.pending ? undefined : e.who, csrf: e.who.csrf, next: nextOf(c), material, required: e.pending, error }), 400);
    }
    // The page with the recovery codes is already under the new session (the old token is gone).
    setSessionCookie(c, result.token, result.maxAgeS);
    const staff = { ...e.who, csrf: csrfFor(result.token), tokenHash: hashToken(result.token) };
    return c.html(recoveryCodesPage({ staff, codes: result.recoveryCodes, next: safeNext(nextOf(c), homeOf(e.who)) }));
  });
}
