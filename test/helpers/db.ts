/**
 * A fresh, migrated database per test file: in-memory PGlite by default, or a new database on the
 * Postgres server named by TEST_DATABASE_URL (dropped again at the end).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { openDatabase, openEmbedded, openPostgres, type Database } from '../../src/db/client.ts';
import { attachCipher, ephemeralKeyRing, FieldCipher } from '../../src/db/crypto/index.ts';

export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

export interface TestDatabase extends Database {
  /** A URL for child processes (Postgres only). */
  url?: string;
}

function withDbName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A database handle carries the data key ring its PHI columns are encrypted with: here a random
 * one held in memory (a gateway started on this database attaches the ring of its own config).
 */
function withTestKeys<T extends Database>(db: T): T {
  attachCipher(db.db, new FieldCipher(ephemeralKeyRing()));
  return db;
}

/** @param opts.migrate false: leave the database empty (upgrade tests apply older migrations first) */
export async function testDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const db = await openEmbedded(undefined);
    if (opts.migrate !== false) await db.migrate();
    return withTestKeys(db);
  }
  const name = `priorgate_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = withDbName(adminUrl, name);
  const db = withTestKeys(await openPostgres(url, { max: 5 }));
  if (opts.migrate !== false) await db.migrate();
  return {
    ...db,
    url,
    async close() {
      await db.close();
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export interface CliStore {
  /** What a command needs to find the store: DATABASE_URL, or PRIORGATE_DATA_DIR. */
  env: Record<string, string>;
  /** Opens the store (migrated) while no command holds it, and closes it again. */
  withDb<T>(fn: (db: Database['db']) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A store for command-line tests, as a command finds it: a new database on the Postgres server
 * of TEST_DATABASE_URL, else a data directory for the embedded store.
 */
export async function cliStore(prefix: string): Promise<CliStore> {
  const pg = usingPostgres ? await testDatabase() : undefined;
  const dir = pg ? undefined : mkdtempSync(path.join(tmpdir(), prefix));
  const env: Record<string, string> = pg ? { DATABASE_URL: pg.url! } : { PRIORGATE_DATA_DIR: dir! };
  return {
    env,
    async withDb(fn) {
      const d = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.PRIORGATE_DATA_DIR });
      try {
        await d.migrate();
        return await fn(d.db);
      } finally {
        await d.close();
      }
    },
    async close() {
      await pg?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
