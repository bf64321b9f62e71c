/** Delivery test kit: providers with fresh NPIs, subscriptions, events, and job bookkeeping. */
import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { expect } from 'vitest';
import { subscriptionById } from '../../src/db/queries/subscriptions.ts';
import { jobs } from '../../src/db/schema.ts';
import type { Bundle } from '../../src/fhir/bundle.ts';
import { enqueueNotifications } from '../../src/notify/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { call, pasExample, pasSubscription, provider, runNotifyJobs, type Provider } from './helpers.ts';

/** A PAS response the way the workflow stamps it: the ClaimResponse carries the request's id. */
export function responseFor(requestId: string): Bundle {
  const b = pasExample<Bundle>('Bundle-ReferralAuthorizationResponseBundleExample.json');
  b.entry![0]!.resource!.id = requestId;
  b.entry![0]!.fullUrl = `urn:uuid:${requestId}`;
  return b;
}

export const param = (p: any, name: string) => p.parameter.find((x: any) => x.name === name);
export const eventPart = (p: any, name: string) => param(p, 'notification-event')?.part.find((x: any) => x.name === name);

export function deliveryKit(app: () => TestApp, firstNpi: number) {
  let npiSeq = firstNpi;
  const t = () => app();
  const statusOf = async (id: string) => (await subscriptionById(t().deps.db, id))?.status;
  const jobRows = async (ids: number[]) => (ids.length ? t().deps.db.select().from(jobs).where(inArray(jobs.id, ids)).orderBy(jobs.id) : []);
  return {
    statusOf,
    jobRows,
    freshProvider: (): Promise<Provider> => provider(t(), String(npiSeq++)),
    async subscribe(who: Provider, endpoint: string, header?: string[]): Promise<string> {
      const s = pasSubscription(who.npi, endpoint);
      if (header) s.channel.header = header;
      const r = await call(t(), who, 'POST', '/fhir/Subscription', s);
      expect(r.status, r.body).toBe(201);
      return r.json.id;
    },
    /** Runs the handshake and expects the subscription to end up active. */
    async activate(id: string) {
      await runNotifyJobs(t(), async () => (await statusOf(id)) !== 'requested');
      expect(await statusOf(id)).toBe('active');
    },
    /** A decision for the organization: enqueues its notifications in a transaction, as the workflow does. */
    async notify(orgId: string, requestId = randomUUID(), now?: Date): Promise<{ requestId: string; jobIds: number[] }> {
      const jobIds = await t().deps.db.transaction((tx) =>
        enqueueNotifications(tx, { orgId, requestId, responseBundle: responseFor(requestId), now }),
      );
      return { requestId, jobIds };
    },
    async settled(ids: number[]) {
      return (await jobRows(ids)).every((j) => j.status === 'done' || j.status === 'dead');
    },
  };
}
