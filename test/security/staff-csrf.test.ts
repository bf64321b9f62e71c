/**
 * CSRF on every state-changing staff POST: a cross-site request (by Origin or by Fetch Metadata)
 * or a missing or wrong token is refused with 403 and changes nothing; the same form, same-origin
 * with its token, then works (so each check can tell the difference).
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, requests, staffSessions } from '../../src/db/schema.ts';
import { csrfFor, hashToken, newToken } from '../../src/staff/session.ts';
import { addStaff, Client, factors, ORIGIN, PASSWORD, seedOrgs, seedRequest, sessionOf, staffSecurityApp, totpAt, userRow, type ClockedApp } from './staff-kit.ts';

let t: ClockedApp;
const NOW = new Date('2026-11-25T12:00:10Z');
const SAME = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };

beforeAll(async () => {
  t = await staffSecurityApp();
  t.setClock(NOW);
  await seedOrgs(t.deps.db);
  await addStaff(t.deps.db, 'root', 'admin');
  await addStaff(t.deps.db, 'fresh', 'admin', null, PASSWORD, { mfa: false });
  await addStaff(t.deps.db, 'coded', 'admin');
  await addStaff(t.deps.db, 'target', 'viewer', null, PASSWORD, { mfa: true });
  await addStaff(t.deps.db, 'vic', 'viewer');
});
afterAll(() => t.close());

const signedIn = async (c: Client) => (await c.get('/ui/account')).status === 200;
const auditCount = async () => (await t.deps.db.select({ id: auditEvents.id }).from(auditEvents)).length;

interface Case {
  /** The client to post from, the path, the form with its right token, and what must not change. */
  client: Client;
  path: string;
  form: Record<string, string>;
  unchanged(): Promise<void>;
  /** What the same-origin post with the right token answers. */
  ok: number;
}

/** A real token of another session: right shape, wrong session. */
const otherToken = () => csrfFor(newToken());

/** The four ways a forged post arrives; each must get 403 and change nothing. */
const FORGERIES: { name: string; headers: Record<string, string>; token: (right: string) => string | undefined }[] = [
  { name: 'cross-site Origin, right token', headers: { origin: 'https://evil.example' }, token: (r) => r },
  { name: 'Sec-Fetch-Site cross-site, right token', headers: { 'sec-fetch-site': 'cross-site' }, token: (r) => r },
  { name: 'Sec-Fetch-Site same-site (a sibling host), right token', headers: { origin: 'https://evil.gateway.test', 'sec-fetch-site': 'same-site' }, token: (r) => r },
  { name: 'same-origin, no token', headers: SAME, token: () => undefined },
  { name: 'same-origin, wrong token', headers: SAME, token: () => otherToken() },
];

async function check(name: string, make: () => Promise<Case>) {
  const c = await make();
  for (const f of FORGERIES) {
    const before = await auditCount();
    const form: Record<string, string> = { ...c.form };
    const token = f.token(form._csrf!);
    if (token === undefined) delete form._csrf;
    else form._csrf = token;
    const res = await c.client.post(c.path, form, f.headers);
    expect(res.status, `${name}: ${f.name}`).toBe(403);
    await c.unchanged();
    expect(await auditCount(), `${name}: ${f.name} wrote an audit event`).toBe(before);
  }
  const good = await c.client.post(c.path, c.form, SAME);
  expect(good.status, `${name}: the genuine post (${await good.clone().text()})`).toBe(c.ok);
}

