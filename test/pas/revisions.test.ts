/**
 * Updates and cancels of a request in every state it can be in have a defined answer, never a 5xx
 * (issue 13 #6), and an update's answer carries the current result of every item it submitted
 * (PAS spec-46). Real gateway, payer simulator over loopback.
 */
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/db/schema.ts';
import { revisionPlan } from '../../src/workflow/revisions.ts';
import { STATES } from '../../src/workflow/states.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { revisionOf } from '../helpers/pas-updates.ts';

let gw: TestGateway;
let token: string;
const statusOf = async (id: string) => (await gw.database.db.select().from(requests).where(eq(requests.id, id)))[0]!.status;
const sequencesOf = (cr: any) => (cr.item ?? []).map((i: any) => i.itemSequence);

/** The IG referral example: a consultation the demo payer's rules exempt (answered here, NA, no 278). */
function referral(tag: string): any {
  const b = JSON.parse(readFileSync(`${PAS_EXAMPLES}/Bundle-ReferralAuthorizationBundleExample.json`, 'utf8'));
  b.identifier.value = `ref-${tag}`;
  const claim = b.entry[0].resource;
  claim.id = `Referral-${tag}`;
  b.entry[0].fullUrl = `http://example.org/fhir/Claim/${claim.id}`;
  claim.identifier[0].value = `RF${tag}`.replace(/[^0-9A-Za-z]/g, '');
  return b;
}

beforeAll(async () => {
  gw = await testGateway();
  token = await gw.token();
});
afterAll(() => gw.stop());

describe('revisionPlan: a defined answer to update and cancel in every state', () => {
  it('covers every state, sent or not, with send, cancel-here or refuse', () => {
    for (const status of STATES) {
      for (const sentToPayer of [false, true]) {
        for (const kind of ['update', 'cancel'] as const) {
          expect(['send', 'cancel-here', 'refuse']).toContain(revisionPlan(kind, { status, sentToPayer }));
        }
      }
    }
    expect(revisionPlan('cancel', undefined)).toBe('send');
    expect(revisionPlan('cancel', { status: 'certified', sentToPayer: false })).toBe('cancel-here');
    expect(revisionPlan('cancel', { status: 'certified', sentToPayer: true })).toBe('send');
    expect(revisionPlan('cancel', { status: 'queued', sentToPayer: false })).toBe('cancel-here');
    expect(revisionPlan('cancel', { status: 'rejected', sentToPayer: true })).toBe('cancel-here');
    expect(revisionPlan('update', { status: 'cancelled', sentToPayer: true })).toBe('refuse');
    expect(revisionPlan('cancel', { status: 'cancelled', sentToPayer: true })).toBe('cancel-here');
  });
});

describe('cancel and update over HTTP', () => {
  it('issue 13 #6: cancelling a request answered here (no authorization needed, nothing sent) is confirmed here — 200, C on every item, both cancelled', async () => {
    const original = referral('na1');
    const first = await gw.submit(original, token);
    expect(first.status, JSON.stringify(first.body).slice(0, 300)).toBe(200);
    expect(reviewCodes(first.body.entry[0].resource)).toEqual(['NA']);
    const stats1 = await (await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json();

    const cancel = revisionOf(original, { tag: 'cx', cancelAll: true });
    const r = await gw.submit(cancel, token);
    expect(r.status, JSON.stringify(r.body).slice(0, 600)).toBe(200);
    const cr = r.body.entry[0].resource;
    expect(reviewCodes(cr)).toEqual(['C']);
    expect(sequencesOf(cr)).toEqual([1]);
    expect(await statusOf(cr.id)).toBe('cancelled');
    expect(await statusOf(first.body.entry[0].resource.id)).toBe('cancelled');
    // Nothing went to the payer: it never had the request.
    const stats2 = await (await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json();
    expect(stats2.decided).toBe(stats1.decided);
  });

  it('cancelling an already cancelled request answers C again; updating it is refused with 409 and an OperationOutcome', async () => {
    const original = referral('na2');
    await gw.submit(original, token);
    expect((await gw.submit(revisionOf(original, { tag: 'c1', cancelAll: true }), token)).status).toBe(200);
    const again = await gw.submit(revisionOf(original, { tag: 'c2', cancelAll: true }), token);
    expect(again.status, JSON.stringify(again.body).slice(0, 400)).toBe(200);
    expect(reviewCodes(again.body.entry[0].resource)).toEqual(['C']);
    const update = await gw.submit(revisionOf(original, { tag: 'u1', change: [{ sequence: 1, apply: (i) => (i.quantity = { value: 2, unit: 'visit' }) }] }), token);
    expect(update.status).toBe(409);
    expect(update.body.resourceType).toBe('OperationOutcome');
    expect(update.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.related']);
  });

  it('cancelling a request the payer rejected (AAA) is confirmed here: the payer has no case to cancel', async () => {
    const original = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W310R');
    const first = (await gw.submit(original, token)).body.entry[0].resource;
    expect(first.outcome).toBe('error');
    const r = await gw.submit(revisionOf(original, { tag: 'cx', cancelAll: true }), token);
    expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
    expect(reviewCodes(r.body.entry[0].resource)).toContain('C');
  });

  it('spec-46: cancelling a certified request goes to the payer, whose C answers every submitted item; the original is cancelled', async () => {
    const original = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W311A');
    const first = (await gw.submit(original, token)).body.entry[0].resource;
    expect(reviewCodes(first)).toContain('A1');
    const r = await gw.submit(revisionOf(original, { tag: 'cx', cancelAll: true }), token);
    expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
    const cr = r.body.entry[0].resource;
    expect(sequencesOf(cr)).toEqual(original.entry[0].resource.item.map((i: any) => i.sequence));
    expect(new Set(reviewCodes(cr))).toEqual(new Set(['C']));
    expect(await statusOf(first.id)).toBe('cancelled');
  });

  it('spec-46 spec-34: an update that adds an item answers every submitted item — the unchanged one with its current result', async () => {
    const original = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W312A');
    const first = (await gw.submit(original, token)).body.entry[0].resource;
    const submitted = original.entry[0].resource.item;
    const extra = { ...structuredClone(submitted[0]), sequence: Math.max(...submitted.map((i: any) => i.sequence)) + 1 };
    const update = revisionOf(original, { tag: 'ad', add: [extra] });
    const r = await gw.submit(update, token);
    expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
    const cr = r.body.entry[0].resource;
    expect(sequencesOf(cr)).toEqual(update.entry[0].resource.item.map((i: any) => i.sequence));
    // The unchanged line's result is the one the original request got (its authorization number).
    const firstAuth = JSON.stringify(first.item[0].adjudication);
    expect(JSON.stringify(cr.item[0].adjudication)).toBe(firstAuth);
  });
});
