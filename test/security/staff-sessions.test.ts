/**
 * Staff sessions: fixation (a token from before a sign-in step is never the one after it), logout
 * ending the server-side session, listing and revoking sessions (own; others' only with
 * sessions.admin and within the organization), and the idle and absolute timeouts enforced on the
 * server with an injected clock (this file: PRIORGATE_SESSION_MAX_HOURS=2, _IDLE_MINUTES=10).
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { staffSessions } from '../../src/db/schema.ts';
import { hashToken } from '../../src/staff/session.ts';
import { addStaff, auditOf, Client, enrolledClient, nextCode, PASSWORD, seedOrgs, sessionOf, staffSecurityApp, type ClockedApp } from './staff-kit.ts';

let t: ClockedApp;
const T0 = new Date('2026-11-25T08:00:00Z');
const minutes = (n: number) => new Date(t.clock().getTime() + n * 60_000);

beforeAll(async () => {
  t = await staffSecurityApp({ PRIORGATE_SESSION_MAX_HOURS: '2', PRIORGATE_SESSION_IDLE_MINUTES: '10' });
  await seedOrgs(t.deps.db);
  await addStaff(t.deps.db, 'ann', 'viewer', 'org-a');
  await addStaff(t.deps.db, 'amy', 'staff', 'org-a');
  await addStaff(t.deps.db, 'bob', 'viewer', 'org-b');
  await addStaff(t.deps.db, 'a-admin', 'admin', 'org-a');
  await addStaff(t.deps.db, 'root', 'admin', null);
  await addStaff(t.deps.db, 'fix-admin', 'admin', null, PASSWORD, { mfa: false });
  await addStaff(t.deps.db, 'tim', 'viewer', null);
});
afterAll(() => t.close());
beforeEach(() => t.setClock(new Date(T0)));

const signedIn = async (c: Client) => (await c.get('/ui/account')).status === 200;
/** A client that carries a given session token. */
const carrying = (token: string) => {
  const c = new Client(t);
  c.cookies.set('pg_session', token);
  return c;
};

describe('session fixation', () => {
  it('never keeps a cookie set before login: an attacker-chosen value is replaced and does not sign in', async () => {
    const c = new Client(t);
    c.cookies.set('pg_session', 'attacker-chosen-value-0123456789abcdef');
    const res = await c.login('ann');
    expect(res.status).toBe(303);
    expect(sessionOf(c)).toBeDefined();
    expect(sessionOf(c)).not.toBe('attacker-chosen-value-0123456789abcdef');
    expect(await signedIn(carrying('attacker-chosen-value-0123456789abcdef'))).toBe(false);
    expect(await signedIn(c)).toBe(true);
  });

  it('ends a session the browser already had when it signs in again (new token, old one dead)', async () => {
    const c = await new Client(t).loggedIn('ann');
    const before = sessionOf(c)!;
    // Posted like a script would (a signed-in browser is sent away from the login form).
    expect((await c.post('/ui/login', { username: 'ann', password: PASSWORD }, {})).status).toBe(303);
    expect(sessionOf(c)).not.toBe(before);
    expect(await signedIn(carrying(before))).toBe(false);
    expect(await signedIn(c)).toBe(true);
    const [login] = (await auditOf(t, 'staff.login', 'staff:ann')).slice(-1);
    expect(login!.detail).toMatchObject({ replacedSession: true });
  });

  it('changes the session id at the MFA step and at enrolment; the half-signed-in token is dead after', async () => {
    const c = new Client(t);
    expect((await c.login('a-admin')).headers.get('location')).toBe('/ui/mfa');
    const pending = sessionOf(c)!;
    const page = await (await c.get('/ui/mfa')).text();
    expect((await c.post('/ui/mfa', { code: nextCode('a-admin', t.clock()), _csrf: Client.csrfOf(page) })).status).toBe(303);
    expect(sessionOf(c)).not.toBe(pending);
    expect(await signedIn(c)).toBe(true);
    expect(await signedIn(carrying(pending))).toBe(false);
    expect((await carrying(pending).get('/ui/mfa')).headers.get('location')).toBe('/ui/login');

    const e = await enrolledClient(t, 'fix-admin');
    const rows = await t.deps.db.select().from(staffSessions).where(eq(staffSessions.tokenHash, hashToken(sessionOf(e.client)!)));
    expect(rows[0]).toMatchObject({ stage: 'full' });
    const [enrol] = (await auditOf(t, 'staff.mfa.enrol', 'staff:fix-admin')).slice(-1);
    expect(enrol!.detail.previousSessionId).not.toBe(enrol!.detail.sessionId);
  });

  it('logout deletes the server-side session: the old cookie replayed afterwards is refused', async () => {
    const c = await new Client(t).loggedIn('ann');
    const token = sessionOf(c)!;
    const csrf = Client.csrfOf(await (await c.get('/ui')).text());
    expect((await c.post('/ui/logout', { _csrf: csrf })).status).toBe(303);
    expect(await t.deps.db.select().from(staffSessions).where(eq(staffSessions.tokenHash, hashToken(token)))).toEqual([]);
    expect(await signedIn(carrying(token))).toBe(false);
  });
});

