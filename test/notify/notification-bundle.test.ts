/** Notification Bundles, built purely, compared with the IG and Inferno examples. */
import { describe, expect, it } from 'vitest';
import type { Bundle } from '../../src/fhir/bundle.ts';
import { eventNotificationBundle, handshakeBundle, PAS_TOPIC } from '../../src/notify/index.ts';
import { infernoFixture, pasExample } from './helpers.ts';

let n = 0;
const ctx = () => ({
  subscriptionUrl: 'https://gw.example/fhir/Subscription/s1',
  status: 'active',
  eventsSinceStart: 2,
  now: new Date('2026-01-02T03:04:05Z'),
  newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
});
const param = (p: any, name: string) => p.parameter.find((x: any) => x.name === name);
const part = (p: any, name: string) => param(p, 'notification-event').part.filter((x: any) => x.name === name);

describe('eventNotificationBundle', () => {
  const response = pasExample<Bundle>('Bundle-ReferralAuthorizationResponseBundleExample.json');
  const b = eventNotificationBundle({ ...ctx(), eventNumber: 2, eventAt: new Date('2026-01-02T03:00:00Z'), responseBundle: response });
  const status = b.entry![0]!.resource as any;

  it('is a history Bundle whose first entry is the SubscriptionStatus Parameters (spec-60)', () => {
    expect(b.type).toBe('history');
    expect(status.resourceType).toBe('Parameters');
    expect(b.entry![0]!.request).toEqual({ method: 'GET', url: 'https://gw.example/fhir/Subscription/s1/$status' });
    expect(param(status, 'subscription').valueReference.reference).toBe('https://gw.example/fhir/Subscription/s1');
    expect(param(status, 'topic').valueCanonical).toBe(PAS_TOPIC);
    expect(param(status, 'type').valueCode).toBe('event-notification');
    expect(param(status, 'status').valueCode).toBe('active');
    expect(param(status, 'events-since-subscription-start').valueString).toBe('2');
    expect(part(status, 'event-number')[0].valueString).toBe('2');
    expect(part(status, 'timestamp')[0].valueInstant).toBe('2026-01-02T03:00:00.000Z');
  });

  it('issue 13 #3 spec-61 spec-62: carries the full PAS response Bundle as the one focus entry, as the IG example does', () => {
    const rest = b.entry!.slice(1);
    expect(rest).toHaveLength(1);
    const [focus] = rest;
    expect(part(status, 'focus')).toEqual([{ name: 'focus', valueReference: { reference: focus!.fullUrl } }]);
    expect(part(status, 'additional-context')).toEqual([]);
    expect(focus!.resource).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect((focus!.resource as Bundle).entry).toEqual(response.entry);
    expect(focus!.request && focus!.response).toBeTruthy();
    // The IG's Bundle-PASSubscriptionNotification: Parameters, then the response Bundle as focus.
    const ig = pasExample<any>('Bundle-PASSubscriptionNotification.json');
    expect(b.entry!.map((e) => e.resource?.resourceType)).toEqual(ig.entry.map((e: any) => e.resource.resourceType));
    const igFocus = ig.entry[0].resource.parameter.find((p: any) => p.name === 'notification-event').part.find((p: any) => p.name === 'focus').valueReference.reference;
    expect(igFocus).toBe(ig.entry[1].fullUrl);
  });

  it('has the SubscriptionStatus parameters and profile of the Inferno full-resource notification', () => {
    const inferno = infernoFixture<any>('PAS_notification_example_full_resource.json');
    const names = (p: any) => p.parameter.map((x: any) => x.name);
    expect(names(status)).toEqual(names(inferno.entry[0].resource));
    expect(status.meta.profile).toEqual(inferno.entry[0].resource.meta.profile);
  });
});

describe('handshakeBundle', () => {
  it('is a history Bundle with a handshake status and no event', () => {
    const b = handshakeBundle({ ...ctx(), status: 'requested', eventsSinceStart: 0 });
    const status = b.entry![0]!.resource as any;
    expect(b.entry).toHaveLength(1);
    expect(param(status, 'type').valueCode).toBe('handshake');
    expect(param(status, 'status').valueCode).toBe('requested');
    expect(param(status, 'events-since-subscription-start').valueString).toBe('0');
    expect(param(status, 'notification-event')).toBeUndefined();
  });
});
