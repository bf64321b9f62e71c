/**
 * A COMMIT whose answer is lost (the network failing between the gateway and Postgres after the
 * COMMIT was sent) on the `$submit` path: the gateway looks for the row only that transaction
 * writes before it calls the transaction failed. The acceptance's COMMIT landed: the provider gets
 * the payer's decision, not a 500, and the request exists once. The COMMIT recording the payer's
 * answer landed: the request is decided, and the 278 is not sent again (the answer's row is found;
 * and were it not, a job marked done by that COMMIT is not rescheduled by the failed attempt).
 * And a payer's late decision to `POST /payer/x12` whose inbox COMMIT landed: the payer gets its
 * acknowledgment, not a 5xx, and the decision is recorded once.
 * Postgres only: the gateway reaches it through a proxy that cuts the connection after forwarding
 * a chosen COMMIT; the payer simulator answers over real HTTP.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { usingPostgres } from '../helpers/db.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { approvalOf } from '../helpers/payer-answers.ts';
import { commitCuttingProxy, type CommitCuttingProxy } from '../helpers/pg-proxy.ts';

describe.skipIf(!usingPostgres)('a COMMIT whose answer is lost on the way back (Postgres)', () => {
  let gw: TestGateway;
  let proxy: CommitCuttingProxy;
  let token: string;
  beforeAll(async () => {
    gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '0', PRIORGATE_SYNC_WAIT_MS: '15000' }, { via: async (url) => (proxy = await commitCuttingProxy(url)).url });
    token = await gw.token();
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await proxy?.close();
  });

  const requestCount = async () => (await rows<{ n: number }>(gw.database.db, sql`select count(*)::int as n from requests`))[0]!.n;

  /** The requests stored, and for the newest: its state, its delivery job, the 278s written and the payer's answers. */
  async function stored() {
    const all = await rows<{ id: string; status: string }>(gw.database.db, sql`select id, status from requests order by created_at desc`);
    const newest = all[0]!;
    const [job] = await rows<{ status: string; attempts: number }>(gw.database.db, sql`select status, attempts from jobs where request_id = ${newest.id} and kind = 'payer.deliver'`);
    const [messages] = await rows<{ out: number; answers: number }>(
      gw.database.db,
      sql`select count(*) filter (where direction = 'out' and format = 'x12')::int as out, count(*) filter (where direction = 'in' and format = 'x12')::int as answers from messages where request_id = ${newest.id}`,
    );
    return { requests: all.length, status: newest.status, job, ...messages };
  }

  it('answers the payer\'s decision when the acceptance committed but its COMMIT\'s answer was lost', async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W100A');
    const cuts = proxy.cuts();
    const requests = await requestCount();
    proxy.cutNextCommit(/insert into "requests"/);
    const res = await gw.submit(bundle, token);
    expect(proxy.cuts() - cuts, 'the acceptance COMMIT was cut').toBe(1);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    expect(res.body.resourceType).toBe('Bundle');
    expect(reviewCodes(res.body.entry[0].resource)).toContain('A1');
    expect(await stored()).toMatchObject({ requests: requests + 1, status: 'certified', job: { status: 'done', attempts: 1 }, out: 1, answers: 1 });
  }, 60_000);

  it('keeps the payer\'s answer recorded and sends no second 278 when the answer\'s COMMIT landed but its answer was lost', async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W100A');
    // The answer's transaction is the one that moves the request to certified (the statements are
    // prepared by then: the state is among a statement's values, not in its text).
    const cuts = proxy.cuts();
    const requests = await requestCount();
    proxy.cutNextCommit(/certified/);
    const res = await gw.submit(bundle, token);
    expect(proxy.cuts() - cuts, 'the answer COMMIT was cut').toBe(1);
    expect(res.status).toBe(200);
    expect(reviewCodes(res.body.entry[0].resource)).toContain('A1');
    // Had the attempt been called failed, the job would be rescheduled and the 278 sent again.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stored()).toMatchObject({ requests: requests + 1, status: 'certified', job: { status: 'done', attempts: 1 }, out: 1, answers: 1 });
  }, 60_000);

  // The COMMIT did not land: held back by the network while the session that holds the transaction
  // lives on. The gateway ends that session before it looks for the row: the 503 it answers then
  // (send it again) means nothing was stored, and the COMMIT, delivered late, finds no session to commit in (else
  // the request would exist although the provider was told it failed).
  it('answers 503 (send again) with nothing stored when the acceptance COMMIT never landed: the session holding it is ended first, the late COMMIT lands nowhere', async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W101A');
    const cuts = proxy.cuts();
    const late = proxy.lateCommits();
    const requests = await requestCount();
    proxy.cutNextCommit(/insert into "requests"/, { heldMs: 2500 });
    const res = await gw.submit(bundle, token);
    expect(proxy.cuts() - cuts, 'the acceptance COMMIT was held back').toBe(1);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(503);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('transient');
    // Past the moment the held COMMIT is delivered: it found no session to commit.
    await new Promise((r) => setTimeout(r, 3500));
    expect(proxy.lateCommits() - late, 'the held COMMIT reached a live session').toBe(0);
    expect(await requestCount(), 'nothing stored').toBe(requests);
    // The provider asks again: one request.
    const again = await gw.submit(bundle, token);
    expect(again.status).toBe(200);
    expect(reviewCodes(again.body.entry[0].resource)).toContain('A1');
    expect(await stored()).toMatchObject({ requests: requests + 1, status: 'certified', out: 1, answers: 1 });
  }, 60_000);
});

describe.skipIf(!usingPostgres)('a payer delivery whose inbox COMMIT\'s answer is lost (Postgres)', () => {
  let gw: TestGateway;
  let proxy: CommitCuttingProxy;
  beforeAll(async () => {
    // The simulator holds pended answers: the test delivers the decision.
    gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '600000' }, { via: async (url) => (proxy = await commitCuttingProxy(url)).url });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await proxy?.close();
  });

  it('acknowledges the delivery it stored (not a 5xx) and records the decision once', async () => {
    const token = await gw.token();
    const secret = (await issuePayerSecret(gw.database.db, 'demo-payer'))!;
    const pended = await gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', 'IC1P'), token);
    expect(pended.status).toBe(200);
    const id = pended.body.entry[0].resource.id as string;
    const body = await approvalOf(gw.database.db, id, 7301);
    const cuts = proxy.cuts();
    proxy.cutNextCommit(/payer_inbox/);
    const res = await fetch(`${gw.url}/payer/x12`, { method: 'POST', body, headers: { 'content-type': 'application/edi-x12', authorization: basicAuth('demo-payer', secret) } });
    const ack = await res.text();
    expect(proxy.cuts() - cuts, 'the inbox COMMIT was cut').toBe(1);
    expect(res.status, ack.slice(0, 300)).toBe(200);
    expect(ack).toMatch(/AK9\*A\*1\*1\*1/);
    const [stored] = await rows<{ inbox: number; status: string }>(
      gw.database.db,
      sql`select (select count(*)::int from payer_inbox where control_number = '000007301') as inbox, (select status from requests where id = ${id}) as status`,
    );
    expect(stored).toMatchObject({ inbox: 1, status: 'certified' });
  }, 60_000);
});
