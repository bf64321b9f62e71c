/**
 * Hostile input on the staff side, through the real gateway on a real port: generated hostile
 * values in the sign-in form, every worklist and API filter, the request actions, the MFA step and
 * the batch upload. Never a 5xx (a NUL in the sign-in name was an unauthenticated 500, Postgres
 * 22021: issue 18 item 5); a control character is refused at the edge with a page or an
 * OperationOutcome that names the field.
 *
 * Sign-in throttling is per client address, so the tests speak from distinct loopback addresses
 * (127.0.0.x): the server sees each as a different client.
 */
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffUsers } from '../../src/db/schema.ts';
import { addStaff } from '../staff/helpers.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { badText, clearRefusal, isBad, oddText, pct, pctForm, raw, runs, SEED, type RawResponse } from './kit.ts';

const PASSWORD = 'priorgate-demo';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let gw: TestGateway;

beforeAll(async () => {
  gw = await testGateway({ PRIORGATE_MFA_REQUIRED_ROLES: 'none', PRIORGATE_TRUSTED_PROXIES: '127.0.0.66' });
});
afterAll(() => gw?.stop());

const form = pctForm;

/** Signs in from `from` the way a script does (no browser headers): the session cookie, or the refusal. */
async function signIn(username: string, password: string, from: string, headers: Record<string, string> = {}): Promise<{ res: RawResponse; cookie?: string }> {
  const res = await raw(`${gw.url}/ui/login`, { method: 'POST', headers: { ...FORM, ...headers }, body: form({ username, password }), localAddress: from });
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('pg_session='));
  return { res, cookie };
}

async function session(username: string, from = '127.0.0.1'): Promise<{ cookie: string; csrf: string }> {
  const { res, cookie } = await signIn(username, PASSWORD, from);
  if (!cookie) throw new Error(`${username} could not sign in: ${res.status} ${res.text.slice(0, 300)}`);
  const batches = await raw(`${gw.url}/api/eligibility/batches`, { headers: { cookie }, localAddress: from });
  const csrf = batches.status === 200 ? (JSON.parse(batches.text) as { csrf: string }).csrf : '';
  return { cookie, csrf };
}

const text = fc.oneof(badText, oddText);

