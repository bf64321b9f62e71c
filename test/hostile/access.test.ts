/**
 * Two weak points of issue 18, end to end on the real gateway:
 *
 * - An API client can be disabled (admin page, `priorgate client disable`, the operator route the
 *   CLI uses on a held embedded store): it gets no token, and the tokens it holds are refused at
 *   once — also after it is enabled again, when it must sign in anew.
 * - A late payer decision that fits requests of two organizations (another organization copied the
 *   Claim identifier, member id and provider) is still never delivered across organizations, but
 *   no longer silently stuck: an alert per organization, a notice on their worklists, a list that
 *   shows each organization only its own request, and a global administrator who applies it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as clientCommand } from '../../src/cli/commands/client.ts';
import { latestMessage } from '../../src/db/queries/requests.ts';
import { upsertClient, upsertOrganization } from '../../src/db/queries/clients.ts';
import { apiClients, auditAlerts, auditEvents, requests, unmatchedAnswers } from '../../src/db/schema.ts';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { respond278 } from '../../src/sim/decide-278.ts';
import { InMemoryControlNumbers, parseX12, writeX12 } from '../../src/x12/index.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { cliStore, type CliStore } from '../helpers/db.ts';
import { providerToken } from '../helpers/jwk.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { addStaff } from '../staff/helpers.ts';
import { raw } from './kit.ts';

const PASSWORD = 'priorgate-demo';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let gw: TestGateway;

beforeAll(async () => {
  // The simulator never pushes on its own here: the tests deliver the late decisions.
  gw = await testGateway({ PRIORGATE_MFA_REQUIRED_ROLES: 'none', PRIORGATE_SIM_PEND_MS: '600000', PRIORGATE_MONITOR_INTERVAL_MS: '200' });
});
afterAll(() => gw?.stop());

async function session(username: string): Promise<{ cookie: string; csrf: string }> {
  const res = await raw(`${gw.url}/ui/login`, { method: 'POST', headers: FORM, body: new URLSearchParams({ username, password: PASSWORD }).toString() });
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).find((c) => c.startsWith('pg_session='));
  if (!cookie) throw new Error(`${username}: ${res.status} ${res.text.slice(0, 200)}`);
  const page = await raw(`${gw.url}/ui/account`, { headers: { cookie } });
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1]! };
}

const fhirGet = (token: string, p = 'Subscription') => raw(`${gw.url}/fhir/${p}`, { headers: { authorization: `Bearer ${token}` } });

describe('disabling an API client', () => {
  it('from the admin page: its tokens are refused at once, it gets no new one, and enabled again it must sign in anew', async () => {
    const held = await gw.token('demo-clinic-a');
    expect((await fhirGet(held)).status).toBe(200);
    const admin = await session('admin');
    const list = await raw(`${gw.url}/ui/admin/clients`, { headers: { cookie: admin.cookie } });
    expect(list.text).toContain('demo-clinic-a');
    const off = await raw(`${gw.url}/ui/admin/clients/demo-clinic-a/disable`, { method: 'POST', headers: { ...FORM, cookie: admin.cookie }, body: `_csrf=${admin.csrf}` });
    expect(off.status).toBe(303);
    const refused = await fhirGet(held);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).issue[0].diagnostics).toBe('the client of this access token is disabled');
    expect((await providerToken(gw.url, gw.dataDir, 'demo-clinic-a')).status).toBe(401);

    const on = await raw(`${gw.url}/ui/admin/clients/demo-clinic-a/enable`, { method: 'POST', headers: { ...FORM, cookie: admin.cookie }, body: `_csrf=${admin.csrf}` });
    expect(on.status).toBe(303);
    expect((await fhirGet(held)).status).toBe(401);
    // At once: a token issued after the disabling is taken even within the same second (iat_ms).
    expect((await fhirGet(await gw.token('demo-clinic-a'))).status).toBe(200);
    const audited = await gw.database.db.select().from(auditEvents).where(and(eq(auditEvents.entityType, 'api_client'), eq(auditEvents.entityId, 'demo-clinic-a')));
    expect(audited.map((e) => `${e.action} ${e.actor}`)).toEqual(expect.arrayContaining(['client.disable staff:admin', 'client.enable staff:admin']));
  });

  it('through the operator route the CLI uses beside a running embedded store', async () => {
    const held = await gw.token('demo-clinic-b');
    const { secret } = JSON.parse(readFileSync(path.join(gw.dataDir, 'operator.json'), 'utf8')) as { secret: string };
    const call = (client: string, enabled: boolean) =>
      raw(`${gw.url}/operator/client/status`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-priorgate-operator': secret }, body: JSON.stringify({ client, enabled }) });
    expect((await call('demo-clinic-b', false)).status).toBe(200);
    expect((await fhirGet(held)).status).toBe(401);
    expect((await call('no-such-client', false)).status).toBe(404);
    expect((await call('demo-clinic-b', true)).status).toBe(200);
  });

  describe('priorgate client disable|enable on the database', () => {
    let store: CliStore;
    let env: Record<string, string>;
    beforeAll(async () => {
      store = await cliStore('pg-client-cli-');
      env = store.env;
      await store.withDb(async (db) => {
        await upsertOrganization(db, { id: 'org-cli', name: 'CLI Clinic' });
        await upsertClient(db, { id: 'cli-client', orgId: 'org-cli', jwks: { keys: [] }, scopes: ['system/Claim.c'] });
      });
    });
    afterAll(() => store.close());

    it('disables (exit 0, audited as the operator), says so when repeated, enables; exit 2 for an unknown client or bad usage', async () => {
      const off = await runCommand(clientCommand, ['disable', '--id', 'cli-client'], { env });
      expect(off.code, off.text).toBe(0);
      expect(off.stdout).toMatch(/client cli-client \(organization org-cli\) disabled: it gets no tokens/);
      expect((await runCommand(clientCommand, ['disable', '--id', 'cli-client'], { env })).stdout).toMatch(/was already disabled/);
      const { row, events } = await store.withDb(async (db) => ({
        row: (await db.select().from(apiClients).where(eq(apiClients.id, 'cli-client')))[0],
        events: await db.select().from(auditEvents).where(eq(auditEvents.action, 'client.disable')),
      }));
      expect(row!.active).toBe(false);
      expect(row!.tokensNotBefore).toBeInstanceOf(Date);
      expect(events.map((e) => e.actor)).toEqual(['operator']);
      expect((await runCommand(clientCommand, ['enable', '--id', 'cli-client'], { env })).code).toBe(0);
      expect((await runCommand(clientCommand, ['disable', '--id', 'nobody'], { env })).code).toBe(2);
      expect((await runCommand(clientCommand, ['disable'], { env })).code).toBe(2);
    }, 180_000); // each command opens (and on the embedded store, loads) the database
  });
});

describe('a late decision that fits requests of two organizations', () => {
  it('is never delivered across organizations, raises an alert per organization, is shown to each its own request only, and a global admin applies it', async () => {
    const tokenA = await gw.token('demo-clinic-a');
    const tokenB = await gw.token('demo-clinic-b');
    // Organization B copies A's Claim identifier, member id and provider.
    const bundleId = `copy-${Date.now()}`;
    const submitted = async (token: string) => {
      const res = await gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', 'W777P', bundleId), token);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.entry[0].resource;
    };
    const a = await submitted(tokenA);
    const b = await submitted(tokenB);
    expect(reviewCodes(a)).toContain('A4');
    expect(reviewCodes(b)).toContain('A4');

    // The payer's final decision for A's request arrives late.
    const sent = await latestMessage(gw.database.db, a.id, 'x12-278-request');
    const tx = parseX12(sent!.payload).interchanges[0]!.groups[0]!.transactions[0]!;
    const final = writeX12(
      {
        sender: { qualifier: 'ZZ', id: 'DEMOPAYER' },
        receiver: { qualifier: 'ZZ', id: 'PRIORGATE' },
        usage: 'T',
        groups: [{ functionalId: 'HI', applicationSender: 'DEMOPAYER', applicationReceiver: 'PRIORGATE', version: '005010X217', transactions: [{ setId: '278', segments: respond278(bodyOf(tx), { now: new Date(), authNumber: 'LATE-A', final: true }) }] }],
      },
      { controlNumbers: new InMemoryControlNumbers(9100), now: new Date() },
    );
    const auth = basicAuth('demo-payer', (await issuePayerSecret(gw.database.db, 'demo-payer'))!);
    const ack = await raw(`${gw.url}/payer/x12`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/edi-x12' }, body: final });
    expect(ack.status).toBe(200);
    expect(ack.text).toMatch(/AK9\*A/);

    // Not delivered: both stay pended.
    const statusOf = async (id: string) => (await gw.database.db.select().from(requests).where(eq(requests.id, id)))[0]!.status;
    expect(await statusOf(a.id)).toBe('pended');
    expect(await statusOf(b.id)).toBe('pended');
    const [row] = await gw.database.db.select().from(unmatchedAnswers);
    expect(row).toMatchObject({ payerId: 'demo-payer', reason: 'ambiguous', resolvedAt: null });
    expect([...row!.candidateOrgIds].sort()).toEqual(['demo-clinic-a', 'demo-clinic-b']);

    // The audit monitor raises one alert per organization the answer names.
    let alerts: (typeof auditAlerts.$inferSelect)[] = [];
    for (let i = 0; i < 100 && alerts.length < 2; i++) {
      alerts = await gw.database.db.select().from(auditAlerts).where(eq(auditAlerts.rule, 'undelivered-answer'));
      if (alerts.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    expect(alerts.map((x) => x.orgId).sort()).toEqual(['demo-clinic-a', 'demo-clinic-b']);
    expect(JSON.stringify(alerts.map((x) => x.detail))).not.toContain('W777P');

    // Each organization's staff see a waiting answer for their own request, not its content.
    await addStaff(gw.database.db, 'alice-a', 'staff', 'demo-clinic-a', PASSWORD, { mfa: false });
    await addStaff(gw.database.db, 'bob-b', 'staff', 'demo-clinic-b', PASSWORD, { mfa: false });
    const alice = await session('alice-a');
    const bob = await session('bob-b');
    expect((await raw(`${gw.url}/ui`, { headers: { cookie: alice.cookie } })).text).toMatch(/1 payer answer could not be delivered to a request/);
    const aliceList = (await raw(`${gw.url}/ui/unmatched`, { headers: { cookie: alice.cookie } })).text;
    expect(aliceList).toContain(`/ui/requests/${a.id}`);
    expect(aliceList).not.toContain(b.id);
    expect(aliceList).not.toMatch(/Decision:/);
    const bobList = (await raw(`${gw.url}/ui/unmatched`, { headers: { cookie: bob.cookie } })).text;
    expect(bobList).toContain(`/ui/requests/${b.id}`);
    expect(bobList).not.toContain(a.id);
    // Only an administrator of no organization may apply it.
    const refused = await raw(`${gw.url}/ui/unmatched/${row!.messageId}/apply`, { method: 'POST', headers: { ...FORM, cookie: alice.cookie }, body: new URLSearchParams({ _csrf: alice.csrf, requestId: a.id }).toString() });
    expect(refused.status).toBe(403);

    // The global administrator sees both candidates and the decision, and applies it to A's request.
    const admin = await session('admin');
    const adminList = (await raw(`${gw.url}/ui/unmatched`, { headers: { cookie: admin.cookie } })).text;
    expect(adminList).toContain(a.id);
    expect(adminList).toContain(b.id);
    expect(adminList).toMatch(/Decision: A1/);
    const applied = await raw(`${gw.url}/ui/unmatched/${row!.messageId}/apply`, { method: 'POST', headers: { ...FORM, cookie: admin.cookie }, body: new URLSearchParams({ _csrf: admin.csrf, requestId: a.id }).toString() });
    expect(applied.status, applied.text.slice(0, 300)).toBe(303);
    expect(await statusOf(a.id)).toBe('certified');
    expect(await statusOf(b.id)).toBe('pended');
    const read = JSON.parse((await fhirGet(tokenA, `ClaimResponse/${a.id}`)).text);
    expect(reviewCodes(read)).toContain('A1');
    expect(JSON.stringify(read)).toContain('LATE-A');
    const [resolved] = await gw.database.db.select().from(unmatchedAnswers);
    expect(resolved).toMatchObject({ resolvedBy: 'staff:admin', resolvedRequestId: a.id });
    expect((await gw.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'payer.unmatched.apply'))).map((e) => e.entityId)).toEqual([a.id]);
    // Applied once: a second attempt finds nothing to apply.
    const again = await raw(`${gw.url}/ui/unmatched/${row!.messageId}/apply`, { method: 'POST', headers: { ...FORM, cookie: admin.cookie }, body: new URLSearchParams({ _csrf: admin.csrf, requestId: b.id }).toString() });
    expect(again.status).toBe(404);
    expect((await raw(`${gw.url}/ui`, { headers: { cookie: alice.cookie } })).text).not.toMatch(/could not be delivered/);
  });
});
