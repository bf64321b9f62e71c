/**
 * Queries built once per database handle, then run with new values. Drizzle builds a query's SQL
 * text from a tree of column and condition objects on every call: tens of microseconds for a full
 * `requests` row (about 70 µs on this project's bench machine), and the look-ups every `$submit`
 * makes (the client's status, the organization, the idempotency key, the member's newest requests)
 * paid it on every request. Prepared with drizzle's `.prepare()`, the text and the result mapping
 * are kept and only the placeholders' values (`sql.placeholder`) change.
 *
 * A prepared query belongs to the handle it was prepared on (its connection pool): called with an
 * open transaction, the query is built on the transaction as usual, so it runs inside it.
 *
 * Prepared queries are reads: run on the pool, one is run again when Postgres ended its connection
 * (`withRepeatable`), so a failover costs a look-up a reconnect rather than the request a 500.
 *
 * @example
 * const byId = preparedRead('org_by_id', (db) => db.select().from(organizations).where(eq(organizations.id, sql.placeholder('id'))));
 * const [org] = await byId(db, { id });
 */
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from './client.ts';
import { withRepeatable } from './tx.ts';

interface Runnable<R> {
  execute(values?: Record<string, unknown>): Promise<R>;
}

export function preparedRead<R>(name: string, build: (db: Db) => { prepare(name: string): Runnable<R> }): (db: Db, values: Record<string, unknown>) => Promise<R> {
  const byDb = new WeakMap<Db, Runnable<R>>();
  return (db, values) => {
    const inTransaction: boolean = db instanceof PgTransaction;
    if (inTransaction) return build(db).prepare(name).execute(values);
    let query = byDb.get(db);
    if (!query) byDb.set(db, (query = build(db).prepare(name)));
    const prepared = query;
    return withRepeatable(db, () => prepared.execute(values));
  };
}
