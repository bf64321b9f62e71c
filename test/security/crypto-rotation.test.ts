/**
 * Data key rotation without downtime: a new current key in the ring, rows under the old key moved
 * to it in short batches while the gateway keeps reading and writing, the search index unchanged,
 * and the old key retired only once no row uses it. In process (both stores), and through the
 * command line beside a running server (through its operator endpoint on the embedded store; the
 * command runs the pass itself on Postgres).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/audit/index.ts';
import type { KeyRingFile } from '../../src/config/index.ts';
import { rows } from '../../src/db/client.ts';
import { withNewKey, withoutKey, writeKeyRingFile } from '../../src/db/crypto/index.ts';
import type { DataKeyStatus } from '../../src/db/data-keys/index.ts';
import { worklist } from '../../src/db/queries/staff.ts';
import { subscriptionById } from '../../src/db/queries/subscriptions.ts';
import { auditEvents } from '../../src/db/schema.ts';
import { eligibilityGateway, type EligibilityGateway } from '../eligibility/gateway.ts';
import { testDatabase, usingPostgres, type TestDatabase } from '../helpers/db.ts';
import { providerToken } from '../helpers/jwk.ts';
import { cli, startServer } from '../helpers/process.ts';
import { receiver, type Receiver } from '../notify/helpers.ts';
import { canary, eligibilityWithCanary, pasSubscription, pasWithCanary, until } from './crypto-kit.ts';

const rowsUnder = (s: DataKeyStatus, kid: string) => s.keys.find((k) => k.kid === kid)?.rows.total ?? 0;

describe('rotation in a running gateway', () => {
  let gw: EligibilityGateway;
  let token: string;
  const ids: string[] = [];
  const members: string[] = [];
  let hook: Receiver;
  let subscriptionId: string;

  beforeAll(async () => {
    gw = await eligibilityGateway();
    token = await gw.token();
    hook = await receiver();
    const subscription = pasSubscription(hook.url) as any;
    subscription.channel.header = ['Authorization: Bearer rotation-hook-secret'];
    const sub = await gw.submit(subscription, token, 'Subscription');
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    subscriptionId = sub.body.id;
    for (let i = 0; i < 6; i++) {
      const c = canary(`R${i}`);
      members.push(c.memberId);
      const r = await gw.submit(pasWithCanary(c), token);
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
      ids.push(r.body.entry[0].resource.id);
    }
    expect((await gw.check(eligibilityWithCanary(canary('RE')), token)).status).toBe(200);
  });
  afterAll(async () => {
    await hook?.close();
    await gw?.stop();
  });

  const read = async (id: string) => (await fetch(`${gw.url}/fhir/ClaimResponse/${id}`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('moves every row to the new key in batches while reads and new requests keep working; the old key then retires', async () => {
    const ringFile = path.join(gw.dataDir, 'data-keys.json');
    const oldKid = gw.dataKeys.cipher.ring.currentId;
    const before = await gw.dataKeys.status();
    expect(rowsUnder(before, oldKid)).toBeGreaterThan(20);
    // Every sealed table counts toward a key's total (what `keys retire` checks): the subscription's header lines too.
    const usage = before.keys.find((k) => k.kid === oldKid)!.rows;
    expect(usage.subscriptions).toBe(1);
    expect(usage.total).toBe(usage.messages + usage.requests + usage.jobs + usage.eligibility_batches + usage.eligibility_batch_results + usage.subscriptions + usage.staff_users);
    expect(await gw.dataKeys.retire(oldKid, 'operator')).toMatchObject({ retired: false, reason: 'it is the current key' });

    // What `priorgate keys rotate --data` writes; the server takes it (its file watcher would too).
    const rotated = withNewKey(JSON.parse(readFileSync(ringFile, 'utf8')) as KeyRingFile, new Date());
    writeKeyRingFile(ringFile, rotated.file);
    expect(await gw.dataKeys.reload()).toEqual({ changed: true, current: rotated.kid });
    expect(await gw.dataKeys.retire(oldKid, 'operator')).toMatchObject({ retired: false, reason: expect.stringMatching(/rows are still encrypted under it/) });

    // Small batches with pauses, and traffic meanwhile: every read answers, new requests go in.
    let passDone = false;
    const pass = gw.dataKeys.rekey({ batchSize: 3, pauseMs: 5 }).finally(() => (passDone = true));
    const during: number[] = [];
    let extra = 0;
    while (!passDone) {
      for (const id of ids) during.push(await read(id));
      const r = await gw.submit(pasWithCanary(canary(`RN${extra++}`)), token);
      during.push(r.status);
    }
    const result = await pass;
    expect(during.every((s) => s === 200), JSON.stringify(during)).toBe(true);
    expect(result).toMatchObject({ current: rotated.kid, failed: 0, skipped: 0, stopped: false });
    expect(result.resealed.messages).toBeGreaterThan(20);
    expect(result.resealed.requests).toBeGreaterThanOrEqual(7);
    expect(result.resealed.subscriptions).toBe(1);

    const after = await gw.dataKeys.status();
    expect(rowsUnder(after, oldKid)).toBe(0);
    expect(rowsUnder(after, '(plaintext)')).toBe(0);
    const [m] = await rows<{ other: number }>(gw.database.db, sql`select count(*)::int as other from messages where payload not like ${`v1.${rotated.kid}.%`}`);
    expect(m!.other).toBe(0);

    // The search key did not change: member ids stored before the rotation are still found.
    const found = await worklist(gw.database.db, { scope: null, text: members[0]!, memberIdSearch: true, sort: 'submitted', dir: 'desc', limit: 10, offset: 0, now: new Date() });
    expect(found.rows.map((r) => r.id)).toEqual([ids[0]]);

    // Retire: no row uses the old key, so it goes (and leaves the ring file, as the command does).
    expect(await gw.dataKeys.retire(oldKid, 'operator')).toEqual({ retired: true, rows: 0 });
    writeKeyRingFile(ringFile, withoutKey(rotated.file, oldKid));
    await gw.dataKeys.reload();
    expect(gw.dataKeys.cipher.ring.ids()).toEqual([rotated.kid]);
    for (const id of ids) expect(await read(id)).toBe(200);
    expect((await subscriptionById(gw.database.db, subscriptionId))!.resource.channel).toMatchObject({ header: ['Authorization: Bearer rotation-hook-secret'] });
    expect((await gw.dataKeys.status()).keys.find((k) => k.kid === oldKid)).toMatchObject({ retiredAt: expect.any(String), inRing: false });

    // Each step is on the audit trail, and the chain holds.
    const actions = (await gw.database.db.select({ action: auditEvents.action, entityId: auditEvents.entityId }).from(auditEvents)).filter((a) => a.action.startsWith('data-key.'));
    expect(actions).toEqual(
      expect.arrayContaining([
        { action: 'data-key.activate', entityId: rotated.kid },
        { action: 'data-key.rekey', entityId: rotated.kid },
        { action: 'data-key.retire', entityId: oldKid },
      ]),
    );
    expect((await verifyAudit(gw.database.db)).ok).toBe(true);
  });
});

describe('rotation from the command line beside a running server', () => {
  let dataDir: string;
  let pg: TestDatabase | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'pg-rot-'));
    if (usingPostgres) pg = await testDatabase();
  });
  afterAll(async () => {
    await pg?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keys rotate --data, keys status --data, keys retire --data', async () => {
    const env: NodeJS.ProcessEnv = { PRIORGATE_DATA_DIR: dataDir, DATABASE_URL: pg?.url ?? '' };
    const server = await startServer(['--demo'], env);
    try {
      await until('readiness', async () => (await fetch(`${server.url}/readyz`)).ok || undefined);
      const tok = (await providerToken(server.url, dataDir)).body.access_token as string;
      const submit = await fetch(`${server.url}/fhir/Claim/$submit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(pasWithCanary(canary('CLI'))),
      });
      const claimResponseId = ((await submit.json()) as any).entry[0].resource.id;
      const status = () => {
        const r = cli(['keys', 'status', '--data', '--json'], env);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as DataKeyStatus;
      };
      const oldKid = status().current;
      expect(rowsUnder(status(), oldKid)).toBeGreaterThan(0);

      const rotate = cli(['keys', 'rotate', '--data', '--batch', '2'], env);
      expect(rotate.code, rotate.stderr).toBe(0);
      const newKid = (JSON.parse(readFileSync(path.join(dataDir, 'data-keys.json'), 'utf8')) as KeyRingFile).current;
      expect(newKid).not.toBe(oldKid);
      expect(rotate.stdout).toContain(`new current data key ${newKid}`);
      expect(rotate.stdout).toMatch(usingPostgres ? /re-encrypted under / : /the running server re-encrypts rows under/);

      await until('no row left under the old key', () => {
        const s = status();
        return (s.current === newKid && rowsUnder(s, oldKid) === 0) || undefined;
      });
      const text = cli(['keys', 'status', '--data'], env).stdout;
      expect(text).toMatch(/messages\s+requests\s+jobs\s+other\s+total/);
      expect(text).toMatch(new RegExp(`${oldKid}\\s+unused .*retire with: priorgate keys retire --data ${oldKid}`));

      const retire = cli(['keys', 'retire', '--data', oldKid], env);
      expect(retire.code, retire.stderr).toBe(0);
      const ring = JSON.parse(readFileSync(path.join(dataDir, 'data-keys.json'), 'utf8')) as KeyRingFile;
      expect(ring.keys.map((k) => k.id)).toEqual([newKid]);
      const current = cli(['keys', 'retire', '--data', newKid], env);
      expect(current.code).toBe(1);
      expect(current.stderr).toContain('is the current data key');

      // A GET after seconds of command-line work: the pooled keep-alive socket may just have been
      // closed by the server's keep-alive timeout, so one retry on a socket error.
      const get = () => fetch(`${server.url}/fhir/ClaimResponse/${claimResponseId}`, { headers: { authorization: `Bearer ${tok}` } });
      const res = await get().catch((e: { cause?: { code?: string } }) => (e.cause?.code === 'UND_ERR_SOCKET' ? get() : Promise.reject(e)));
      expect(res.status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Two gateway processes start here, each loading and migrating its store.
  }, 120_000);
});
