/**
 * The audit log: appends take no lock and commit with their change; the sequencer seals them into a
 * signed Merkle tree; `verifyAudit` names the first wrong event or tree head for every kind of
 * tampering — an edited, deleted, swapped or re-hashed event, a forged, altered, replayed, removed
 * or rolled-back tree head — and an inclusion proof checks with a verifier written here, from RFC
 * 9162 alone.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { CompactSign, compactVerify, generateKeyPair, importJWK, type JWK } from 'jose';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, eventLeafHash, exportHeadToFile, inclusionProof, readWitnessFile, sealAll, verifyAudit } from '../../src/audit/index.ts';
import { loadKeyRing } from '../../src/auth/index.ts';
import { main } from '../../src/cli/main.ts';
import { MIGRATIONS_DIR, openEmbedded, rows, type Db } from '../../src/db/client.ts';
import { auditEvents, auditHeads, auditTreeNodes, organizations, signingKeys } from '../../src/db/schema.ts';
import { withTransaction } from '../../src/db/tx.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { seal } from '../helpers/audit.ts';

async function seedEvents(db: Db, n: number, from = 0) {
  for (let i = from; i < from + n; i++) {
    await withTransaction(db, (tx) => appendAudit(tx, { actor: 'system', action: 'test.event', entityType: 'thing', entityId: `t${i}`, detail: { i } }));
  }
}

class Undo extends Error {}
/** Tampers with the database and verifies it inside one transaction that is rolled back afterwards. */
async function tampered(db: Db, tamper: (tx: Db) => Promise<unknown>) {
  let result: Awaited<ReturnType<typeof verifyAudit>> | undefined;
  await db
    .transaction(async (tx) => {
      await tamper(tx);
      result = await verifyAudit(tx);
      throw new Undo();
    })
    .catch((e) => {
      if (!(e instanceof Undo)) throw e;
    });
  return result!;
}

/** Runs `priorgate audit verify` in-process against the given environment. */
const cliVerify = (env: NodeJS.ProcessEnv, args: string[] = []) => runCommand(main, ['audit', 'verify', ...args], { env });

