/**
 * A deployment from before encryption at rest: its rows are plaintext. They stay readable, and the
 * first start with encryption encrypts them in the background (message payloads, the summary's PHI
 * moved out of the clear jsonb, job payloads, a Subscription's header lines moved out of its clear
 * resource), builds their member id search hashes, and from then on plaintext is no longer accepted.
 * Both stores.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { rows } from '../../src/db/client.ts';
import { jobsOfKind } from '../../src/db/queries/jobs.ts';
import { subscriptionById } from '../../src/db/queries/subscriptions.ts';
import { latestMessage, requestById } from '../../src/db/queries/requests.ts';
import { worklist } from '../../src/db/queries/staff.ts';
import { dataKeys, jobs, messages, organizations, requests, staffUsers, subscriptions } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log/index.ts';
import { startGateway, type Gateway } from '../../src/server/index.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { canary, needles, pasSubscription, pasWithCanary, scanForPlaintext, until } from './crypto-kit.ts';

const c = canary('LG');
const bundle = pasWithCanary(c);
const requestId = '0d5e3b9e-1c1f-4f5e-8f5b-8a9c2b7d6e01';
const messageId = '2a9b7c1d-3e4f-4a5b-9c6d-7e8f9a0b1c2d';
const subscriptionId = '5c1d9e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const HOOK_SECRET = 'Bearer LEGACYHOOKSECRET1';

/** A Subscription row as the previous release wrote it: its header lines in the clear resource. */
function legacySubscription(id: string, secret: string) {
  const resource = pasSubscription('https://hooks.example.org/pas') as Record<string, any>;
  resource.channel.header = [`Authorization: ${secret}`, 'X-Tenant: legacy'];
  return { id, orgId: 'legacy-org', status: 'active', endpoint: resource.channel.endpoint, resource };
}

/** The stored columns of a subscription, as a dump shows them. */
async function storedSubscription(id: string) {
  const [r] = await rows<{ resource: Record<string, any> | string; channel_headers: string | null }>(db.db, sql`select resource, channel_headers from subscriptions where id = ${id}`);
  return { resource: typeof r!.resource === 'string' ? JSON.parse(r!.resource) : r!.resource, channelHeaders: r!.channel_headers };
}

const startOnce = async () => {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', PRIORGATE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const log = createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) as never });
  // The store outlives each gateway (the embedded one lives in memory): stopping one leaves it open.
  gw = await startGateway(config, log, { database: { ...db, close: async () => {} } });
  await until('the first encryption pass', () => !gw!.dataKeys.cipher.acceptPlaintext || undefined);
};
let db: TestDatabase;
let gw: Gateway | undefined;
let dataDir: string;

