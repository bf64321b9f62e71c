/**
 * Retention: `priorgate retention purge` refuses cutoffs younger than the retention minimum (six
 * years, raisable only), exports what it removes (NDJSON + a SHA-256 manifest), deletes it in one
 * transaction and leaves a checkpoint; `audit verify` starts from it, still catches tampering with
 * a remaining event, and refuses a forged checkpoint. Commands run in-process against the store
 * (Postgres with TEST_DATABASE_URL, else a persisted embedded store), and through a running server
 * that holds the embedded store.
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMPTY_ROOT, Frontier, recordAudit, treeAt } from '../../src/audit/index.ts';
import { main } from '../../src/cli/main.ts';
import { openEmbedded, type Db } from '../../src/db/client.ts';
import { upsertOrganization } from '../../src/db/queries/clients.ts';
import { insertRequest, saveMessage } from '../../src/db/queries/requests.ts';
import { auditCheckpoints, auditEvents, messages, payers, requestItems, requests } from '../../src/db/schema.ts';
import { testDatabase, usingPostgres } from '../helpers/db.ts';
import { startServer } from '../helpers/process.ts';
import { ringFromSource } from '../../src/db/data-keys/index.ts';
import { attachCipher, FieldCipher } from '../../src/db/crypto/index.ts';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/index.ts';
import { runCommand } from '../helpers/cli-io.ts';

interface Store {
  env: NodeJS.ProcessEnv;
  use<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Postgres stays open beside the CLI; the embedded store is opened only between commands. */
