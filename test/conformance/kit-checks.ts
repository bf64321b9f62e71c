/**
 * The checks of the Inferno PAS server suite (v2.2.1), reimplemented from its public source for our
 * own test runner (no code of the kit is copied): what each of its 49 server tests asserts about
 * the responses, the notifications and the Subscription it collected. The profile part of its
 * response checks is our PAS validator (`validatePasResponseBundle` / `…InquiryResponseBundle`),
 * which checks what the kit's HL7 validator checks for PAS (cardinalities, types, bindings,
 * invariants, slices, sub-extension urls, extension contexts) and prof-2/prof-3.
 */
import { validatePasInquiryResponseBundle, validatePasResponseBundle, type ValidationIssue } from '../../src/fhir/validate/index.ts';

type Json = Record<string, any>;

const REVIEW_ACTION = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction';
const REVIEW_ACTION_CODE = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewActionCode';
const X12_306 = 'https://codesystem.x12.org/005010/306';

/** `http://ehr/fhir/Patient/1` → `http://ehr/fhir`; '' for urn:uuid and relative URLs. */
function baseOf(fullUrl: string | undefined): string {
  if (!fullUrl) return '';
  try {
    const u = new URL(fullUrl);
    if (!u.host) return '';
    return `${u.protocol}//${u.host}${u.pathname.split('/').slice(0, -2).join('/')}`;
  } catch {
    return '';
  }
}

function absolute(ref: string, base: string): string {
  if (!base || ref.startsWith('urn:uuid:') || /^[a-z][a-z0-9+.-]*:/i.test(ref)) return ref;
  return `${base}/${ref}`;
}

/**
 * The kit's response structure check (submit responses): the first entry is a ClaimResponse, and
 * every reference reachable from it (ClaimResponse.request excepted; a referenced Claim's own
 * `related` too) names exactly one entry, relative references read against the base of the last
 * entry's fullUrl.
 */
