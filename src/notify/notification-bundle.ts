/**
 * Notification Bundles (R4 backport `backport-subscription-notification-r4`): a `history` Bundle
 * whose first entry is the SubscriptionStatus `Parameters`, followed, for an event, by the full PAS
 * response Bundle (PAS spec-61, content `full-resource` spec-62).
 *
 * Shape: as the IG's Bundle-PASSubscriptionNotification — the response Bundle is one entry and the
 * event's `focus`; its ClaimResponse and the resources it references stay inside it, so a receiver
 * reads it exactly as a `$submit` answer. (Inferno's PAS notification check resolves the focus to
 * that entry and expects a `collection` Bundle with a ClaimResponse.)
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
 * An event notification for a PAS response: the response Bundle as the one focus entry, with its
 * own id as `Bundle/{id}` (a fresh UUID when it has none that is one).
 */
export function eventNotificationBundle(ctx: EventContext): Bundle {
  const response = ctx.responseBundle;
  const id = typeof response.id === 'string' && /^[0-9a-f-]{36}$/i.test(response.id) ? response.id : ctx.newId();
  const fullUrl = `urn:uuid:${id}`;
  const entry: BundleEntry = {
    fullUrl,
    resource: { ...response, id },
    // history entries carry request and response (R4 Bundle bdl-3/bdl-4)
    request: { method: 'GET', url: `Bundle/${id}` },
    response: { status: '200' },
  };
  const event: Parameter = {
    name: 'notification-event',
    part: [
      { name: 'event-number', valueString: String(ctx.eventNumber) },
      { name: 'timestamp', valueInstant: ctx.eventAt.toISOString() },
      { name: 'focus', valueReference: { reference: fullUrl } },
    ],
  };
  return notificationBundle(ctx, statusParameters(ctx, 'event-notification', event), [entry]);
}
