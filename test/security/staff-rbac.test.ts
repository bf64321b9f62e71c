/**
 * The role × route matrix, written out here as the specification (not derived from the code's
 * table): every staff page, API and action, for viewer, staff, auditor and admin. A refusal is
 * 403 (an HTML page under /ui, an OperationOutcome elsewhere) and is audited as `staff.denied`;
 * another organization's request stays 404 for everyone allowed to read requests.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../src/db/schema.ts';
import type { Role } from '../../src/staff/index.ts';
import { addStaff, Client, seedOrgs, seedRequest, staffSecurityApp, userRow, type ClockedApp } from './staff-kit.ts';

let t: ClockedApp;
const ROLES: Role[] = ['viewer', 'staff', 'auditor', 'admin'];
const clients = {} as Record<Role, Client>;
const ids: Record<string, string> = {};

type Expect = Record<Role, number>;
const all = (n: number): Expect => ({ viewer: n, staff: n, auditor: n, admin: n });
const only = (allowed: Role[], ok = 200): Expect => Object.fromEntries(ROLES.map((r) => [r, allowed.includes(r) ? ok : 403])) as Expect;
const READERS: Role[] = ['viewer', 'staff', 'admin'];

/** [method, path, expected status per role]. POSTs send the page's CSRF token. */
const MATRIX: [string, () => string, Expect][] = [
  ['GET', () => '/ui', only(READERS)],
  ['GET', () => '/ui/worklist/rows', only(READERS)],
  ['GET', () => `/ui/requests/${ids.own}`, only(READERS)],
  ['GET', () => `/ui/requests/${ids.foreign}`, { viewer: 404, staff: 404, auditor: 403, admin: 404 }],
  ['GET', () => '/ui/metrics', all(200)],
  ['GET', () => '/ui/account', all(200)],
  ['GET', () => '/ui/admin', only(['admin'])],
  ['GET', () => '/ui/admin/sessions', only(['admin'])],
  ['POST', () => `/ui/requests/${ids.own}/appeal`, only(['staff', 'admin'], 303)],
  ['POST', () => `/ui/requests/${ids.own}/extension`, only(['staff', 'admin'], 303)],
  ['POST', () => `/ui/admin/users/${ids.target}/mfa-reset`, only(['admin'], 303)],
  ['GET', () => '/api/requests', only(READERS)],
  ['GET', () => `/api/requests/${ids.own}`, only(READERS)],
  ['GET', () => `/api/requests/${ids.foreign}`, { viewer: 404, staff: 404, auditor: 403, admin: 404 }],
  ['GET', () => '/api/metrics/cms', all(200)],
  ['GET', () => '/api/metrics/cms?format=csv', all(200)],
  ['GET', () => '/fhir/AuditEvent', only(['auditor', 'admin'])],
  ['GET', () => '/api/eligibility/batches', only(['staff', 'admin'])],
  ['GET', () => '/api/eligibility/batches/00000000-0000-4000-8000-000000000000', only(['staff', 'admin'], 404)],
  ['POST', () => '/api/eligibility/batches', only(['staff', 'admin'], 415)],
  ['GET', () => '/ui/quality', all(200)],
  ['GET', () => '/api/quality', all(200)],
  ['GET', () => '/api/quality?format=csv', all(200)],
  ['GET', () => '/ui/health', all(200)],
  ['GET', () => '/api/health', all(200)],
  ['GET', () => '/ui/worklist.csv', only(READERS)],
  ['GET', () => '/ui/audit', only(['auditor', 'admin'])],
  ['GET', () => '/ui/audit.csv', only(['auditor', 'admin'])],
  ['GET', () => '/ui/eligibility', only(['staff', 'admin'])],
  ['POST', () => '/ui/eligibility', only(['staff', 'admin'], 415)],
  // The request is denied: review and delivery actions do not apply (409).
  ['POST', () => `/ui/requests/${ids.own}/approve`, only(['staff', 'admin'], 409)],
  // No reason given: refused as invalid before anything else.
  ['POST', () => `/ui/requests/${ids.own}/return`, only(['staff', 'admin'], 400)],
  ['POST', () => `/ui/requests/${ids.own}/retry`, only(['staff', 'admin'], 409)],
  ['POST', () => `/ui/requests/${ids.own}/cancel`, only(['staff', 'admin'], 409)],
  // No call outcome given: invalid (400); another organization's request is not found, like a missing one.
  ['POST', () => `/ui/requests/${ids.own}/call`, only(['staff', 'admin'], 400)],
  ['POST', () => `/ui/requests/${ids.foreign}/call`, only(['staff', 'admin'], 404)],
  ['POST', () => '/ui/admin/orgs/org-a/review', only(['admin'], 303)],
  ['POST', () => '/ui/admin/orgs/org-b/review', only(['admin'], 404)],
];

