/**
 * Notification Bundles (R4 backport `backport-subscription-notification-r4`): a `history` Bundle
 * whose first entry is the SubscriptionStatus `Parameters`, followed, for an event, by the
 * resources of the full PAS response Bundle (PAS §spec-61, content `full-resource` §spec-62).
 *
 * Shape: the ClaimResponse is the event's `focus` and the response's other resources are
 * `additional-context`, each its own entry, as in the Inferno PAS test kit's
 * PAS_notification_example_full_resource.json. (The IG's Bundle-PASSubscriptionNotification nests
 * the response Bundle as one entry instead; its resources and references are the same.)
 * Pure: ids and clock come in as arguments.
 */
import type { Bundle, BundleEntry, Resource } from '../fhir/bundle.ts';
import { NOTIFICATION_BUNDLE_PROFILE, PAS_TOPIC, SUBSCRIPTION_STATUS_PROFILE } from './topic.ts';

export interface StatusContext {
  /** Absolute or relative reference to the Subscription (`https://gw/fhir/Subscription/{id}`). */
  subscriptionUrl: string;
  status: string;
  eventsSinceStart: number;
  now: Date;
  /** Fresh UUIDs (Bundle and Parameters ids). */
  newId: () => string;
}

interface Parameter {
  name: string;
  [value: string]: unknown;
}

function statusParameters(ctx: StatusContext, type: 'handshake' | 'event-notification', event?: Parameter): Resource {
  const parameter: Parameter[] = [
    { name: 'subscription', valueReference: { reference: ctx.subscriptionUrl } },
    { name: 'topic', valueCanonical: PAS_TOPIC },
    { name: 'status', valueCode: ctx.status },
    { name: 'type', valueCode: type },
    // int64 in R5, carried as a string in the R4 backport
    { name: 'events-since-subscription-start', valueString: String(ctx.eventsSinceStart) },
    ...(event ? [event] : []),
  ];
  return { resourceType: 'Parameters', id: ctx.newId(), meta: { profile: [SUBSCRIPTION_STATUS_PROFILE] }, parameter };
}

function notificationBundle(ctx: StatusContext, status: Resource, rest: BundleEntry[]): Bundle {
  return {
    resourceType: 'Bundle',
    id: ctx.newId(),
    meta: { profile: [NOTIFICATION_BUNDLE_PROFILE] },
    type: 'history',
    timestamp: ctx.now.toISOString(),
    entry: [
      {
        fullUrl: `urn:uuid:${status.id}`,
        resource: status,
        // history entries carry request and response (R4 Bundle bdl-3/bdl-4)
        request: { method: 'GET', url: `${ctx.subscriptionUrl}/$status` },
        response: { status: '200' },
      },
      ...rest,
    ],
  };
}

/** The backport handshake: sent once when a rest-hook subscription is created, no event. */
export function handshakeBundle(ctx: StatusContext): Bundle {
  return notificationBundle(ctx, statusParameters(ctx, 'handshake'), []);
}

export interface EventContext extends StatusContext {
  eventNumber: number;
  /** When the event happened (the decision was recorded), not when this attempt is made. */
  eventAt: Date;
  responseBundle: Bundle;
}

/**
 * An event notification for a PAS response. Entries keep the response's fullUrls, so references
 * inside the ClaimResponse (`Patient/…`, `urn:uuid:…`) resolve within the notification.
 */
export function eventNotificationBundle(ctx: EventContext): Bundle {
  const entries: BundleEntry[] = [];
  for (const e of ctx.responseBundle.entry ?? []) {
    const r = e.resource;
    if (!r) continue;
    const fullUrl = e.fullUrl ?? (r.id ? `${r.resourceType}/${r.id}` : `urn:uuid:${ctx.newId()}`);
    entries.push({
      fullUrl,
      resource: r,
      request: r.id ? { method: 'PUT', url: `${r.resourceType}/${r.id}` } : { method: 'POST', url: r.resourceType },
      response: { status: r.id ? '200' : '201' },
    });
  }
  const focusAt = entries.findIndex((e) => e.resource?.resourceType === 'ClaimResponse');
  const event: Parameter = {
    name: 'notification-event',
    part: [
      { name: 'event-number', valueString: String(ctx.eventNumber) },
      { name: 'timestamp', valueInstant: ctx.eventAt.toISOString() },
      ...(focusAt >= 0 ? [{ name: 'focus', valueReference: { reference: entries[focusAt]!.fullUrl } }] : []),
      ...entries
        .filter((_, i) => i !== focusAt)
        .map((e) => ({ name: 'additional-context', valueReference: { reference: e.fullUrl } })),
    ],
  };
  return notificationBundle(ctx, statusParameters(ctx, 'event-notification', event), entries);
}
