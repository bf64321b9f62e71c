/**
 * Human review before sending, end to end: a whole gateway with the payer simulator on loopback, a
 * provider with a PAS Subscription (a rest-hook receiver on 127.0.0.1), and staff working the held
 * requests through the real pages (session, CSRF, permission table). Held → approved → sent and
 * decided (the provider notified); held → returned with a reason (the provider notified, $inquire
 * and ClaimResponse read say so); nothing reaches the payer while a request is held, not even with
 * a stray delivery job; documentation changed while held is what the 278 carries.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { enqueue, jobsOfKind } from '../../src/db/queries/jobs.ts';
import { latestMessage, requestById } from '../../src/db/queries/requests.ts';
import { auditEvents, messages } from '../../src/db/schema.ts';
import type { TestApp } from '../helpers/app.ts';
import { inquiryFor, pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { pasSubscription, receiver, type Receiver } from '../notify/helpers.ts';
import { Client, until } from './helpers.ts';

let gw: TestGateway;
let token: string;
let hook: Receiver;
let clerk: Client;
let admin: Client;


const db = () => gw.database.db as Db;
const statusOf = async (id: string) => (await requestById(db(), id))?.status;
const sentToPayer = async (id: string) => (await db().select({ id: messages.id }).from(messages).where(and(eq(messages.requestId, id), eq(messages.transactionSet, 'x12-278-request')))).length;
// In the order they were written (ids come from a sequence; the heap order changes as events are sealed).
const actionsOf = async (id: string) => (await db().select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.entityId, id)).orderBy(auditEvents.id)).map((r) => r.action);
// A notification's focus is the full PAS response Bundle, its ClaimResponse first (main's issue 13 #3).
const claimResponseIn = (n: any) =>
  n?.entry?.map((e: any) => e.resource).find((r: any) => r?.resourceType === 'Bundle' && r.entry?.[0]?.resource?.resourceType === 'ClaimResponse')?.entry[0].resource;
const notificationsFor = (id: string) => hook.received.map((r) => r.body).filter((b) => b?.type === 'history' && claimResponseIn(b)?.id === id);
const claimResponseOf = (n: any) => claimResponseIn(n);

async function post(c: Client, path: string, form: Record<string, string> = {}) {
  const page = await (await c.get(path.replace(/\/[a-z]+$/, ''))).text();
  return c.post(path, { _csrf: Client.csrfOf(page), ...form });
}

async function heldRequest(memberId: string) {
  const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', memberId);
  const res = await gw.submit(bundle, token);
  expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
  const cr = res.body.entry[0].resource;
  return { id: cr.id as string, cr, bundle, trace: bundle.entry[0].resource.identifier[0].value as string };
}

beforeAll(async () => {
  gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '3600000' });
  token = await gw.token();
  hook = await receiver();
  const site = { app: gw.app, deps: gw.deps } as unknown as TestApp;
  clerk = await new Client(site).loggedIn('clerk', gw.deps.config.demoPassword);
  const { addStaff } = await import('./helpers.ts');
  await addStaff(db(), 'review-admin', 'admin');
  admin = await new Client(site).loggedIn('review-admin');
  // The organization's setting, turned on where an administrator would: the admin page.
  const res = await post(admin, '/ui/admin/orgs/demo-clinic-a/review', { review: 'on' });
  expect(res.status, await res.text()).toBe(303);
  const sub = await gw.submit(pasSubscription('1234567893', hook.url), token, 'Subscription');
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  await until('an active subscription', async () => {
    const r = await fetch(`${gw.url}/fhir/Subscription/${sub.body.id}`, { headers: { authorization: `Bearer ${token}` } });
    return ((await r.json()) as any).status === 'active' || undefined;
  });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await hook?.close();
});

describe('review before sending', () => {
  it('holds the request (the provider hears A4 pended at once), sends nothing, and the worklist shows its deadline', async () => {
    const t0 = Date.now();
    const { id, cr } = await heldRequest('RV100A');
    // No sync wait: a held request is answered at once.
    expect(Date.now() - t0).toBeLessThan(gw.deps.config.syncWaitMs);
    expect([...new Set(reviewCodes(cr))]).toEqual(['A4']);
    expect(cr.disposition).toMatch(/Held for review/);
    expect(await statusOf(id)).toBe('review');
    expect(await sentToPayer(id)).toBe(0);
    expect(await actionsOf(id)).toEqual(expect.arrayContaining(['request.submit', 'request.hold']));
    const list = (await (await clerk.get('/api/requests?status=review')).json()) as any;
    const row = list.items.find((i: any) => i.id === id);
    expect(row.timeLeft.state).not.toBe('settled');
    expect(row.timeLeft.text).toMatch(/^6 d 23 h$|^7 d 0 h$/);
    expect(row.nextStep).toMatch(/approve and send it/);
  });

  it('a stray delivery job for a held request sends nothing: only an approval does', async () => {
    const { id } = await heldRequest('RV150A');
    await db().transaction((tx) => enqueue(tx, { kind: 'payer.deliver', orgId: 'demo-clinic-a', requestId: id, maxAttempts: 2 }));
    gw.deps.services!.wake();
    await until('the stray job to finish', async () => (await jobsOfKind(db(), 'payer.deliver')).filter((j) => j.requestId === id).every((j) => j.status === 'done') || undefined);
    expect(await statusOf(id)).toBe('review');
    expect(await sentToPayer(id)).toBe(0);
  });

  it('held → approved → sent: the staff member sees what will go out, approves, the payer decides, the provider is notified', async () => {
    const { id, trace, bundle } = await heldRequest('RV200A');
    const page = await (await clerk.get(`/ui/requests/${id}`)).text();
    expect(page).toContain('Review before sending');
    expect(page).toContain('organization setting: every request is reviewed before sending');
    // What will be sent: the FHIR Bundle and the 278 it becomes.
    expect(page).toContain('PAS request Bundle (FHIR)');
    expect(page).toMatch(/2000E\s+UM\*AR\*I\*2/);
    expect(page).toContain('Approve and send');

    const res = await post(clerk, `/ui/requests/${id}/approve`);
    expect(res.status, await res.text()).toBe(303);
    await until('the payer decision', async () => (await statusOf(id)) === 'certified' || undefined);
    expect(await sentToPayer(id)).toBe(1);
    const actions = await actionsOf(id);
    expect(actions).toEqual(expect.arrayContaining(['request.hold', 'request.review.approve']));
    expect(actions.indexOf('request.review.approve')).toBeLessThan(actions.lastIndexOf('request.transition'));
    const [n] = await until('the notification', () => (notificationsFor(id).length ? notificationsFor(id) : undefined));
    expect(reviewCodes(claimResponseOf(n))).toContain('A1');
    const inquiry = await gw.submit(inquiryFor(trace, bundle), token, 'Claim/$inquire');
    expect(reviewCodes(inquiry.body.parameter[0].resource.entry[0].resource)).toContain('A1');
  });

  it('held → returned: the provider is notified with the reason (AAA 15, correct and resubmit), and $inquire says so; nothing was sent', async () => {
    const { id, trace, bundle } = await heldRequest('RV300A');
    const res = await post(clerk, `/ui/requests/${id}/return`, { reason: 'missing-documentation', note: 'Attach the cardiology consult note.' });
    expect(res.status, await res.text()).toBe(303);
    expect(await statusOf(id)).toBe('returned');
    expect(await sentToPayer(id)).toBe(0);
    const [n] = await until('the notification', () => (notificationsFor(id).length ? notificationsFor(id) : undefined));
    const cr = claimResponseOf(n);
    expect(cr.outcome).toBe('error');
    expect(cr.error[0].code.coding[0]).toMatchObject({ system: 'https://codesystem.x12.org/005010/901', code: '15' });
    expect(JSON.stringify(cr.error[0].extension)).toContain('"code":"C"');
    expect(cr.disposition).toContain('Attach the cardiology consult note.');
    const inquiry = await gw.submit(inquiryFor(trace, bundle), token, 'Claim/$inquire');
    expect(inquiry.body.parameter[0].resource.entry[0].resource.disposition).toContain('Returned to the provider');
    const read = await fetch(`${gw.url}/fhir/ClaimResponse/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await read.json()) as any).outcome).toBe('error');
    // The note stays out of the audit trail (it may hold PHI); its reason code is there.
    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'request.review.return')));
    expect(event!.detail).toMatchObject({ reason: 'missing-documentation', code: '15', noteLength: 35 });
    expect(JSON.stringify(event!.detail)).not.toContain('cardiology');
    // The page says what happened; approving now is refused.
    expect(await (await clerk.get(`/ui/requests/${id}`)).text()).toMatch(/Returned to the provider by clerk without sending it/);
    expect((await post(clerk, `/ui/requests/${id}/approve`)).status).toBe(409);
  });

  it('documentation attached while held is what the 278 carries (PWK), and is audited', async () => {
    const { id } = await heldRequest('RV400A');
    const page = await (await clerk.get(`/ui/requests/${id}`)).text();
    const form = new FormData();
    form.set('_csrf', Client.csrfOf(page));
    form.set('title', 'Cardiology consult note');
    form.set('file', new File(['Consult: triple-vessel disease, CABG indicated.'], 'consult.txt', { type: 'text/plain' }));
    const res = await gw.app.request(`http://gateway.test/ui/requests/${id}/documents`, {
      method: 'POST',
      headers: { cookie: clerk.cookieHeader(), origin: 'http://gateway.test', 'sec-fetch-site': 'same-origin' },
      body: form,
    });
    expect(res.status, await res.text()).toBe(303);
    const stored = JSON.parse((await latestMessage(db(), id, 'pas-request'))!.payload);
    const doc = stored.entry.find((e: any) => e.resource.resourceType === 'DocumentReference');
    expect(doc.resource.content[0].attachment).toMatchObject({ contentType: 'text/plain', title: 'Cardiology consult note' });
    expect(stored.entry[0].resource.supportingInfo.some((s: any) => s.valueReference?.reference === doc.fullUrl)).toBe(true);
    const after = await (await clerk.get(`/ui/requests/${id}`)).text();
    expect(after).toContain('Remove: DocumentReference · Cardiology consult note');
    expect(after).toMatch(/PWK\*OZ\*EL\*\*\*AC\*DocumentReference-[0-9a-f-]+\*DocumentReference Cardiology consult note/);
    expect(await actionsOf(id)).toContain('request.review.documents');

    expect((await post(clerk, `/ui/requests/${id}/approve`)).status).toBe(303);
    await until('the 278 to go out', async () => (await sentToPayer(id)) || undefined);
    const sent = (await latestMessage(db(), id, 'x12-278-request'))!.payload;
    expect(sent).toMatch(/PWK\*OZ\*EL\*\*\*AC\*DocumentReference-[0-9a-f-]+\*DocumentReference Cardiology consult note/);
  });

  it('lets neither a viewer nor an auditor approve (the permission table), and audits the refusal', async () => {
    const { id } = await heldRequest('RV500A');
    const { addStaff } = await import('./helpers.ts');
    await addStaff(db(), 'review-viewer', 'viewer');
    const viewer = await new Client({ app: gw.app, deps: gw.deps } as unknown as TestApp).loggedIn('review-viewer');
    const page = await (await viewer.get(`/ui/requests/${id}`)).text();
    expect(page).not.toContain('Approve and send');
    expect((await viewer.post(`/ui/requests/${id}/approve`, { _csrf: Client.csrfOf(page) })).status).toBe(403);
    expect(await statusOf(id)).toBe('review');
    const denied = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'staff.denied'), eq(auditEvents.actor, 'staff:review-viewer')));
    expect(denied[0]!.detail).toMatchObject({ permission: 'requests.review' });
  });
});