export function responseStructureErrors(bundle: Json): string[] {
  const errors: string[] = [];
  const entries: Json[] = bundle.entry ?? [];
  const first = entries[0]?.resource;
  if (first?.resourceType !== 'ClaimResponse') errors.push('The first bundle entry must be a ClaimResponse');
  const base = baseOf(entries.at(-1)?.fullUrl);
  const walk = (value: unknown, skipRelated: boolean, seen: Set<unknown>): void => {
    if (Array.isArray(value)) return value.forEach((v) => walk(v, skipRelated, seen));
    if (!value || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const o = value as Json;
    if (typeof o['reference'] === 'string' && o['reference'] !== '') {
      const target = absolute(o['reference'], base);
      const hits = entries.filter((e) => e.fullUrl === target);
      if (hits.length !== 1) errors.push(`The referenced ${target} resource SHALL appear exactly once in the Bundle, but found ${hits.length}`);
      if (hits[0]) walk(hits[0].resource, true, seen);
      return;
    }
    for (const [k, v] of Object.entries(o)) {
      if (k === 'request' && o['resourceType'] === 'ClaimResponse') continue;
      if (k === 'related' && o['resourceType'] === 'Claim' && skipRelated) continue;
      walk(v, skipRelated, seen);
    }
  };
  if (first) walk(first, false, new Set());
  return errors;
}

/** Profile errors of a response Bundle (submit or inquire). */
export function profileErrors(bundle: Json, operation: 'submit' | 'inquire'): ValidationIssue[] {
  const issues = operation === 'submit' ? validatePasResponseBundle(bundle) : validatePasInquiryResponseBundle(bundle);
  return issues.filter((i) => i.severity === 'error');
}

/** The Bundles of an `$inquire` answer (Parameters `return`), or of a `$submit` answer (itself). */
export function responseBundles(body: Json, operation: 'submit' | 'inquire'): Json[] {
  if (operation === 'submit') return body?.resourceType === 'Bundle' ? [body] : [];
  // As the kit's ParametersHelper: only the OperationDefinition's output, `return`.
  return (body?.parameter ?? []).filter((p: Json) => p.name === 'return' && p.resource?.resourceType === 'Bundle').map((p: Json) => p.resource);
}

/** pas_claim_response_decision_test: some ClaimResponse item carries the reviewActionCode. */
export function hasDecision(bundle: Json, code: string): boolean {
  return (bundle.entry ?? []).some(
    (e: Json) =>
      e.resource?.resourceType === 'ClaimResponse' &&
      (e.resource.item ?? []).some((item: Json) =>
        (item.adjudication ?? []).some((adj: Json) =>
          (adj.extension ?? []).some(
            (x: Json) =>
              x.url === REVIEW_ACTION &&
              (x.extension ?? []).some((sub: Json) => sub.url === REVIEW_ACTION_CODE && (sub.valueCodeableConcept?.coding ?? []).some((c: Json) => c.system === X12_306 && c.code === code)),
          ),
        ),
      ),
  );
}

const param = (status: Json, name: string) => (status?.parameter ?? []).find((p: Json) => p.name === name);

/**
 * The Subscriptions backport kit's notification checks: a history Bundle, entries with request and
 * response, the SubscriptionStatus first (its $status request url names the Subscription), and
 * the expected type and status.
 */
export function notificationErrors(body: Json, expect: { type: string; status?: string; subscriptionId?: string }): string[] {
  const errors: string[] = [];
  if (body?.resourceType !== 'Bundle') return ['not a Bundle'];
  if (body.type !== 'history') errors.push(`Notification should be a history Bundle, instead was ${body.type}`);
  const entries: Json[] = body.entry ?? [];
  if (entries.length === 0) return [...errors, 'Notification Bundle is empty.'];
  entries.forEach((e, i) => {
    if (!e.request) errors.push(`entry.request missing in entry ${i + 1}`);
    if (!e.response) errors.push(`entry.response missing in entry ${i + 1}`);
  });
  const url: string = entries[0]?.request?.url ?? '';
  const expected = expect.subscriptionId ? url.endsWith(`Subscription/${expect.subscriptionId}/$status`) : /Subscription\/[^/]+\/\$status$/.test(url);
  if (!expected) errors.push('The SubscriptionStatus `request` SHALL be filled out to match a request to the $status operation');
  const status = entries[0]?.resource;
  if (status?.resourceType !== 'Parameters') errors.push(`Unexpected resource type: Expected Parameters. Got ${status?.resourceType}`);
  if (param(status, 'type')?.valueCode !== expect.type) errors.push(`type should be ${expect.type}, was ${param(status, 'type')?.valueCode}`);
  if (expect.status && param(status, 'status')?.valueCode !== expect.status) errors.push(`status should be ${expect.status}, was ${param(status, 'status')?.valueCode}`);
  return errors;
}

/** full-resource: every notification-event names a focus present in the Bundle; additional contexts too. */
export function fullResourceErrors(body: Json): string[] {
  const errors: string[] = [];
  const status = body.entry?.[0]?.resource;
  const rest: Json[] = (body.entry ?? []).slice(1);
  const present = (ref: string) =>
    rest.some((e) => (ref.startsWith('urn:') ? e.fullUrl === ref : ref.includes(`${e.resource?.resourceType}/${e.resource?.id}`)));
  const events = (status?.parameter ?? []).filter((p: Json) => p.name === 'notification-event');
  if (events.length === 0) errors.push('The notification event parameter must be present in `full-resource` notification bundles.');
  for (const ev of events) {
    const focus = (ev.part ?? []).find((p: Json) => p.name === 'focus');
    if (!focus) errors.push('full-resource notifications SHALL include the focus');
    else if (!present(focus.valueReference?.reference ?? '')) errors.push(`no entry for the focus ${focus.valueReference?.reference}`);
    for (const c of (ev.part ?? []).filter((p: Json) => p.name === 'additional-context')) if (!present(c.valueReference?.reference ?? '')) errors.push(`no entry for additional-context ${c.valueReference?.reference}`);
  }
  for (const e of rest) if (!e.resource) errors.push('a full-resource entry without its resource');
  return errors;
}

/** pas_notification_pas_conformance_test: the focus is a collection Bundle holding a ClaimResponse. */
export function pasNotificationErrors(body: Json): string[] {
  const status = body.entry?.[0]?.resource;
  if (status?.resourceType !== 'Parameters') return ['the first entry must be the SubscriptionStatus Parameters'];
  const refs = (status.parameter ?? []).filter((p: Json) => p.name === 'notification-event').flatMap((ev: Json) => (ev.part ?? []).filter((p: Json) => p.name === 'focus').map((p: Json) => p.valueReference?.reference));
  if (refs.length === 0) return ['no notification-event with a focus'];
  const errors: string[] = [];
  for (const ref of refs) {
    const entry = (body.entry ?? []).slice(1).find((e: Json) => (ref.startsWith('urn:') ? e.fullUrl === ref : e.fullUrl === ref || ref.includes(`${e.resource?.resourceType}/${e.resource?.id}`)));
    const focus = entry?.resource;
    if (!focus) errors.push(`Could not resolve focus reference ${ref}`);
    else if (focus.resourceType !== 'Bundle') errors.push(`Expected the focus to be a Bundle (PAS Response Bundle), found ${focus.resourceType}`);
    else {
      if (focus.type !== 'collection') errors.push(`Expected the focus Bundle to be a collection, found ${focus.type}`);
      if (!(focus.entry ?? []).some((e: Json) => e.resource?.resourceType === 'ClaimResponse')) errors.push('The focus Bundle must contain a ClaimResponse');
    }
  }
  return errors;
}
