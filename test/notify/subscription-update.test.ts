/**
 * `PUT /fhir/Subscription/{id}` over real loopback rest-hooks: a provider rotates its hook's
 * credential or moves it (a new handshake proves it before anything more is sent; owed events wait
 * for it and keep their numbers), pauses it (`off`), and turns one in `error` back on. Refusals
 * as for a create, plus the id rules of a FHIR update.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSubscriptionStatus, subscriptionById } from '../../src/db/queries/subscriptions.ts';
import { auditEvents } from '../../src/db/schema.ts';
import type { TestApp } from '../helpers/app.ts';
import { deliveryKit, eventPart, param } from './delivery-kit.ts';
import { call, notifyApp, pasSubscription, provider, receiver, runNotifyJobs } from './helpers.ts';

let t: TestApp;
const { freshProvider, subscribe, statusOf, activate, notify, settled } = deliveryKit(() => t, 1_600_000_000);

beforeAll(async () => {
  t = await notifyApp();
});
afterAll(() => t.close());

const put = (who: Parameters<typeof call>[1], id: string, body: unknown) => call(t, who, 'PUT', `/fhir/Subscription/${id}`, body);
const auditsOf = (id: string) => t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'subscription.update')));

describe('PUT /fhir/Subscription/{id}', () => {
  it('rotates the header lines: handshake with the new credential first, then the owed event goes with it, numbered on', async () => {
    const hook = await receiver([200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url, ['Authorization: Bearer old-secret']);
    await activate(id);
    const first = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(first.jobIds));

    const current = (await call(t, p, 'GET', `/fhir/Subscription/${id}`)).json;
    const changed = { ...current, channel: { ...current.channel, header: ['Authorization: Bearer new-secret'] } };
    const r = await put(p, id, changed);
    expect(r.status, r.body).toBe(200);
    expect(r.json).toMatchObject({ id, status: 'requested', channel: { header: ['Authorization: Bearer new-secret'] } });
    // An event now waits for the handshake, which goes out first, with the new line.
    const second = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(second.jobIds));
    expect(await statusOf(id)).toBe('active');
    const kinds = hook.received.map((x) => [param(x.body.entry[0].resource, 'type').valueCode, x.headers.authorization]);
    expect(kinds).toEqual([
      ['handshake', 'Bearer old-secret'],
      ['event-notification', 'Bearer old-secret'],
      ['handshake', 'Bearer new-secret'],
      ['event-notification', 'Bearer new-secret'],
    ]);
    expect(eventPart(hook.received[3]!.body.entry[0].resource, 'event-number').valueString).toBe('2');
    expect((await auditsOf(id)).map((e) => e.detail)).toEqual([expect.objectContaining({ from: 'active', to: 'requested', handshake: true })]);
    await hook.close();
  });

  it('moves the endpoint: the new one is proven and gets what follows; the old one gets nothing more', async () => {
    const before = await receiver([200]);
    const after = await receiver([200]);
    const p = await freshProvider();
    const id = await subscribe(p, before.url);
    await activate(id);
    const r = await put(p, id, { ...pasSubscription(p.npi, after.url), id });
    expect(r.status, r.body).toBe(200);
    await activate(id);
    const sent = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(sent.jobIds));
    expect(before.received).toHaveLength(1); // its own handshake only
    expect(after.received.map((x) => param(x.body.entry[0].resource, 'type').valueCode)).toEqual(['handshake', 'event-notification']);
    await Promise.all([before.close(), after.close()]);
  });

  it('pauses with status off (no event is owed meanwhile), keeps a plain edit active, and an update turns one in error back on', async () => {
    const hook = await receiver([200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const base = (await call(t, p, 'GET', `/fhir/Subscription/${id}`)).json;

    expect((await put(p, id, { ...base, reason: 'renamed' })).json).toMatchObject({ status: 'active', reason: 'renamed' });
    const off = await put(p, id, { ...base, status: 'off' });
    expect(off.json.status).toBe('off');
    expect((await notify(p.client.orgId)).jobIds).toEqual([]);

    const on = await put(p, id, { ...base, status: 'requested' });
    expect(on.json.status).toBe('requested');
    await activate(id);

    await t.deps.db.transaction((tx) => setSubscriptionStatus(tx, id, ['active'], 'error', 'the endpoint refused'));
    const back = await put(p, id, { ...base, status: 'active' });
    expect(back.json.status).toBe('requested');
    expect(back.json).not.toHaveProperty('error');
    await activate(id);
    expect((await auditsOf(id)).map((e) => `${e.detail.from}>${e.detail.to}`)).toEqual(['active>active', 'active>off', 'off>requested', 'error>requested']);
    await hook.close();
  });

  it('a handshake still under way with the old endpoint when the update lands does not make the moved subscription active', async () => {
    // The old endpoint takes its handshake slowly (and would accept it); the new one refuses
    // handshakes, more slowly still, so the old answer is in first.
    const slow = await receiver([200], { delayMs: 500 });
    const refusing = await receiver([410], { delayMs: 1200 });
    const p = await freshProvider();
    const id = await subscribe(p, slow.url);
    const settledOn = async () => ['active', 'error'].includes((await statusOf(id)) ?? '');
    const running = runNotifyJobs(t, settledOn);
    for (let i = 0; i < 200 && slow.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(slow.received).toHaveLength(1);
    expect((await put(p, id, { ...pasSubscription(p.npi, refusing.url), id })).status).toBe(200);
    await running;
    // Never proven at the new endpoint: the old handshake's success did not count for it.
    expect(await statusOf(id)).toBe('error');
    expect(refusing.received.length).toBeGreaterThanOrEqual(1);
    const activations = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'subscription.status')));
    expect(activations.map((e) => e.detail.to)).toEqual(['error']);
    await Promise.all([slow.close(), refusing.close()]);
  });

  it('spec-59: only the sending system modifies its subscription: another organization\'s id answers 404 and a filter naming another organization 403; also refused: another id in the body or none (400), a status the client may not set, an unknown or deleted id (404), the create checks (400/422), no update scope (403)', async () => {
    const p = await freshProvider();
    const other = await freshProvider();
    const id = await subscribe(p, 'http://127.0.0.1:9/hook');
    const body = { ...pasSubscription(p.npi, 'http://127.0.0.1:9/hook'), id };

    const mismatch = await put(p, id, { ...body, id: 'another' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.issue[0].expression).toEqual(['Subscription.id']);
    const { id: _drop, ...noId } = body;
    expect((await put(p, id, noId)).status).toBe(400);
    const badStatus = await put(p, id, { ...body, status: 'error' });
    expect(badStatus.status).toBe(422);
    expect(badStatus.json.issue[0].expression).toEqual(['Subscription.status']);

    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await put(p, unknown, { ...body, id: unknown })).status).toBe(404);
    expect((await put(other, id, { ...pasSubscription(other.npi, 'http://127.0.0.1:9/hook'), id })).status).toBe(404);
    const foreign = await put(p, id, { ...pasSubscription(other.npi, 'http://127.0.0.1:9/hook'), id });
    expect(foreign.status).toBe(403);
    const noReason = await put(p, id, { ...body, reason: undefined });
    expect(noReason.status).toBe(400);
    expect(noReason.json.issue[0].expression).toEqual(['Subscription.reason']);
    const privateHost = await put(p, id, { ...pasSubscription(p.npi, 'https://10.0.0.8/hook'), id });
    expect(privateHost.status).toBe(422);
    expect(privateHost.json.issue[0].expression).toEqual(['Subscription.channel.endpoint']);

    const readOnly = await provider(t, String(1_600_100_000), ['system/Subscription.crd']);
    const mine = (await call(t, readOnly, 'POST', '/fhir/Subscription', pasSubscription(readOnly.npi, 'http://127.0.0.1:9/hook'))).json.id;
    expect((await put(readOnly, mine, { ...pasSubscription(readOnly.npi, 'http://127.0.0.1:9/hook'), id: mine })).status).toBe(403);

    expect((await call(t, p, 'DELETE', `/fhir/Subscription/${id}`)).status).toBe(204);
    expect((await put(p, id, body)).status).toBe(404);
    // Nothing refused changed the stored subscription or was audited as an update.
    expect((await subscriptionById(t.deps.db, id))!.endpoint).toBe('http://127.0.0.1:9/hook');
    expect(await auditsOf(id)).toEqual([]);
  });
});
