/**
 * Writes sent together (src/db/batch.ts): one statement for what a transaction writes and never
 * reads back. Run on the store under test (PGlite, or Postgres with TEST_DATABASE_URL): the order
 * of serial ids follows the order rows were added, a part may reference a row an earlier statement
 * of the transaction inserted, `returning` hands back its rows at the flush, and a failing part
 * fails the whole statement — nothing of it is written, and its `returning` promises reject.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchAudit } from '../../src/audit/index.ts';
import { Batch, batched, insertReturning } from '../../src/db/batch.ts';
import { upsertOrganization } from '../../src/db/queries/clients.ts';
import { enqueueStatement } from '../../src/db/queries/jobs.ts';
import { batchMessage, insertRequest, latestMessage, moveRequest, statusUpdate } from '../../src/db/queries/requests.ts';
import { auditEvents, jobs, messages, requestItems, requests } from '../../src/db/schema.ts';
import { countStatements } from '../../src/db/stats.ts';
import { withTransaction } from '../../src/db/tx.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await testDatabase();
  await upsertOrganization(t.db, { id: 'org-batch', name: 'Batch' });
}, 60_000);
afterAll(() => t?.close());

async function newRequest(tx: TestDatabase['db'], batch?: Batch) {
  const { row } = await insertRequest(
    tx,
    { orgId: 'org-batch', kind: 'prior-auth', payerId: null, idempotencyKey: randomUUID(), traceNumber: randomUUID(), items: [{ sequence: 1 }, { sequence: 2 }] },
    'queued',
    batch,
  );
  return row;
}

describe('a batch of writes', () => {
  it('sends lines, messages, audit events and a job as one statement, in the order they were added, the job id returned at the flush', async () => {
    const tag = randomUUID();
    const { result, count } = await countStatements(() =>
      withTransaction(t.db, async (tx) => {
        const b = new Batch(tx);
        const request = await newRequest(tx, b);
        const first = batchMessage(b, { orgId: 'org-batch', requestId: request.id, direction: 'in', format: 'fhir', transactionSet: 'first', payload: `one ${tag}` });
        const second = batchMessage(b, { orgId: 'org-batch', requestId: request.id, direction: 'in', format: 'fhir', transactionSet: 'second', payload: `two ${tag}` });
        for (const action of ['a.first', 'a.second', 'a.third']) batchAudit(b, { actor: 'system', action, entityId: tag });
        const job = b.returning<{ id: number | string }>(enqueueStatement(tx, { kind: 'test.batch', requestId: request.id }));
        expect(b.empty).toBe(false);
        await b.flush();
        expect(b.empty).toBe(true);
        return { request, first, second, jobId: Number((await job)[0]!.id) };
      }),
    );
    // begin, the request, the batch, commit; on a Postgres server also the transaction id read
    // before the COMMIT (db/tx.ts: what became of a COMMIT whose answer was lost).
    expect(count.statements).toBe(usingPostgres ? 5 : 4);
    const audit = await t.db.select({ id: auditEvents.id, action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.entityId, tag)).orderBy(asc(auditEvents.id));
    expect(audit.map((a) => a.action)).toEqual(['a.first', 'a.second', 'a.third']);
    const seqs = await t.db.select({ id: messages.id, seq: messages.seq }).from(messages).where(inArray(messages.id, [result.first, result.second]));
    const seqOf = (id: string) => seqs.find((m) => m.id === id)!.seq;
    expect(seqOf(result.first)).toBeLessThan(seqOf(result.second));
    // Payloads are sealed like any other message: read back through the store, they open.
    expect((await latestMessage(t.db, result.request.id, 'second'))?.payload).toBe(`two ${tag}`);
    const [job] = await t.db.select().from(jobs).where(eq(jobs.id, result.jobId));
    expect(job).toMatchObject({ kind: 'test.batch', requestId: result.request.id });
    const lines = await t.db.select().from(requestItems).where(eq(requestItems.requestId, result.request.id));
    expect(lines.map((l) => l.sequence).sort()).toEqual([1, 2]);
  });

  it('writes each row as drizzle\'s own insert would: defaults for missing values, nulls, JSON, timestamps, numbers, and an SQL expression in a row', async () => {
    const runAt = new Date('2026-03-04T05:06:07.089Z');
    const rowsOf = [
      { kind: 'test.same', payload: { a: [1, 'two', null], b: { c: true } }, runAt, maxAttempts: 3, lastError: null },
      { kind: 'test.same', orgId: 'org-batch' },
    ];
    const withExpression = { kind: 'test.same', lastError: sql`'made by ' || 'postgres'` };
    const { byBatch, byDrizzle } = await withTransaction(t.db, async (tx) => {
      const b = new Batch(tx);
      for (const r of rowsOf) b.insert(jobs, r);
      b.insert(jobs, withExpression);
      // A second table in the same statement, so the $n of each part must be moved past the first's.
      batchAudit(b, { actor: 'system', action: 'a.same' });
      await b.flush();
      const byBatch = await tx.select().from(jobs).where(eq(jobs.kind, 'test.same')).orderBy(asc(jobs.id));
      await tx.delete(jobs).where(eq(jobs.kind, 'test.same'));
      await tx.insert(jobs).values([...rowsOf, withExpression]);
      const byDrizzle = await tx.select().from(jobs).where(eq(jobs.kind, 'test.same')).orderBy(asc(jobs.id));
      return { byBatch, byDrizzle };
    });
    const strip = (rs: (typeof jobs.$inferSelect)[]) => rs.map(({ id: _id, ...rest }) => rest);
    expect(byBatch).toHaveLength(3);
    expect(strip(byBatch)).toEqual(strip(byDrizzle));
    expect(byBatch[0]).toMatchObject({ payload: { a: [1, 'two', null], b: { c: true } }, runAt, maxAttempts: 3, status: 'ready', lastError: null });
    expect(byBatch[2]!.lastError).toBe('made by postgres');
  });

  it('returns the rows of several writes, each to its own promise', async () => {
    const out = await withTransaction(t.db, async (tx) => {
      const b = new Batch(tx);
      batchAudit(b, { actor: 'system', action: 'a.with-returnings' });
      const one = b.returning<{ id: number; kind: string }>(tx.insert(jobs).values({ kind: 'test.one' }).returning({ id: jobs.id, kind: jobs.kind }));
      const two = b.returning<{ id: number; kind: string }>(tx.insert(jobs).values([{ kind: 'test.two' }, { kind: 'test.two' }]).returning({ id: jobs.id, kind: jobs.kind }));
      await b.flush();
      return { one: await one, two: await two };
    });
    expect(out.one.map((r) => r.kind)).toEqual(['test.one']);
    expect(out.two.map((r) => r.kind)).toEqual(['test.two', 'test.two']);
    expect(new Set([...out.one, ...out.two].map((r) => Number(r.id))).size).toBe(3);
  });

  it('writes nothing of a batch one part of which fails, and rejects its returnings', async () => {
    const tag = randomUUID();
    let pending: Promise<unknown> | undefined;
    await expect(
      withTransaction(t.db, async (tx) => {
        const b = new Batch(tx);
        batchAudit(b, { actor: 'system', action: 'a.rolled-back', entityId: tag });
        pending = b.returning(enqueueStatement(tx, { kind: 'test.rolled-back' }));
        // A line of a request that does not exist: the foreign key fails the whole statement.
        b.insert(requestItems, { requestId: randomUUID(), sequence: 1, detail: {} });
        await b.flush();
      }),
    ).rejects.toThrow();
    await expect(pending).rejects.toThrow();
    expect(await t.db.select().from(auditEvents).where(eq(auditEvents.entityId, tag))).toEqual([]);
    expect(await t.db.select().from(jobs).where(eq(jobs.kind, 'test.rolled-back'))).toEqual([]);
  });

  it('stands alone when the caller has no batch (batched), and sends nothing for an empty flush', async () => {
    const tag = randomUUID();
    const { count } = await countStatements(async () => {
      await batched(t.db, undefined, (b) => batchAudit(b, { actor: 'system', action: 'a.alone', entityId: tag }));
      await new Batch(t.db).flush();
    });
    expect(count.statements).toBe(1);
    const [n] = await t.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(eq(auditEvents.entityId, tag));
    expect(n!.n).toBe(1);
  });
});

describe('rows written from the table shape come back as drizzle returns them', () => {
  it('insertReturning and moveRequest give what a select through drizzle gives: dates as Dates, JSON as objects, arrays as arrays', async () => {
    const row = await newRequest(t.db);
    // insertRequest hands back the summary it sealed (PHI fields included): compare the stored row.
    const [stored] = await t.db.select().from(requests).where(eq(requests.id, row.id));
    const [inserted] = await insertReturning(
      t.db,
      requests,
      { ...stored!, id: randomUUID(), idempotencyKey: randomUUID(), memberIdHashes: ['h1', 'h"2,{x}'], summary: { a: 1, nested: { b: [true, null] } } },
      { onConflictDoNothing: true },
    );
    const [readBack] = await t.db.select().from(requests).where(eq(requests.id, inserted!.id));
    expect(inserted).toEqual(readBack);
    expect(inserted!.createdAt).toBeInstanceOf(Date);
    expect(inserted!.memberIdHashes).toEqual(['h1', 'h"2,{x}']);
    // A conflict on the idempotency key inserts nothing and returns nothing.
    expect(await insertReturning(t.db, requests, { ...stored!, id: randomUUID() }, { onConflictDoNothing: true })).toEqual([]);

    const at = new Date('2026-01-02T03:04:05.678Z');
    const moved = await moveRequest(t.db, row.id, 'sent', { at, from: 'queued', summary: { overall: 'A1' } });
    const [after] = await t.db.select().from(requests).where(eq(requests.id, row.id));
    expect(moved).toEqual(after);
    expect(moved!.updatedAt.toISOString()).toBe(at.toISOString());
    expect(moved!.summary).toMatchObject({ overall: 'A1' });
    // Only from the state it is in: a second move from queued finds nothing.
    expect(await moveRequest(t.db, row.id, 'sent', { at, from: 'queued' })).toBeUndefined();
    expect((await moveRequest(t.db, row.id, 'pended', { at }))!.status).toBe('pended');
  });
});

describe('a write added as text', () => {
  it('joins the batch after other parts with its $n moved past theirs (a state move with a summary patch after a message)', async () => {
    const tag = randomUUID();
    const request = await newRequest(t.db);
    await withTransaction(t.db, async (tx) => {
      const b = new Batch(tx);
      batchMessage(b, { orgId: 'org-batch', requestId: request.id, direction: 'in', format: 'fhir', transactionSet: 'text-part', payload: `payload ${tag}` });
      const update = statusUpdate(request.id, 'sent', { at: new Date('2026-02-03T04:05:06Z'), from: 'queued', summary: { overall: `A1 ${tag}` } });
      b.addText(update);
      await b.flush();
    });
    const [after] = await t.db.select().from(requests).where(eq(requests.id, request.id));
    expect(after).toMatchObject({ status: 'sent', summary: expect.objectContaining({ overall: `A1 ${tag}` }) });
    expect(after!.updatedAt.toISOString()).toBe('2026-02-03T04:05:06.000Z');
    expect((await latestMessage(t.db, request.id, 'text-part'))!.payload).toBe(`payload ${tag}`);
  });
});
