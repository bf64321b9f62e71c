/**
 * What one synchronous `$submit` costs the database (issue 15: "a short, cheap $submit"), counted
 * by the gateway itself (src/db/stats.ts) and told in the Server-Timing header: every statement the
 * request's own work sends — the acceptance transaction, the first delivery attempt run by the
 * accepting process right after its commit, the answer's transaction — and the commits that write.
 * The demo payer simulator answers over real HTTP (CORE SOAP); runs on both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { inquiryFor, pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { rows } from '../../src/db/client.ts';

let gw: TestGateway;
let token: string;
beforeAll(async () => {
  gw = await testGateway({ PRIORGATE_SERVER_TIMING: '1', PRIORGATE_SIM_PEND_MS: '0', PRIORGATE_SYNC_WAIT_MS: '15000' });
  token = await gw.token();
}, 120_000);
afterAll(() => gw?.stop());

async function submitCounted(bundle: unknown, op = 'Claim/$submit'): Promise<{ status: number; body: any; statements: number; commits: number }> {
  return counted(
    await fetch(`${gw.url}/fhir/${op}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(bundle),
    }),
  );
}

async function counted(res: Response): Promise<{ status: number; body: any; statements: number; commits: number }> {
  const timing = res.headers.get('server-timing') ?? '';
  const m = /db;desc="statements=(\d+) commits=(\d+)"/.exec(timing);
  if (!m) throw new Error(`no db Server-Timing: ${timing}`);
  return { status: res.status, body: await res.json(), statements: Number(m[1]), commits: Number(m[2]) };
}


describe('the cost of a synchronous $submit', () => {
  it('accepts in one commit and records the answer in one more: at most 2 writing commits and 12 statements, the 278 sent by the accepting process', async () => {
    // The first request also reserves a block of X12 control numbers: measured after it.
    await submitCounted(pasExample('Bundle-SurgicalRequestBundleExample.json', 'M100'));
    for (let i = 0; i < 3; i++) {
      const r = await submitCounted(pasExample('Bundle-SurgicalRequestBundleExample.json', `M10${i}`));
      expect(r.status).toBe(200);
      // Answered in this call (the payer's decision, not our A4 "pended while we wait").
      expect(reviewCodes(r.body.entry[0].resource)).toEqual(['A1']);
      expect(r.commits).toBeLessThanOrEqual(2);
      expect(r.statements).toBeLessThanOrEqual(12);
    }
    // Every job the submits enqueued is done, none left for the worker to send again.
    const jobs = await rows<{ status: string; attempts: number }>(gw.database.db, sql`select status, attempts from jobs where kind = 'payer.deliver'`);
    expect(jobs.length).toBe(4);
    expect(jobs.every((j) => j.status === 'done' && j.attempts === 1)).toBe(true);
  }, 120_000);

  it('answers a repeat from the store without writing anything', async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'M200');
    const first = await submitCounted(bundle);
    const again = await submitCounted(bundle);
    expect(again.status).toBe(200);
    expect(again.body.entry[0].resource.id).toBe(first.body.entry[0].resource.id);
    expect(again.commits).toBe(0);
    expect(again.statements).toBeLessThanOrEqual(6);
  }, 60_000);

  it('reads never write a request: GET ClaimResponse and $inquire of a request the payer has not answered (held for review) show our pended answer, and commit only their audit event', async () => {
    await gw.database.db.execute(sql`update organizations set review_before_send = true where id = 'demo-clinic-a'`);
    try {
      const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'M300');
      const held = await submitCounted(bundle);
      expect(reviewCodes(held.body.entry[0].resource)).toEqual(['A4']);
      const id = held.body.entry[0].resource.id;
      const read = await counted(await fetch(`${gw.url}/fhir/ClaimResponse/${id}`, { headers: { authorization: `Bearer ${token}` } }));
      expect(read.status).toBe(200);
      expect(reviewCodes(read.body.resourceType === 'Bundle' ? read.body.entry[0].resource : read.body)).toEqual(['A4']);
      // The one write of a read is its audit event (PHI reads are recorded); the request is not touched.
      expect(read.commits).toBe(1);
      const inquiry = await submitCounted(inquiryFor(bundle.entry[0].resource.identifier[0].value, bundle), 'Claim/$inquire');
      expect(inquiry.status).toBe(200);
      expect(inquiry.commits).toBe(1);
      const [row] = await rows<{ status: string; updated: string; created: string }>(gw.database.db, sql`select status, updated_at::text as updated, created_at::text as created from requests where id = ${id}`);
      expect(row!.status).toBe('review');
      const transitions = await rows<{ n: number }>(gw.database.db, sql`select count(*)::int as n from audit_events where entity_id = ${id} and action = 'request.transition'`);
      expect(transitions[0]!.n).toBe(0);
    } finally {
      await gw.database.db.execute(sql`update organizations set review_before_send = false where id = 'demo-clinic-a'`);
    }
  }, 60_000);
});
