/**
 * The sequencer across processes and the witnesses: one sealer at a time (another skips its turn),
 * a sealer killed mid-batch (its connection terminated, as with `kill -9`) leaves nothing behind and
 * the next one seals everything once; the running service seals within its interval and appends
 * the newest head to the witness file; the witness webhook gets the head through the SSRF-guarded
 * transport, keeps its place until a 2xx, and a refused URL sends nothing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, exportHeadToWebhook, openHead, readWitnessFile, sealBatch, startAuditLog, verifyAudit, type HeadSigner } from '../../src/audit/index.ts';
import { allPublicKeys, loadKeyRing } from '../../src/auth/index.ts';
import { openPostgres, rows } from '../../src/db/client.ts';
import { witnessCursors } from '../../src/db/queries/audit-log.ts';
import { createLogger } from '../../src/log/index.ts';
import { seal } from '../helpers/audit.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
let signer: HeadSigner;
beforeAll(async () => {
  t = await testDatabase();
  signer = (await loadKeyRing(t.db, 300)).signer;
});
afterAll(() => t?.close());

const append = (n: number, action = 'seq.test') => Promise.all(Array.from({ length: n }, (_, i) => appendAudit(t.db, { actor: 'system', action, detail: { i } })));
const unsealed = async () => Number((await rows<{ n: number }>(t.db, sql`select count(*)::int as n from audit_events where seq is null`))[0]!.n);

describe.skipIf(!usingPostgres)('the sequencer across processes (Postgres)', () => {
  /**
   * A second process's sealer, on its own connections, stuck after placing its batch (holding the
   * lock); then its connection is terminated. `processGone`: the process is gone too (kill -9), so
   * nothing runs again and its batch waits for the next sealer. Else the process lives on: its
   * transaction runner runs the seal again on a new connection (a lost connection before COMMIT).
   */
  async function sealerLosesItsConnection(processGone: boolean) {
    await append(30, processGone ? 'seq.gone' : 'seq.live');
    const other = await openPostgres(t.url!, { max: 2 });
    let release!: () => void;
    let stuck!: () => void;
    const reached = new Promise<void>((r) => (stuck = r));
    let signerCalls = 0;
    const blocked = sealBatch({
      db: other.db,
      signer: () => {
        if (signerCalls++ > 0) return signer; // a run after the first goes straight on
        stuck();
        return new Promise<HeadSigner>((r) => (release = () => r(signer)));
      },
    }).catch((e: Error) => e);
    await reached;
    expect(await sealBatch({ db: t.db, signer: () => signer }), 'the lock is taken: this one skips its turn').toBeUndefined();
    // A kill -9: the process (its pool) is gone, and Postgres sees its connection gone. Else an
    // operator ending the session of a process that lives on.
    const closing = processGone ? other.close().catch(() => {}) : undefined;
    const [holder] = await rows<{ pid: number }>(t.db, sql`select pid from pg_locks where locktype = 'advisory' and objid = 727000003 and granted`);
    await t.db.execute(sql`select pg_terminate_backend(${holder!.pid})`);
    for (let i = 0; i < 50 && (await rows<{ n: number }>(t.db, sql`select count(*)::int as n from pg_stat_activity where pid = ${holder!.pid}`))[0]!.n > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    release();
    const outcome = await blocked;
    await closing;
    return { outcome, other };
  }

  it('lets one sealer work at a time; one killed mid-batch leaves nothing behind, and the next seals every event once', async () => {
    const { outcome } = await sealerLosesItsConnection(true);
    expect(outcome).toBeInstanceOf(Error);
    expect(await unsealed(), 'its batch rolled back: the events wait').toBe(30);
    await seal(t.db);
    expect(await unsealed()).toBe(0);
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, events: 30 });
  });

  it('a sealer whose connection is ended while its process lives seals its batch again on a new connection, every event once', async () => {
    const { outcome, other } = await sealerLosesItsConnection(false);
    await other.close().catch(() => {});
    expect(outcome).not.toBeInstanceOf(Error);
    expect(await unsealed()).toBe(0);
    // Every event sealed once: the log verifies whole (30 events of the case before, 30 of this one).
    expect(await verifyAudit(t.db)).toMatchObject({ ok: true, events: 60 });
  });
});

describe('the audit log service', () => {
  it('seals within its interval and appends the newest head to the witness file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-witness-svc-'));
    const file = path.join(dir, 'heads.ndjson');
    const lags: number[] = [];
    const svc = startAuditLog({
      db: t.db,
      log: createLogger({ level: 'silent' }),
      signer: () => signer,
      sealIntervalMs: 50,
      witnessFile: file,
      witnessIntervalMs: 100,
      metrics: { observeSeal: (s) => lags.push(s), setUnsealed: () => {}, setTreeSize: () => {} },
    });
    try {
      await append(5, 'svc.test');
      for (let i = 0; (await unsealed()) > 0; i++) {
        if (i > 200) throw new Error('not sealed');
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(lags.length).toBeGreaterThanOrEqual(5);
      for (let i = 0; readWitnessFile(file).length === 0; i++) {
        if (i > 200) throw new Error('no head reached the witness file');
        await new Promise((r) => setTimeout(r, 25));
      }
    } finally {
      await svc.stop();
    }
    const heads = readWitnessFile(file);
    const newest = heads[heads.length - 1]!;
    const keys = await allPublicKeys(t.db);
    expect((await openHead(newest.jws, (kid) => keys.get(kid))).ok, 'the witness holds signed heads').toBe(true);
    expect(await verifyAudit(t.db, { witness: heads })).toMatchObject({ ok: true, witnessed: heads.length });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('the witness webhook', () => {
  let server: Server;
  let url: string;
  const got: any[] = [];
  let answers = [500, 200];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push(JSON.parse(body));
        res.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/witness`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('POSTs the newest signed head, keeps its place until a 2xx, and sends nothing twice', async () => {
    await append(3, 'webhook.test');
    await seal(t.db);
    const first = await exportHeadToWebhook(t.db, { url, allowlist: ['127.0.0.1'] }, 'https://gw.example/.well-known/jwks.json');
    expect(first).toEqual({ error: 'HTTP 500' });
    expect((await witnessCursors(t.db)).find((c) => c.name === 'webhook')).toMatchObject({ headNo: 0, lastError: 'HTTP 500' });
    const second = await exportHeadToWebhook(t.db, { url, allowlist: ['127.0.0.1'] });
    expect(second.sent).toBeGreaterThan(0);
    expect(got[1]).toMatchObject({ type: 'priorgate.audit-tree-head', headNo: second.sent, jws: expect.stringMatching(/^ey/) });
    expect(got[0]).toMatchObject({ jwks: 'https://gw.example/.well-known/jwks.json' });
    expect(await exportHeadToWebhook(t.db, { url, allowlist: ['127.0.0.1'] }), 'nothing new: nothing sent').toEqual({});
    expect(got).toHaveLength(2);
  });

  it('refuses a URL the SSRF rules forbid: nothing is sent, the refusal is recorded', async () => {
    await append(1, 'webhook.test');
    await seal(t.db);
    const before = got.length;
    const r = await exportHeadToWebhook(t.db, { url, allowlist: [] });
    expect(r.error).toMatch(/^refused: /);
    expect(got).toHaveLength(before);
  });
});