describe('listing and revoking sessions', () => {
  it('lists only the user’s own sessions with start, last seen and browser, marking this one', async () => {
    const phone = new Client(t);
    await phone.post('/ui/login', { username: 'tim', password: PASSWORD }, { 'user-agent': 'TestPhone/1.0' });
    const desk = await new Client(t).loggedIn('tim');
    await new Client(t).loggedIn('ann');
    const html = await (await desk.get('/ui/account')).text();
    expect(html.match(/data-session="/g)).toHaveLength(2);
    expect(html).toContain('TestPhone/1.0');
    expect(html).toContain('(this session)');
    expect(html).toContain('2026-11-25 08:00 UTC');
    expect(html).not.toContain('ann');
  });

  it('revokes one of the user’s other sessions: that cookie stops working at once (audited)', async () => {
    const other = await new Client(t).loggedIn('amy');
    const me = await new Client(t).loggedIn('amy');
    const html = await (await me.get('/ui/account')).text();
    const [otherRow] = await t.deps.db.select().from(staffSessions).where(eq(staffSessions.tokenHash, hashToken(sessionOf(other)!)));
    expect(html).toContain(`/ui/sessions/${otherRow!.id}/revoke`);
    const res = await me.post(`/ui/sessions/${otherRow!.id}/revoke`, { _csrf: Client.csrfOf(html), back: 'account' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/account?done=revoked');
    expect(await signedIn(other)).toBe(false);
    expect(await signedIn(me)).toBe(true);
    const [revoke] = (await auditOf(t, 'staff.session.revoke', 'staff:amy')).slice(-1);
    expect(revoke).toMatchObject({ outcome: 'success', detail: { sessionId: otherRow!.id, own: true } });
  });

  it('does not let a user revoke someone else’s session, nor an admin another organization’s (404, nothing ended)', async () => {
    const bob = await new Client(t).loggedIn('bob');
    const [bobRow] = await t.deps.db.select().from(staffSessions).where(eq(staffSessions.tokenHash, hashToken(sessionOf(bob)!)));
    const ann = await new Client(t).loggedIn('ann');
    const annPage = await (await ann.get('/ui/account')).text();
    expect((await ann.post(`/ui/sessions/${bobRow!.id}/revoke`, { _csrf: Client.csrfOf(annPage) })).status).toBe(404);
    const aAdmin = await new Client(t).loggedIn('a-admin');
    const list = await (await aAdmin.get('/ui/admin/sessions')).text();
    expect(list).not.toContain(bobRow!.id);
    expect(list).not.toContain('<td>bob</td>');
    expect((await aAdmin.post(`/ui/sessions/${bobRow!.id}/revoke`, { _csrf: Client.csrfOf(list), back: 'admin' })).status).toBe(404);
    expect(await signedIn(bob)).toBe(true);
    expect((await auditOf(t, 'staff.session.revoke', 'staff:a-admin')).map((e) => e.outcome)).toEqual(['failure']);
  });

  it("lets an organization's admin list and revoke its users' sessions, and an admin without organization anyone's", async () => {
    const ann = await new Client(t).loggedIn('ann');
    const [annRow] = await t.deps.db.select().from(staffSessions).where(eq(staffSessions.tokenHash, hashToken(sessionOf(ann)!)));
    const aAdmin = await new Client(t).loggedIn('a-admin');
    const list = await (await aAdmin.get('/ui/admin/sessions')).text();
    expect(list).toContain(annRow!.id);
    const res = await aAdmin.post(`/ui/sessions/${annRow!.id}/revoke`, { _csrf: Client.csrfOf(list), back: 'admin' });
    expect(res.headers.get('location')).toBe('/ui/admin/sessions?done=revoked');
    expect(await signedIn(ann)).toBe(false);

    const bob = await new Client(t).loggedIn('bob');
    const [bobRow] = await t.deps.db.select().from(staffSessions).where(eq(staffSessions.tokenHash, hashToken(sessionOf(bob)!)));
    const root = await new Client(t).loggedIn('root');
    const all = await (await root.get('/ui/admin/sessions')).text();
    expect((await root.post(`/ui/sessions/${bobRow!.id}/revoke`, { _csrf: Client.csrfOf(all), back: 'admin' })).status).toBe(303);
    expect(await signedIn(bob)).toBe(false);
  });

  it('ends the current session when the user revokes it, like a logout', async () => {
    const c = await new Client(t).loggedIn('ann');
    const html = await (await c.get('/ui/account')).text();
    const [own] = await t.deps.db.select().from(staffSessions).where(eq(staffSessions.tokenHash, hashToken(sessionOf(c)!)));
    expect(html).toMatch(new RegExp(`data-session="${own!.id}">(?:(?!</tr>).)*\\(this session\\)`));
    const res = await c.post(`/ui/sessions/${own!.id}/revoke`, { _csrf: Client.csrfOf(html) });
    expect(res.headers.get('location')).toBe('/ui/login');
    expect(await signedIn(c)).toBe(false);
  });
});

describe('timeouts, enforced on the server', () => {
  it('ends a session idle for longer than PRIORGATE_SESSION_IDLE_MINUTES; activity keeps it, the background refresh does not', async () => {
    const c = await new Client(t).loggedIn('ann');
    t.setClock(minutes(9));
    expect(await signedIn(c)).toBe(true);
    t.setClock(minutes(9));
    expect((await c.get('/ui/worklist/rows', { 'x-priorgate-refresh': '1' })).status).toBe(200);
    t.setClock(minutes(2));
    const res = await c.get('/ui');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/ui\/login/);
    const [timeout] = (await auditOf(t, 'staff.session.timeout', 'staff:ann')).slice(-1);
    expect(timeout).toMatchObject({ detail: { reason: 'idle' } });
  });

  it('ends a session after PRIORGATE_SESSION_MAX_HOURS however active it is (API too)', async () => {
    const c = await new Client(t).loggedIn('amy');
    const token = sessionOf(c)!;
    for (let m = 9; m < 120; m += 9) {
      t.setClock(new Date(T0.getTime() + m * 60_000));
      expect((await c.get('/api/requests')).status, `after ${m} min`).toBe(200);
    }
    t.setClock(new Date(T0.getTime() + 120 * 60_000));
    expect((await c.get('/api/requests')).status).toBe(401);
    expect(await signedIn(carrying(token))).toBe(false);
    const [timeout] = (await auditOf(t, 'staff.session.timeout', 'staff:amy')).slice(-1);
    expect(timeout).toMatchObject({ detail: { reason: 'absolute' } });
  });

  it('gives a half-signed-in session 10 minutes for the code', async () => {
    const c = new Client(t);
    expect((await c.login('root')).headers.get('location')).toBe('/ui/mfa');
    t.setClock(minutes(9));
    expect((await c.get('/ui/mfa')).status).toBe(200);
    t.setClock(minutes(2));
    expect((await c.get('/ui/mfa')).headers.get('location')).toBe('/ui/login');
  });

  it('sets the cookie lifetime to the absolute timeout (the server enforces it either way)', async () => {
    const res = await new Client(t).login('ann');
    expect(res.headers.getSetCookie().find((x) => x.startsWith('pg_session='))).toMatch(/Max-Age=7200/);
  });
});
