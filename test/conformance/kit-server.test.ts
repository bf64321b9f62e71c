/**
 * The Inferno Da Vinci PAS server suite, v2.2.1 (`davinci_pas_server_suite_v221`), replayed against
 * the real gateway: its 49 tests of the server (the kit's user-input checks of the requests it is
 * given are left out: the requests are ours, `fixtures.ts`), in the kit's order, each named by its
 * kit test id. Real HTTP to the gateway, the gateway's worker, the payer simulator (X12 over CORE and
 * PAS FHIR) over loopback, a real rest-hook receiver; embedded store, or Postgres with
 * TEST_DATABASE_URL.
 *
 * Beyond the kit: every response Bundle collected is also checked against our PAS response and
 * inquiry-response profile validation (sub-extension urls, extension contexts, prof-2/3) — no error
 * may remain — and the must-support presence is computed by our own implementation of the kit's
 * rules over the kit's must-support lists (`kit/must-support.json`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGateway, type TestGateway } from '../helpers/gateway.ts';
import { receiver, type Receiver } from '../notify/helpers.ts';
import { claimUpdateSteps, kitSubscription, mustSupportInquiries, mustSupportSubmissions, workflowRequest } from './fixtures.ts';
import { fullResourceErrors, hasDecision, notificationErrors, pasNotificationErrors, profileErrors, responseBundles, responseStructureErrors } from './kit-checks.ts';
import { KIT_MUST_SUPPORT, MustSupportCheck, resourcesOfType } from './must-support.ts';
import { infernoFixture } from '../fhir/helpers/pas-corpus.ts';

type Json = Record<string, any>;

interface Exchange {
  tags: string[];
  operation: 'submit' | 'inquire';
  request: Json;
  status: number;
  body: Json;
  ms: number;
}

let gw: TestGateway;
let token: string;
let hook: Receiver;
const NOTIFICATION_TOKEN = 'kit-notification-token';
const exchanges: Exchange[] = [];
let subscription: { status: number; body: Json } | undefined;

async function operation(op: 'submit' | 'inquire', request: Json, tags: string[]): Promise<Exchange> {
  const started = Date.now();
  const r = await gw.submit(request, token, `Claim/$${op}`);
  const x = { tags: [...tags, op], operation: op, request, status: r.status, body: r.body, ms: Date.now() - started };
  exchanges.push(x);
  return x;
}

const tagged = (...tags: string[]) => exchanges.filter((x) => tags.every((t) => x.tags.includes(t)));
const okStatus = (x: Exchange) => x.status === 200 || x.status === 201;
const show = (v: unknown) => JSON.stringify(v, null, 1).slice(0, 3000);

async function until<T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The kit's operation test: 200/201 and a Bundle ($submit) or Parameters ($inquire), for each request made. */
function expectOperationOk(xs: Exchange[], operation: 'submit' | 'inquire') {
  expect(xs.length).toBeGreaterThan(0);
  for (const x of xs) {
    expect(okStatus(x), `${x.status} ${show(x.body)}`).toBe(true);
    expect(x.body?.resourceType).toBe(operation === 'inquire' ? 'Parameters' : 'Bundle');
    // The kit warns when a $submit takes longer than 15 s (PAS spec-39: pended answers within 15 s).
    if (operation === 'submit') expect(x.ms).toBeLessThan(15_000);
  }
}

/** The kit's response validation test (and ours: no profile error at all). */
function expectResponsesConformant(xs: Exchange[], operation: 'submit' | 'inquire') {
  const bundles = xs.filter(okStatus).flatMap((x) => responseBundles(x.body, operation));
  expect(bundles.length, `No successful $${operation} requests made`).toBeGreaterThan(0);
  for (const b of bundles) {
    if (operation === 'submit') expect(responseStructureErrors(b), show(b.entry?.map((e: Json) => e.fullUrl))).toEqual([]);
    const errors = profileErrors(b, operation);
    expect(errors, show(errors)).toEqual([]);
  }
}

/** The kit's must-support test for one profile, over every response of the operation in the session. */
function expectMustSupport(kitTestId: string, operation: 'submit' | 'inquire') {
  const ms = KIT_MUST_SUPPORT[kitTestId]!;
  const bundles = tagged(operation).filter(okStatus).flatMap((x) => responseBundles(x.body, operation));
  const resources = resourcesOfType(bundles, ms.resourceType);
  expect(resources.length, `No ${ms.resourceType} resources were found`).toBeGreaterThan(0);
  const missing = new MustSupportCheck(ms).missing(resources);
  expect(missing, `Could not find ${missing.join(', ')} in the ${resources.length} provided ${ms.resourceType} resource(s)`).toEqual([]);
}

