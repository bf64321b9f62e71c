/**
 * On Postgres every statement drizzle sends is prepared (src/db/client.ts `preparing`): without it,
 * postgres.js sends each statement with parameters as parse + describe, waits for the parameter
 * types, then bind + execute — two round trips for every call. Checked on the server itself: the
 * connection holds the statement prepared, and running it again adds no second one.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { withTransaction } from '../../src/db/tx.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  if (usingPostgres) t = await testDatabase();
}, 60_000);
afterAll(() => t?.close());

describe.skipIf(!usingPostgres)('statements on Postgres (needs TEST_DATABASE_URL)', () => {
  it('are prepared once per connection and reused, in and out of transactions', async () => {
    const marker = `m${randomUUID().replaceAll('-', '')}`;
    const prepared = await withTransaction(t.db, async (tx) => {
      // One transaction: one connection, whose prepared statements we can list.
      for (let i = 0; i < 3; i++) await rows(tx, sql`select ${i}::int as ${sql.raw(marker)}`);
      return rows<{ statement: string }>(tx, sql`select statement from pg_prepared_statements`);
    });
    expect(prepared.filter((p) => p.statement.includes(marker))).toHaveLength(1);
  });
});