// ---- an independent verifier, from RFC 9162 §2.1.3.2 and RFC 6962 §2.1 alone -----------------
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
function rootFromPath(index: number, size: number, leaf: Buffer, path: Buffer[]): Buffer | undefined {
  if (index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = sha(Buffer.from([1]), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha(Buffer.from([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

describe('audit log: sealing and verification', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await testDatabase();
    await seedEvents(t.db, 5);
    await seal(t.db);
  });
  afterAll(() => t?.close());

  it('seals appended events into a signed tree and verifies it', async () => {
    const r = await verifyAudit(t.db);
    expect(r).toMatchObject({ ok: true, events: 5, heads: 1, unsealed: 0, latestHead: { headNo: 1, treeSize: 5 } });
  });

  it('names the event whose row was edited in SQL', async () => {
    const r = await tampered(t.db, (tx) => tx.execute(sql`update audit_events set actor = 'mallory' where seq = 3`));
    expect(r.ok).toBe(false);
    expect(r.broken).toMatchObject({ seq: 3 });
    expect(r.broken!.reason).toMatch(/altered/);
  });

  it('names the event whose detail was edited', async () => {
    expect((await tampered(t.db, (tx) => tx.execute(sql`update audit_events set detail = '{"i": 99}'::jsonb where seq = 2`))).broken?.seq).toBe(2);
  });

  it('detects a deleted row in the middle', async () => {
    const r = await tampered(t.db, (tx) => tx.execute(sql`delete from audit_events where seq = 4`));
    expect(r.broken).toMatchObject({ seq: 4 });
    expect(r.broken!.reason).toMatch(/missing/);
  });

  it('detects deletion of the newest row (the signed head counts it)', async () => {
    const r = await tampered(t.db, (tx) => tx.execute(sql`delete from audit_events where seq = 5`));
    expect(r.broken).toMatchObject({ seq: 5, head: 1 });
    expect(r.broken!.reason).toMatch(/event 5 is missing: tree head #1 seals 5 events/);
  });

  it('detects two rows swapped', async () => {
    const r = await tampered(t.db, async (tx) => {
      await tx.execute(sql`update audit_events set seq = -1 where seq = 2`);
      await tx.execute(sql`update audit_events set seq = 2 where seq = 3`);
      await tx.execute(sql`update audit_events set seq = 3 where seq = -1`);
    });
    expect(r.ok).toBe(false);
    expect(r.broken!.seq).toBe(2);
  });

  it('detects an event edited together with its stored leaf hash: the signed root no longer matches', async () => {
    const [e] = await t.db.select().from(auditEvents).where(eq(auditEvents.seq, 3));
    const edited = { ...e!, actor: 'mallory' };
    const r = await tampered(t.db, async (tx) => {
      await tx.execute(sql`update audit_events set actor = 'mallory' where seq = 3`);
      await tx.update(auditTreeNodes).set({ hash: eventLeafHash({ ...edited, seq: 3 }).toString('hex') }).where(sql`level = 0 and idx = 2`);
    });
    expect(r.broken).toMatchObject({ head: 1 });
    expect(r.broken!.reason).toMatch(/tree head #1 does not match the events it seals \(1–5\)/);
  });

  it('rolls the event back with the change it records', async () => {
    await expect(
      withTransaction(t.db, async (tx) => {
        await tx.insert(organizations).values({ id: 'org-rollback', name: 'x' });
        await appendAudit(tx, { actor: 'system', action: 'org.create', entityId: 'org-rollback' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, events: 5, unsealed: 0 });
  });

  it('keeps the log whole under concurrent appenders, none waiting on another; later batches get later heads', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => withTransaction(t.db, (tx) => appendAudit(tx, { actor: 'system', action: 'parallel', entityId: String(i) }))),
    );
    expect((await verifyAudit(t.db)).unsealed, 'appended, not sealed yet: pending, not a fault').toBe(20);
    await seal(t.db);
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, events: 25, heads: 2, unsealed: 0, latestHead: { headNo: 2, treeSize: 25 } });
    const seqs = (await t.db.select({ seq: auditEvents.seq }).from(auditEvents)).map((r) => r.seq).sort((a, b) => a! - b!);
    expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it('shows one event in the signed log, checked with only the proof, the public key and SHA-256', async () => {
    for (let b = 0; b < 3; b++) {
      await seedEvents(t.db, 3 + b, 100 + b * 10);
      await seal(t.db);
    }
    const all = await t.db.select({ id: auditEvents.id, seq: auditEvents.seq, action: auditEvents.action }).from(auditEvents);
    const [publicRow] = await t.db.select().from(signingKeys);
    const publicKey = await importJWK(publicRow!.publicJwk as JWK, 'ES384');
    for (const e of all) {
      const r = await inclusionProof(t.db, e.id);
      expect(r.kind).toBe('proof');
      if (r.kind !== 'proof') continue;
      const p = r.proof;
      // 1. The signed head, verified with the gateway's public key.
      const { payload, protectedHeader } = await compactVerify(p.head.jws, publicKey);
      expect(protectedHeader.kid).toBe(publicRow!.kid);
      const head = JSON.parse(Buffer.from(payload).toString()) as { treeSize: number; rootHash: string };
      expect(head.treeSize).toBe(p.treeSize);
      // 2. The leaf, from the event's published bytes; they describe this event.
      const data = JSON.parse(p.leafData);
      expect(data).toMatchObject({ id: e.id, seq: e.seq, action: e.action });
      expect((canonicalize as unknown as (x: unknown) => string)(data)).toBe(p.leafData);
      const leaf = sha(Buffer.from([0]), Buffer.from(p.leafData, 'utf8'));
      // 3. The path up to the signed root.
      const path = p.auditPath.map((h) => Buffer.from(h, 'hex'));
      expect(rootFromPath(p.leafIndex, head.treeSize, leaf, path)?.toString('hex'), `event ${e.seq}`).toBe(head.rootHash);
      // A changed event does not reach the root.
      const forged = sha(Buffer.from([0]), Buffer.from(p.leafData.replace(e.action, 'test.other'), 'utf8'));
      expect(rootFromPath(p.leafIndex, head.treeSize, forged, path)?.toString('hex')).not.toBe(head.rootHash);
    }
    await seedEvents(t.db, 1, 999);
    const [pending] = await rows<{ id: string }>(t.db, sql`select id from audit_events where seq is null`);
    expect((await inclusionProof(t.db, Number(pending!.id))).kind, 'not sealed yet: no proof').toBe('unsealed');
  });
});

describe('audit log: forged, altered, replayed and rolled-back tree heads', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await testDatabase();
    for (let b = 0; b < 3; b++) {
      await seedEvents(t.db, 2, b * 2);
      await seal(t.db);
    }
  });
  afterAll(() => t?.close());

  it('has three heads to start with', async () => {
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, events: 6, heads: 3, latestHead: { headNo: 3, treeSize: 6 } });
  });

  it('catches a head whose stored root was changed (the signature covers the real one)', async () => {
    expect((await tampered(t.db, (tx) => tx.update(auditHeads).set({ rootHash: 'ab'.repeat(32) }).where(eq(auditHeads.headNo, 2)))).broken).toMatchObject({ head: 2, reason: expect.stringMatching(/tree head #2 was altered/) });
  });

  it('catches a head signed by a key the gateway never had', async () => {
    const { privateKey } = await generateKeyPair('ES384');
    const [h2] = await t.db.select().from(auditHeads).where(eq(auditHeads.headNo, 2));
    const payload = JSON.parse(Buffer.from(h2!.jws.split('.')[1]!, 'base64url').toString());
    const forged = await new CompactSign(Buffer.from(JSON.stringify({ ...payload, rootHash: 'cd'.repeat(32) })))
      .setProtectedHeader({ alg: 'ES384', kid: 'mallory', typ: 'priorgate-tree-head+jws' })
      .sign(privateKey);
    expect((await tampered(t.db, (tx) => tx.update(auditHeads).set({ jws: forged, rootHash: 'cd'.repeat(32), kid: 'mallory' }).where(eq(auditHeads.headNo, 2)))).broken).toMatchObject({ head: 2, reason: expect.stringMatching(/forged: it is signed by a key the gateway never had/) });
  });

  it('catches a head signed with a registered kid but another key (signature does not verify)', async () => {
    const { privateKey } = await generateKeyPair('ES384');
    const [h3] = await t.db.select().from(auditHeads).where(eq(auditHeads.headNo, 3));
    const payload = Buffer.from(h3!.jws.split('.')[1]!, 'base64url');
    const forged = await new CompactSign(payload).setProtectedHeader({ alg: 'ES384', kid: h3!.kid, typ: 'priorgate-tree-head+jws' }).sign(privateKey);
    expect((await tampered(t.db, (tx) => tx.update(auditHeads).set({ jws: forged }).where(eq(auditHeads.headNo, 3)))).broken).toMatchObject({ head: 3, reason: expect.stringMatching(/signature does not verify/) });
  });

  it('catches an older head replayed in place of a newer one', async () => {
    const [h1] = await t.db.select().from(auditHeads).where(eq(auditHeads.headNo, 1));
    const r = await tampered(t.db, (tx) => tx.update(auditHeads).set({ jws: h1!.jws, treeSize: h1!.treeSize, rootHash: h1!.rootHash, sealedAt: h1!.sealedAt }).where(eq(auditHeads.headNo, 2)));
    expect(r.broken).toMatchObject({ head: 2 });
    expect(r.broken!.reason).toMatch(/tree head #2 (was altered|is a replayed copy)/);
  });

  it('catches the newest head removed (its events are sealed but no head covers them)', async () => {
    const r = await tampered(t.db, (tx) => tx.delete(auditHeads).where(eq(auditHeads.headNo, 3)));
    expect(r.broken).toMatchObject({ seq: 5, reason: expect.stringMatching(/events 5–6 are sealed but no signed tree head covers them/) });
  });

  it('catches a head removed from the middle', async () => {
    expect((await tampered(t.db, (tx) => tx.delete(auditHeads).where(eq(auditHeads.headNo, 2)))).broken).toMatchObject({ head: 3, reason: 'tree head #2 is missing' });
  });

  it('refuses to extend a log whose newest head was tampered with (sealing stops, nothing is lost)', async () => {
    const [h3] = await t.db.select().from(auditHeads).where(eq(auditHeads.headNo, 3));
    await t.db.update(auditHeads).set({ frontier: ['00'.repeat(32)] }).where(eq(auditHeads.headNo, 3));
    await seedEvents(t.db, 1, 100);
    await expect(seal(t.db)).rejects.toThrow(/does not match its signed root: sealing stopped/);
    expect(await t.db.select().from(auditEvents).where(sql`seq is null`), 'the new event waits, unsealed').toHaveLength(1);
    await t.db.update(auditHeads).set({ frontier: h3!.frontier }).where(eq(auditHeads.headNo, 3));
    expect(await seal(t.db), 'repaired: sealing goes on').toHaveLength(1);
  });

  it('catches a whole rollback (events and heads removed together) against a witness file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-witness-'));
    const file = path.join(dir, 'heads.ndjson');
    try {
      expect((await exportHeadToFile(t.db, file))?.headNo).toBe(4);
      expect(await exportHeadToFile(t.db, file), 'a head already in the file is not appended again').toBeUndefined();
      expect(await verifyAudit(t.db, { witness: readWitnessFile(file) })).toMatchObject({ ok: true, witnessed: 1 });
      // The rollback: the last two batches' events, their tree nodes and heads are all gone; what
      // is left is a consistent, smaller, correctly signed log.
      await t.db.execute(sql`delete from audit_events where seq > 4`);
      await t.db.execute(sql`delete from audit_tree_nodes where (level = 0 and idx >= 4) or (level = 1 and idx >= 2) or level >= 2`);
      await t.db.delete(auditHeads).where(sql`head_no >= 3`);
      expect((await verifyAudit(t.db)).ok, 'without a witness the smaller log looks whole').toBe(true);
      const r = await verifyAudit(t.db, { witness: readWitnessFile(file) });
      expect(r.broken).toMatchObject({ head: 4, reason: expect.stringMatching(/rolled back: the witness holds tree head #4 over 7 events, the database's newest is #2 over 4/) });
      // And through the CLI, on Postgres (the embedded store here is in memory).
      if (usingPostgres) {
        const cli = await cliVerify({ DATABASE_URL: t.url }, ['--witness', file]);
        expect(cli.code, cli.text).toBe(1);
        expect(cli.stdout).toMatch(/BROKEN at tree head #4: the log was rolled back/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

});

/**
 * A database as an older Priorgate left it: migrations up to 0005 only, and `n` events written the
 * old way (numbered, hash-chained, with the chain's head row).
 */
async function oldDatabase(n: number): Promise<{ t: TestDatabase; chainHead: string }> {
  const t = await testDatabase({ migrate: false });
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-old-migrations-'));
  try {
    const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8'));
    journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0006');
    mkdirSync(path.join(dir, 'meta'));
    writeFileSync(path.join(dir, 'meta/_journal.json'), JSON.stringify(journal));
    for (const e of journal.entries) copyFileSync(path.join(MIGRATIONS_DIR, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
    const migrator = usingPostgres ? await import('drizzle-orm/postgres-js/migrator') : await import('drizzle-orm/pglite/migrator');
    await migrator.migrate(t.db as never, { migrationsFolder: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const { eventHash, GENESIS_HASH } = await import('../../src/audit/chain.ts');
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e = { seq, at: new Date(Date.UTC(2024, 0, seq)), orgId: null, actor: 'system', action: 'old.event', entityType: null, entityId: null, requestId: null, outcome: 'success', detail: { seq } };
    const hash = eventHash(prev, e);
    await t.db.execute(sql`insert into audit_events (seq, at, actor, action, outcome, detail, prev_hash, hash)
      values (${seq}, ${e.at.toISOString()}, ${e.actor}, ${e.action}, ${e.outcome}, ${JSON.stringify(e.detail)}::jsonb, ${prev}, ${hash})`);
    prev = hash;
  }
  await t.db.execute(sql`insert into audit_head (id, seq, hash) values (1, ${n}, ${prev})`);
  await t.migrate();
  return { t, chainHead: prev };
}

describe('upgrading a database with a hash-chained trail (docs/architecture.md)', () => {
  it('seals the old events as the first batch, old chain checked, and goes on from there; a chain broken before is reported', async () => {
    const { t, chainHead } = await oldDatabase(4);
    try {
      // Had event 2 been edited before the upgrade, the first seal would record it, and verify report it.
      const key = (await loadKeyRing(t.db, 300)).signer;
      let broken: Awaited<ReturnType<typeof verifyAudit>> | undefined;
      await t.db
        .transaction(async (raw) => {
          const tx = raw;
          await tx.execute(sql`update audit_events set actor = 'edited-before-upgrade' where seq = 2`);
          await sealAll({ db: tx, signer: () => key });
          broken = await verifyAudit(tx);
          throw new Undo();
        })
        .catch((e) => {
          if (!(e instanceof Undo)) throw e;
        });
      expect(broken!.legacy).toMatchObject({ events: 4, intact: false, broken: expect.stringMatching(/event 2: event 2 was altered/) });
      expect(broken!.broken).toMatchObject({ seq: 2, reason: expect.stringMatching(/event 2 was altered \(hash mismatch\)/) });

      await seedEvents(t.db, 2);
      await seal(t.db);
      const r = await verifyAudit(t.db);
      expect(r).toMatchObject({ ok: true, events: 6, heads: 2, legacy: { events: 4, intact: true, chainHead } });
      const seqs = await t.db.select({ id: auditEvents.id, seq: auditEvents.seq }).from(auditEvents).orderBy(auditEvents.id);
      expect(seqs, 'old events keep their numbers as ids and places; new ones follow').toEqual([1, 2, 3, 4, 5, 6].map((n) => ({ id: n, seq: n })));
      const old = await inclusionProof(t.db, 2);
      expect(old.kind === 'proof' && JSON.parse(old.proof.leafData).chain.hash, 'an old event is provable too, its chain hash inside its leaf').toBeTruthy();
      // An old event edited after the upgrade is caught like any other.
      const edited = await tampered(t.db, (tx) => tx.execute(sql`update audit_events set actor = 'mallory' where seq = 2`));
      expect(edited.broken).toMatchObject({ seq: 2, reason: expect.stringMatching(/altered/) });
    } finally {
      await t.close();
    }
  }, 120_000);
});

describe('priorgate audit verify (CLI)', () => {
  it('exits 0 on an intact log and 1 naming the event after a row is edited', async () => {
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
      // Nothing sealed these yet (no gateway ran): the command seals what is committed, then checks.
      const ok = await cliVerify(env);
      expect(ok.code, ok.text).toBe(0);
      expect(ok.text).toMatch(/audit log intact: 3 events in 1 signed tree heads/);
      await tamper(sql`update audit_events set outcome = 'failure' where seq = 2`);
      const bad = await cliVerify(env);
      expect(bad.code, bad.text).toBe(1);
      expect(bad.text).toMatch(/BROKEN at event 2: event 2 was altered/);
    } finally {
      await cleanup();
    }
  }, 120_000);
});


