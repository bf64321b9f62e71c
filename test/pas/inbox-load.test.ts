/**
 * Issue 15 under load: many payers' decisions at once, while the decisions' Subscription
 * notifications are being delivered. Every POST gets a 200 with its acknowledgment (never a 5xx
 * from our own contention), every decision is recorded exactly once and notified once, and running
 * every inbox job again records nothing. Meant for Postgres (TEST_DATABASE_URL), where the
 * transactions really overlap; on the embedded store the same holds with them taking turns.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { jobsOfKind } from '../../src/db/queries/jobs.ts';
import { latestMessage } from '../../src/db/queries/requests.ts';
import { payerInbox } from '../../src/db/schema.ts';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { INBOX_JOB, inboxHandler } from '../../src/payers/inbox-job.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { respond278 } from '../../src/sim/decide-278.ts';
import { RequestEvents } from '../../src/workflow/events.ts';
import { InMemoryControlNumbers, parseX12, writeX12 } from '../../src/x12/index.ts';
import { usingPostgres } from '../helpers/db.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { notifiedClaimResponse, pasSubscription, receiver, type Receiver } from '../notify/helpers.ts';

const N = usingPostgres ? 50 : 20;
let gw: TestGateway;
let token: string;
let secret: string;
let hook: Receiver;
const db = () => gw.database.db;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '600000' });
  token = await gw.token();
  secret = (await issuePayerSecret(db(), 'demo-payer'))!;
  // A slow hook: notifications are still being delivered while the next decisions arrive.
  hook = await receiver([200], { delayMs: 50 });
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  await hook?.close();
});

async function count(query: ReturnType<typeof sql>): Promise<number> {
  const [r] = await rows<{ n: number }>(db(), query);
  return Number(r!.n);
}

describe(`${N} late decisions pushed at once while notifications run (${usingPostgres ? 'Postgres' : 'embedded store'})`, () => {
  it('every POST gets a 200 with its 999; every decision recorded once and notified once; jobs run again record nothing', async () => {
    const sub = await gw.submit(pasSubscription('1234567893', hook.url), token, 'Subscription');
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    for (let end = Date.now() + 15_000; Date.now() < end; await sleep(100)) {
      const r = await fetch(`${gw.url}/fhir/Subscription/${sub.body.id}`, { headers: { authorization: `Bearer ${token}` } });
      if (((await r.json()) as { status?: string }).status === 'active') break;
    }

    // N pended requests (member ending P), five submissions at a time.
    const ids: string[] = [];
    for (let i = 0; i < N; i += 5) {
      const batch = await Promise.all(Array.from({ length: Math.min(5, N - i) }, (_, k) => gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', `LD${i + k}P`), token)));
      for (const r of batch) {
        expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
        ids.push(r.body.entry[0].resource.id);
      }
    }
    const finals = await Promise.all(ids.map(async (id, i) => {
      const tx = parseX12((await latestMessage(db(), id, 'x12-278-request'))!.payload).interchanges[0]!.groups[0]!.transactions[0]!;
      return writeX12(
        { sender: { qualifier: 'ZZ', id: 'DEMOPAYER' }, receiver: { qualifier: 'ZZ', id: 'PRIORGATE' }, usage: 'T', groups: [{ functionalId: 'HI', applicationSender: 'DEMOPAYER', applicationReceiver: 'PRIORGATE', version: '005010X217', transactions: [{ setId: '278', segments: respond278(bodyOf(tx), { now: new Date(), authNumber: `LOAD${i}`, final: true }) }] }] },
        { controlNumbers: new InMemoryControlNumbers(60_000 + i), now: new Date() },
      );
    }));

    const started = performance.now();
    const answers = await Promise.all(finals.map(async (body) => {
      const res = await fetch(`${gw.url}/payer/x12`, { method: 'POST', body, headers: { 'content-type': 'application/edi-x12', authorization: basicAuth('demo-payer', secret) } });
      return { status: res.status, text: await res.text() };
    }));
    const ms = Math.round(performance.now() - started);
    for (const a of answers) {
      expect(a.status, a.text.slice(0, 300)).toBe(200);
      expect(a.text).toMatch(/AK9\*A\*1\*1\*1/);
    }
    // Our acknowledgments are numbered from the sequence: never one number twice.
    const isa13s = answers.map((a) => parseX12(a.text).interchanges[0]!.controlNumber);
    expect(new Set(isa13s).size).toBe(N);
    gw.deps.log.info({ posts: N, ms }, 'inbox load');

    const idList = sql.join(ids.map((id) => sql`${id}`), sql`, `);
    const settled = () => count(sql`select count(*)::int as n from requests where id in (${idList}) and status = 'certified'`);
    expect(await settled()).toBe(N);
    const once = () => count(sql`select count(*)::int as n from (select entity_id from audit_events where action = 'request.transition' and detail->>'to' = 'certified' and entity_id in (${idList}) group by entity_id having count(*) = 1) t`);
    expect(await once()).toBe(N);
    expect(await count(sql`select count(*)::int as n from payer_inbox_parts where outcome = 'recorded' and request_id in (${idList})`)).toBe(N);
    const inboxJobs = (await jobsOfKind(db(), INBOX_JOB)).filter((j) => j.status !== 'done');
    expect(inboxJobs).toEqual([]);

    // Each decision notified once (the notifications were running while the POSTs came in).
    const notified = () => new Set(hook.received.map((r) => (r.body?.type === 'history' ? notifiedClaimResponse(r.body)?.id : undefined)).filter((x): x is string => ids.includes(x!)));
    for (const end = Date.now() + 60_000; Date.now() < end && notified().size < N; ) await sleep(200);
    expect(notified().size).toBe(N);
    expect(await count(sql`select count(*)::int as n from subscription_events where request_id in (${idList})`)).toBe(N);

    // Every inbox job run again, all at once (as after a crash of every process): nothing recorded twice.
    const stored = () => count(sql`select count(*)::int as n from messages where request_id in (${idList})`);
    const before = await stored();
    await db().update(payerInbox).set({ processedAt: null });
    const handler = inboxHandler({ db: db(), log: gw.deps.log, senderId: gw.deps.config.x12SenderId, events: new RequestEvents(), lenient: () => [] });
    const again = await Promise.all((await jobsOfKind(db(), INBOX_JOB)).map((j) => handler(j)));
    expect(again.every((o) => o.ok)).toBe(true);
    expect(await once()).toBe(N);
    expect(await stored()).toBe(before);
    expect(await count(sql`select count(*)::int as n from subscription_events where request_id in (${idList})`)).toBe(N);
  }, 300_000);
});
