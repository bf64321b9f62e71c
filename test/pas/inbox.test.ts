/**
 * `POST /payer/x12` as an inbox (issue 15): what the payer sent and our acknowledgment commit in
 * one short transaction with a job; the job records each part once, however often it runs; a
 * failure on our side is retried and, at the last attempt, shown to staff with the unmatched
 * answers; the same interchange sent twice at once is processed once. And (review finding) a late
 * 999 stores under each request only that request's own set, never another patient's.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, type Db } from '../../src/db/client.ts';
import { jobsOfKind } from '../../src/db/queries/jobs.ts';
import { inboxParts, unprocessedInbox } from '../../src/db/queries/inbox.ts';
import { latestMessage, requestById } from '../../src/db/queries/requests.ts';
import { listUnmatched, messageById } from '../../src/db/queries/unmatched.ts';
import { auditEvents, jobs, messages, payerInbox } from '../../src/db/schema.ts';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { INBOX_JOB, inboxHandler, type InboxDeps } from '../../src/payers/inbox-job.ts';
import { receiveInterchanges } from '../../src/payers/inbox-receive.ts';
import { el } from '../../src/translate/index.ts';
import { RequestEvents } from '../../src/workflow/events.ts';
import { runClaimedJob } from '../../src/jobs/index.ts';
import { parseX12 } from '../../src/x12/index.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { approvalOf, payerInterchange, sent278 as sentStored278 } from '../helpers/payer-answers.ts';
import { x12File } from '../helpers/x12-files.ts';

let gw: TestGateway;
let token: string;
let secret: string;
const db = () => gw.database.db;

beforeAll(async () => {
  // The simulator holds pended answers: the tests deliver the decisions.
  gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '600000' });
  token = await gw.token();
  secret = (await issuePayerSecret(db(), 'demo-payer'))!;
}, 120_000);
afterAll(() => gw?.stop());

function post(body: string) {
  return fetch(`${gw.url}/payer/x12`, { method: 'POST', body, headers: { 'content-type': 'application/edi-x12', authorization: basicAuth('demo-payer', secret) } });
}

/** A pended request (member ending P), its id. */
async function pended(tag: string): Promise<string> {
  const r = await gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', `${tag}P`), token);
  expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
  return r.body.entry[0].resource.id;
}

const sent278 = (id: string) => sentStored278(db(), id);
const interchange = payerInterchange;
/** The payer's final approval of a request's 278, as an interchange numbered `isa13`. */
const approval = (id: string, isa13: number) => approvalOf(db(), id, isa13);

async function count(dbh: Db, query: ReturnType<typeof sql>): Promise<number> {
  const [r] = await rows<{ n: number }>(dbh, query);
  return Number(r!.n);
}
const transitions = (id: string, to: string) => count(db(), sql`select count(*)::int as n from audit_events where action = 'request.transition' and entity_id = ${id} and detail->>'to' = ${to}`);
/** The payer's messages stored for a request from one interchange of its. */
const answersOf = (id: string, isa13: string) => count(db(), sql`select count(*)::int as n from messages where request_id = ${id} and transaction_set = 'x12-in' and control_number = ${isa13}`);

/** The inbox jobs' handler as the worker has it, on this gateway. */
const deps = (over: Partial<InboxDeps> = {}): InboxDeps => ({ db: db(), log: gw.deps.log, senderId: gw.deps.config.x12SenderId, events: new RequestEvents(), lenient: () => [], ...over });