async function openStore(): Promise<Store> {
  // One data key for the seeding, the server and the CLI (rows are sealed at rest).
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-retention-'));
  const env = { PRIORGATE_DATA_DIR: dir, PRIORGATE_DATA_KEY: randomBytes(32).toString('base64') };
  const cipher = () => new FieldCipher(ringFromSource(loadConfig(env).dataKeys));
  if (usingPostgres) {
    const t = await testDatabase();
    attachCipher(t.db, cipher());
    return { env: { ...env, DATABASE_URL: t.url }, use: (fn) => fn(t.db), close: async () => (await t.close(), rmSync(dir, { recursive: true, force: true })) };
  }
  return {
    env,
    async use(fn) {
      const d = await openEmbedded(dir);
      try {
        await d.migrate();
        // Sealed with the key the server and the CLI will use (PRIORGATE_DATA_KEY below); the
        // seeding itself records nothing in the audit chain.
        attachCipher(d.db, cipher());
        return await fn(d.db);
      } finally {
        await d.close();
      }
    },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

const cli = (args: string[], env: NodeJS.ProcessEnv) => runCommand(main, args, { env: { LOG_LEVEL: 'silent', ...env } });

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const OLD = new Date('2015-06-01T12:00:00Z');
const CUTOFF = '2018-01-01';

interface Seeded {
  closedOld: string;
  openOld: string;
  closedWithRecentMessage: string;
  recent: string;
}

/** A request with one message, both dated `at`, in the given status. */
async function request(db: Db, status: string, at: Date, items = 1): Promise<string> {
  const { row } = await insertRequest(db, {
    orgId: 'org-a',
    kind: 'prior-auth',
    payerId: 'pay-one',
    idempotencyKey: randomUUID(),
    traceNumber: `TRN${Math.floor(Math.random() * 1e9)}`,
    summary: { memberIds: ['RETAINED123A'] },
    items: Array.from({ length: items }, (_, i) => ({ sequence: i + 1 })),
  });
  await db.update(requests).set({ status, createdAt: at, updatedAt: at }).where(eq(requests.id, row.id));
  const msg = await saveMessage(db, { orgId: 'org-a', requestId: row.id, direction: 'in', format: 'fhir', transactionSet: 'pas-request', payload: '{"resourceType":"Bundle","note":"PHI lives here"}' });
  await db.update(messages).set({ createdAt: at }).where(eq(messages.id, msg));
  return row.id;
}

async function seed(db: Db): Promise<Seeded> {
  await upsertOrganization(db, { id: 'org-a', name: 'Clinic A' });
  await db.insert(payers).values({ id: 'pay-one', name: 'Payer one', connector: 'core-soap' }).onConflictDoNothing();
  for (let i = 0; i < 5; i++) await recordAudit(db, { actor: 'system', action: 'test.old', entityId: `old-${i}`, at: new Date(OLD.getTime() + i * 86_400_000) });
  const closedOld = await request(db, 'certified', OLD, 2);
  const openOld = await request(db, 'pended', OLD);
  const closedWithRecentMessage = await request(db, 'denied', OLD);
  await saveMessage(db, { orgId: 'org-a', requestId: closedWithRecentMessage, direction: 'out', format: 'x12', payload: 'ISA*recent~' });
  const orphan = await saveMessage(db, { direction: 'in', format: 'x12', payload: 'ISA*orphan~' });
  await db.update(messages).set({ createdAt: OLD }).where(eq(messages.id, orphan));
  const recent = await request(db, 'certified', new Date('2025-06-01T00:00:00Z'));
  for (let i = 0; i < 3; i++) await recordAudit(db, { actor: 'system', action: 'test.recent', entityId: `new-${i}` });
  return { closedOld, openOld, closedWithRecentMessage, recent };
}

describe('priorgate retention purge', () => {
  let store: Store;
  let seeded: Seeded;
  const work = mkdtempSync(path.join(tmpdir(), 'pg-retention-out-'));
  const out = path.join(work, 'export-1');

  beforeAll(async () => {
    store = await openStore();
    seeded = await store.use(seed);
  });
  afterAll(async () => {
    await store?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses a cutoff younger than six years, with a clear message and exit 2, touching nothing', async () => {
    const fiveYearsAgo = new Date();
    fiveYearsAgo.setUTCFullYear(fiveYearsAgo.getUTCFullYear() - 5);
    const r = await cli(['retention', 'purge', '--before', fiveYearsAgo.toISOString().slice(0, 10), '--out', out], store.env);
    expect(r.code, r.text).toBe(2);
    expect(r.stderr).toMatch(/refusing to purge before .*records must be kept 6 years, so the cutoff must be \d{4}-\d{2}-\d{2} or earlier/);
    expect(existsSync(out)).toBe(false);
    expect(await store.use((db) => db.select({ n: sql<number>`count(*)::int` }).from(auditEvents))).toEqual([{ n: 8 }]);
  });

  it('lets PRIORGATE_RETENTION_YEARS raise the minimum, never lower it', async () => {
    const lower = await cli(['retention', 'purge', '--before', CUTOFF, '--out', out], { ...store.env, PRIORGATE_RETENTION_YEARS: '5' });
    expect(lower.code, lower.text).toBe(2);
    expect(lower.stderr).toMatch(/PRIORGATE_RETENTION_YEARS: must be at least 6/);
    const higher = await cli(['retention', 'purge', '--before', CUTOFF, '--out', out], { ...store.env, PRIORGATE_RETENTION_YEARS: '10' });
    expect(higher.code, higher.text).toBe(2);
    expect(higher.stderr).toMatch(/must be kept 10 years/);
    expect((await cli(['retention', 'purge', '--before', 'last-tuesday', '--out', out], store.env)).code).toBe(2);
    expect((await cli(['retention', 'purge'], store.env)).code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('exports what it removes with a manifest whose hashes and counts match the files, then deletes it', async () => {
    const r = await cli(['retention', 'purge', '--before', CUTOFF, '--out', out], store.env);
    expect(r.code, r.text).toBe(0);
    expect(r.stdout).toContain(`purged records before ${CUTOFF}: 5 audit events, 2 messages, 1 requests (2 lines)`);

    expect(readdirSync(out).sort()).toEqual(['audit-events.ndjson', 'manifest.json', 'messages.ndjson', 'request-items.ndjson', 'requests.ndjson']);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ format: 'priorgate-retention-export/1', cutoff: '2018-01-01T00:00:00.000Z', retentionYears: 6 });
    for (const f of manifest.files) {
      const file = path.join(out, f.name);
      expect(sha256(file), f.name).toBe(f.sha256);
      expect(lines(file).length, f.name).toBe(f.rows);
      if (process.platform !== 'win32') expect(statSync(file).mode & 0o777, `${f.name} is owner-only`).toBe(0o600);
    }
    const events = lines(path.join(out, 'audit-events.ndjson'));
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    // The checkpoint is the Merkle root over the purged events: re-built here from their sealed leaves.
    const tree = new Frontier();
    for (const e of events) tree.push(Buffer.from(e.leaf, 'hex'));
    const root = tree.root().toString('hex');
    expect(manifest.checkpoint).toEqual({ seq: 5, hash: root, base: 0, previous: { seq: 0, hash: EMPTY_ROOT.toString('hex'), frontier: [] } });
    expect(lines(path.join(out, 'requests.ndjson')).map((q) => q.id)).toEqual([seeded.closedOld]);
    expect(lines(path.join(out, 'request-items.ndjson')).map((i) => [i.requestId, i.sequence])).toEqual([
      [seeded.closedOld, 1],
      [seeded.closedOld, 2],
    ]);
    const msgs = lines(path.join(out, 'messages.ndjson'));
    expect(msgs.map((m) => m.requestId)).toEqual([seeded.closedOld, null]);
    expect(msgs[1].payload).toBe('ISA*orphan~');

    await store.use(async (db) => {
      expect((await db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq)).limit(1))[0]!.seq).toBe(6);
      const kept = (await db.select({ id: requests.id }).from(requests)).map((q) => q.id).sort();
      expect(kept).toEqual([seeded.openOld, seeded.closedWithRecentMessage, seeded.recent].sort());
      expect(await db.select().from(requestItems).where(eq(requestItems.requestId, seeded.closedOld))).toEqual([]);
      expect((await db.select().from(messages)).length, 'open, recent and recently-touched requests keep theirs').toBe(4);
      const [cp] = await db.select().from(auditCheckpoints);
      expect(cp).toMatchObject({ seq: 5, hash: root, manifestSha256: sha256(path.join(out, 'manifest.json')) });
      expect((await treeAt(db, 5))?.root, 'the tree nodes outlive the purged events').toBe(root);
      const [purge] = await db.select().from(auditEvents).where(eq(auditEvents.action, 'retention.purge'));
      expect(purge).toMatchObject({ actor: 'operator', detail: { checkpointSeq: 5, checkpointHash: root, manifestSha256: cp!.manifestSha256, deleted: { auditEvents: 5, messages: 2, requests: 1, requestItems: 2 } } });
    });

    const check = await cli(['retention', 'check', out], store.env);
    expect(check.code, check.text).toBe(0);
    expect(check.stdout).toContain(`export intact (manifest.json sha256 ${sha256(path.join(out, 'manifest.json'))})`);
  });

  it('never writes into a folder that is not empty', async () => {
    const r = await cli(['retention', 'purge', '--before', CUTOFF, '--out', out], store.env);
    expect(r.code, r.text).toBe(2);
    expect(r.stderr).toMatch(/is not empty/);
  });

  it('audit verify starts from the checkpoint and says so', async () => {
    const r = await cli(['audit', 'verify'], store.env);
    expect(r.code, r.text).toBe(0);
    // The seeded events after the cutoff, the purge itself, and the data key's activation by the first command.
    expect(r.stdout).toMatch(/audit log intact: 5 events .*\(verified from the retention checkpoint at event 5, .*events before 2018-01-01 were purged/);
  });

  it('a second purge chains its checkpoint to the first, and verify still passes', async () => {
    const second = path.join(work, 'export-2');
    const r = await cli(['retention', 'purge', '--before', '2019-01-01', '--out', second], store.env);
    expect(r.code, r.text).toBe(0);
    const manifest = JSON.parse(readFileSync(path.join(second, 'manifest.json'), 'utf8'));
    expect(manifest.checkpoint.previous).toMatchObject({ seq: 5, frontier: [expect.any(String), expect.any(String)] });
    expect(manifest.files.find((f: { name: string }) => f.name === 'audit-events.ndjson').rows).toBe(0);
    expect((await cli(['retention', 'check', second], store.env)).code).toBe(0);
    expect((await cli(['audit', 'verify'], store.env)).code).toBe(0);
  });

  it('a changed export file fails the check', async () => {
    const copy = path.join(work, 'export-1-copy');
    cpSync(out, copy, { recursive: true });
    appendFileSync(path.join(copy, 'messages.ndjson'), '{"payload":"added later"}\n');
    const r = await cli(['retention', 'check', copy], store.env);
    expect(r.code, r.text).toBe(1);
    expect(r.stdout).toMatch(/messages.ndjson: SHA-256 does not match the manifest/);
    writeFileSync(path.join(copy, 'audit-events.ndjson'), readFileSync(path.join(out, 'audit-events.ndjson'), 'utf8').replace('"test.old"', '"test.odd"'));
    const manifest = JSON.parse(readFileSync(path.join(copy, 'manifest.json'), 'utf8'));
    for (const f of manifest.files) f.sha256 = sha256(path.join(copy, f.name));
    for (const f of manifest.files) f.rows = lines(path.join(copy, f.name)).length;
    writeFileSync(path.join(copy, 'manifest.json'), JSON.stringify(manifest));
    const rehashed = await cli(['retention', 'check', copy], store.env);
    expect(rehashed.code, 'a re-hashed manifest does not hide an edited audit event').toBe(1);
    expect(rehashed.stdout).toMatch(/audit-events.ndjson: event 1 was altered/);
  });

  it('detects tampering with a remaining event after the purge', async () => {
    await store.use((db) => db.execute(sql`update audit_events set actor = 'mallory' where seq = 7`));
    const r = await cli(['audit', 'verify'], store.env);
    expect(r.code, r.text).toBe(1);
    expect(r.stdout).toMatch(/BROKEN at event 7: event 7 was altered/);
    await store.use((db) => db.execute(sql`update audit_events set actor = 'system' where seq = 7`));
    expect((await cli(['audit', 'verify'], store.env)).code).toBe(0);
  });

  it('detects a forged checkpoint: an altered hash, or one written to hide deleted events', async () => {
    const [cp] = await store.use((db) => db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id)));
    await store.use((db) => db.execute(sql`update audit_checkpoints set hash = ${'f'.repeat(64)}`));
    const altered = await cli(['audit', 'verify'], store.env);
    expect(altered.code, altered.text).toBe(1);
    expect(altered.stdout).toMatch(/BROKEN at event 5: the retention checkpoint at event 5 does not match the sealed tree/);
    await store.use((db) => db.execute(sql`update audit_checkpoints set hash = ${cp!.hash}`));
    expect((await cli(['audit', 'verify'], store.env)).code).toBe(0);

    // Someone deletes events 6 and 7 and writes a checkpoint at 7 with the true root of the tree
    // there (the tree's nodes are readable): it matches the tree, but no purge ever confirmed it.
    await store.use(async (db) => {
      const at7 = await treeAt(db, 7);
      await db.execute(sql`delete from audit_events where seq in (6, 7)`);
      await db.insert(auditCheckpoints).values({ seq: 7, hash: at7!.root, cutoff: new Date('2020-01-01T00:00:00Z'), manifestSha256: 'a'.repeat(64) });
    });
    const forged = await cli(['audit', 'verify'], store.env);
    expect(forged.code, forged.text).toBe(1);
    expect(forged.stdout).toMatch(/the retention checkpoint at event 7 is not confirmed by a retention.purge event in the log/);
    // Four command-line runs and four openings of the store: more than the default 30 s on a loaded machine.
  }, 90_000);
});

describe.skipIf(usingPostgres)('retention purge beside a running server that holds the embedded store', () => {
  it('goes through the server, which writes the export and the checkpoint', async () => {
    const store = await openStore();
    const work = mkdtempSync(path.join(tmpdir(), 'pg-retention-srv-'));
    try {
      await store.use(seed);
      const server = await startServer([], { ...store.env, PRIORGATE_MONITOR_INTERVAL_MS: '0' });
      try {
        const young = await cli(['retention', 'purge', '--before', '2024-01-01', '--out', path.join(work, 'x')], store.env);
        expect(young.code, young.text).toBe(2);
        const out = path.join(work, 'export');
        const r = await cli(['retention', 'purge', '--before', CUTOFF, '--out', out], store.env);
        expect(r.code, r.text).toBe(0);
        expect(r.stdout).toContain('5 audit events, 2 messages, 1 requests');
        expect((await cli(['retention', 'check', out], store.env)).code).toBe(0);
        const verify = await cli(['audit', 'verify'], store.env);
        expect(verify.code, verify.text).toBe(0);
        expect(verify.stdout).toMatch(/from the retention checkpoint at event 5/);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    } finally {
      await store.close();
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