describe('hostile staff input: never a 5xx, control characters refused at the edge', () => {
  it('the sign-in form (from its own address, so the throttling it causes stays there)', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, async (username, password) => {
        const { res } = await signIn(username, password, '127.0.0.9');
        const what = `${JSON.stringify(username)} / ${JSON.stringify(password)} → ${res.status} ${res.text.slice(0, 200)}`;
        expect(res.status, what).toBeLessThan(500);
        expect(clearRefusal(res), what).toBeUndefined();
        if (isBad(username) || isBad(password)) {
          expect(res.status, what).toBe(400);
          expect(res.text, what).toMatch(/form field &quot;(username|password)&quot; (contains the character U\+[0-9A-F]{4}|has invalid %-encoding)/i);
        }
      }),
      { numRuns: runs(40), seed: SEED },
    );
  });

  it('worklist filters, API filters, ids in paths, the AuditEvent search', async () => {
    const { cookie } = await session('clerk');
    const admin = await session('admin');
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom('text', 'payer', 'status', 'sort', 'dir', 'page', 'size', 'kind', 'overdue'), async (value, name) => {
        const q = `${name}=${pct(value)}`;
        for (const [path, who] of [
          [`/api/requests?${q}`, cookie],
          [`/ui?${q}`, cookie],
          [`/ui/worklist/rows?${q}`, cookie],
          [`/api/requests/${pct(value)}`, cookie],
          [`/ui/requests/${pct(value)}`, cookie],
          [`/api/metrics/cms?from=${pct(value)}&to=2026-12-31`, cookie],
          [`/fhir/AuditEvent?entity=${pct(value)}&date=${pct(value)}`, admin.cookie],
        ] as const) {
          const r = await raw(`${gw.url}${path}`, { headers: { cookie: who } });
          const what = `${path} → ${r.status} ${r.text.slice(0, 200)}`;
          expect(r.status, what).toBeLessThan(500);
          if (r.status >= 400) expect(clearRefusal(r), what).toBeUndefined();
          if (isBad(value)) expect(r.status, what).toBe(400);
        }
      }),
      { numRuns: runs(25), seed: SEED },
    );
  });

  it('form posts: appeal outcome, MFA code, alert acknowledgement, batch upload fields and roster', async () => {
    const { cookie, csrf } = await session('clerk');
    const admin = await session('admin');
    const id = '00000000-0000-4000-8000-000000000001';
    await fc.assert(
      fc.asyncProperty(text, text, async (value, roster) => {
        const posts: [string, string, Record<string, string>, string | Buffer][] = [
          [`/ui/requests/${id}/appeal`, cookie, FORM, form({ outcome: value, _csrf: csrf })],
          [`/ui/mfa`, cookie, FORM, form({ code: value, _csrf: csrf })],
          [`/ui/admin/alerts/${pct(value)}/acknowledge`, admin.cookie, FORM, form({ _csrf: admin.csrf })],
          [`/ui/admin/clients/${pct(value)}/disable`, admin.cookie, FORM, form({ _csrf: admin.csrf })],
          [`/api/eligibility/batches?payer=${pct(value)}`, cookie, { 'content-type': 'text/csv', 'x-csrf-token': csrf }, `member_id,first_name,last_name,birth_date\n${roster},A,B,1970-01-01\n`],
        ];
        const multipart = new FormData();
        multipart.set('payer', value);
        multipart.set('org', 'demo-clinic-a');
        multipart.set('roster', new Blob([`member_id,first_name,last_name,birth_date\n${roster},Ann,Lee,1970-01-01\n`]), 'roster.csv');
        const mp = new Response(multipart);
        posts.push(['/api/eligibility/batches', cookie, { 'content-type': mp.headers.get('content-type')!, 'x-csrf-token': csrf }, Buffer.from(await mp.arrayBuffer())]);
        for (const [path, who, headers, body] of posts) {
          const r = await raw(`${gw.url}${path}`, { method: 'POST', headers: { ...headers, cookie: who }, body });
          const what = `POST ${path} ${JSON.stringify(value)} / ${JSON.stringify(roster)} → ${r.status} ${r.text.slice(0, 200)}`;
          expect(r.status, what).toBeLessThan(500);
          if (r.status >= 400) expect(clearRefusal(r), what).toBeUndefined();
        }
      }),
      { numRuns: runs(15), seed: SEED },
    );
  });

  it('regression (issue 18 item 5): a NUL in the sign-in name is a 400 page, not a 500, and the log holds no SQL parameters', async () => {
    const { res } = await signIn('adm\u0000in', 'whatever-canary-7731', '127.0.0.10');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('Form field &quot;username&quot; contains the character U+0000');
    const log = gw.logText();
    expect(log).not.toMatch(/"status":5\d\d/);
    expect(log).not.toContain('whatever-canary-7731');
    expect(log).not.toMatch(/params:/);
  });

  it('the server is alive and answered nothing with a 5xx', async () => {
    expect((await raw(`${gw.url}/healthz`)).status).toBe(200);
    expect(gw.logText()).not.toMatch(/"status":5\d\d/);
  });
});