beforeAll(async () => {
  db = await testDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), 'pg-legacy-'));
  // Rows as the previous release wrote them: plaintext everywhere, written around the query layer.
  await db.db.insert(organizations).values({ id: 'legacy-org', name: 'Legacy Clinic' });
  await db.db.insert(requests).values({
    id: requestId,
    orgId: 'legacy-org',
    kind: 'prior-auth',
    status: 'certified',
    idempotencyKey: 'legacy-1',
    traceNumber: 'LEGACYTRACE1',
    summary: { memberIds: [c.memberId], providerIds: ['1234567893'], serviceDate: '2025-05-06', claimIdentifier: 'LEGACYCLAIM1', decision: 'A1' },
  });
  await db.db.insert(messages).values({ id: messageId, orgId: 'legacy-org', requestId, direction: 'in', format: 'fhir', transactionSet: 'pas-request', payload: JSON.stringify(bundle) });
  await db.db.insert(jobs).values({ kind: 'legacy.example', orgId: 'legacy-org', requestId, status: 'done', payload: { note: 'old job', patient: { name: c.family, birthDate: c.birthDate } } });
  await db.db.insert(subscriptions).values(legacySubscription(subscriptionId, HOOK_SECRET));
});
afterAll(async () => {
  await gw?.stop();
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('plaintext rows from before encryption at rest', () => {
  it('are readable as they are before the first start with encryption', async () => {
    expect((await requestById(db.db, requestId))!.summary.memberIds).toEqual([c.memberId]);
    expect((await latestMessage(db.db, requestId, 'pas-request'))!.payload).toBe(JSON.stringify(bundle));
    expect(await scanForPlaintext(db.db, [c.memberId])).toContain('requests.summary: ' + c.memberId);
    expect((await subscriptionById(db.db, subscriptionId))!.resource.channel).toMatchObject({ header: [`Authorization: ${HOOK_SECRET}`, 'X-Tenant: legacy'] });
    expect(await scanForPlaintext(db.db, [HOOK_SECRET])).toContain(`subscriptions.resource: ${HOOK_SECRET}`);
  });

  it('are encrypted by the first start in the background, stay readable, searchable, and plaintext is refused afterwards', async () => {
    await startOnce();

    const hits = await scanForPlaintext(db.db, [...needles(c), HOOK_SECRET]);
    expect(hits, hits.join('\n')).toEqual([]);
    const row = await requestById(db.db, requestId);
    expect(row!.summary).toMatchObject({ memberIds: [c.memberId], serviceDate: '2025-05-06', claimIdentifier: 'LEGACYCLAIM1', decision: 'A1' });
    expect((await latestMessage(db.db, requestId, 'pas-request'))!.payload).toBe(JSON.stringify(bundle));
    const [job] = await jobsOfKind(db.db, 'legacy.example');
    expect(job!.payload).toEqual({ note: 'old job', patient: { name: c.family, birthDate: c.birthDate } });
    const found = await worklist(db.db, { scope: null, text: c.memberId, memberIdSearch: true, sort: 'submitted', dir: 'desc', limit: 5, offset: 0, now: new Date() });
    expect(found.rows.map((r) => r.id)).toEqual([requestId]);

    const marker = (await db.db.select().from(dataKeys)).find((k) => k.kid === '(plaintext)');
    expect(marker?.drainedAt).toBeInstanceOf(Date);
    // A plaintext value written now is not legacy: it is refused like a tampered one.
    await db.db.insert(messages).values({ id: '3b0c8d2e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', orgId: 'legacy-org', requestId, direction: 'out', format: 'fhir', transactionSet: 'pas-response', payload: '{"forged":true}' });
    await expect(latestMessage(db.db, requestId, 'pas-response')).rejects.toThrow(/the stored value is not encrypted/);

    // The Subscription's header lines left its clear resource, sealed; reads give them back.
    const stored = await storedSubscription(subscriptionId);
    expect(stored.resource.channel).not.toHaveProperty('header');
    expect(stored.channelHeaders).toMatch(new RegExp(`^v1\\.${gw!.dataKeys.cipher.ring.currentId}\\.`));
    expect((await subscriptionById(db.db, subscriptionId))!.resource.channel).toMatchObject({ header: [`Authorization: ${HOOK_SECRET}`, 'X-Tenant: legacy'] });
  });

  it('secrets an older release stored in the clear after that (gateways upgraded one by one): migrations 0013 and 0014 put plaintext back in use, and the next start seals them', async () => {
    await gw!.stop();
    gw = undefined;
    const marker = async () => (await db.db.select().from(dataKeys)).find((k) => k.kid === '(plaintext)');
    const drained = (await marker())!.drainedAt;
    expect(drained).toBeInstanceOf(Date);
    /** A migration's data step, as its file has it (the last statement; a column it adds exists already here). */
    const dataStep = (file: string) => db.db.execute(sql.raw(readFileSync(new URL(`../../migrations/${file}`, import.meta.url), 'utf8').split('--> statement-breakpoint').at(-1)!));
    const lateId = '6d2e0f4a-6b7c-4d8e-9f0a-1b2c3d4e5f60';
    const staffId = '7e3f1a5b-7c8d-4e9f-8a1b-2c3d4e5f6a71';
    const steps = [
      { file: '0013_subscription_headers.sql', store: () => db.db.insert(subscriptions).values(legacySubscription(lateId, 'Bearer LATEHOOKSECRET2')) },
      { file: '0014_staff_mfa_sealed.sql', store: () => db.db.insert(staffUsers).values({ id: staffId, username: 'late-admin', passwordHash: 'x', role: 'admin', mfaSecret: 'plain:LATETOTPSECRET3LATETOTPSECRET3A', mfaEnabledAt: new Date() }) },
    ];
    for (const step of steps) {
      await dataStep(step.file); // nothing in the clear: nothing changes
      expect((await marker())?.drainedAt, step.file).toEqual(drained);
      await step.store();
      await dataStep(step.file);
      expect((await marker())?.drainedAt, step.file).toBeNull();
      await db.db.update(dataKeys).set({ drainedAt: drained }).where(eq(dataKeys.kid, '(plaintext)'));
    }
    await dataStep(steps[0]!.file);

    await startOnce();
    expect(await scanForPlaintext(db.db, ['LATEHOOKSECRET2', 'LATETOTPSECRET3'])).toEqual([]);
    expect((await storedSubscription(lateId)).channelHeaders).toMatch(/^v1\./);
    expect((await subscriptionById(db.db, lateId))!.resource.channel).toMatchObject({ header: ['Authorization: Bearer LATEHOOKSECRET2', 'X-Tenant: legacy'] });
    const [staff] = await db.db.select().from(staffUsers).where(eq(staffUsers.id, staffId));
    expect(gw!.dataKeys.cipher.open(staff!.mfaSecret!, { table: 'staff_users', column: 'mfa_secret', id: staffId })).toBe('LATETOTPSECRET3LATETOTPSECRET3A');
    expect((await marker())?.drainedAt).toBeInstanceOf(Date);
  });
});