describe('every state-changing staff POST refuses forgeries with 403 and changes nothing', () => {
  it('POST /ui/login (double-submit token for browsers)', async () => {
    const c = new Client(t);
    const page = await (await c.get('/ui/login')).text();
    const logins = async () => (await t.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'staff.login'))).length;
    const n = await logins();
    await check('login', async () => ({
      client: c,
      path: '/ui/login',
      form: { username: 'vic', password: PASSWORD, _csrf: Client.csrfOf(page) },
      ok: 303,
      unchanged: async () => {
        expect(sessionOf(c)).toBeUndefined();
        expect(await logins()).toBe(n);
      },
    }));
  });

  it('POST /ui/logout', async () => {
    const c = await new Client(t).loggedIn('vic');
    const csrf = Client.csrfOf(await (await c.get('/ui')).text());
    await check('logout', async () => ({ client: c, path: '/ui/logout', form: { _csrf: csrf }, ok: 303, unchanged: async () => expect(await signedIn(c)).toBe(true) }));
    expect(await signedIn(c)).toBe(false);
  });

  it('POST /ui/requests/{id}/appeal and /extension', async () => {
    const id = await seedRequest(t.deps.db, { orgId: 'org-a', payerId: 'pay-one', submitted: new Date(NOW.getTime() - 3_600_000).toISOString(), steps: [{ to: 'denied', at: 0.5 }] });
    const admin = await new Client(t).loggedIn('root');
    const csrf = Client.csrfOf(await (await admin.get(`/ui/requests/${id}`)).text());
    const summary = async () => (await t.deps.db.select().from(requests).where(eq(requests.id, id)))[0]!.summary;
    await check('appeal', async () => ({
      client: admin,
      path: `/ui/requests/${id}/appeal`,
      form: { _csrf: csrf, outcome: 'approved' },
      ok: 303,
      unchanged: async () => expect((await summary()).appeal).toBeUndefined(),
    }));
    await check('extension', async () => ({
      client: admin,
      path: `/ui/requests/${id}/extension`,
      form: { _csrf: csrf },
      ok: 303,
      unchanged: async () => expect((await summary()).extended).toBeUndefined(),
    }));
    expect(await summary()).toMatchObject({ appeal: true, extended: true });
  });

  it('POST /ui/sessions/{id}/revoke', async () => {
    const other = await new Client(t).loggedIn('vic');
    const me = await new Client(t).loggedIn('vic');
    const [row] = await t.deps.db.select().from(staffSessions).where(eq(staffSessions.tokenHash, hashToken(sessionOf(other)!)));
    const csrf = Client.csrfOf(await (await me.get('/ui/account')).text());
    await check('revoke', async () => ({ client: me, path: `/ui/sessions/${row!.id}/revoke`, form: { _csrf: csrf }, ok: 303, unchanged: async () => expect(await signedIn(other)).toBe(true) }));
    expect(await signedIn(other)).toBe(false);
  });

  it('POST /ui/admin/users/{id}/mfa-reset', async () => {
    const admin = await new Client(t).loggedIn('root');
    const target = await userRow(t, 'target');
    const csrf = Client.csrfOf(await (await admin.get('/ui/admin')).text());
    await check('mfa reset', async () => ({
      client: admin,
      path: `/ui/admin/users/${target.id}/mfa-reset`,
      form: { _csrf: csrf },
      ok: 303,
      unchanged: async () => expect((await userRow(t, 'target')).mfaEnabledAt).not.toBeNull(),
    }));
    expect((await userRow(t, 'target')).mfaEnabledAt).toBeNull();
  });

  it('POST /ui/mfa (the code step; a forged post neither uses the code nor counts a failure)', async () => {
    const c = new Client(t);
    await c.login('coded');
    const csrf = Client.csrfOf(await (await c.get('/ui/mfa')).text());
    const code = totpAt(factors.get('coded')!.secret, NOW);
    await check('mfa step', async () => ({
      client: c,
      path: '/ui/mfa',
      form: { _csrf: csrf, code },
      ok: 303,
      unchanged: async () => {
        expect((await c.get('/ui')).headers.get('location')).toMatch(/^\/ui\/mfa/);
        const u = await userRow(t, 'coded');
        expect(u.failedLogins).toBe(0);
        expect(u.mfaLastStep).toBeNull();
      },
    }));
    expect(await signedIn(c)).toBe(true);
  });

  it('POST /ui/mfa/enrol (confirming an enrolment)', async () => {
    const c = new Client(t);
    await c.login('fresh');
    const page = await (await c.get('/ui/mfa/enrol')).text();
    const secret = /id="mfa-secret">([A-Z2-7 ]+)</.exec(page)![1]!.replace(/\s/g, '');
    await check('enrol', async () => ({
      client: c,
      path: '/ui/mfa/enrol',
      form: { _csrf: Client.csrfOf(page), code: totpAt(secret, NOW) },
      ok: 200,
      unchanged: async () => expect((await userRow(t, 'fresh')).mfaEnabledAt).toBeNull(),
    }));
    expect((await userRow(t, 'fresh')).mfaEnabledAt).not.toBeNull();
  });
});
