/**
 * The acceptance transaction failing at its one batched statement (what a dropped connection, a
 * deadlock or a serialization failure does to it): the provider gets a 500 OperationOutcome with
 * the request id, nothing of the request is stored, no promise is left to reject unhandled (Node
 * ends a process on one), and the gateway goes on accepting. Forced with a trigger that refuses the
 * delivery job's insert; both stores, in process, the payer simulator over real HTTP.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
let token: string;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '0', PRIORGATE_SYNC_WAIT_MS: '15000' });
  token = await gw.token();
  process.on('unhandledRejection', onUnhandled);
}, 120_000);
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await gw?.stop();
});

describe('a failed acceptance statement', () => {
  it('answers 500 with the request id, stores nothing, leaves no unhandled rejection, and the next $submit is accepted', async () => {
    const db = gw.database.db;
    await db.execute(sql.raw(`create function refuse_delivery_job() returns trigger language plpgsql as $$
      begin
        raise exception 'refused by the test';
      end $$`));
    await db.execute(sql.raw(`create trigger refuse_delivery_job before insert on jobs for each row
      when (new.kind = 'payer.deliver') execute function refuse_delivery_job()`));
    const refused = pasExample('Bundle-SurgicalRequestBundleExample.json', 'F100');
    const res = await fetch(`${gw.url}/fhir/Claim/$submit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(refused),
    });
    expect(res.status).toBe(500);
    const outcome = (await res.json()) as { resourceType: string; issue: { diagnostics: string }[] };
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]!.diagnostics).toContain(res.headers.get('x-request-id')!);
    expect(JSON.stringify(outcome)).not.toContain('refused by the test');
    // Rolled back whole: no request, message, job or audit event of it.
    const [requests] = await rows<{ n: number }>(db, sql`select count(*)::int as n from requests`);
    expect(requests!.n).toBe(0);
    const [messages] = await rows<{ n: number }>(db, sql`select count(*)::int as n from messages`);
    expect(messages!.n).toBe(0);
    // Promise rejections are reported after the microtasks of the turn that made them.
    await new Promise((r) => setTimeout(r, 100));
    expect(unhandled).toEqual([]);

    await db.execute(sql.raw('drop trigger refuse_delivery_job on jobs'));
    await db.execute(sql.raw('drop function refuse_delivery_job()'));
    const again = await gw.submit(refused, token);
    expect(again.status).toBe(200);
    expect(reviewCodes(again.body.entry[0].resource)).toEqual(['A1']);
    expect(unhandled).toEqual([]);
  }, 60_000);
});
