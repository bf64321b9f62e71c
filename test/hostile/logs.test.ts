/**
 * Error logs never carry SQL parameters (issue 18 item 5): a failed query's error — drizzle's
 * DrizzleQueryError, whose message and stack list the statement's parameters, and the database's
 * own error under it, whose detail and where quote the offending value — is logged by type, code
 * and stack frames only, under whatever key it is logged. Against the real database.
 */
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staffUsers } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log/index.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(() => db.close());

const CANARY = 'zz-canary-4471';

/** The error a query with the canary among its parameters fails with. */
async function queryError(): Promise<Error> {
  try {
    await db.db.insert(staffUsers).values({ id: 'not-a-uuid', username: `${CANARY}\u0000name`, passwordHash: CANARY, role: 'viewer' });
  } catch (e) {
    return e as Error;
  }
  throw new Error('the query did not fail');
}

describe('logged query errors', () => {
  it('carry type, SQLSTATE and stack frames, never the parameters or the value, under any key', async () => {
    const err = await queryError();
    // The hazard is real: the error itself holds the canary (message, stack or cause).
    expect(`${err.message}\n${err.stack}\n${JSON.stringify(err)}`).toContain(CANARY);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never });
    log.error({ err }, 'unhandled error');
    log.error({ error: err }, 'as error');
    log.error({ e: err, nested: { deeper: err } }, 'under other keys');
    log.error(err);
    log.flush();
    const out = lines.join('');
    expect(out).not.toContain(CANARY);
    expect(out).not.toMatch(/params:/);
    const first = JSON.parse(lines[0]!);
    expect(first.err.type).toBeTruthy();
    expect(first.err.stack).toMatch(/^\s+at /);
    // The database's code is kept (22P02 invalid uuid, or 22021 for the NUL), on the error or its cause.
    expect(JSON.stringify(first.err)).toMatch(/"code":"22(P02|021)"/);
  });

  it('a failing query through the app is a 500 with a request id, logged without its parameters', async () => {
    const err = await db.db.execute(sql`select ${CANARY}::int`).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as never });
    log.error({ err }, 'unhandled error');
    log.flush();
    expect(lines.join('')).not.toContain(CANARY);
  });
});
