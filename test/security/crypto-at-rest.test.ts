/**
 * Encryption at rest, end to end on a real gateway (PGlite, or Postgres with TEST_DATABASE_URL):
 * after a prior authorization, a pended one decided later and notified by rest-hook, and an
 * eligibility check, no column of any table holds the patient's name, member id, birth date or
 * street in plaintext — read with raw SQL, the way someone holding a database dump would — while
 * the API still answers with the data, `$inquire` still finds the request by member id, and staff
 * search still finds it by a whole member id.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { messagesOf, worklist } from '../../src/db/queries/staff.ts';
import { requestById } from '../../src/db/queries/requests.ts';
import { eligibilityGateway, type EligibilityGateway } from '../eligibility/gateway.ts';
import { inquiryFor, reviewCodes } from '../helpers/gateway.ts';
import { canary, eligibilityWithCanary, needles, pasSubscription, pasWithCanary, scanForPlaintext, textColumns, until, type Canary } from './crypto-kit.ts';
import { receiver, type Receiver } from '../notify/helpers.ts';

let gw: EligibilityGateway;
let token: string;
let hook: Receiver;
const approved = canary('PA');
const pended = canary('PP', 'P');
const eligible = canary('EL');
let approvedId: string;
let approvedClaimIdentifier: string;
let pendedId: string;
let eligibilityId: string;
let eligibilityRequest: any;

let approvedRequest: any;
/** The subscriber's credential for its rest-hook: not PHI, but a secret a dump must not show either. */
const HOOK_SECRET = 'Bearer CNRYHOOKSECRET7';

/**
 * An inquiry about the approved request, naming the member the way it is given (PAS spec-53: the
 * member id is a required criterion, so the keyed-hash lookup is what finds the request).
 */
function inquiryByMember(memberId: string, claimIdentifier = approvedClaimIdentifier): any {
  const b = inquiryFor(claimIdentifier, approvedRequest);
  for (const e of b.entry) {
    const r = e.resource;
    if (r.resourceType === 'Coverage') r.subscriberId = memberId;
    if (r.resourceType === 'Patient') r.identifier = [{ system: 'http://example.org/MIN', value: memberId }];
  }
  return b;
}

beforeAll(async () => {
  gw = await eligibilityGateway({ PRIORGATE_SIM_PEND_MS: '800' });
  token = await gw.token();
  hook = await receiver();
  const subscription = pasSubscription(hook.url) as any;
  subscription.channel.header = [`Authorization: ${HOOK_SECRET}`];
  const sub = await gw.submit(subscription, token, 'Subscription');
  expect(sub.status, JSON.stringify(sub.body)).toBe(201);
  await until('an active subscription', async () => {
    const r = await fetch(`${gw.url}/fhir/Subscription/${sub.body.id}`, { headers: { authorization: `Bearer ${token}` } });
    return ((await r.json()) as any).status === 'active' || undefined;
  });

  const a = pasWithCanary(approved);
  approvedRequest = a;
  approvedClaimIdentifier = a.entry[0].resource.identifier[0].value;
  const r1 = await gw.submit(a, token);
  expect(r1.status, JSON.stringify(r1.body).slice(0, 500)).toBe(200);
  approvedId = r1.body.entry[0].resource.id;
  expect(reviewCodes(r1.body.entry[0].resource)).toContain('A1');

  const r2 = await gw.submit(pasWithCanary(pended), token);
  pendedId = r2.body.entry[0].resource.id;
  expect(reviewCodes(r2.body.entry[0].resource)).toContain('A4');
  // The payer's later approval is notified: its job payload carries the whole response Bundle.
  await until('the notification of the pended decision', () => hook.received.some((r) => JSON.stringify(r.body).includes(pendedId)) || undefined);

  eligibilityRequest = eligibilityWithCanary(eligible);
  const r3 = await gw.check(eligibilityRequest, token);
  expect(r3.status, JSON.stringify(r3.body).slice(0, 500)).toBe(200);
  eligibilityId = r3.body.entry[0].resource.id;
  expect(r3.body.entry[0].resource.insurance[0].inforce).toBe(true);
});
afterAll(async () => {
  await hook?.close();
  await gw?.stop();
});

