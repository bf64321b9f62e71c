/**
 * How many connections a process keeps to Postgres: PRIORGATE_DB_POOL_MAX (default 10), so an
 * operator can fit every gateway instance and command into what the server or a pooler allows.
 * Checked on the server: parallel statements from one process run on at most that many backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config/index.ts';
import { openDatabase, rows, type Database } from '../../src/db/client.ts';
import { configErrorOf } from '../helpers/config.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';

describe('PRIORGATE_DB_POOL_MAX', () => {
  it('defaults to 10, takes a whole number from 1 to 1000, and names itself when it is anything else', () => {
    expect(loadConfig({}).dbPoolMax).toBe(10);
    expect(loadConfig({ PRIORGATE_DB_POOL_MAX: '3' }).dbPoolMax).toBe(3);
    for (const bad of ['0', 'ten', '-2', '1001', '2.5']) expect(configErrorOf(() => loadConfig({ PRIORGATE_DB_POOL_MAX: bad }))).toMatch(/PRIORGATE_DB_POOL_MAX/);
  });
});

describe.skipIf(!usingPostgres)('the pool on Postgres (needs TEST_DATABASE_URL)', () => {
  let t: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    t = await testDatabase({ migrate: false });
    // As the server and the command line open it: from the configuration.
    const config = loadConfig({ DATABASE_URL: t.url!, PRIORGATE_DB_POOL_MAX: '3' });
    database = await openDatabase({ databaseUrl: config.databaseUrl, poolMax: config.dbPoolMax });
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await t?.close();
  });

  it('runs nine statements at once on no more than three backends, and on all three', async () => {
    const answers = await Promise.all(
      Array.from({ length: 9 }, () => rows<{ pid: number }>(database.db, sql`select pg_backend_pid() as pid, pg_sleep(0.2)`)),
    );
    const backends = new Set(answers.map((r) => r[0]!.pid));
    expect(backends.size).toBe(3);
  });
});
