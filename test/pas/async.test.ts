/**
 * Pended requests: the payer answers A4 at once and pushes its final 278 to /payer/x12 later; the
 * provider hears about it through its PAS Subscription and sees it in $inquire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inquiryFor, pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { notifiedClaimResponse, pasSubscription, receiver, type Receiver } from '../notify/helpers.ts';

let gw: TestGateway;
let token: string;
let hook: Receiver;
let hookUrl: string;

/** The IG's Subscription example for demo-clinic-a (NPI 1234567893). */
const subscription = (endpoint: string) => pasSubscription('1234567893', endpoint);

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '1500' });
  token = await gw.token();
  hook = await receiver();
  hookUrl = hook.url;
});
afterAll(async () => {
  await gw.stop();
  await hook.close();
});

const notificationsFor = (claimResponseId: string) =>
  hook.received.map((r) => r.body).filter((b) => b.type === 'history' && notifiedClaimResponse(b)?.id === claimResponseId);

describe('pended decisions arrive later', () => {
  it('spec-51 spec-60 spec-61: a pended request (member ending P) is notified with the final A1 response, and $inquire shows it', async () => {
    const create = await gw.submit(subscription(hookUrl), token, 'Subscription');
    expect(create.status, JSON.stringify(create.body)).toBe(201);
    // The handshake reaches the hook and the subscription turns active.
    await until('an active subscription', async () => {
      const r = await fetch(`${gw.url}/fhir/Subscription/${create.body.id}`, { headers: { authorization: `Bearer ${token}` } });
      return ((await r.json()) as any).status === 'active' || undefined;
    });

    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W200P');
    const trace = bundle.entry[0].resource.identifier[0].value;
    const first = (await gw.submit(bundle, token)).body.entry[0].resource;
    expect(reviewCodes(first)).toContain('A4');

    const inquiry1 = await gw.submit(inquiryFor(trace, bundle), token, 'Claim/$inquire');
    expect(inquiry1.status, JSON.stringify(inquiry1.body)).toBe(200);
    expect(inquiry1.body.parameter).toHaveLength(1);
    expect(reviewCodes(inquiry1.body.parameter[0].resource.entry[0].resource)).toContain('A4');

    const [note] = await until('the decision notification', () => {
      const n = notificationsFor(first.id);
      return n.length ? n : undefined;
    });
    const status = note.entry[0].resource;
    expect(status.resourceType).toBe('Parameters');
    const cr = notifiedClaimResponse(note);
    expect(reviewCodes(cr)).toContain('A1');

    const inquiry2 = await gw.submit(inquiryFor(trace, bundle), token, 'Claim/$inquire');
    expect(reviewCodes(inquiry2.body.parameter[0].resource.entry[0].resource)).toContain('A1');
  });

  it('another organization\'s $inquire finds nothing of ours', async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W201A');
    await gw.submit(bundle, token);
    const other = await gw.token('demo-clinic-b');
    const r = await gw.submit(inquiryFor(bundle.entry[0].resource.identifier[0].value, bundle), other, 'Claim/$inquire');
    expect(r.status).toBe(200);
    expect(r.body.parameter ?? []).toHaveLength(0);
  });
});
