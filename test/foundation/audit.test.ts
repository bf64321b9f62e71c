import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, verifyAudit } from '../../src/audit/index.ts';
import { main } from '../../src/cli/main.ts';
import { openEmbedded, type Db } from '../../src/db/client.ts';
import { organizations } from '../../src/db/schema.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';
import { runCommand } from '../helpers/cli-io.ts';

async function seedEvents(db: Db, n: number) {
  for (let i = 0; i < n; i++) {
    await db.transaction((tx) =>
      appendAudit(tx as unknown as Db, { actor: 'system', action: 'test.event', entityType: 'thing', entityId: `t${i}`, detail: { i } }),
    );
  }
}

/** Runs `priorgate audit verify` in-process against the given environment. */
const cliVerify = (env: NodeJS.ProcessEnv) => runCommand(main, ['audit', 'verify'], { env });

describe('audit hash chain', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    await t?.close();
    t = await testDatabase();
    await seedEvents(t.db, 5);
  });
  afterAll(() => t?.close());

  it('verifies an untouched chain', async () => {
    expect(await verifyAudit(t.db)).toEqual({ ok: true, events: 5 });
  });

  it('names the event whose row was edited in SQL', async () => {
    await t.db.execute(sql`update audit_events set actor = 'mallory' where seq = 3`);
    const r = await verifyAudit(t.db);
    expect(r.ok).toBe(false);
    expect(r.broken).toMatchObject({ seq: 3 });
    expect(r.broken!.reason).toMatch(/altered/);
  });

  it('names the event whose detail was edited, even with a recomputed-looking hash left alone', async () => {
    await t.db.execute(sql`update audit_events set detail = '{"i": 99}'::jsonb where seq = 2`);
    expect((await verifyAudit(t.db)).broken?.seq).toBe(2);
  });

  it('detects a deleted row in the middle', async () => {
    await t.db.execute(sql`delete from audit_events where seq = 4`);
    const r = await verifyAudit(t.db);
    expect(r.broken).toMatchObject({ seq: 4 });
    expect(r.broken!.reason).toMatch(/missing/);
  });

  it('detects deletion of the newest row (the head remembers it)', async () => {
    await t.db.execute(sql`delete from audit_events where seq = 5`);
    expect((await verifyAudit(t.db)).broken?.seq).toBe(5);
  });

  it('detects two rows swapped', async () => {
    await t.db.execute(sql`update audit_events set seq = -1 where seq = 2`);
    await t.db.execute(sql`update audit_events set seq = 2 where seq = 3`);
    await t.db.execute(sql`update audit_events set seq = 3 where seq = -1`);
    const r = await verifyAudit(t.db);
    expect(r.ok).toBe(false);
    expect(r.broken!.seq).toBe(2);
  });

  it('rolls the event back with the change it records', async () => {
    await expect(
      t.db.transaction(async (tx) => {
        await tx.insert(organizations).values({ id: 'org-rollback', name: 'x' });
        await appendAudit(tx as unknown as Db, { actor: 'system', action: 'org.create', entityId: 'org-rollback' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await verifyAudit(t.db)).toEqual({ ok: true, events: 5 });
  });

  it('keeps the chain linear under concurrent appenders', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.transaction((tx) => appendAudit(tx as unknown as Db, { actor: 'system', action: 'parallel', entityId: String(i) })),
      ),
    );
    expect(await verifyAudit(t.db)).toEqual({ ok: true, events: 25 });
  });
});

describe('priorgate audit verify (CLI)', () => {
  it('exits 0 on an intact chain and 1 naming the event after a row is edited', async () => {
    let env: NodeJS.ProcessEnv;
    let tamper: (q: ReturnType<typeof sql>) => Promise<void>;
    let cleanup: () => Promise<void>;
    if (usingPostgres) {
      const t = await testDatabase();
      await seedEvents(t.db, 3);
      env = { DATABASE_URL: t.url };
      tamper = async (q) => void (await t.db.execute(q));
      cleanup = () => t.close();
    } else {
      const dir = mkdtempSync(path.join(tmpdir(), 'pg-audit-'));
      const open = async () => {
        const d = await openEmbedded(dir);
        await d.migrate();
        return d;
      };
      const d = await open();
      await seedEvents(d.db, 3);
      await d.close();
      env = { PRIORGATE_DATA_DIR: dir };
      tamper = async (q) => {
        const d2 = await open();
        await d2.db.execute(q);
        await d2.close();
      };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    try {
      const ok = await cliVerify(env);
      expect(ok.code, ok.text).toBe(0);
      expect(ok.text).toMatch(/intact: 3 events/);
      await tamper(sql`update audit_events set outcome = 'failure' where seq = 2`);
      const bad = await cliVerify(env);
      expect(bad.code, bad.text).toBe(1);
      expect(bad.text).toMatch(/BROKEN at event 2/);
    } finally {
      await cleanup();
    }
  });
});
