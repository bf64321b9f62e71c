/**
 * Rest-hook delivery over real loopback HTTP: the backport handshake and event notifications
 * carrying the full PAS response.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptsOf, subscriptionById } from '../../src/db/queries/subscriptions.ts';
import { auditEvents } from '../../src/db/schema.ts';
import { PAS_TOPIC } from '../../src/notify/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { call, focusOf, notifyApp, pasSubscription, receiver, runNotifyJobs } from './helpers.ts';
import { deliveryKit, eventPart, param, responseFor } from './delivery-kit.ts';

let t: TestApp;
const { freshProvider, subscribe, statusOf, activate, notify, jobRows, settled } = deliveryKit(() => t, 1_500_000_000);

beforeAll(async () => {
  t = await notifyApp();
});
afterAll(() => t.close());

describe('handshake (R4 backport)', () => {
  it('POSTs a handshake to a new rest-hook subscription, with its headers, and makes it active', async () => {
    const hook = await receiver([200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url, ['Authorization: Bearer hook-secret']);
    await activate(id);
    expect(hook.received).toHaveLength(1);
    const { headers, body } = hook.received[0]!;
    expect(headers['content-type']).toBe('application/fhir+json');
    expect(headers.authorization).toBe('Bearer hook-secret');
    expect(body.type).toBe('history');
    expect(param(body.entry[0].resource, 'type').valueCode).toBe('handshake');
    expect(param(body.entry[0].resource, 'subscription').valueReference.reference).toBe(`Subscription/${id}`);
    expect((await call(t, p, 'GET', `/fhir/Subscription/${id}`)).json.status).toBe('active');
    const attempts = await attemptsOf(t.deps.db, id);
    expect(attempts.map((a) => [a.status, a.httpStatus, a.requestId])).toEqual([['delivered', 200, null]]);
    const audits = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'subscription.status')));
    expect(audits.map((e) => e.detail.to)).toEqual(['active']);
    await hook.close();
  });

  it('puts the subscription in error when the endpoint refuses the handshake (4xx); no events are queued for it', async () => {
    const hook = await receiver([404]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await runNotifyJobs(t, async () => (await statusOf(id)) !== 'requested');
    expect(await statusOf(id)).toBe('error');
    expect((await call(t, p, 'GET', `/fhir/Subscription/${id}`)).json).toMatchObject({ status: 'error', error: expect.any(String) });
    expect((await notify(p.client.orgId)).jobIds).toEqual([]);
    await hook.close();
  });
});

describe('event notifications (spec-8, spec-51, spec-60)', () => {
  it('delivers a history Bundle: SubscriptionStatus first with the event number, then the full response with its ClaimResponse (spec-61, spec-62)', async () => {
    const hook = await receiver([200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const { requestId, jobIds } = await notify(p.client.orgId);
    expect(jobIds).toHaveLength(1);
    await runNotifyJobs(t, () => settled(jobIds));
    expect(hook.received).toHaveLength(2);
    const { headers, body } = hook.received[1]!;
    expect(headers['content-type']).toBe('application/fhir+json');
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'history' });
    const status = body.entry[0].resource;
    expect(status.resourceType).toBe('Parameters');
    expect(param(status, 'topic').valueCanonical).toBe(PAS_TOPIC);
    expect(param(status, 'type').valueCode).toBe('event-notification');
    expect(param(status, 'status').valueCode).toBe('active');
    expect(param(status, 'events-since-subscription-start').valueString).toBe('1');
    expect(eventPart(status, 'event-number').valueString).toBe('1');
    // The focus is the full PAS response Bundle (IG Bundle-PASSubscriptionNotification), its ClaimResponse first.
    const focus = focusOf(body);
    expect(eventPart(status, 'focus').valueReference.reference).toBe(body.entry[1].fullUrl);
    expect(focus).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(focus.entry[0]).toMatchObject({ fullUrl: `urn:uuid:${requestId}`, resource: { resourceType: 'ClaimResponse', id: requestId, outcome: 'complete' } });
    expect(focus.entry.map((e: any) => e.resource)).toEqual(responseFor(requestId).entry!.map((e) => e.resource));

    const attempts = await attemptsOf(t.deps.db, id);
    expect(attempts.at(-1)).toMatchObject({ status: 'delivered', httpStatus: 200, requestId });
    expect((await subscriptionById(t.deps.db, id))!.eventCount).toBe(1);
    const audits = await t.deps.db.select().from(auditEvents).where(and(eq(auditEvents.entityId, id), eq(auditEvents.action, 'subscription.notify')));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ outcome: 'success', orgId: p.client.orgId });
    expect(audits[0]!.detail).toMatchObject({ pasRequestId: requestId, eventNumber: 1, httpStatus: 200 });
    await hook.close();
  });

  it('numbers events per subscription: the second event is number 2', async () => {
    const hook = await receiver([200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const first = await notify(p.client.orgId);
    const second = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled([...first.jobIds, ...second.jobIds]));
    const numbers = hook.received.slice(1).map((r) => eventPart(r.body.entry[0].resource, 'event-number').valueString).sort();
    expect(numbers).toEqual(['1', '2']);
    expect((await subscriptionById(t.deps.db, id))!.eventCount).toBe(2);
    await hook.close();
  });

  it('holds an event queued before the handshake until the endpoint is verified', async () => {
    const hook = await receiver([200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    const { jobIds } = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(jobIds));
    const types = hook.received.map((r) => param(r.body.entry[0].resource, 'type').valueCode);
    expect(types).toEqual(['handshake', 'event-notification']);
    expect(await statusOf(id)).toBe('active');
    await hook.close();
  });

  it("notifies only the organization's own subscriptions (spec-59)", async () => {
    const hookA = await receiver([200]);
    const hookB = await receiver([200]);
    const pa = await freshProvider();
    const pb = await freshProvider();
    const idA = await subscribe(pa, hookA.url);
    const idB = await subscribe(pb, hookB.url);
    await activate(idA);
    await activate(idB);
    const { jobIds } = await notify(pa.client.orgId);
    await runNotifyJobs(t, () => settled(jobIds));
    expect(hookA.received).toHaveLength(2);
    expect(hookB.received).toHaveLength(1); // its handshake only
    await Promise.all([hookA.close(), hookB.close()]);
  });

  it('drops an event whose subscription was deleted before delivery', async () => {
    const hook = await receiver([200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const { jobIds } = await notify(p.client.orgId);
    expect((await call(t, p, 'DELETE', `/fhir/Subscription/${id}`)).status).toBe(204);
    await runNotifyJobs(t, () => settled(jobIds));
    expect((await jobRows(jobIds))[0]!.status).toBe('done');
    expect(hook.received).toHaveLength(1);
    await hook.close();
  });

  it('queues nothing for a subscription whose end has passed', async () => {
    const hook = await receiver([200]);
    const p = await freshProvider();
    const s = { ...pasSubscription(p.npi, hook.url), end: new Date(Date.now() + 60_000).toISOString() };
    expect((await call(t, p, 'POST', '/fhir/Subscription', s)).status).toBe(201);
    expect((await notify(p.client.orgId, randomUUID(), new Date(Date.now() + 120_000))).jobIds).toEqual([]);
    await hook.close();
  });
});
