/**
 * The transaction runner and a lost connection (a failover, an operator ending sessions): a
 * transaction whose connection is lost while its body runs has committed nothing and runs again on
 * a new connection; one lost at its COMMIT may have committed: once the session that ran it has
 * ended (`endSession`), the caller's probe (`committed`: its row) or else its transaction id
 * (`txid_status`) tells; it stands, or the error goes to the caller; a
 * single statement (`withRetry`) is never run again on a lost connection, but a read (`withRepeatable`)
 * is. On Postgres, with the backend really terminated (pg_terminate_backend) mid-body, mid-COMMIT
 * and mid-read.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rows, type Database } from '../../src/db/client.ts';
import { backendPidOf, endSession, lostConnection, withRepeatable, withRetry, withTransaction } from '../../src/db/tx.ts';
import { requestById } from '../../src/db/queries/requests.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';
import { commitCuttingProxy } from '../helpers/pg-proxy.ts';

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

describe('a read (withRepeatable)', () => {
  const gone = () => Object.assign(new Error('gone'), { code: 'CONNECTION_CLOSED' });
  it('runs again after a lost connection or a deadlock, and not after any other error', async () => {
    const db = {} as never;
    let calls = 0;
    expect(await withRepeatable(db, async () => (++calls < 3 ? Promise.reject(calls === 1 ? gone() : { cause: Object.assign(new Error('dl'), { code: '40P01' }) }) : 'row'), { baseMs: 1 })).toBe('row');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withRepeatable(db, async () => (calls++, Promise.reject(Object.assign(new Error('no table'), { code: '42P01' }))), { baseMs: 1 })).rejects.toThrow('no table');
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRepeatable(db, async () => (calls++, Promise.reject(gone())), { baseMs: 1, attempts: 3 })).rejects.toThrow('gone');
    expect(calls, 'bounded').toBe(3);
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

  it('runs a read again on a new connection when its backend is terminated mid-statement; inside a transaction, once', async () => {
    let runs = 0;
    const pids: number[] = [];
    const read = () =>
      withRepeatable(pg.db, async () => {
        runs++;
        const [row] = await rows<{ pid: number }>(pg.db, sql`select pg_backend_pid() as pid`);
        pids.push(row!.pid);
        if (runs === 1) {
          // The statement's backend is ended while it runs (found by its text: the pool has many).
          const ending = rows(pg.db, sql`select pg_sleep(5)`);
          // Its rejection can arrive before the terminating statement's answer does: a handler is
          // attached now (else the rejection counts as unhandled), and `await ending` still throws.
          ending.catch(() => {});
          await waitForSleep(killer);
          await killer`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query like 'select pg_sleep(5)%'`;
          await ending;
        }
        return 'answered';
      }, { baseMs: 5 });
    expect(await read()).toBe('answered');
    expect(runs).toBe(2);
    // The gateway's own read helpers take the same path.
    expect(await requestById(pg.db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    // In a transaction the read runs once: the lost connection ended the transaction itself.
    let inside = 0;
    await expect(
      pg.db.transaction(async (tx) =>
        withRepeatable(tx as never, async () => {
          inside++;
          const [row] = await rows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
          await killer`select pg_terminate_backend(${row!.pid})`;
          return rows(tx, sql`select 1`);
        }),
      ),
    ).rejects.toBeTruthy();
    expect(inside).toBe(1);
  }, 30_000);

  it('returns the result of a run whose COMMIT landed but whose answer was lost: found by `committed`, or without it by its transaction id; the error for one whose COMMIT never landed', async () => {
    // A proxy between the pool and Postgres forwards a COMMIT, lets it land, then cuts the
    // connection before Postgres's answer gets back: the network failing, not the server.
    const proxy = await commitCuttingProxy(pg.url!);
    const viaProxy: Database = await openDatabase({ databaseUrl: proxy.url });
    try {
      const insert = (id: number) => async (tx: Parameters<Parameters<typeof withTransaction>[1]>[0]) => {
        await tx.execute(sql`insert into lost_conn_test (id) values (${id})`);
        return `row ${id}`;
      };
      const count = async (id: number) => (await rows<{ n: number }>(pg.db, sql`select count(*)::int as n from lost_conn_test where id = ${id}`))[0]!.n;
      proxy.cutNextCommit();
      let asked = 0;
      const landed = await withTransaction(viaProxy.db, insert(30), {
        baseMs: 5,
        committed: async (result) => (asked++, result === 'row 30' && (await rows(viaProxy.db, sql`select 1 from lost_conn_test where id = 30`)).length > 0),
      });
      expect(proxy.cuts(), 'the COMMIT was cut').toBe(1);
      expect(landed).toBe('row 30');
      expect(asked).toBe(1);
      expect(await count(30), 'committed once').toBe(1);
      // Without a probe, Postgres says what became of the run's transaction id (txid_status).
      proxy.cutNextCommit();
      expect(await withTransaction(viaProxy.db, insert(31), { baseMs: 5 })).toBe('row 31');
      expect(proxy.cuts(), 'the COMMIT was cut').toBe(2);
      expect(await count(31), 'committed once').toBe(1);
      // A COMMIT held back by the network: the session holding the transaction is ended, its id is
      // then aborted for good, and the caller gets the error; the late COMMIT finds no session.
      proxy.cutNextCommit(undefined, { heldMs: 1500 });
      const lost = await withTransaction(viaProxy.db, insert(32), { baseMs: 5 }).catch((e: unknown) => e);
      expect(lostConnection(lost), 'the caller gets the lost connection').toBeDefined();
      expect(proxy.cuts(), 'the COMMIT was held back').toBe(3);
      await new Promise((r) => setTimeout(r, 2000));
      expect(proxy.lateCommits(), 'the held COMMIT reached a live session').toBe(0);
      expect(await count(32), 'nothing committed').toBe(0);
      // A run that wrote nothing has no transaction id: its lost COMMIT changed nothing, its result stands.
      proxy.cutNextCommit();
      const read = await withTransaction(viaProxy.db, async (tx) => (await rows<{ n: number }>(tx, sql`select count(*)::int as n from lost_conn_test where id in (30, 31, 32)`))[0]!.n);
      expect(proxy.cuts(), 'the COMMIT was cut').toBe(4);
      expect(read).toBe(2);
      // The pool still closes: a connection whose COMMIT was cut no longer holds its closing until
      // end()'s timeout destroys the pool (5 s; the driver patch clears the rejected query).
      const closing = await Promise.race([viaProxy.close().then(() => 'closed'), new Promise((r) => setTimeout(r, 3000, 'still waiting'))]);
      expect(closing).toBe('closed');
    } finally {
      await proxy.close();
      await viaProxy.close();
    }
  }, 30_000);

  it('does not run again when the backend ends during the COMMIT: asked whether it landed (it had not), the error goes to the caller', async () => {
    // A deferred constraint trigger runs at COMMIT; it sleeps there long enough to be terminated.
    await killer.unsafe(`create function lost_conn_slow_commit() returns trigger language plpgsql as $$ begin perform pg_sleep(3); return null; end $$`);
    await killer.unsafe(`create constraint trigger lost_conn_slow_commit after insert on lost_conn_test deferrable initially deferred for each row execute function lost_conn_slow_commit()`);
    let runs = 0;
    let pid = 0;
    let asked = 0;
    const committing = withTransaction(pg.db, async (tx) => {
      runs++;
      const [row] = await rows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
      pid = row!.pid;
      await tx.execute(sql`insert into lost_conn_test (id) values (2)`);
    }, { baseMs: 5, committed: async () => (asked++, (await rows(pg.db, sql`select 1 from lost_conn_test where id = 2`)).length > 0) });
    committing.catch(() => {});
    // Once the body is done, the COMMIT runs the sleeping trigger: end the backend then.
    for (let i = 0; i < 100 && !(pid && (await killer`select 1 from pg_stat_activity where pid = ${pid} and query ilike 'commit%'`).length); i++) await new Promise((r) => setTimeout(r, 20));
    await killer`select pg_terminate_backend(${pid})`;
    const code = await committing.then(() => undefined, (e) => lostConnection(e));
    expect(code, 'the COMMIT failed for the lost connection').toBeDefined();
    expect(runs, 'not run again').toBe(1);
    expect(asked, 'whether it landed was asked: it had not (the trigger was interrupted)').toBe(1);
    expect((await killer`select count(*)::int as n from lost_conn_test where id = 2`)[0]!.n).toBe(0);
    await killer.unsafe('drop trigger lost_conn_slow_commit on lost_conn_test');
  }, 30_000);

  it('ends the session that still holds a transaction, and waits for it (endSession)', async () => {
    const holder = postgres(pg.url!, { max: 1, onnotice: () => {} });
    try {
      const reserved = await holder.reserve();
      await reserved`begin`;
      await reserved`insert into lost_conn_test (id) values (3)`;
      const pid = (await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
      expect(backendPidOf(Object.assign(new Error('x'), { cause: { backendPid: pid } }))).toBe(pid);
      expect(await endSession(pg.db, pid)).toBe(true);
      expect((await killer`select count(*)::int as n from pg_stat_activity where pid = ${pid}`)[0]!.n, 'the session is gone').toBe(0);
      expect((await killer`select count(*)::int as n from lost_conn_test where id = 3`)[0]!.n, 'its transaction rolled back').toBe(0);
      // An idle session (no transaction) is left alone.
      const idle = postgres(pg.url!, { max: 1, onnotice: () => {} });
      const idlePid = (await idle<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid;
      expect(await endSession(pg.db, idlePid)).toBe(true);
      expect((await idle`select 1 as one`)[0]!.one).toBe(1);
      await idle.end();
    } finally {
      await holder.end({ timeout: 1 });
    }
  }, 30_000);
});

async function waitForSleep(killer: postgres.Sql): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if ((await killer`select 1 from pg_stat_activity where datname = current_database() and query like 'select pg_sleep(5)%' and state = 'active'`).length) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the read never reached Postgres');
}

