/**
 * `$status` of a Subscription (R4 backport `backport-subscription-status-r4`, type `query-status`):
 * its status, how many events it has had, and what the subscriber is owed — every event not yet
 * delivered (PAS decisions it has not heard of: the ClaimResponse each is about is its `focus`), the
 * newest one delivered, and why the subscription is in `error` when it is. Pure: rows in, FHIR out.
 */
import type { Bundle } from '../fhir/bundle.ts';
import type { SubscriptionEventRow, SubscriptionRow } from '../db/queries/subscriptions.ts';
import { PAS_TOPIC, SUBSCRIPTION_STATUS_PROFILE } from './topic.ts';

export const DELIVERY_EXT = 'urn:priorgate:fhir:extension:subscription-delivery';

export interface DeliveryState {
  lastDelivered: number | null;
  /** Not delivered yet, oldest first (up to a page). */
  owed: SubscriptionEventRow[];
  owedCount: number;
}

export function statusBundle(sub: SubscriptionRow, d: DeliveryState, o: { subscriptionUrl: string; baseUrl: string; now: Date; newId: () => string }): Bundle {
  const parameters = {
    resourceType: 'Parameters',
    id: o.newId(),
    meta: { profile: [SUBSCRIPTION_STATUS_PROFILE] },
    // What the backport's parameters do not say: the newest event delivered and the count owed.
    extension: [
      {
        url: DELIVERY_EXT,
        extension: [
          ...(d.lastDelivered !== null ? [{ url: 'lastDeliveredEvent', valueString: String(d.lastDelivered) }] : []),
          { url: 'eventsOwed', valueString: String(d.owedCount) },
          ...(d.owed.some((e) => e.givenUpAt) ? [{ url: 'eventsGivenUp', valueString: String(d.owed.filter((e) => e.givenUpAt).length) }] : []),
        ],
      },
    ],
    parameter: [
      { name: 'subscription', valueReference: { reference: o.subscriptionUrl } },
      { name: 'topic', valueCanonical: PAS_TOPIC },
      { name: 'status', valueCode: sub.status },
      { name: 'type', valueCode: 'query-status' },
      { name: 'events-since-subscription-start', valueString: String(sub.eventCount) },
      ...d.owed.map((e) => ({
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: String(e.eventNumber) },
          { name: 'timestamp', valueInstant: e.occurredAt.toISOString() },
          ...(e.requestId ? [{ name: 'focus', valueReference: { reference: `${o.baseUrl}/fhir/ClaimResponse/${e.requestId}` } }] : []),
        ],
      })),
      ...(sub.status === 'error' ? [{ name: 'error', valueCodeableConcept: { text: sub.statusReason ?? 'the endpoint refused or failed the notifications' } }] : []),
    ],
  };
  return {
    resourceType: 'Bundle',
    id: o.newId(),
    type: 'searchset',
    timestamp: o.now.toISOString(),
    total: 1,
    link: [{ relation: 'self', url: `${o.subscriptionUrl}/$status` }],
    entry: [{ fullUrl: `urn:uuid:${parameters.id}`, resource: parameters as never, search: { mode: 'match' } }],
  } as Bundle;
}
