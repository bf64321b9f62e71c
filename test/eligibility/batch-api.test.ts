/**
 * Staff eligibility batches (`/api/eligibility/batches`) on a real gateway with the payer
 * simulator: upload, progress, results CSV, bad rows with line numbers, tenant isolation, CSRF,
 * cancel, and a batch orphaned by a dead process resumed without asking the payer twice.
 */
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows as sqlRows, type Db } from '../../src/db/client.ts';
import { claimBatch, insertBatch, insertResults } from '../../src/db/queries/eligibility-batches.ts';
import { auditEvents, eligibilityBatches } from '../../src/db/schema.ts';
import { testGateway, type TestGateway } from '../helpers/gateway.ts';
import { addStaffUser, BatchStaff as Staff } from '../helpers/staff-http.ts';

let gw: TestGateway;

const addStaff = (db: Db, username: string, role: 'staff' | 'viewer', orgId: string) => addStaffUser(db, username, role, orgId);

const HEADER = 'member_id,first_name,last_name,birth_date,service_type';
/** Suffix A active, I inactive, R an AAA rejection (CONTRACT.md simulator behaviours). */
function roster(n: number, bad = true) {
  const lines = [HEADER];
  for (let i = 0; i < n; i++) lines.push(`Q${String(i).padStart(6, '0')}${'AAIR'[i % 4]},Pat,Doe${i},1980-02-0${1 + (i % 9)},30`);
  if (bad) lines.splice(4, 0, 'Q999,Pat,Bad,not-a-date,30', ',No,Member,1980-01-01,30');
  return `${lines.join('\n')}\n`;
}