describe('sign-in throttling nobody can turn against staff', () => {
  it('failures for a name pause that name from that address only: the colleague signs in elsewhere; an admin unlocks', async () => {
    await addStaff(gw.database.db, 'victim', 'staff', 'demo-clinic-a', PASSWORD, { mfa: false });
    for (let i = 0; i < 4; i++) expect((await signIn('victim', `guess-${i}`, '127.0.0.20')).res.status).toBe(401);
    const fifth = await signIn('victim', 'guess-4', '127.0.0.20');
    expect(fifth.res.status).toBe(429);
    expect(fifth.res.text).toMatch(/paused here until \d\d:\d\d UTC/);
    expect(fifth.res.text).toMatch(/ask an administrator to unlock it/);
    // Even the right password is refused there...
    expect((await signIn('victim', PASSWORD, '127.0.0.20')).res.status).toBe(429);
    // ...but the real user, elsewhere, is not locked out.
    expect((await signIn('victim', PASSWORD, '127.0.0.21')).cookie).toBeDefined();
    // The admin page shows the pause; Unlock lifts it.
    const admin = await session('admin');
    const page = (await raw(`${gw.url}/ui/admin`, { headers: { cookie: admin.cookie } })).text;
    expect(page).toMatch(/paused until/);
    const [victim] = await gw.database.db.select().from(staffUsers).where(eq(staffUsers.username, 'victim'));
    const unlock = await raw(`${gw.url}/ui/admin/users/${victim!.id}/unlock`, { method: 'POST', headers: { ...FORM, cookie: admin.cookie }, body: form({ _csrf: admin.csrf }) });
    expect(unlock.status).toBe(303);
    expect((await signIn('victim', PASSWORD, '127.0.0.20')).cookie).toBeDefined();
  });

  it('spraying many names from one address pauses that address, not the others; unknown names are paused like known ones', async () => {
    for (let i = 0; i < 4; i++) await signIn('nobody-at-all', `x${i}`, '127.0.0.30');
    const unknown = await signIn('nobody-at-all', 'x4', '127.0.0.30');
    expect(unknown.res.status).toBe(429);
    for (let i = 0; i < 15; i++) await signIn(`spray-${i}`, 'Winter2026!', '127.0.0.30');
    const paused = await signIn('clerk', PASSWORD, '127.0.0.30');
    expect(paused.res.status).toBe(429);
    expect(paused.res.text).toMatch(/signing in from it is paused until/);
    expect((await signIn('clerk', PASSWORD, '127.0.0.31')).cookie).toBeDefined();
  });

  it('behind a trusted proxy the client is the address it forwards; anyone else’s X-Forwarded-For is ignored', async () => {
    await addStaff(gw.database.db, 'proxied', 'staff', 'demo-clinic-a', PASSWORD, { mfa: false });
    for (let i = 0; i < 5; i++) await signIn('proxied', `bad-${i}`, '127.0.0.66', { 'x-forwarded-for': '203.0.113.7' });
    expect((await signIn('proxied', PASSWORD, '127.0.0.66', { 'x-forwarded-for': '203.0.113.7' })).res.status).toBe(429);
    expect((await signIn('proxied', PASSWORD, '127.0.0.66', { 'x-forwarded-for': '203.0.113.8' })).cookie).toBeDefined();
    // Not a trusted proxy: its header is not believed, so it cannot borrow (or frame) another client's address.
    for (let i = 0; i < 5; i++) await signIn('proxied', `bad-${i}`, '127.0.0.67', { 'x-forwarded-for': '203.0.113.8' });
    expect((await signIn('proxied', PASSWORD, '127.0.0.66', { 'x-forwarded-for': '203.0.113.8' })).cookie).toBeDefined();
  });
});

describe('masked fields are not searchable by those who see them masked', () => {
  it('a viewer cannot confirm a whole member id through the worklist search; staff can', async () => {
    const token = await gw.token();
    const b = pasExample('Bundle-SurgicalRequestBundleExample.json', 'SECRETMBR42A');
    const submitted = await gw.submit(b, token);
    expect(submitted.status).toBe(200);
    await addStaff(gw.database.db, 'peek', 'viewer', 'demo-clinic-a', PASSWORD, { mfa: false });
    const viewer = await session('peek');
    const staff = await session('clerk');
    const search = async (who: string) => JSON.parse((await raw(`${gw.url}/api/requests?text=SECRETMBR42A`, { headers: { cookie: who } })).text) as { total: number; items: { memberId: string }[] };
    expect((await search(staff.cookie)).total).toBe(1);
    expect((await search(viewer.cookie)).total).toBe(0);
    // The viewer still finds it by what they may see (the Claim identifier).
    const claimId = b.entry[0].resource.identifier[0].value as string;
    const byClaim = JSON.parse((await raw(`${gw.url}/api/requests?text=${encodeURIComponent(claimId)}`, { headers: { cookie: viewer.cookie } })).text);
    expect(byClaim.total).toBe(1);
    expect(byClaim.items[0].memberId).not.toContain('SECRETMBR');
  });
});