/** A database handle whose next `failures` transactions fail (a fault on our side), then behave. */
function flaky(real: Db, failures: number): Db {
  let left = failures;
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'transaction' && left > 0) {
        return () => {
          left--;
          return Promise.reject(new Error('connection reset (injected)'));
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Stores an interchange as the route does, without running its job (a crash right after the commit). */
async function receiveOnly(text: string) {
  const parsed = parseX12(text);
  const r = await receiveInterchanges({ db: db(), senderId: gw.deps.config.x12SenderId, now: new Date(), claimForMs: 3_600_000 }, { payerId: 'demo-payer', text, parsed, lenient: [] });
  expect(r.accepted, r.ack).toBe(true);
  return r;
}

describe('POST /payer/x12 stores, acknowledges, then records as a job', () => {
  it('the decision is recorded when the 999 comes back; the inbox row, our 999, the audit event and the job are stored; the job is done', async () => {
    const id = await pended('IB1');
    const res = await post(await approval(id, 7101));
    const ack = await res.text();
    expect(res.status, ack).toBe(200);
    expect(ack).toMatch(/AK9\*A\*1\*1\*1/);
    expect((await requestById(db(), id))!.status).toBe('certified');
    const [inbox] = await db().select().from(payerInbox).where(eq(payerInbox.controlNumber, '000007101'));
    expect(inbox!.processedAt).not.toBeNull();
    expect((await inboxParts(db(), inbox!.id)).map((p) => [p.part, p.outcome, p.requestId])).toEqual([['278:0.0', 'recorded', id]]);
    expect((await messageById(db(), inbox!.ackMessageId!))!.payload).toBe(ack);
    const received = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'payer.inbound'), eq(auditEvents.entityId, inbox!.messageId)));
    expect(received).toHaveLength(1);
    const job = (await jobsOfKind(db(), INBOX_JOB)).find((j) => j.payload['inboxId'] === inbox!.id);
    expect(job?.status).toBe('done');
  });

  it('a job run again after a crash (parts done, interchange not marked) records nothing twice', async () => {
    const id = await pended('IB2');
    const r = await receiveOnly(await approval(id, 7102));
    const handler = inboxHandler(deps());
    const first = r.jobs[0]!;
    expect(await runClaimedJob(db(), gw.deps.log, handler, first)).toEqual({ ok: true });
    expect((await requestById(db(), id))!.status).toBe('certified');
    // As if the process died after the last part committed: the interchange unmarked, the job claimable.
    await db().update(payerInbox).set({ processedAt: null }).where(eq(payerInbox.controlNumber, '000007102'));
    await db().update(jobs).set({ status: 'ready' }).where(eq(jobs.id, first.id));
    // Two runs at once (a worker whose lock outlived the first, and another): still once.
    const again = await Promise.all([0, 1].map(async () => handler({ ...first, attempts: first.attempts + 1 })));
    expect(again.every((o) => o.ok)).toBe(true);
    expect(await transitions(id, 'certified')).toBe(1);
    expect(await answersOf(id, '000007102')).toBe(1);
    expect(await unprocessedInbox(db())).toBe(0);
  });

  it('a failure on our side is retried, never lost: the first run fails, the job is ready again, the next run records', async () => {
    const id = await pended('IB3');
    const r = await receiveOnly(await approval(id, 7103));
    const job = r.jobs[0]!;
    const failed = await runClaimedJob(db(), gw.deps.log, inboxHandler(deps({ db: flaky(db(), 1) })), job);
    expect(failed).toMatchObject({ ok: false, retryable: true });
    const [row] = await db().select().from(jobs).where(eq(jobs.id, job.id));
    expect(row!.status).toBe('ready');
    expect((await requestById(db(), id))!.status).toBe('pended');
    await db().update(jobs).set({ runAt: new Date(0) }).where(eq(jobs.id, job.id));
    // The gateway's own worker takes it from here.
    gw.deps.services!.wake();
    for (const end = Date.now() + 15_000; Date.now() < end && (await requestById(db(), id))!.status === 'pended'; ) await new Promise((s) => setTimeout(s, 100));
    expect((await requestById(db(), id))!.status).toBe('certified');
    expect(await transitions(id, 'certified')).toBe(1);
  });

  it('a part that still fails at the job\'s last attempt goes to the unmatched answers staff see, audited, and the job ends', async () => {
    const id = await pended('IB4');
    const r = await receiveOnly(await approval(id, 7104));
    // As a worker claims it for its last attempt.
    const [job] = await db().update(jobs).set({ attempts: sql`max_attempts` }).where(eq(jobs.id, r.jobs[0]!.id)).returning();
    expect(job!.attempts).toBe(job!.maxAttempts);
    expect(await runClaimedJob(db(), gw.deps.log, inboxHandler(deps({ db: flaky(db(), 1) })), { ...job!, payload: r.jobs[0]!.payload })).toEqual({ ok: true });
    const waiting = (await listUnmatched(db(), { scope: null, openOnly: true, limit: 50 })).filter((u) => u.controlNumber === '000007104');
    expect(waiting.map((u) => u.reason)).toEqual(['failed']);
    const [stored] = await db().select().from(messages).where(eq(messages.id, waiting[0]!.messageId));
    expect(stored!.requestId).toBeNull();
    const audited = await db().select().from(auditEvents).where(and(eq(auditEvents.action, 'payer.unmatched'), eq(auditEvents.entityId, waiting[0]!.messageId)));
    expect(audited).toHaveLength(1);
    expect(await unprocessedInbox(db())).toBe(0);
  });

  it('the same interchange sent twice at once: one 999 accepting it, one TA1 025; recorded once', async () => {
    const id = await pended('IB5');
    const text = await approval(id, 7105);
    const answers = await Promise.all([post(text), post(text)].map(async (p) => (await p).text()));
    expect(answers.filter((a) => /AK9\*A\*1\*1\*1/.test(a)), answers.join('\n')).toHaveLength(1);
    expect(answers.filter((a) => /TA1\*000007105\*\d+\*\d+\*R\*025/.test(a)), answers.join('\n')).toHaveLength(1);
    expect(await db().select().from(payerInbox).where(eq(payerInbox.controlNumber, '000007105'))).toHaveLength(1);
    expect(await transitions(id, 'certified')).toBe(1);
  });
});

