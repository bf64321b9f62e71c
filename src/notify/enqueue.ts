/**
 * Queuing notifications for a PAS response, in the caller's transaction: the decision and the
 * promise to tell the provider commit together (outbox), and the worker delivers later.
 */
import type { Db } from '../db/client.ts';
import { enqueue } from '../db/queries/jobs.ts';
import { insertSubscriptionEvent, nextEventNumber, subscriptionsForUpdate } from '../db/queries/subscriptions.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { LIVE_STATUSES, NOTIFY_KIND } from './topic.ts';

export interface NotificationInput {
  orgId: string;
  /** The prior-authorization request the response answers. */
  requestId: string;
  /** The PAS response Bundle, ClaimResponse first. */
  responseBundle: Bundle;
  /**
   * Re-sending a known event: use this number and leave the subscriptions' event counters alone.
   * Normally absent: each subscription numbers its own events.
   */
  eventNumber?: number;
  now?: Date;
}

/** What a `notify.rest-hook` job carries. */
export interface NotifyJobPayload {
  subscriptionId: string;
  eventNumber: number;
  eventAt: string;
  responseBundle: Bundle;
  [key: string]: unknown;
}

/**
 * Rest-hook attempts are bounded by time, not by count: the handler retries until
 * PRIORGATE_NOTIFY_RETRY_HOURS (24) after the event, then gives up (handlers.ts). This ceiling only
 * keeps the job queue's own bookkeeping finite.
 */
export const NOTIFY_MAX_ATTEMPTS = 1_000_000;

/**
 * Enqueues one `notify.rest-hook` job per live subscription of the organization (PAS §spec-60).
 * The event number is taken here, when the event happens, not at delivery: retries of one event
 * keep their number, and a gap tells the subscriber an event was lost (backport
 * events-since-subscription-start). Subscriptions whose `end` has passed get nothing.
 * Returns the job ids.
 */
export async function enqueueNotifications(tx: Db, input: NotificationInput): Promise<number[]> {
  const now = input.now ?? new Date();
  const subs = await subscriptionsForUpdate(tx, input.orgId, LIVE_STATUSES);
  const ids: number[] = [];
  for (const sub of subs) {
    if (sub.end && Date.parse(sub.end) <= now.getTime()) continue;
    const eventNumber = input.eventNumber ?? (await nextEventNumber(tx, sub.id));
    // The owed event, numbered once per subscription (its key keeps numbers unique): `$status` reads it.
    await insertSubscriptionEvent(tx, { subscriptionId: sub.id, eventNumber, requestId: input.requestId, occurredAt: now });
    const payload: NotifyJobPayload = { subscriptionId: sub.id, eventNumber, eventAt: now.toISOString(), responseBundle: input.responseBundle };
    ids.push(await enqueue(tx, { kind: NOTIFY_KIND, orgId: input.orgId, requestId: input.requestId, payload, maxAttempts: NOTIFY_MAX_ATTEMPTS }));
  }
  return ids;
}