describe('encryption at rest: what a database dump shows', () => {
  it('no column of any table holds the canary name, member id, birth date or street', async () => {
    const db = gw.database.db;
    const columns = (await textColumns(db)).map((c) => `${c.table}.${c.column}`);
    // The scan covers the columns that carry PHI in plaintext without encryption.
    expect(columns).toEqual(expect.arrayContaining(['messages.payload', 'requests.summary', 'requests.summary_phi', 'jobs.payload', 'audit_events.detail', 'request_items.detail', 'subscriptions.resource']));
    // Control: the scan does see clear values (the Claim identifier stays clear for search).
    expect(await scanForPlaintext(db, [approvedClaimIdentifier])).toContain(`requests.summary: ${approvedClaimIdentifier}`);
    const hits = await scanForPlaintext(db, [...[approved, pended, eligible].flatMap(needles), HOOK_SECRET]);
    expect(hits, hits.join('\n')).toEqual([]);
    // ...while the rest-hook got it with every POST.
    expect(hook.received.length).toBeGreaterThanOrEqual(2);
    expect(hook.received.map((r) => r.headers.authorization)).toEqual(hook.received.map(() => HOOK_SECRET));
  });

  it('every payload, summary PHI, job payload and rest-hook header list is an envelope under the current key', async () => {
    const db = gw.database.db;
    const kid = gw.dataKeys.cipher.ring.currentId;
    const [m] = await rows<{ all: number; sealed: number }>(db, sql`select count(*)::int as all, count(*) filter (where payload like ${`v1.${kid}.%`})::int as sealed from messages`);
    expect(m!.all).toBeGreaterThanOrEqual(8);
    expect(m!.sealed).toBe(m!.all);
    const reqs = await rows<{ id: string; summary_phi: string | null; summary: Record<string, unknown> | string; member_id_hashes: string[] | string }>(
      db,
      sql`select id, summary_phi, summary, member_id_hashes from requests where id in (${approvedId}, ${pendedId}, ${eligibilityId})`,
    );
    expect(reqs).toHaveLength(3);
    for (const r of reqs) {
      expect(r.summary_phi).toMatch(new RegExp(`^v1\\.${kid}\\.`));
      const summary = typeof r.summary === 'string' ? JSON.parse(r.summary) : r.summary;
      expect(summary).not.toHaveProperty('memberIds');
      expect(String(r.member_id_hashes)).not.toContain('CNRY');
    }
    const [j] = await rows<{ all: number; sealed: number }>(
      db,
      sql`select count(*)::int as all, count(*) filter (where payload->>'$enc' like ${`v1.${kid}.%`})::int as sealed from jobs where payload <> '{}'::jsonb`,
    );
    expect(j!.all).toBeGreaterThanOrEqual(2); // the handshake and the decision notification
    expect(j!.sealed).toBe(j!.all);
    const [sub] = await rows<{ channel_headers: string | null }>(db, sql`select channel_headers from subscriptions`);
    expect(sub!.channel_headers).toMatch(new RegExp(`^v1\\.${kid}\\.`));
  });
});

describe('encryption at rest: callers still see plaintext', () => {
  it('the ClaimResponse read and a repeated eligibility check answer with the stored data', async () => {
    const res = await fetch(`${gw.url}/fhir/ClaimResponse/${approvedId}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    expect(reviewCodes(JSON.parse(text))).toContain('A1');
    const again = await gw.check(eligibilityRequest, token);
    expect(again.status).toBe(200);
    expect(again.body.entry[0].resource.id).toBe(eligibilityId);
  });

  it('the query layer hands back plaintext: the summary whole, the payloads as received', async () => {
    const row = await requestById(gw.database.db, approvedId);
    expect(row!.summary).toMatchObject({ memberIds: expect.arrayContaining([approved.memberId]), claimIdentifier: approvedClaimIdentifier });
    const msgs = await messagesOf(gw.database.db, approvedId);
    const request = JSON.parse(msgs.find((m) => m.transactionSet === 'pas-request')!.payload);
    expect(JSON.stringify(request)).toContain(approved.family);
    expect(msgs.find((m) => m.transactionSet === 'x12-278-request')!.payload).toMatch(new RegExp(`NM1\\*IL\\*1\\*${approved.family.toUpperCase()}\\*`, 'i'));
  });

  it('spec-53: $inquire finds the request by its member id (keyed hash), however the id is cased or spaced; another member id finds nothing', async () => {
    for (const asked of [approved.memberId, `  ${approved.memberId.toLowerCase()} `]) {
      const r = await gw.submit(inquiryByMember(asked), token, 'Claim/$inquire');
      expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
      const ids = (r.body.parameter ?? []).map((p: any) => p.resource.entry[0].resource.id);
      expect(ids).toEqual([approvedId]);
    }
    const none = await gw.submit(inquiryByMember('CNRYNOBODY0A'), token, 'Claim/$inquire');
    expect(none.body.parameter ?? []).toEqual([]);
  });

  it('staff search finds a request by a whole member id (any case), not by a fragment of one', async () => {
    const search = async (text: string) =>
      (await worklist(gw.database.db, { scope: null, text, memberIdSearch: true, sort: 'submitted', dir: 'desc', limit: 50, offset: 0, now: new Date() })).rows.map((r) => r.id);
    expect(await search(approved.memberId.toLowerCase())).toEqual([approvedId]);
    expect(await search(eligible.memberId)).toEqual([eligibilityId]);
    expect(await search(approved.memberId.slice(0, 8))).toEqual([]);
    // Clear identifiers keep substring search.
    expect(await search(approvedClaimIdentifier.slice(-12))).toContain(approvedId);
  });
});

export type { Canary };