beforeAll(async () => {
  t = await staffSecurityApp();
  await seedOrgs(t.deps.db);
  const submitted = new Date(Date.now() - 3_600_000).toISOString();
  ids.own = await seedRequest(t.deps.db, { orgId: 'org-a', payerId: 'pay-one', submitted, steps: [{ to: 'denied', at: 0.5 }] });
  ids.foreign = await seedRequest(t.deps.db, { orgId: 'org-b', payerId: 'pay-one', submitted, steps: [{ to: 'denied', at: 0.5 }] });
  await addStaff(t.deps.db, 'reset-me', 'viewer', 'org-a');
  ids.target = (await userRow(t, 'reset-me')).id;
  for (const role of ROLES) {
    await addStaff(t.deps.db, `a-${role}`, role, 'org-a');
    clients[role] = await new Client(t).loggedIn(`a-${role}`);
  }
});
afterAll(() => t.close());

describe('role × route', () => {
  for (const role of ROLES) {
    it(`${role}: each staff page, API and action answers as the table says; refusals are audited`, async () => {
      const c = clients[role];
      const csrf = Client.csrfOf(await (await c.get('/ui/account')).text());
      const deniedBefore = (await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'staff.denied'), eq(auditEvents.actor, `staff:a-${role}`)))).length;
      let refusals = 0;
      for (const [method, path, expected] of MATRIX) {
        const p = path();
        const res = method === 'GET' ? await c.get(p) : await c.post(p, { _csrf: csrf, outcome: 'pending' });
        const body = await res.text();
        expect(res.status, `${role} ${method} ${p}: ${body.slice(0, 200)}`).toBe(expected[role]);
        if (res.status === 403) {
          refusals++;
          if (p.startsWith('/ui')) expect(body, `${role} ${p}`).toContain(`Your role (${role}) does not allow this`);
          else expect(JSON.parse(body), `${role} ${p}`).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
        }
      }
      const denied = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'staff.denied'), eq(auditEvents.actor, `staff:a-${role}`)));
      expect(denied.length - deniedBefore).toBe(refusals);
      if (refusals > 0) expect(denied[denied.length - 1]).toMatchObject({ outcome: 'failure', orgId: 'org-a', detail: { role } });
    });
  }

  it('shows each role only the navigation it may use', async () => {
    const nav = async (role: Role) => {
      const html = await (await clients[role].get('/ui/account')).text();
      const main = /<nav aria-label="Main">(.*?)<\/nav>/.exec(html)?.[1] ?? '';
      return [...main.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]);
    };
    expect(await nav('viewer')).toEqual(['/ui', '/ui/metrics', '/ui/quality', '/ui/health', '/ui/payers', '/ui/account']);
    expect(await nav('staff')).toEqual(['/ui', '/ui/eligibility', '/ui/metrics', '/ui/quality', '/ui/health', '/ui/payers', '/ui/account']);
    expect(await nav('auditor')).toEqual(['/ui/metrics', '/ui/quality', '/ui/health', '/ui/audit', '/ui/account']);
    expect(await nav('admin')).toEqual(['/ui', '/ui/eligibility', '/ui/metrics', '/ui/quality', '/ui/health', '/ui/payers', '/ui/audit', '/ui/admin', '/ui/account']);
  });

  it('sends each role to a page it may open after sign-in (an auditor has no worklist)', async () => {
    await addStaff(t.deps.db, 'a-auditor-2', 'auditor', 'org-a');
    const res = await new Client(t).login('a-auditor-2');
    expect(res.headers.get('location')).toBe('/ui/metrics');
  });

  it('without a session: pages lead to the login form, the API and the export answer 401', async () => {
    const anon = new Client(t);
    for (const [method, path] of MATRIX) {
      const p = path();
      const res = method === 'GET' ? await anon.get(p) : await anon.post(p, {});
      if (p.startsWith('/ui')) {
        expect(res.status, p).toBe(303);
        expect(res.headers.get('location'), p).toMatch(/^\/ui\/login/);
      } else expect(res.status, p).toBe(401);
    }
  });
});
