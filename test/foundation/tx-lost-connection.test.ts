/**
 * The transaction runner and a lost connection (a failover, an operator ending sessions): a
 * transaction whose connection is lost while its body runs has committed nothing and runs again on
 * a new connection; one lost at its COMMIT may have committed, so the error goes to the caller; a
 * single statement (`withRetry`) is never run again on a lost connection. On Postgres, with the
 * backend really terminated (pg_terminate_backend) mid-body and mid-COMMIT.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { lostConnection, withRetry, withTransaction } from '../../src/db/tx.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';

describe('what counts as a lost connection', () => {
  it('names the driver, socket and server codes, through drizzle\'s wrapper, and not the pool\'s own shutdown', () => {
    const err = (code: string) => Object.assign(new Error(code), { code });
    expect(lostConnection({ cause: err('CONNECTION_CLOSED') })).toBe('CONNECTION_CLOSED');
    expect(lostConnection(err('57P01'))).toBe('57P01');
    expect(lostConnection({ cause: { cause: err('08006') } })).toBe('08006');
    expect(lostConnection(err('ECONNRESET'))).toBe('ECONNRESET');
    expect(lostConnection(err('23505'))).toBeUndefined();
    expect(lostConnection(err('40P01'))).toBeUndefined();
    // The pool's own shutdown: the process is stopping.
    expect(lostConnection(err('CONNECTION_ENDED'))).toBeUndefined();
    expect(lostConnection(new Error('plain'))).toBeUndefined();
  });

  it('does not run a single statement again on a lost connection (it may have committed)', async () => {
    let calls = 0;
    await expect(withRetry(async () => (calls++, Promise.reject(Object.assign(new Error('gone'), { code: 'CONNECTION_CLOSED' }))), { baseMs: 1 })).rejects.toThrow('gone');
    expect(calls).toBe(1);
  });
});

describe.skipIf(!usingPostgres)('a transaction whose backend is terminated (Postgres)', () => {
  let pg: TestDatabase;
  let killer: postgres.Sql;
  beforeAll(async () => {
    pg = await testDatabase();
    killer = postgres(pg.url!, { max: 1, onnotice: () => {} });
    await killer.unsafe('create table lost_conn_test (id int primary key)');
  });
  afterAll(async () => {
    await killer?.end();
    await pg?.close();
  });

  it('runs again on a new connection when the backend ends while the body runs, and commits once', async () => {
    const retries: string[] = [];
    let runs = 0;
    const result = await withTransaction(
      pg.db,
      async (tx) => {
        runs++;
        const [row] = await rows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
        const pid = row!.pid;
        await tx.execute(sql`insert into lost_conn_test (id) values (1)`);
        if (runs === 1) {
          await killer`select pg_terminate_backend(${pid})`;
          await tx.execute(sql`select 1`); // on the terminated backend: fails
        }
        return pid;
      },
      { baseMs: 5, onRetry: (r) => retries.push(r.code) },
    );
    expect(runs).toBe(2);
    expect(retries).toHaveLength(1);
    expect(lostConnection(Object.assign(new Error(), { code: retries[0] }))).toBe(retries[0]);
    expect(typeof result).toBe('number');
    const [count] = await rows<{ n: number }>(pg.db, sql`select count(*)::int as n from lost_conn_test`);
    expect(count!.n).toBe(1);
  }, 30_000);

  it('does not run again when the backend ends during the COMMIT: the error goes to the caller', async () => {
    // A deferred constraint trigger runs at COMMIT; it sleeps there long enough to be terminated.
    await killer.unsafe(`create function lost_conn_slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(3); return null; end $$`);
    await killer.unsafe(`create constraint trigger lost_conn_slow_commit after insert on lost_conn_test deferrable initially deferred for each row execute function lost_conn_slow_commit()`);
    let runs = 0;
    let pid = 0;
    const committing = withTransaction(pg.db, async (tx) => {
      runs++;
      const [row] = await rows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
      pid = row!.pid;
      await tx.execute(sql`insert into lost_conn_test (id) values (2)`);
    }, { baseMs: 5 });
    committing.catch(() => {});
    // Once the body is done, the COMMIT runs the sleeping trigger: end the backend then.
    for (let i = 0; i < 100 && !(pid && (await killer`select 1 from pg_stat_activity where pid = ${pid} and query ilike 'commit%'`).length); i++) await new Promise((r) => setTimeout(r, 20));
    await killer`select pg_terminate_backend(${pid})`;
    await expect(committing).rejects.toBeTruthy();
    const code = await committing.catch((e) => lostConnection(e));
    expect(code, 'the COMMIT failed for the lost connection').toBeDefined();
    expect(runs, 'not run again').toBe(1);
    await killer.unsafe('drop trigger lost_conn_slow_commit on lost_conn_test');
  }, 30_000);
});