async function simStats() {
  return (await (await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json()) as { eligibility: number };
}

beforeAll(async () => {
  gw = await testGateway();
  await addStaff(gw.database.db, 'batch-a', 'staff', 'demo-clinic-a');
  await addStaff(gw.database.db, 'batch-b', 'staff', 'demo-clinic-b');
  await addStaff(gw.database.db, 'viewer-a', 'viewer', 'demo-clinic-a');
}, 60_000);
afterAll(() => gw?.stop());

describe('staff eligibility batches', () => {
  it('runs an uploaded roster with the CLI engine: counts, results in roster order, bad rows with their line numbers', async () => {
    const a = await new Staff(gw.url).login('batch-a');
    const res = await a.upload(roster(40), { payer: 'demo-payer' });
    const created = await res.json();
    expect(res.status, JSON.stringify(created)).toBe(202);
    expect(res.headers.get('location')).toBe(`/api/eligibility/batches/${created.id}`);
    expect(created).toMatchObject({ status: expect.stringMatching(/queued|running/), total: 42, organization: 'demo-clinic-a' });

    const done = await a.until(created.id, (b) => b.status === 'done');
    expect(done.counts).toEqual({ active: 20, inactive: 10, error: 10, invalid: 2 });
    expect(done.done).toBe(42);

    const csv = await a.fetch(`/api/eligibility/batches/${created.id}/results`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const rows = parse(await csv.text(), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => Number(r.line))).toEqual(Array.from({ length: 42 }, (_, i) => i + 2));
    const bad = rows.filter((r) => r.status === 'invalid');
    expect(bad.map((r) => r.line)).toEqual(['5', '6']);
    expect(bad[0]!.error_description).toMatch(/birth_date/);
    const rejected = rows.find((r) => r.member_id === 'Q000003R')!;
    expect(rejected).toMatchObject({ status: 'error', error_code: '72' });
    expect(rows.find((r) => r.member_id === 'Q000000A')).toMatchObject({ status: 'active' });

    // At rest the roster and every result row are sealed (member ids, names, birth dates).
    const raw = await sqlRows<{ roster: string; results: string }>(
      gw.database.db,
      sql`select b.roster, (select string_agg(r.row::text || r.key, ' ') from eligibility_batch_results r where r.batch_id = b.id) as results from eligibility_batches b where b.id = ${created.id}`,
    );
    expect(raw[0]!.roster).toMatch(/^v1\./);
    // A canary standing alone, not inside a base64url run: random ciphertext holds a short one like
    // 'Doe0' now and then ('…SeKDoe0UG…' failed a run), but never as a whole token.
    const alone = (canary: string) => new RegExp(`(^|[^A-Za-z0-9_-])${canary}($|[^A-Za-z0-9_-])`);
    for (const canary of ['Q000000A', 'Doe0', '1980-02-01']) expect(JSON.stringify(raw), canary).not.toMatch(alone(canary));

    const audit = await gw.database.db.select().from(auditEvents).where(eq(auditEvents.entityId, created.id));
    expect(audit.map((e) => e.action).sort()).toEqual(['eligibility.batch.create', 'eligibility.batch.finish', 'phi.read']);
    expect(JSON.stringify(audit)).not.toContain('Q000000A');
  });

  it('takes a text/csv body too, and refuses an unreadable roster, an unknown payer and a viewer before storing anything', async () => {
    const a = await new Staff(gw.url).login('batch-a');
    const before = (await gw.database.db.select().from(eligibilityBatches)).length;
    const csv = await a.fetch('/api/eligibility/batches?payer=demo-payer', { method: 'POST', body: roster(3, false), headers: { 'content-type': 'text/csv', 'x-csrf-token': a.csrf } });
    expect(csv.status, await csv.clone().text()).toBe(202);
    const header = await a.upload('id,name\n1,x\n', { payer: 'demo-payer' });
    const outcome = await header.json();
    expect(header.status).toBe(400);
    expect(outcome.issue[0]).toMatchObject({ code: 'invalid', expression: ['roster'] });
    expect(outcome.issue[0].diagnostics).toMatch(/member_id/);
    expect((await a.upload(roster(2), { payer: 'no-such-payer' })).status).toBe(400);
    const v = await new Staff(gw.url).login('viewer-a');
    expect((await v.upload(roster(2), { payer: 'demo-payer' })).status).toBe(403);
    expect((await gw.database.db.select().from(eligibilityBatches)).length).toBe(before + 1);
  });

  it('refuses a POST without the session CSRF token or from another site', async () => {
    const a = await new Staff(gw.url).login('batch-a');
    const before = (await gw.database.db.select().from(eligibilityBatches)).length;
    const forged = await a.upload(roster(2), { payer: 'demo-payer' }, { 'x-csrf-token': 'forged' });
    expect(forged.status).toBe(403);
    expect(await forged.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    expect((await a.upload(roster(2), { payer: 'demo-payer' }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await gw.database.db.select().from(eligibilityBatches)).length).toBe(before);
  });

  it("keeps another organization's batch invisible: 404 on status, results and cancel; absent from the list", async () => {
    const a = await new Staff(gw.url).login('batch-a');
    const created = await (await a.upload(roster(2, false), { payer: 'demo-payer' })).json();
    const b = await new Staff(gw.url).login('batch-b');
    for (const path of [`/api/eligibility/batches/${created.id}`, `/api/eligibility/batches/${created.id}/results`]) {
      const res = await b.fetch(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('demo-clinic-a');
    }
    expect((await b.fetch(`/api/eligibility/batches/${created.id}/cancel`, { method: 'POST', headers: { 'x-csrf-token': b.csrf } })).status).toBe(404);
    const list = await (await b.fetch('/api/eligibility/batches')).json();
    expect(list.items.map((i: { id: string }) => i.id)).not.toContain(created.id);
  });

  it('resumes a batch whose process died (lease expired) from its stored rows, asking the payer only for the rest', async () => {
    const db = gw.database.db;
    const id = randomUUID();
    const text = roster(12, false);
    // Counted from before the lease can run out: the service's own poll may take the batch over
    // as soon as it has (it need not wait for the kick below).
    const sent = (await simStats()).eligibility;
    await insertBatch(db, { id, orgId: 'demo-clinic-a', payerId: 'demo-payer', createdBy: 'staff:batch-a', concurrency: 2, total: 12, roster: text });
    // Another process claimed it, stored five answers, and died: its lease has run out.
    expect(await claimBatch(db, id, 1)).toBeTruthy();
    const lines = text.trim().split('\n').slice(1, 6);
    await insertResults(
      db,
      id,
      lines.map((l, i) => {
        const member = l.split(',')[0]!;
        return { line: i + 2, key: `${member}|30`, status: 'active', row: { line: i + 2, member_id: member, service_type: '30', status: 'active' } };
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    gw.deps.services!.batches!.kick(id);
    const a = await new Staff(gw.url).login('batch-a');
    const done = await a.until(id, (b) => b.status === 'done');
    expect(done.done).toBe(12);
    expect((await simStats()).eligibility - sent).toBe(7);
    const rows = parse(await (await a.fetch(`/api/eligibility/batches/${id}/results`)).text(), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => Number(r.line))).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
  });

  it('cancels a running batch: it stops, keeps what it has, and cannot be cancelled twice', async () => {
    const a = await new Staff(gw.url).login('batch-a');
    const created = await (await a.upload(roster(3000, false), { payer: 'demo-payer', concurrency: '1' })).json();
    await a.until(created.id, (b) => b.done > 0);
    const res = await a.fetch(`/api/eligibility/batches/${created.id}/cancel`, { method: 'POST', headers: { 'x-csrf-token': a.csrf } });
    expect(res.status).toBe(200);
    expect((await res.json()).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 600));
    const after = await (await a.fetch(`/api/eligibility/batches/${created.id}`)).json();
    await new Promise((r) => setTimeout(r, 600));
    const later = await (await a.fetch(`/api/eligibility/batches/${created.id}`)).json();
    expect(later.status).toBe('cancelled');
    expect(later.done).toBe(after.done);
    expect(later.done).toBeLessThan(3000);
    expect((await a.fetch(`/api/eligibility/batches/${created.id}/cancel`, { method: 'POST', headers: { 'x-csrf-token': a.csrf } })).status).toBe(409);
    const [row] = await gw.database.db.select().from(eligibilityBatches).where(and(eq(eligibilityBatches.id, created.id), eq(eligibilityBatches.status, 'cancelled')));
    expect(row?.finishedAt).toBeTruthy();
  });
});
