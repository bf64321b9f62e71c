/**
 * Staff MFA (TOTP, RFC 6238): required for admins (PRIORGATE_MFA_REQUIRED_ROLES, default
 * "admin"), optional for the other roles. Enrolment, the code step, replays, recovery codes,
 * lockout, admin reset, and the secret at rest (sealed with the data key ring; the forms earlier
 * releases stored are read, and sealed anew).
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { cipherOf } from '../../src/db/crypto/index.ts';
import { rekeyPass } from '../../src/db/data-keys/index.ts';
import { staffRecoveryCodes, staffUsers } from '../../src/db/schema.ts';
import { addStaff, auditOf, Client, enrolledClient, factors, loginState, MFA_KEY, PASSWORD, secretOn, seedOrgs, sessionOf, staffSecurityApp, totpAt, userRow, type ClockedApp } from './staff-kit.ts';

let t: ClockedApp;
const T0 = new Date('2026-11-25T10:00:05Z');

beforeAll(async () => {
  t = await staffSecurityApp();
  await seedOrgs(t.deps.db);
  for (const name of ['nova', 'enid', 'rita', 'replay', 'lock', 'lost', 'opt', 'pending', 'keyed', 'keyed-2', 'unsealed']) {
    await addStaff(t.deps.db, name, name === 'opt' ? 'viewer' : 'admin', name === 'lost' ? 'org-a' : null, PASSWORD, { mfa: false });
  }
  await addStaff(t.deps.db, 'boss', 'admin', null); // enrolled already (fixture)
  await addStaff(t.deps.db, 'b-boss', 'admin', 'org-b');
});
afterAll(() => t.close());
beforeEach(() => t.setClock(new Date(T0)));

/** A six-digit code that is not valid anywhere near `at` for this secret. */
function wrongCode(secret: string, at: Date) {
  const valid = new Set([-1, 0, 1].map((d) => totpAt(secret, at.getTime() + d * 30_000)));
  return ['000000', '111111', '222222', '333333'].find((c) => !valid.has(c))!;
}

async function codeStep(c: Client, code: string) {
  const page = await (await c.get('/ui/mfa')).text();
  return c.post('/ui/mfa', { code, _csrf: Client.csrfOf(page) });
}

