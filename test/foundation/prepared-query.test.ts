/**
 * `preparedRead` (src/db/prepared.ts): a query built once per database handle and run with new
 * values, on both stores. Built once (not per call) on the pool; inside a transaction it runs in
 * that transaction — it sees the transaction's own writes and goes with its rollback — and never
 * through the pool beside it. Array and limit placeholders carry their values (the member look-up of
 * every `$submit` passes its hashes as one text[] value).
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedRead } from '../../src/db/prepared.ts';
import { organizations } from '../../src/db/schema.ts';
import { withTransaction } from '../../src/db/tx.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await testDatabase();
}, 60_000);
afterAll(() => t?.close());

let builds = 0;
const orgById = preparedRead('test_org_by_id', (db) => {
  builds++;
  return db.select().from(organizations).where(eq(organizations.id, sql.placeholder('id')));
});

describe('preparedRead', () => {
  it('is built once per database handle, and each call runs with its own values', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) await t.db.insert(organizations).values({ id, name: `Org ${id.slice(0, 4)}` });
    const before = builds;
    for (let i = 0; i < 5; i++) {
      for (const id of ids) expect((await orgById(t.db, { id })).map((o) => o.id)).toEqual([id]);
    }
    expect(await orgById(t.db, { id: 'no-such-org' })).toEqual([]);
    expect(builds - before).toBeLessThanOrEqual(1);
  });

  it('runs inside a transaction when given one: it sees the transaction’s writes, and they go with its rollback', async () => {
    const id = randomUUID();
    // Prepared on the pool first: a transaction must still not use that one.
    await orgById(t.db, { id });
    await expect(
      withTransaction(t.db, async (tx) => {
        await tx.insert(organizations).values({ id, name: 'Uncommitted' });
        expect((await orgById(tx, { id })).map((o) => o.name)).toEqual(['Uncommitted']);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await orgById(t.db, { id })).toEqual([]);
  });

  it('carries an array and a limit as placeholders', async () => {
    const pick = preparedRead('test_unnest_limit', (db) =>
      db
        .select({ v: sql<string>`v` })
        .from(sql`unnest(${sql.placeholder('values')}::text[]) as u(v)`)
        .orderBy(sql`v`)
        .limit(sql.placeholder('limit')),
    );
    expect((await pick(t.db, { values: ['c', 'a', 'b'], limit: 2 })).map((r) => r.v)).toEqual(['a', 'b']);
    expect((await pick(t.db, { values: ['z', "o'brien"], limit: 5 })).map((r) => r.v)).toEqual(["o'brien", 'z']);
  });
});