describe('a lenient payer\'s 278 with ISA11 U (the 004010 standards identifier)', () => {
  it('is accepted with TA1 E, and its set is kept for staff as it came (it used to be a 500 when stored)', async () => {
    const lenient = ['isa11-standards-identifier'];
    const text = x12File('envelope-4010-isa11-u.x12').text.replaceAll('000009102', '000007107');
    const r = await receiveInterchanges({ db: db(), senderId: gw.deps.config.x12SenderId, now: new Date(), claimForMs: 3_600_000 }, { payerId: 'demo-payer', text, parsed: parseX12(text, { lenient }), lenient });
    expect(r.ack).toMatch(/TA1\*000007107\*\d+\*\d+\*E\*/);
    expect(await runClaimedJob(db(), gw.deps.log, inboxHandler(deps({ lenient: () => lenient })), r.jobs[0]!)).toEqual({ ok: true });
    const [waiting] = (await listUnmatched(db(), { scope: null, openOnly: true, limit: 50 })).filter((u) => u.controlNumber === '000007107');
    expect(waiting?.reason).toBe('no-match');
    expect((await messageById(db(), waiting!.messageId))!.payload).toMatch(/^ISA\*00\*.{10}\*00\*.{10}\*ZZ\*ACMEHEALTH     \*ZZ\*PROVIDERSYS    \*250115\*1030\*U\*00501\*000007107\*0\*T\*:~GS\*HI/);
  });
});

describe('late 999s keep only their own set per request (PHI across requests)', () => {
  it('one interchange rejecting two requests\' 278s: each request stores one 999 set, naming its own group only', async () => {
    const ids = [await pended('IB6'), await pended('IB7')];
    const sets = await Promise.all(ids.map(async (id) => {
      const { group, tx } = await sent278(id);
      return { setId: '999', segments: [
        { tag: 'AK1', elements: ['HI', group.controlNumber, '005010X217'] },
        { tag: 'AK2', elements: ['278', tx.controlNumber, '005010X217'] },
        { tag: 'IK5', elements: ['R', '5'] },
        { tag: 'AK9', elements: ['R', '1', '1', '0'] },
      ] };
    }));
    const text = interchange([{ functionalId: 'FA', applicationSender: 'DEMOPAYER', applicationReceiver: 'PRIORGATE', version: '005010X231A1', transactions: sets }], 7106);
    const res = await post(text);
    expect(res.status).toBe(200);
    for (const [i, id] of ids.entries()) {
      expect((await requestById(db(), id))!.status).toBe('rejected');
      const stored = parseX12((await latestMessage(db(), id, 'x12-in'))!.payload);
      const only = stored.interchanges[0]!.groups;
      expect(only).toHaveLength(1);
      expect(only[0]!.transactions).toHaveLength(1);
      const ak1 = only[0]!.transactions[0]!.segments.find((s) => s.tag === 'AK1')!;
      expect(el(ak1, 2)).toBe(el(sets[i]!.segments[0]!, 2));
      expect(stored.interchanges[0]!.controlNumber).toBe('000007106');
    }
  });
});
