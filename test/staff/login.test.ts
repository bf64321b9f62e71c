import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, staffSessions } from '../../src/db/schema.ts';
import type { TestApp } from '../helpers/app.ts';
import { addStaff, Client, ORIGIN, PASSWORD, seedOrgs, staffTestApp } from './helpers.ts';

let t: TestApp;
let clock: Date | undefined;

beforeAll(async () => {
  t = await staffTestApp();
  t.deps.now = () => clock ?? new Date();
  await seedOrgs(t.deps.db);
  await addStaff(t.deps.db, 'alice', 'admin');
  await addStaff(t.deps.db, 'vera', 'viewer');
  await addStaff(t.deps.db, 'victor', 'viewer', 'org-a');
  await addStaff(t.deps.db, 'locky', 'viewer');
  await addStaff(t.deps.db, 'idle', 'viewer');
});
afterAll(() => t.close());

const sessionCookie = (res: Response) => res.headers.getSetCookie().find((c) => /pg_session=/.test(c));

describe('staff login and sessions', () => {
  it('sends a page visitor without a session to the login form, remembering the page', async () => {
    const res = await new Client(t).get('/ui?status=pended');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/login?next=%2Fui%3Fstatus%3Dpended');
  });

  it('answers the API without a session with 401 and an OperationOutcome', async () => {
    const res = await new Client(t).get('/api/requests');
    const body = await res.text();
    expect(res.status, body).toBe(401);
    expect(JSON.parse(body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
  });

  it('logs in with username and password and sets an HttpOnly, SameSite session cookie accepted by /ui and /api', async () => {
    const c = new Client(t);
    const res = await c.login('vera');
    expect(res.status, await res.clone().text()).toBe(303);
    expect(res.headers.get('location')).toBe('/ui');
    const cookie = sessionCookie(res)!;
    expect(cookie).toMatch(/^pg_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    const ui = await c.get('/ui');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('Prior-authorization worklist');
    const api = await c.get('/api/requests');
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ total: 0, items: [] });
  });

  it('stores only a SHA-256 of the session token', async () => {
    const c = await new Client(t).loggedIn('vera');
    const token = c.cookies.get('pg_session')!;
    const rows = await t.deps.db.select().from(staffSessions);
    expect(rows.some((r) => r.tokenHash === token)).toBe(false);
    expect(rows.some((r) => r.tokenHash === createHash('sha256').update(token).digest('hex'))).toBe(true);
  });

  it('marks the cookie Secure (with the __Host- prefix) when the request came over https', async () => {
    const c = new Client(t);
    const page = await (await c.get('/ui/login', { 'x-forwarded-proto': 'https' })).text();
    const res = await c.post(
      '/ui/login',
      { username: 'vera', password: PASSWORD, _csrf: Client.csrfOf(page) },
      { origin: 'https://gateway.test', 'x-forwarded-proto': 'https' },
    );
    expect(res.status).toBe(303);
    expect(sessionCookie(res)).toMatch(/^__Host-pg_session=.*Secure/i);
  });

  it('lets a script log in with the two contract fields alone (no browser, so no CSRF exposure)', async () => {
    const res = await t.app.request(`${ORIGIN}/ui/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'vera', password: PASSWORD }).toString(),
    });
    expect(res.status).toBe(303);
    expect(sessionCookie(res)).toBeDefined();
  });

  it('refuses a wrong password with 401, no session, and a failed staff.login audit event', async () => {
    const res = await new Client(t).login('alice', 'wrong password');
    expect(res.status).toBe(401);
    expect(sessionCookie(res)).toBeUndefined();
    expect(await res.text()).toContain('Sign-in failed');
    const events = await t.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'staff.login'));
    expect(events.some((e) => e.actor === 'staff:alice' && e.outcome === 'failure')).toBe(true);
  });

  it('pauses a name for 15 minutes after 5 failures from one address, refusing even the right password, then lets it in', async () => {
    clock = new Date();
    try {
      for (let i = 0; i < 4; i++) expect((await new Client(t).login('locky', `nope-${i}`)).status).toBe(401);
      // The fifth failure starts the pause, and the page says until when and what to do.
      const fifth = await new Client(t).login('locky', 'nope-4');
      expect(fifth.status).toBe(429);
      expect(await fifth.text()).toMatch(/paused here until \d\d:\d\d UTC[\s\S]*ask an administrator to unlock it/);
      const locked = await new Client(t).login('locky');
      expect(locked.status).toBe(429);
      expect(sessionCookie(locked)).toBeUndefined();
      clock = new Date(clock.getTime() + 14 * 60_000);
      expect((await new Client(t).login('locky')).status).toBe(429);
      clock = new Date(clock.getTime() + 2 * 60_000);
      expect((await new Client(t).login('locky')).status).toBe(303);
    } finally {
      clock = undefined;
    }
  });

  it('ends a session after 30 idle minutes', async () => {
    clock = new Date();
    try {
      const c = await new Client(t).loggedIn('idle');
      expect((await c.get('/ui')).status).toBe(200);
      clock = new Date(clock.getTime() + 31 * 60_000);
      expect((await c.get('/ui')).status).toBe(303);
    } finally {
      clock = undefined;
    }
  });

  it('never redirects off-site after login', async () => {
    const c = new Client(t);
    const page = await (await c.get('/ui/login?next=//evil.example/x')).text();
    const res = await c.post('/ui/login?next=//evil.example/x', { username: 'vera', password: PASSWORD, _csrf: Client.csrfOf(page) });
    expect(res.headers.get('location')).toBe('/ui');
  });
});

describe('CSRF protection', () => {
  it('refuses a browser login post without the form token', async () => {
    const res = await new Client(t).post('/ui/login', { username: 'alice', password: PASSWORD });
    expect(res.status).toBe(403);
  });

  it('refuses a cross-site login post even with a token', async () => {
    const c = new Client(t);
    const page = await (await c.get('/ui/login')).text();
    const res = await c.post('/ui/login', { username: 'alice', password: PASSWORD, _csrf: Client.csrfOf(page) }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(res.status).toBe(403);
  });

  it('refuses logout without the session token and keeps the session; accepts it with the token', async () => {
    const c = await new Client(t).loggedIn('vera');
    expect((await c.post('/ui/logout', {})).status).toBe(403);
    expect((await c.post('/ui/logout', { _csrf: 'forged' })).status).toBe(403);
    const page = await (await c.get('/ui')).text();
    expect(page).toContain('Log out');
    const csrf = Client.csrfOf(page);
    const cross = await c.post('/ui/logout', { _csrf: csrf }, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    const out = await c.post('/ui/logout', { _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/ui/login');
    expect((await c.get('/ui')).status).toBe(303);
  });

  it('gives each session its own token', async () => {
    const a = await new Client(t).loggedIn('vera');
    const b = await new Client(t).loggedIn('vera');
    const ta = Client.csrfOf(await (await a.get('/ui')).text());
    const tb = Client.csrfOf(await (await b.get('/ui')).text());
    expect(ta).not.toBe(tb);
    expect((await a.post('/ui/logout', { _csrf: tb })).status).toBe(403);
  });
});

describe('roles', () => {
  it('shows the admin page with the audit-chain status to an admin', async () => {
    const c = await new Client(t).loggedIn('alice');
    const res = await c.get('/ui/admin');
    const html = await res.text();
    expect(res.status, html).toBe(200);
    expect(html).toMatch(/<strong>Intact<\/strong>: \d+ events verified/);
    expect(html).toContain('victor');
  });

  it('refuses the admin page to a viewer with 403', async () => {
    const c = await new Client(t).loggedIn('victor');
    const res = await c.get('/ui/admin');
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('Audit chain');
  });

  it('does not show the admin link to a viewer', async () => {
    const c = await new Client(t).loggedIn('victor');
    expect(await (await c.get('/ui')).text()).not.toContain('href="/ui/admin"');
  });

  it('sets no-store and a strict Content-Security-Policy on pages', async () => {
    const c = await new Client(t).loggedIn('vera');
    const res = await c.get('/ui');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});