beforeAll(async () => {
  gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '1500' });
  token = await gw.token();
  hook = await receiver();
});
afterAll(async () => {
  await hook?.close();
  await gw?.stop();
});

const handshakes = () => hook.received.filter((r) => r.body?.entry?.[0]?.resource?.parameter?.some((p: Json) => p.name === 'type' && p.valueCode === 'handshake'));
const events = () => hook.received.filter((r) => r.body?.entry?.[0]?.resource?.parameter?.some((p: Json) => p.name === 'type' && p.valueCode === 'event-notification'));

describe('1 Subscription Setup (pas_server_v221_subscription_setup)', () => {
  it('subscriptions_r4_server_notification_delivery: the Subscription is created and the handshake notification arrives', async () => {
    const r = await gw.submit(kitSubscription(hook.url, NOTIFICATION_TOKEN), token, 'Subscription');
    subscription = r;
    expect(r.status, show(r.body)).toBe(201);
    await until('the handshake', () => (handshakes().length ? true : undefined));
  });

  it('subscriptions_r4_server_creation_response_conformance: the server answers with the Subscription, rest-hook, status requested', () => {
    expect(subscription?.body).toMatchObject({ resourceType: 'Subscription', status: 'requested', channel: { type: 'rest-hook' } });
  });

  it('subscriptions_r4_server_handshake_conformance: the handshake is a conformant history Bundle for this Subscription, status requested', () => {
    const [first] = handshakes();
    expect(first).toBeDefined();
    expect(notificationErrors(first!.body, { type: 'handshake', status: 'requested', subscriptionId: subscription!.body.id })).toEqual([]);
  });
});

describe('2 Demonstrate Workflow Support', () => {
  for (const [useCase, code] of [['approval', 'A1'], ['denial', 'A3']] as const) {
    describe(`${useCase} (pas_server_v221_${useCase}_use_case)`, () => {
      it(`pas_v221_claim_submit_operation_test_${useCase}: $submit answers 2xx with a Bundle`, async () => {
        await operation('submit', workflowRequest(useCase), [useCase]);
        expectOperationOk(tagged(useCase, 'submit'), 'submit');
      });
      it(`pas_server_v221_pas_response_bundle_validation_test_${useCase}: the response Bundle is conformant`, () => expectResponsesConformant(tagged(useCase, 'submit'), 'submit'));
      it(`pas_server_v221_decision_validation_test_${useCase}: the ClaimResponse carries ${code}`, () => {
        for (const b of tagged(useCase, 'submit').flatMap((x) => responseBundles(x.body, 'submit'))) expect(hasDecision(b, code), show(b)).toBe(true);
      });
    });
  }

  describe('pended (pas_server_v221_pended_use_case)', () => {
    it('pas_v221_claim_submit_operation_test_pended: $submit answers 2xx with a Bundle', async () => {
      await operation('submit', workflowRequest('pended'), ['pended']);
      expectOperationOk(tagged('pended', 'submit'), 'submit');
    });
    it('pas_server_v221_pas_response_bundle_validation_test_pended: the response Bundle is conformant', () => expectResponsesConformant(tagged('pended', 'submit'), 'submit'));
    it('pas_server_v221_decision_validation_test_pended: the ClaimResponse carries A4', () => {
      for (const b of tagged('pended', 'submit').flatMap((x) => responseBundles(x.body, 'submit'))) expect(hasDecision(b, 'A4'), show(b)).toBe(true);
    });
    it('pas_server_v221_subscription_notification_wait_pended: the final decision is notified (spec-51, spec-60)', async () => {
      const id = tagged('pended', 'submit')[0]!.body.entry[0].resource.id;
      await until('the notification of the pended decision', () => (events().some((e) => JSON.stringify(e.body).includes(id)) ? true : undefined));
    });
    it('subscriptions_r4_server_notification_conformance (pended): event notifications are conformant, active, with the requested headers', () => {
      expect(events().length).toBeGreaterThan(0);
      for (const e of events()) {
        expect(notificationErrors(e.body, { type: 'event-notification', status: 'active', subscriptionId: subscription!.body.id })).toEqual([]);
        expect(String(e.headers['content-type'])).toMatch(/^application\/fhir\+json/);
        expect(e.headers['authorization']).toBe(`Bearer ${NOTIFICATION_TOKEN}`);
      }
    });
    it('subscriptions_r4_server_full_resource_conformance (pended): full-resource notifications carry their focus (spec-61, spec-62)', () => {
      for (const e of events()) {
        expect(fullResourceErrors(e.body)).toEqual([]);
        for (const entry of e.body.entry.slice(1)) expect(profileErrors(entry.resource, 'submit'), show(entry.resource)).toEqual([]);
      }
    });
    it('pas_notification_pas_conformance_test (pended): the focus is the PAS response Bundle', () => {
      for (const e of events()) expect(pasNotificationErrors(e.body)).toEqual([]);
    });
  });

  describe('claim updates (pas_server_v221_claim_updates)', () => {
    const steps = claimUpdateSteps();
    for (const step of steps) {
      it(`pas_server_v221_claim_update_submit_${step.key}: $submit answers 2xx with a Bundle`, async () => {
        await operation('submit', step.bundle, ['update', step.key]);
        expectOperationOk(tagged('update', step.key, 'submit'), 'submit');
      });
      it(`pas_server_v221_claim_update_response_validation_${step.key}: the response Bundle is conformant`, () => expectResponsesConformant(tagged('update', step.key, 'submit'), 'submit'));
    }
    const sequences = (step: string) => {
      const x = tagged('update', step, 'submit').at(-1)!;
      return { submitted: x.request.entry[0].resource.item.map((i: Json) => i.sequence), returned: (x.body.entry[0].resource.item ?? []).map((i: Json) => i.itemSequence) };
    };
    it('pas_server_v221_claim_update_item_sequence_echo_test: every returned item echoes a submitted sequence (spec-34)', () => {
      for (const { key } of steps) {
        const { submitted, returned } = sequences(key);
        expect(returned.filter((s: number) => !submitted.includes(s)), key).toEqual([]);
      }
    });
    it('pas_server_v221_claim_update_current_results_test: every submitted item has its current result, changed and cancelled ones too (spec-46)', () => {
      for (const { key } of steps) {
        const { submitted, returned } = sequences(key);
        expect(submitted.filter((s: number) => !returned.includes(s)), key).toEqual([]);
      }
    });
  });
});

