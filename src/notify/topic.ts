/** Canonical URLs of the PAS SubscriptionTopic and the R4 backport extensions and profiles. */

/** PAS 2.2.1 Basic-PASSubscriptionTopic: ClaimResponse `result-available`, filter `orgIdentifier`. */
export const PAS_TOPIC = 'http://hl7.org/fhir/us/davinci-pas/SubscriptionTopic/PASSubscriptionTopic';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const FILTER_CRITERIA_URL = `${BACKPORT}/backport-filter-criteria`;
export const PAYLOAD_CONTENT_URL = `${BACKPORT}/backport-payload-content`;
export const BACKPORT_SUBSCRIPTION_PROFILE = `${BACKPORT}/backport-subscription`;
export const SUBSCRIPTION_STATUS_PROFILE = `${BACKPORT}/backport-subscription-status-r4`;
export const NOTIFICATION_BUNDLE_PROFILE = `${BACKPORT}/backport-subscription-notification-r4`;
export const PAS_SUBSCRIPTION_PROFILE = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-subscription';

export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';

/**
 * The topic's one filter parameter. The topic declares `orgIdentifier`; PAS §spec-58 and the
 * Inferno fixtures write `org-identifier`: both are accepted.
 */
export const ORG_FILTER_NAMES = ['orgIdentifier', 'org-identifier'];

/** The audit action recorded when a subscription's notifications are given up on (the monitor alerts on it). */
export const GIVE_UP_ACTION = 'subscription.give-up';

/** Job kinds run by `notifyHandlers`. */
export const NOTIFY_KIND = 'notify.rest-hook';
export const HANDSHAKE_KIND = 'notify.handshake';

/**
 * Subscription.status values and their lifecycle (R4 Subscription, backport handshake):
 *
 *   POST ──▶ requested ──handshake 2xx──▶ active
 *            requested ──handshake 3xx/4xx, refused endpoint, or retries used up──▶ error
 *            active ──endpoint refused at delivery (e.g. DNS now points inside)──▶ error
 *            any ──DELETE──▶ deleted
 *
 * `deleted` is ours, not FHIR's: a DELETEd subscription keeps its row (its delivery attempts are a
 * record of disclosures) and is invisible to every FHIR read. `error` is final: the subscriber
 * deletes it and subscribes again. `off` is never set by the gateway today.
 */
export type SubscriptionStatus = 'requested' | 'active' | 'error' | 'off' | 'deleted';

/** Statuses for which events are queued (a `requested` one waits for its handshake). */
export const LIVE_STATUSES: SubscriptionStatus[] = ['requested', 'active'];
