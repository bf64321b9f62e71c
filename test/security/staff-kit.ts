/**
 * Shared by the test/security/staff-*.test.ts files: the staff app with an injectable clock,
 * TOTP enrolment done the way a person does it (read the secret off the page, type a code), and
 * small readers for audit rows and session cookies.
 */
import { and, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { auditEvents, staffUsers } from '../../src/db/schema.ts';
import { staffRoutes } from '../../src/staff/index.ts';
import { loginStates } from '../../src/staff/throttle.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { Client, factors, totpAt } from '../staff/helpers.ts';

export { addStaff, Client, factors, nextCode, ORIGIN, PASSWORD, seedOrgs, seedRequest, totpAt } from '../staff/helpers.ts';

/** A 32-byte key (hex) so the tests cover sealed TOTP secrets. */
export const MFA_KEY = 'a1'.repeat(32);

export interface ClockedApp extends TestApp {
  /** Sets the app's clock (undefined: real time). */
  setClock(at: Date | undefined): void;
  clock(): Date;
}

export async function staffSecurityApp(env: Record<string, string> = {}): Promise<ClockedApp> {
  const t = await testApp({ extra: [staffRoutes], env: { PRIORGATE_MFA_KEY: MFA_KEY, ...env } });
  let at: Date | undefined;
  t.deps.now = () => at ?? new Date();
  return Object.assign(t, { setClock: (d: Date | undefined) => (at = d), clock: () => at ?? new Date() });
}

export const sessionOf = (c: Client) => c.cookies.get('pg_session');

/** A user name's sign-in state as the admin page shows it: the running pause and recent failures (src/staff/throttle.ts). */
export async function loginState(t: ClockedApp, username: string) {
  return (await loginStates(t.deps.db, [username], t.clock())).get(username) ?? { lockedUntil: null, failures: 0 };
}

/** Audit rows of one action (optionally by one actor), oldest first. */
export async function auditOf(t: TestApp, action: string, actor?: string) {
  const rows = await t.deps.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.action, action), actor ? eq(auditEvents.actor, actor) : undefined))
    .orderBy(auditEvents.id);
  return rows;
}

export async function userRow(t: TestApp, username: string) {
  const [row] = await t.deps.db.select().from(staffUsers).where(eq(staffUsers.username, username));
  return row!;
}

/** The base32 secret as the enrolment page shows it (grouped by four). */
export function secretOn(html: string): string {
  const m = /id="mfa-secret">([A-Z2-7 ]+)</.exec(html);
  if (!m) throw new Error(`no secret on the page: ${html.slice(0, 400)}`);
  return m[1]!.replace(/\s/g, '');
}

export function recoveryCodesOn(html: string): string[] {
  return [...html.matchAll(/<li><code>([A-Z2-7-]{19})<\/code><\/li>/g)].map((m) => m[1]!);
}

/**
 * Signs in with the password and enrols TOTP on the page the server leads to; afterwards the
 * test "phone" (factors) knows the secret and recovery codes, so `loggedIn` can sign in again.
 */
export async function enrolledClient(t: ClockedApp, username: string): Promise<{ client: Client; secret: string; recovery: string[] }> {
  const client = new Client(t);
  const res = await client.login(username);
  expect(res.headers.get('location'), await res.clone().text()).toMatch(/^\/ui\/mfa\/enrol/);
  const page = await (await client.get('/ui/mfa/enrol')).text();
  const secret = secretOn(page);
  const now = t.clock();
  const done = await client.post('/ui/mfa/enrol', { code: totpAt(secret, now), _csrf: Client.csrfOf(page) });
  const html = await done.text();
  expect(done.status, html).toBe(200);
  const recovery = recoveryCodesOn(html);
  expect(recovery).toHaveLength(10);
  factors.set(username, { secret, recovery: [...recovery], lastStep: Math.floor(now.getTime() / 30_000) });
  return { client, secret, recovery };
}
