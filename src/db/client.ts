/**
 * One database interface, two drivers: PGlite (embedded, persisted under the data dir) when no
 * `DATABASE_URL` is given, postgres.js when one is. Everything above this file sees `Db`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { PriorgateError } from '../errors/index.ts';
import * as schema from './schema.ts';
import { noteQuery, queryLogger } from './stats.ts';

/**
 * A database or an open transaction: query functions take this first (STYLE.md habit 8). Drizzle is
 * given no schema (only the migrator is): the relational API (`db.query.*`) is not used, and with a
 * schema drizzle builds a query builder for every table each time it opens a transaction.
 */
export type Db = PgDatabase<PgQueryResultHKT>;
/**
 * An open transaction (`withTransaction` gives one): what a function takes when it must run inside
 * one — it locks rows, or its statements must commit together. A `Tx` is a `Db` too.
 */
export type Tx = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;

export interface Database {
  db: Db;
  kind: 'embedded' | 'postgres';
  /** Applies pending migrations; safe to run twice and from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** Thrown when another process holds the embedded store. */
export class StoreInUseError extends PriorgateError {
  override name = 'StoreInUseError';
  constructor(
    readonly pid: number,
    readonly port: number | undefined,
  ) {
    super(
      'store_in_use',
      `the embedded store is in use by another Priorgate process (pid ${pid}${port ? `, port ${port}` : ''}). ` +
        'Stop that process first, or run both against Postgres by setting DATABASE_URL.',
    );
  }
}

/** Lock advisory key for migrations (any stable 64-bit number). */
const MIGRATION_LOCK = 727_000_001;

/**
 * Seconds before a closed connection of the pool connects again. postgres.js counts closes with an
 * error across the whole pool and waits 0.5-1 × min(3^count / 100, 20) s: a failover that ends all
 * ten connections at once had the pool wait 10-20 s before any of them came back, every request
 * stalled meanwhile (measured: throughput to a tenth under repeated session ends). Here the wait
 * grows from 50 ms to at most 1 s, jittered: a server that is down is still not hammered, one
 * that is back is used again within a second.
 */
export function reconnectDelay(closedWithError: number): number {
  return (0.5 + Math.random() / 2) * Math.min(0.05 * 2 ** Math.min(closedWithError, 10), 1);
}

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, { max: opts.max ?? 10, onnotice: () => {}, backoff: reconnectDelay });
  const db: Db = drizzle(preparing(client), { logger: queryLogger });
  return {
    db,
    kind: 'postgres',
    async migrate() {
      const lockConn = await client.reserve();
      try {
        await lockConn`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS_DIR });
      } finally {
        await lockConn`select pg_advisory_unlock(${MIGRATION_LOCK})`;
        lockConn.release();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * The postgres.js client as drizzle should see it: every statement prepared. Drizzle asks for an
 * unnamed statement unless a query is named, and postgres.js then sends each statement with
 * parameters twice over — parse and describe, wait for the parameter types, then bind and execute:
 * two round trips and two socket writes per statement, on every call. Prepared, a statement's text
 * is parsed once per connection and each call after is one bind and execute. (A transaction pooler
 * in front of Postgres, such as PgBouncer in transaction mode, would not keep them: point
 * DATABASE_URL at Postgres or at a session-mode pool.)
 */
function preparing<T extends object>(sql: T): T {
  return new Proxy(sql, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) => (value as Function).call(target, query, params, { ...options, prepare: true });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        // The transaction's own client (and a savepoint's) prepares too.
        return (...args: unknown[]) => {
          const body = args.pop() as (inner: object) => unknown;
          return (value as Function).call(target, ...args, (inner: object) => body(preparing(inner)));
        };
      }
      return (value as Function).bind(target);
    },
  });
}

interface LockInfo {
  pid: number;
  port?: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the embedded store's lock, if a live process holds it. */
export function embeddedLockHolder(dataDir: string): LockInfo | undefined {
  const file = path.join(dataDir, 'store.lock');
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return info.pid !== process.pid && pidAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Opens the embedded store. `dataDir: undefined` gives an in-memory database (tests).
 * A persisted store is held by one process at a time (PGlite is single-process).
 */
export async function openEmbedded(dataDir: string | undefined, opts: { port?: number } = {}): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  let lockFile: string | undefined;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    const holder = embeddedLockHolder(dataDir);
    if (holder) throw new StoreInUseError(holder.pid, holder.port);
    lockFile = path.join(dataDir, 'store.lock');
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid, port: opts.port }));
  }
  const client = new PGlite(dataDir ? path.join(dataDir, 'pgdata') : undefined);
  await client.waitReady;
  const db: Db = drizzle(client, { logger: queryLogger });
  return {
    db,
    kind: 'embedded',
    migrate: () => migrate(drizzle(client, { schema }), { migrationsFolder: MIGRATIONS_DIR }),
    async close() {
      await client.close();
      if (lockFile) rmSync(lockFile, { force: true });
    },
  };
}

export function openDatabase(opts: { databaseUrl?: string; dataDir?: string; port?: number; poolMax?: number }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, { max: opts.poolMax }) : openEmbedded(opts.dataDir, { port: opts.port });
}

/** Number of migrations on disk vs. applied: readiness needs them equal. */
export async function migrationStatus(db: Db): Promise<{ onDisk: number; applied: number }> {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  let applied = 0;
  try {
    const [row] = await rows<{ n: number }>(db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    applied = Number(row?.n ?? 0);
  } catch {
    applied = 0;
  }
  return { onDisk: journal.entries.length, applied };
}

/** Runs raw SQL and returns its rows, whichever driver is underneath (they shape results differently). */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const r = (await db.execute(query)) as unknown as { rows?: T[] } | T[];
  return Array.isArray(r) ? r : (r.rows ?? []);
}

/** Whether `db` talks to a Postgres server over a connection (postgres.js), not the embedded store. */
export function onServer(db: Db): boolean {
  const client = (db as unknown as { session?: { client?: object } }).session?.client;
  return !!client && 'unsafe' in client;
}

/**
 * Sends SQL text and its parameters as they are, past the query builder (for statements built once
 * per shape, such as a batch's inserts), in `db`'s transaction when it is one. Counted like every
 * statement; rows come back as the driver gives them (column names as in the database).
 */
export async function sendText<T>(db: Db, text: string, params: unknown[]): Promise<T[]> {
  noteQuery(text);
  const client = (db as unknown as { session: { client: object } }).session.client;
  // postgres.js (the client drizzle was given: preparing() makes it a prepared statement) or PGlite.
  if (onServer(db)) return (client as { unsafe(t: string, p: unknown[]): Promise<T[]> }).unsafe(text, params);
  return (await (client as { query(t: string, p: unknown[]): Promise<{ rows: T[] }> }).query(text, params)).rows;
}
