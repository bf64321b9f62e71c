/** A staff user scoped to organization A never sees organization B: pages, API, metrics, audit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents } from '../../src/db/schema.ts';
import type { TestApp } from '../helpers/app.ts';
import { addStaff, Client, seedOrgs, seedRequest, staffTestApp } from './helpers.ts';

let t: TestApp;
let a: Client;
let aAdmin: Client;
let aAuditor: Client;
let global: Client;
let idA: string;
let idB: string;
const today = new Date().toISOString().slice(0, 10);
const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await staffTestApp();
  const db = t.deps.db;
  await seedOrgs(db);
  await addStaff(db, 'a-viewer', 'viewer', 'org-a');
  await addStaff(db, 'a-admin', 'admin', 'org-a');
  await addStaff(db, 'a-auditor', 'auditor', 'org-a');
  await addStaff(db, 'b-viewer', 'viewer', 'org-b');
  await addStaff(db, 'root', 'admin');
  const now = Date.now();
  idA = await seedRequest(db, { orgId: 'org-a', payerId: 'pay-one', submitted: new Date(now - 3_600_000).toISOString(), memberId: 'AAAA1111D', steps: [{ to: 'denied', at: 0.5 }] });
  idB = await seedRequest(db, { orgId: 'org-b', payerId: 'pay-two', submitted: new Date(now - 3_600_000).toISOString(), memberId: 'BBBB2222D', steps: [{ to: 'denied', at: 0.5 }] });
  a = await new Client(t).loggedIn('a-viewer');
  aAdmin = await new Client(t).loggedIn('a-admin');
  aAuditor = await new Client(t).loggedIn('a-auditor');
  global = await new Client(t).loggedIn('root');
  // Organization B's own staff reads its request, so B has phi.read events too.
  await (await new Client(t).loggedIn('b-viewer')).get(`/ui/requests/${idB}`);
});
afterAll(() => t.close());

const json = async (c: Client, path: string) => {
  const res = await c.get(path);
  return { status: res.status, body: await res.json() };
};

describe('organization isolation', () => {
  it('the worklist page and its refresh fragment show only organization A', async () => {
    for (const path of ['/ui?view=all', '/ui/worklist/rows', '/ui?text=BBBB2222', '/ui?payer=pay-two', '/ui?kind=all', '/ui/worklist.csv?kind=all', '/ui/audit']) {
      const html = await (await a.get(path)).text();
      expect(html, path).not.toContain(idB.slice(0, 8));
      expect(html, path).not.toContain('2222D');
    }
    expect(await (await a.get('/ui?view=all')).text()).toContain(idA.slice(0, 8));
    expect(await (await a.get('/ui/worklist.csv')).text()).toContain(idA);
    expect(await (await global.get('/ui?view=all')).text()).toContain(idB.slice(0, 8));
  });

  it("organization B's request detail is not found (page and API), for viewer and admin alike", async () => {
    expect((await a.get(`/ui/requests/${idB}`)).status).toBe(404);
    expect((await aAdmin.get(`/ui/requests/${idB}`)).status).toBe(404);
    expect((await a.get(`/api/requests/${idB}`)).status).toBe(404);
    expect((await global.get(`/api/requests/${idB}`)).status).toBe(200);
  });

  it('the status API lists only organization A, whatever the filters', async () => {
    const all = await json(a, '/api/requests?kind=all&size=100');
    expect(all.body.items.map((i: { id: string }) => i.id)).toEqual([idA]);
    expect(all.body.items.every((i: { orgId: string }) => i.orgId === 'org-a')).toBe(true);
    expect((await json(a, '/api/requests?text=BBBB')).body.total).toBe(0);
    expect((await json(a, `/api/requests?text=${idB}`)).body.total).toBe(0);
  });

  it('metrics count only organization A', async () => {
    const m = await json(a, `/api/metrics/cms?from=${twoDaysAgo}&to=${today}`);
    expect(m.body.payers.map((p: { payerId: string }) => p.payerId)).toEqual(['pay-one']);
    expect(m.body.total.all.requests).toBe(1);
    const csv = await (await a.get(`/api/metrics/cms?from=${twoDaysAgo}&to=${today}&format=csv`)).text();
    expect(csv).not.toContain('pay-two');
    const page = await (await a.get(`/ui/metrics?from=${twoDaysAgo}&to=${today}`)).text();
    expect(page).not.toContain('pay-two');
    expect((await json(global, `/api/metrics/cms?from=${twoDaysAgo}&to=${today}`)).body.total.all.requests).toBe(2);
  });

  it("the AuditEvent export holds none of organization B's events", async () => {
    const byEntity = await json(aAuditor, `/fhir/AuditEvent?entity=${idB}`);
    expect(byEntity.status).toBe(200);
    expect(byEntity.body.entry, 'no entries (FHIR JSON has no empty arrays)').toBeUndefined();
    const everything = await json(aAuditor, '/fhir/AuditEvent?_count=500');
    const text = JSON.stringify(everything.body);
    expect(text).not.toContain(idB);
    expect(text).not.toContain('b-viewer');
    expect(text).toContain(idA);
    // Reading one of B's events by its id: not found, like an id that does not exist.
    const [ofB] = await t.deps.db.select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.orgId, 'org-b')).limit(1);
    expect(ofB, 'B has events').toBeDefined();
    expect((await aAuditor.get(`/fhir/AuditEvent/${ofB!.id}`)).status).toBe(404);
  });

  it("an organization-A admin cannot record actions on organization B's requests", async () => {
    const page = await (await aAdmin.get(`/ui/requests/${idA}`)).text();
    const res = await aAdmin.post(`/ui/requests/${idB}/appeal`, { _csrf: Client.csrfOf(page), outcome: 'approved' });
    expect(res.status).toBe(404);
  });

  it("an organization-A admin's admin page lists only organization A's staff", async () => {
    const html = await (await aAdmin.get('/ui/admin')).text();
    expect(html).toContain('a-viewer');
    expect(html).not.toContain('b-viewer');
    expect(html).not.toContain('>root<');
  });
});
