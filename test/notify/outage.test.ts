/**
 * A subscriber's outage: notifications are retried with capped backoff until the retry period
 * (PRIORGATE_NOTIFY_RETRY_HOURS, 24 h; shortened here) has passed since the event — not a fixed
 * count — then given up on: the subscription goes to `error` with its reason, the monitor raises a
 * `delivery-failed` alert for staff, and `$status` shows what the subscriber is owed. Real loopback
 * HTTP, real worker, real store. (The day-long outage with a killed gateway is in test/slow.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptsOf } from '../../src/db/queries/subscriptions.ts';
import { auditAlerts, auditEvents, subscriptionEvents } from '../../src/db/schema.ts';
import { scanAudit } from '../../src/monitor/index.ts';
import { and, eq } from 'drizzle-orm';
import type { TestApp } from '../helpers/app.ts';
import { seal } from '../helpers/audit.ts';
import { call, notifyApp, receiver, runNotifyJobs } from './helpers.ts';
import { deliveryKit, param } from './delivery-kit.ts';

let t: TestApp;
const { freshProvider, subscribe, statusOf, activate, notify, jobRows, settled } = deliveryKit(() => t, 1_700_000_000);

beforeAll(async () => {
  t = await notifyApp();
});
afterAll(() => t.close());

const statusOfSubscription = async (p: Awaited<ReturnType<typeof freshProvider>>, id: string) => {
  const r = await call(t, p, 'GET', `/fhir/Subscription/${id}/$status`);
  expect(r.status, r.body).toBe(200);
  expect(r.json).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
  return r.json.entry[0].resource;
};

describe('notifications that outlive an outage', () => {
  it('keeps retrying past the old limit of 12 attempts, backoff capped, and delivers when the receiver is back', async () => {
    const hook = await receiver([200, ...Array(15).fill(500), 200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const { jobIds } = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(jobIds), { retryBaseMs: 5, retryCapMs: 25 }, 20_000);
    expect((await jobRows(jobIds))[0]).toMatchObject({ status: 'done', attempts: 16 });
    const attempts = (await attemptsOf(t.deps.db, id)).filter((a) => a.requestId);
    expect(attempts.map((a) => a.status)).toEqual([...Array(15).fill('failed'), 'delivered']);
    expect(new Set(attempts.map((a) => a.eventNumber)), 'every attempt carries the one event number').toEqual(new Set([1]));
    expect(await statusOf(id)).toBe('active');

    const s = await statusOfSubscription(p, id);
    expect(param(s, 'status').valueCode).toBe('active');
    expect(param(s, 'type').valueCode).toBe('query-status');
    expect(param(s, 'events-since-subscription-start').valueString).toBe('1');
    expect(s.parameter.filter((x: any) => x.name === 'notification-event'), 'nothing owed').toEqual([]);
    expect(s.extension[0].extension).toEqual([
      { url: 'lastDeliveredEvent', valueString: '1' },
      { url: 'eventsOwed', valueString: '0' },
    ]);
    await hook.close();
  });

  it('gives up after the retry period: subscription in error with its reason, $status shows what is owed, staff are alerted', async () => {
    const hook = await receiver([200, 200, 503]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const delivered = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(delivered.jobIds));
    const first = await notify(p.client.orgId);
    const second = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled([...first.jobIds, ...second.jobIds]), { retryBaseMs: 20, retryCapMs: 60, retryForMs: 600 }, 20_000);

    // Both events were being retried until their period ran out; each is given up on by itself
    // (the second may already find the subscription in error and stop without sending).
    const rows = await jobRows([...first.jobIds, ...second.jobIds]);
    expect(rows.every((j) => j.status === 'done' || j.status === 'dead')).toBe(true);
    const gave = rows.filter((j) => /^given up after \d+ attempts: HTTP 503$/.test(j.lastError ?? ''));
    expect(gave.length, JSON.stringify(rows.map((j) => [j.status, j.lastError]))).toBeGreaterThanOrEqual(1);
    const givenUpNumbers = gave.map((j) => (j.id === first.jobIds[0] ? 2 : 3));
    for (const n of givenUpNumbers) {
      const tries = (await attemptsOf(t.deps.db, id)).filter((x) => x.eventNumber === n);
      const [owedRow] = await t.deps.db.select().from(subscriptionEvents).where(and(eq(subscriptionEvents.subscriptionId, id), eq(subscriptionEvents.eventNumber, n)));
      expect(tries.length, 'retried').toBeGreaterThan(1);
      expect(tries.at(-1)!.createdAt.getTime() - owedRow!.occurredAt.getTime(), 'given up only once the period had passed').toBeGreaterThanOrEqual(590);
      expect(owedRow!.givenUpAt).toBeInstanceOf(Date);
    }
    expect(await statusOf(id)).toBe('error');

    const s = await statusOfSubscription(p, id);
    expect(param(s, 'status').valueCode).toBe('error');
    expect(param(s, 'events-since-subscription-start').valueString).toBe('3');
    const owed = s.parameter.filter((x: any) => x.name === 'notification-event');
    expect(owed.map((e: any) => e.part.find((x: any) => x.name === 'event-number').valueString), 'events 2 and 3 are owed').toEqual(['2', '3']);
    expect(owed.map((e: any) => e.part.find((x: any) => x.name === 'focus').valueReference.reference)).toEqual([
      `http://gateway.test/fhir/ClaimResponse/${first.requestId}`,
      `http://gateway.test/fhir/ClaimResponse/${second.requestId}`,
    ]);
    expect(param(s, 'error').valueCodeableConcept.text).toMatch(/notifications failed for 1 s \(HTTP 503\)/);
    expect(s.extension[0].extension).toEqual([
      { url: 'lastDeliveredEvent', valueString: '1' },
      { url: 'eventsOwed', valueString: '2' },
      { url: 'eventsGivenUp', valueString: String(gave.length) },
    ]);
    const read = await call(t, p, 'GET', `/fhir/Subscription/${id}`);
    expect(read.json).toMatchObject({ status: 'error', error: expect.stringMatching(/notifications failed/) });

    const gaveUp = await t.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'subscription.give-up'));
    expect(gaveUp.map((e) => e.detail.eventNumber).sort()).toEqual([...givenUpNumbers].sort());
    expect(gaveUp[0]).toMatchObject({ outcome: 'failure', entityId: id, detail: { lastError: 'HTTP 503' } });
    await scanAudit({ db: t.deps.db, config: t.deps.config.monitor, seal: () => seal(t.deps.db) });
    const [alert] = await t.deps.db.select().from(auditAlerts).where(eq(auditAlerts.rule, 'delivery-failed'));
    expect(alert, 'staff alerted').toMatchObject({ severity: 'high', orgId: p.client.orgId, detail: { subscriptionId: id, lastError: 'HTTP 503' } });
    expect(givenUpNumbers).toContain(alert!.detail.eventNumber);
    await hook.close();
  });

  it("answers 404 for another organization's $status", async () => {
    const hook = await receiver([200]);
    const owner = await freshProvider();
    const other = await freshProvider();
    const id = await subscribe(owner, hook.url);
    expect((await call(t, other, 'GET', `/fhir/Subscription/${id}/$status`)).status).toBe(404);
    await hook.close();
  });
});
