/**
 * notify: PAS Subscriptions (FHIR R4 Subscriptions backport, PAS topic, rest-hook channel,
 * full-resource payloads) and their delivery with retries. The public face of the module.
 */
export { subscriptionRoutes, subscriptionRoutesWith, renderSubscription, MAX_SUBSCRIPTIONS_PER_ORG } from './routes.ts';
export { enqueueNotifications, NOTIFY_MAX_ATTEMPTS, type NotificationInput, type NotifyJobPayload } from './enqueue.ts';
export { notifyHandlers, classify, type NotifyDeps } from './handlers.ts';
// The SSRF rules live in `net` (JWKS fetching uses them too); re-exported for notify's callers.
export { isEndpointAllowed, vetEndpoint, checkAddresses, systemResolver, blockedReason, type EndpointVerdict, type Resolver } from '../net/index.ts';
export { postHook, type HookResult } from './deliver.ts';
export { eventNotificationBundle, handshakeBundle } from './notification-bundle.ts';
export { parseSubscription, parseOrgFilter } from './subscription-input.ts';
export { PAS_TOPIC, NOTIFY_KIND, HANDSHAKE_KIND, GIVE_UP_ACTION, FILTER_CRITERIA_URL, PAYLOAD_CONTENT_URL, type SubscriptionStatus } from './topic.ts';