describe('3 Must Support (pas_server_v221_must_support; conf-4, conf-5, conf-15)', () => {
  describe('$submit element support', () => {
    it('pas_v221_claim_submit_operation_test_must_support: every must-support request is answered 2xx with a Bundle', async () => {
      for (const { why, bundle } of mustSupportSubmissions()) await operation('submit', bundle, ['must_support', why]);
      expectOperationOk(tagged('must_support', 'submit'), 'submit');
    });
    it('pas_server_v221_submit_response_bundle_validation_test_must_support: the response Bundles are conformant', () => expectResponsesConformant(tagged('must_support', 'submit'), 'submit'));
    for (const key of ['pas_response_bundle', 'claimresponse', 'communication_request', 'insurer', 'requestor', 'beneficiary', 'practitioner', 'practitioner_role', 'task']) {
      const id = `pas_server_v221_submit_response_must_support_${key}`;
      it(`${id}: ${KIT_MUST_SUPPORT[id]!.title} (conf-6)`, () => expectMustSupport(id, 'submit'));
    }
  });

  describe('$inquire element support', () => {
    it('pas_v221_claim_inquire_operation_test_must_support: every must-support inquiry is answered 2xx with Parameters', async () => {
      const submitted = tagged('must_support', 'submit').map((x) => x.request);
      for (const inquiry of mustSupportInquiries(submitted)) await operation('inquire', inquiry, ['must_support']);
      expectOperationOk(tagged('must_support', 'inquire'), 'inquire');
    });
    it('pas_server_v221_inquire_response_bundle_validation_test_must_support: the returned Bundles are conformant', () => expectResponsesConformant(tagged('must_support', 'inquire'), 'inquire'));
    for (const key of ['pas_inquiry_response_bundle', 'claiminquiryresponse', 'insurer', 'requestor', 'beneficiary', 'practitioner', 'practitioner_role', 'task']) {
      const id = `pas_server_v221_inquire_response_must_support_${key}`;
      it(`${id}: ${KIT_MUST_SUPPORT[id]!.title} (conf-6)`, () => expectMustSupport(id, 'inquire'));
    }
  });
});

describe('4 Demonstrate Error Handling (pas_v221_error_group)', () => {
  for (const op of ['submit', 'inquire'] as const) {
    it(`pas_server_v221_prior_auth_${op === 'submit' ? 'submission' : 'inquiry'}_error: a nonconformant Bundle is answered non-2xx with an OperationOutcome (spec-35)`, async () => {
      const r = await gw.submit(infernoFixture('nonconformant_pas_bundle_v110.json'), token, `Claim/$${op}`);
      expect(r.status === 200 || r.status === 201).toBe(false);
      expect(r.body.resourceType).toBe('OperationOutcome');
    });
  }
});