describe('an admin without MFA', () => {
  it('is sent to enrolment after the password, and the half-signed-in session reaches nothing else', async () => {
    const c = new Client(t);
    const res = await c.login('nova');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/ui/mfa/enrol');
    for (const path of ['/ui', '/ui/admin', '/ui/metrics', '/ui/account', '/ui/admin/sessions']) {
      const r = await c.get(path);
      expect(r.status, path).toBe(303);
      expect(r.headers.get('location'), path).toMatch(/^\/ui\/mfa\/enrol\?next=/);
    }
    for (const path of ['/api/requests', '/api/metrics/cms', '/fhir/AuditEvent']) expect((await c.get(path)).status, path).toBe(401);
    expect((await c.get('/ui/mfa')).headers.get('location')).toBe('/ui/mfa/enrol');
    const page = await (await c.get('/ui/mfa/enrol')).text();
    // A form behind the half-signed-in session does not reach the action either.
    const act = await c.post('/ui/requests/00000000-0000-4000-8000-000000000000/appeal', { _csrf: Client.csrfOf(page), outcome: 'approved' });
    expect(act.status).toBe(303);
    expect(act.headers.get('location')).toMatch(/^\/ui\/mfa\/enrol/);
    const [login] = (await auditOf(t, 'staff.login', 'staff:nova')).slice(-1);
    expect(login).toMatchObject({ outcome: 'success', detail: { factor: 'password', owed: 'mfa-enrolment' } });
  });

  it('enrols: QR code (data: PNG) and secret as text; a wrong code is refused; a right one turns MFA on, rotates the session and shows ten recovery codes once', async () => {
    const c = new Client(t);
    await c.login('enid');
    const pending = sessionOf(c);
    const page = await (await c.get('/ui/mfa/enrol')).text();
    expect(page).toMatch(/<img class="qr" src="data:image\/png;base64,[A-Za-z0-9+/=]+"/);
    const secret = secretOn(page);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // A reload shows the same secret (the phone may have scanned it already).
    expect(secretOn(await (await c.get('/ui/mfa/enrol')).text())).toBe(secret);
    // At rest it is sealed with the data key ring, bound to the user's row, not stored as typed.
    const stored = (await userRow(t, 'enid')).mfaSecret!;
    expect(stored.startsWith(`v1.${cipherOf(t.deps.db).ring.currentId}.`)).toBe(true);
    expect(stored).not.toContain(secret);

    const wrong = await c.post('/ui/mfa/enrol', { code: wrongCode(secret, T0), _csrf: Client.csrfOf(page) });
    expect(wrong.status).toBe(400);
    expect((await userRow(t, 'enid')).mfaEnabledAt).toBeNull();
    expect((await auditOf(t, 'staff.mfa.enrol', 'staff:enid')).map((e) => e.outcome)).toEqual(['success', 'failure']);

    const ok = await c.post('/ui/mfa/enrol', { code: totpAt(secret, T0), _csrf: Client.csrfOf(page) });
    const html = await ok.text();
    expect(ok.status, html).toBe(200);
    const codes = [...html.matchAll(/<li><code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(sessionOf(c)).toBeDefined();
    expect(sessionOf(c)).not.toBe(pending);
    expect((await c.get('/ui')).status).toBe(200);
    const old = new Client(t);
    old.cookies.set('pg_session', pending!);
    expect((await old.get('/ui')).headers.get('location')).toMatch(/^\/ui\/login/);

    const user = await userRow(t, 'enid');
    expect(user.mfaEnabledAt).not.toBeNull();
    const hashes = await t.deps.db.select().from(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, user.id));
    expect(hashes).toHaveLength(10);
    for (const code of codes) expect(hashes.map((h) => h.codeHash).join()).not.toContain(code!.replace(/-/g, ''));
    const [confirm] = (await auditOf(t, 'staff.mfa.enrol', 'staff:enid')).slice(-1);
    expect(confirm).toMatchObject({ outcome: 'success', detail: { step: 'confirm', recoveryCodes: 10 } });

    // Never shown again: the enrolment page now leads to the account page, which has no secret.
    const again = await c.get('/ui/mfa/enrol');
    expect(again.headers.get('location')).toBe('/ui/account');
    expect(await (await c.get('/ui/account')).text()).not.toContain(secret.slice(0, 8));
  });
});

describe('signing in with MFA', () => {
  it('asks for a code after the password; the half-signed-in session grants nothing; a wrong code fails and counts; the right one signs in', async () => {
    const { secret } = await enrolledClient(t, 'rita');
    t.setClock(new Date(T0.getTime() + 60_000));
    const c = new Client(t);
    const res = await c.login('rita');
    expect(res.headers.get('location')).toBe('/ui/mfa');
    expect((await c.get('/ui')).headers.get('location')).toMatch(/^\/ui\/mfa\?next=/);
    expect((await c.get('/api/requests')).status).toBe(401);
    expect((await c.get('/ui/mfa/enrol')).headers.get('location')).toBe('/ui/mfa');

    const bad = await codeStep(c, wrongCode(secret, t.clock()));
    expect(bad.status).toBe(401);
    expect((await loginState(t, 'rita')).failures).toBe(1);
    const [failure] = (await auditOf(t, 'staff.mfa.verify', 'staff:rita')).slice(-1);
    expect(failure).toMatchObject({ outcome: 'failure', detail: { reason: 'bad-code', failures: 1 } });

    const pending = sessionOf(c);
    const good = await codeStep(c, totpAt(secret, t.clock()));
    expect(good.status, await good.clone().text()).toBe(303);
    expect(good.headers.get('location')).toBe('/ui');
    expect(sessionOf(c)).not.toBe(pending);
    expect((await c.get('/ui')).status).toBe(200);
    expect((await loginState(t, 'rita')).failures).toBe(0);
    const [success] = (await auditOf(t, 'staff.mfa.verify', 'staff:rita')).slice(-1);
    expect(success).toMatchObject({ outcome: 'success' });
  });

  it('refuses a replay of a code already used, even from another browser in the same 30 s', async () => {
    const { secret } = await enrolledClient(t, 'replay');
    t.setClock(new Date(T0.getTime() + 90_000));
    const code = totpAt(secret, t.clock());
    const first = new Client(t);
    await first.login('replay');
    expect((await codeStep(first, code)).status).toBe(303);
    const second = new Client(t);
    await second.login('replay');
    const again = await codeStep(second, code);
    expect(again.status).toBe(401);
    expect((await second.get('/ui')).headers.get('location')).toMatch(/^\/ui\/mfa/);
    const [replayed] = (await auditOf(t, 'staff.mfa.verify', 'staff:replay')).slice(-1);
    expect(replayed).toMatchObject({ outcome: 'failure', detail: { reason: 'replayed' } });
    // The enrolment code (T0) is spent too; the next period's code works.
    t.setClock(new Date(t.clock().getTime() + 30_000));
    expect((await codeStep(second, totpAt(secret, t.clock()))).status).toBe(303);
  });

  it('takes each recovery code once instead of a TOTP code (any case, with or without dashes)', async () => {
    const { recovery } = await enrolledClient(t, 'lost');
    const c = new Client(t);
    await c.login('lost');
    expect((await codeStep(c, recovery[0]!)).status).toBe(303);
    expect((await c.get('/ui/account')).status).toBe(200);
    const [used] = (await auditOf(t, 'staff.mfa.recovery', 'staff:lost')).slice(-1);
    expect(used).toMatchObject({ outcome: 'success', detail: { recoveryCodesLeft: 9 } });

    const d = new Client(t);
    await d.login('lost');
    expect((await codeStep(d, recovery[0]!)).status).toBe(401);
    const [refused] = (await auditOf(t, 'staff.mfa.recovery', 'staff:lost')).slice(-1);
    expect(refused).toMatchObject({ outcome: 'failure', detail: { reason: 'unknown-or-used' } });
    expect((await codeStep(d, recovery[1]!.replace(/-/g, ' ').toLowerCase())).status).toBe(303);
    expect(await (await d.get('/ui/account')).text()).toContain('8 unused recovery code(s)');
  });

  it('counts wrong codes toward the lockout, and a right password in between does not reset the count', async () => {
    const { secret } = await enrolledClient(t, 'lock');
    // A browser that got past the password before the lock...
    const early = new Client(t);
    expect((await early.login('lock')).headers.get('location')).toBe('/ui/mfa');
    for (let i = 0; i < 5; i++) {
      const c = new Client(t);
      expect((await c.login('lock')).headers.get('location')).toBe('/ui/mfa');
      expect((await codeStep(c, wrongCode(secret, t.clock()))).status).toBe(401);
    }
    expect((await loginState(t, 'lock')).lockedUntil!.getTime()).toBeGreaterThan(t.clock().getTime());
    expect((await auditOf(t, 'staff.mfa.verify', 'staff:lock')).filter((e) => e.outcome === 'failure')).toHaveLength(5);
    // ...gets nowhere with a right code now, and the password is refused too.
    t.setClock(new Date(T0.getTime() + 30_000));
    expect((await codeStep(early, totpAt(secret, t.clock()))).status).toBe(401);
    expect((await early.get('/ui')).headers.get('location')).toMatch(/^\/ui\/mfa/);
    const [locked] = (await auditOf(t, 'staff.mfa.verify', 'staff:lock')).slice(-1);
    expect(locked).toMatchObject({ outcome: 'failure', detail: { reason: 'paused', scope: 'account' } });
    expect((await new Client(t).login('lock')).status).toBe(429);
    // After the 15 minutes, password and a fresh code work again.
    t.setClock(new Date(T0.getTime() + 16 * 60_000));
    const later = new Client(t);
    expect((await later.login('lock')).headers.get('location')).toBe('/ui/mfa');
    expect((await codeStep(later, totpAt(secret, t.clock()))).status).toBe(303);
  });
});

describe('optional MFA and reset', () => {
  it('lets a viewer (MFA not required) sign in with the password alone, enrol from the account page, and then asks for a code', async () => {
    const c = await new Client(t).loggedIn('opt');
    const account = await (await c.get('/ui/account')).text();
    expect(account).toContain('href="/ui/mfa/enrol"');
    const page = await (await c.get('/ui/mfa/enrol')).text();
    const secret = secretOn(page);
    const before = sessionOf(c);
    const done = await c.post('/ui/mfa/enrol', { code: totpAt(secret, t.clock()), _csrf: Client.csrfOf(page) });
    expect(done.status).toBe(200);
    expect(sessionOf(c)).not.toBe(before);
    t.setClock(new Date(T0.getTime() + 30_000));
    const d = new Client(t);
    expect((await d.login('opt')).headers.get('location')).toBe('/ui/mfa');
    expect((await codeStep(d, totpAt(secret, t.clock()))).status).toBe(303);
  });

  it("lets an admin reset a user's MFA (audited; their sessions end; they enrol again), but not another organization's user or their own", async () => {
    const { client: victim } = await enrolledClient(t, 'pending');
    const lost = await userRow(t, 'lost');
    const target = await userRow(t, 'pending');
    const boss = await new Client(t).loggedIn('boss');
    const bBoss = await new Client(t).loggedIn('b-boss');

    const bPage = await (await bBoss.get('/ui/admin')).text();
    expect(bPage).not.toContain(lost.id);
    const foreign = await bBoss.post(`/ui/admin/users/${lost.id}/mfa-reset`, { _csrf: Client.csrfOf(bPage) });
    expect(foreign.status).toBe(404);
    expect((await userRow(t, 'lost')).mfaEnabledAt).not.toBeNull();

    const page = await (await boss.get('/ui/admin')).text();
    expect(page).toContain(`/ui/admin/users/${target.id}/mfa-reset`);
    const self = await boss.post(`/ui/admin/users/${(await userRow(t, 'boss')).id}/mfa-reset`, { _csrf: Client.csrfOf(page) });
    expect(self.status).toBe(409);

    const res = await boss.post(`/ui/admin/users/${target.id}/mfa-reset`, { _csrf: Client.csrfOf(page) });
    expect(res.status).toBe(303);
    const after = await userRow(t, 'pending');
    expect(after.mfaEnabledAt).toBeNull();
    expect(after.mfaSecret).toBeNull();
    expect(await t.deps.db.select().from(staffRecoveryCodes).where(eq(staffRecoveryCodes.userId, target.id))).toEqual([]);
    expect((await victim.get('/ui')).headers.get('location')).toMatch(/^\/ui\/login/);
    const [reset] = await auditOf(t, 'staff.mfa.reset', 'staff:boss');
    expect(reset).toMatchObject({ entityId: target.id, detail: { username: 'pending', sessionsEnded: 1 } });
    factors.delete('pending');
    expect((await new Client(t).login('pending')).headers.get('location')).toBe('/ui/mfa/enrol');
  });
});

/** A secret as an earlier release sealed it with PRIORGATE_MFA_KEY: `v1:<iv>:<ciphertext+tag>`, the user id as associated data. */
function sealedWithMfaKey(base32: string, userId: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', Buffer.from(MFA_KEY, 'hex'), iv);
  c.setAAD(Buffer.from(userId));
  const body = Buffer.concat([c.update(base32, 'utf8'), c.final(), c.getAuthTag()]);
  return `v1:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

describe('TOTP secrets stored by earlier releases', () => {
  const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  async function enrolAs(username: string, stored: (userId: string) => string) {
    const user = await userRow(t, username);
    await t.deps.db.update(staffUsers).set({ mfaSecret: stored(user.id), mfaEnabledAt: new Date() }).where(eq(staffUsers.id, user.id));
    return user.id;
  }

  it('one sealed with PRIORGATE_MFA_KEY signs in, and that sign-in seals it with the data key (a code of the next step signs in again)', async () => {
    const id = await enrolAs('keyed', (userId) => sealedWithMfaKey(SECRET, userId));
    const c = new Client(t);
    expect((await c.login('keyed')).headers.get('location')).toBe('/ui/mfa');
    const done = await codeStep(c, totpAt(SECRET, T0));
    expect(done.status, await done.clone().text()).toBe(303);
    expect(done.headers.get('location')).toBe('/ui');
    const stored = (await userRow(t, 'keyed')).mfaSecret!;
    expect(stored.startsWith(`v1.${cipherOf(t.deps.db).ring.currentId}.`)).toBe(true);
    expect(stored).not.toContain(SECRET);
    // Bound to the row: the sealed value on another user does not open.
    const nobody = (await userRow(t, 'unsealed')).id;
    expect(() => cipherOf(t.deps.db).open(stored, { table: 'staff_users', column: 'mfa_secret', id: nobody })).toThrow();
    expect(cipherOf(t.deps.db).open(stored, { table: 'staff_users', column: 'mfa_secret', id })).toBe(SECRET);

    t.setClock(new Date(T0.getTime() + 30_000));
    const again = new Client(t);
    await again.login('keyed');
    expect((await codeStep(again, totpAt(SECRET, t.clock()))).headers.get('location')).toBe('/ui');
  });

  it('one stored unsealed ("plain:") is sealed by the data key pass, and signs in as before', async () => {
    await enrolAs('unsealed', () => `plain:${SECRET}`);
    const keyedId = await enrolAs('keyed-2', (userId) => sealedWithMfaKey(SECRET, userId));
    const keyedStored = (await userRow(t, 'keyed-2')).mfaSecret!;
    const pass = await rekeyPass(t.deps.db, cipherOf(t.deps.db));
    expect(pass.failed).toBe(0);
    expect(pass.resealed.staff_users).toBeGreaterThanOrEqual(1);
    const stored = (await userRow(t, 'unsealed')).mfaSecret!;
    expect(stored.startsWith(`v1.${cipherOf(t.deps.db).ring.currentId}.`)).toBe(true);
    // The pass leaves what it cannot open alone: a secret sealed with PRIORGATE_MFA_KEY waits for its user's sign-in.
    const keyed = await userRow(t, 'keyed-2');
    expect([keyed.id, keyed.mfaSecret]).toEqual([keyedId, keyedStored]);

    const c = new Client(t);
    await c.login('unsealed');
    expect((await codeStep(c, totpAt(SECRET, T0))).headers.get('location')).toBe('/ui');
  });
});

describe('configuration', () => {
  it('requires MFA for admins by default, takes a role list or "none", and refuses unknown roles and short keys', () => {
    expect(loadConfig({}).mfaRequiredRoles).toEqual(['admin']);
    expect(loadConfig({ PRIORGATE_MFA_REQUIRED_ROLES: 'admin, staff' }).mfaRequiredRoles).toEqual(['admin', 'staff']);
    expect(loadConfig({ PRIORGATE_MFA_REQUIRED_ROLES: 'none' }).mfaRequiredRoles).toEqual([]);
    expect(() => loadConfig({ PRIORGATE_MFA_REQUIRED_ROLES: 'admin,root' })).toThrow(/PRIORGATE_MFA_REQUIRED_ROLES/);
    expect(loadConfig({ PRIORGATE_MFA_KEY: MFA_KEY }).mfaKey).toHaveLength(32);
    expect(() => loadConfig({ PRIORGATE_MFA_KEY: 'abcd' })).toThrow(/PRIORGATE_MFA_KEY/);
  });
});
