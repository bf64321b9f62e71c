/**
 * What staff can do about a request that went wrong, through the real pages against a whole
 * gateway (payer simulator on loopback; the rules copy makes a payer that never answers end in
 * `error` within seconds): retry the delivery (the same interchange, same ISA13), resend it (a new
 * interchange), cancel it (the provider's answer says cancelled), record a call to the payer. Each
 * is permission-checked, offered only in the states it applies to, and audited.
 */
import { rmSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { requestById } from '../../src/db/queries/requests.ts';
import { auditEvents, messages } from '../../src/db/schema.ts';
import type { TestApp } from '../helpers/app.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { Client, fastRules, until } from './helpers.ts';

let gw: TestGateway;
let rulesDir: string;
let token: string;
let clerk: Client;

const db = () => gw.database.db as Db;
const statusOf = async (id: string) => (await requestById(db(), id))?.status;
const sent278 = async (id: string) =>
  (await db().select({ control: messages.controlNumber }).from(messages).where(and(eq(messages.requestId, id), eq(messages.transactionSet, 'x12-278-request')))).map((m) => m.control);
const audited = async (id: string, action: string) => (await db().select().from(auditEvents).where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, action)))).length;


async function submit(memberId: string) {
  const r = await gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', memberId), token);
  expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
  return r.body.entry[0].resource.id as string;
}

const failedIds: Record<string, string> = {};
const failed = async (memberId: string) => failedIds[memberId]!;

/** A request whose payer never answered: in `error` after two attempts. */
async function failedRequest(memberId: string) {
  const id = await submit(memberId);
  await until(`${memberId} to fail`, async () => (await statusOf(id)) === 'error');
  return id;
}

async function act(id: string, action: string, form: Record<string, string> = {}) {
  const page = await (await clerk.get(`/ui/requests/${id}`)).text();
  return clerk.post(`/ui/requests/${id}/${action}`, { _csrf: Client.csrfOf(page), ...form });
}

beforeAll(async () => {
  rulesDir = fastRules();
  gw = await testGateway({ PRIORGATE_RULES_DIR: rulesDir, PRIORGATE_SYNC_WAIT_MS: '1000', PRIORGATE_SIM_PEND_MS: '3600000' });
  token = await gw.token();
  clerk = await new Client({ app: gw.app, deps: gw.deps } as unknown as TestApp).loggedIn('clerk', gw.deps.config.demoPassword);
  // The failed requests every test starts from, failing side by side.
  const names = ['ACT100T', 'ACT200T', 'ACT300T', 'ACT400T', 'ACT500T'];
  const ids = await Promise.all(names.map(failedRequest));
  names.forEach((n, i) => (failedIds[n] = ids[i]!));
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  rmSync(rulesDir, { recursive: true, force: true });
});

describe('a failed delivery', () => {
  it('says what happened and offers retry, resend, cancel and the payer\'s number, not an appeal', async () => {
    const id = await failed('ACT100T');
    const html = await (await clerk.get(`/ui/requests/${id}`)).text();
    expect(html).toMatch(/What happened:<\/strong> Delivery to Demo Health Plan failed after 2 attempts: no answer within 1500 ms\./);
    for (const label of ['Retry delivery', 'Resend as a new interchange', 'Cancel', 'Record the call']) expect(html).toContain(`>${label}</button>`);
    expect(html).toContain('href="tel:18005550199"');
    expect(html).not.toContain('Record appeal');
  });

  it('retry sends the same interchange again (same ISA13) and is audited', async () => {
    const id = await failed('ACT200T');
    const before = await sent278(id);
    expect(before).toHaveLength(1);
    const res = await act(id, 'retry');
    expect(res.status, await res.text()).toBe(303);
    expect(res.headers.get('location')).toBe(`/ui/requests/${id}?done=retry`);
    await until('the retried delivery to fail again', async () => (await statusOf(id)) === 'error' && (await audited(id, 'request.transition')) >= 5);
    expect(await sent278(id)).toEqual(before);
    expect(await audited(id, 'request.retry')).toBe(1);
    // Only in `error`: a second retry while it is queued or sent would be refused (409).
  });

  it('resend builds a new interchange (new ISA13)', async () => {
    const id = await failed('ACT300T');
    const [first] = await sent278(id);
    expect((await act(id, 'resend')).status).toBe(303);
    await until('the resent interchange', async () => (await sent278(id)).length === 2);
    const [, second] = await sent278(id);
    expect(second).not.toBe(first);
    expect(await audited(id, 'request.resend')).toBe(1);
  });

  it('cancel ends it, and the provider\'s answer says cancelled (HCR01 C) with the reason', async () => {
    const id = await failed('ACT400T');
    expect((await act(id, 'cancel', { reason: 'patient moved to another plan' })).status).toBe(303);
    expect(await statusOf(id)).toBe('cancelled');
    const read = (await (await fetch(`${gw.url}/fhir/ClaimResponse/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
    expect(reviewCodes(read)).toContain('C');
    expect(read.disposition).toContain('patient moved to another plan');
    const [event] = await db().select().from(auditEvents).where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'request.cancel')));
    expect(event!.detail).toMatchObject({ from: 'error', reasonLength: 29 });
    expect(await (await clerk.get(`/ui/requests/${id}`)).text()).toContain('Cancelled by clerk before Demo Health Plan answered');
    // Cancelled is final: nothing to retry.
    expect((await act(id, 'retry')).status).toBe(409);
  });

  it('records a call to the payer on the timeline; a bad reference is refused', async () => {
    const id = await failed('ACT500T');
    expect((await act(id, 'call', { outcome: 'reached', reference: 'UM-12345' })).status).toBe(303);
    const html = await (await clerk.get(`/ui/requests/${id}`)).text();
    expect(html).toContain('Call to the payer recorded: reached the payer, reference UM-12345');
    const bad = await act(id, 'call', { outcome: 'reached', reference: '<script>' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Not done: the call reference is up to 40 letters');
  });
});

describe('actions that apply to the state, and only those', () => {
  it('a denial offers an appeal and a call; a rejection no appeal; codes come with their words', async () => {
    const denied = await submit('ACT600D');
    const rejected = await submit('ACT700R');
    const d = await (await clerk.get(`/ui/requests/${denied}`)).text();
    expect(d).toContain('Record appeal');
    expect(d).toContain('>Record the call</button>');
    expect(d).not.toContain('>Retry delivery</button>');
    expect(d).toContain("0U Service not covered under the member&#39;s plan");
    const r = await (await clerk.get(`/ui/requests/${rejected}`)).text();
    expect(r).not.toContain('Record appeal');
    expect(r).toContain('Invalid/missing subscriber/insured ID');
    expect(r).toContain('[889 C]');
    // Posting an action that does not apply is refused, and says why.
    const res = await act(rejected, 'appeal', { outcome: 'pending' });
    expect(res.status).toBe(409);
  });
});
