/**
 * Rest-hook delivery failures over real loopback HTTP: retries with backoff, final 4xx and
 * redirects, deadlines, and the delivery-time SSRF checks (DNS rebinding).
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptsOf, insertSubscription } from '../../src/db/queries/subscriptions.ts';
import { jobs } from '../../src/db/schema.ts';
import type { TestApp } from '../helpers/app.ts';
import { call, fakeResolver, notifyApp, pasSubscription, receiver, runNotifyJobs } from './helpers.ts';
import { deliveryKit, eventPart } from './delivery-kit.ts';

let t: TestApp;
const { freshProvider, subscribe, statusOf, activate, notify, jobRows, settled } = deliveryKit(() => t, 1_600_000_000);

beforeAll(async () => {
  t = await notifyApp({ resolve: fakeResolver({ 'rebind.test': ['93.184.216.34'] }) });
});
afterAll(() => t.close());

describe('retries and final failures', () => {
  it('retries 5xx: a receiver answering 500 twice then 200 gets the notification on the third attempt', async () => {
    const hook = await receiver([200, 500, 500, 200]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const { jobIds } = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(jobIds));
    const [job] = await jobRows(jobIds);
    expect(job).toMatchObject({ status: 'done', attempts: 3 });
    expect(hook.received).toHaveLength(4);
    const numbers = hook.received.slice(1).map((r) => eventPart(r.body.entry[0].resource, 'event-number').valueString);
    expect(numbers).toEqual(['1', '1', '1']);
    const attempts = (await attemptsOf(t.deps.db, id)).filter((a) => a.requestId);
    expect(attempts.map((a) => [a.status, a.httpStatus])).toEqual([['failed', 500], ['failed', 500], ['delivered', 200]]);
    await hook.close();
  });

  it('does not retry a 4xx: the job is dead after one attempt', async () => {
    const hook = await receiver([200, 400]);
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const { jobIds } = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(jobIds));
    expect((await jobRows(jobIds))[0]).toMatchObject({ status: 'dead', attempts: 1, lastError: 'HTTP 400' });
    expect(hook.received).toHaveLength(2);
    expect(await statusOf(id)).toBe('active');
    await hook.close();
  });

  it('does not follow redirects: a 302 is final and its target receives nothing', async () => {
    const target = await receiver([200]);
    const hook = await receiver([200, 302], { redirectTo: target.url });
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await activate(id);
    const { jobIds } = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(jobIds));
    expect((await jobRows(jobIds))[0]).toMatchObject({ status: 'dead', lastError: 'HTTP 302' });
    expect(target.received).toHaveLength(0);
    await Promise.all([hook.close(), target.close()]);
  });

  it('retries a receiver that does not answer in time', async () => {
    const hook = await receiver([200], { delayMs: 1500 });
    const p = await freshProvider();
    const id = await subscribe(p, hook.url);
    await runNotifyJobs(t, async () => (await attemptsOf(t.deps.db, id)).length > 0, { timeoutMs: 100, retryBaseMs: 60_000 });
    expect((await attemptsOf(t.deps.db, id))[0]).toMatchObject({ status: 'failed', error: 'timeout' });
    const [job] = await t.deps.db.select().from(jobs).where(eq(jobs.orgId, p.client.orgId));
    expect(job).toMatchObject({ status: 'ready', lastError: 'timeout' });
    await call(t, p, 'DELETE', `/fhir/Subscription/${id}`);
    await hook.close();
  });
});

describe('delivery-time endpoint checks (DNS rebinding)', () => {
  it('refuses a name that resolved to a public address at create time and to loopback at delivery: nothing sent, subscription in error', async () => {
    const hook = await receiver([200]);
    const port = new URL(hook.url).port;
    const p = await freshProvider();
    const id = await subscribe(p, `https://rebind.test:${port}/hook`);
    await runNotifyJobs(t, async () => (await statusOf(id)) !== 'requested', { resolve: fakeResolver({ 'rebind.test': ['127.0.0.1'] }) });
    expect(await statusOf(id)).toBe('error');
    expect(hook.received).toHaveLength(0);
    const [attempt] = await attemptsOf(t.deps.db, id);
    expect(attempt).toMatchObject({ status: 'refused' });
    expect(attempt!.error).toMatch(/127\.0\.0\.1.*loopback/);
    await hook.close();
  });

  it('refuses an event to an active subscription whose name now resolves to IPv4-mapped loopback: the job is dead, not retried', async () => {
    const p = await freshProvider();
    const id = randomUUID();
    const endpoint = 'https://mapped.test/hook';
    await insertSubscription(t.deps.db, { id, orgId: p.client.orgId, status: 'active', endpoint, resource: { ...pasSubscription(p.npi, endpoint) } });
    const { jobIds } = await notify(p.client.orgId);
    await runNotifyJobs(t, () => settled(jobIds), { resolve: fakeResolver({ 'mapped.test': ['::ffff:127.0.0.1'] }) });
    expect((await jobRows(jobIds))[0]).toMatchObject({ status: 'dead', attempts: 1 });
    expect((await attemptsOf(t.deps.db, id))[0]).toMatchObject({ status: 'refused' });
    expect(await statusOf(id)).toBe('error');
  });
});
