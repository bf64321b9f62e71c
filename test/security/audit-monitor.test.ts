/**
 * Audit monitoring: each rule raises an alert on the events it is about and stays quiet on normal
 * work; re-scanning never duplicates; the admin page lists and acknowledges alerts (admin only,
 * CSRF-checked); alerts export as FHIR AuditEvents; a running gateway records token addresses,
 * raises alerts within seconds and POSTs them (ids only, retried) to the configured webhook.
 * Event times are injected through `at`; 2026-03-04 is a Wednesday, New York is UTC-5 then.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, verifyAudit } from '../../src/audit/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { Db } from '../../src/db/client.ts';
import { resetCursor } from '../../src/db/queries/monitor.ts';
import { auditAlerts, auditEvents } from '../../src/db/schema.ts';
import { createLogger } from '../../src/log/index.ts';
import { flagRecord, isWorkingTime, scanAudit, startMonitor } from '../../src/monitor/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { staffRoutes } from '../../src/staff/index.ts';
import { addStaff, Client, seedOrgs, seedRequest } from '../staff/helpers.ts';
import { createHmac } from 'node:crypto';
import { seal, seqOf } from '../helpers/audit.ts';

const MONITOR_ENV = {
  PRIORGATE_MONITOR_INTERVAL_MS: '0',
  PRIORGATE_ALERT_READS_MAX: '5',
  PRIORGATE_ALERT_READS_WINDOW_MIN: '10',
  PRIORGATE_WORK_HOURS: '07:00-19:00',
  PRIORGATE_WORK_DAYS: 'mon-fri',
  PRIORGATE_WORK_TZ: 'America/New_York',
  PRIORGATE_ALERT_LOGIN_FAILURES_MAX: '3',
  PRIORGATE_ALERT_LOGIN_WINDOW_MIN: '15',
  PRIORGATE_ALERT_NEW_ADDRESS_DAYS: '30',
};

/** Wednesday 10:00 in New York. */
const BASE = Date.parse('2026-03-04T15:00:00Z');
const MIN = 60_000;
const DAY = 86_400_000;
const at = (offsetMs: number) => new Date(BASE + offsetMs);
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

let t: TestApp;
let db: Db;

/** Records an event and seals it (alerts name events by their place in the sealed log). */
async function event(actor: string, action: string, when: Date, extra: Partial<Parameters<typeof recordAudit>[1]> = {}) {
  const { id } = await recordAudit(db, { actor, action, at: when, orgId: 'org-a', ...extra });
  return { id, seq: await seqOf(db, id) };
}
const listRead = (actor: string, when: Date, ids: string[]) => event(actor, 'phi.read', when, { entityType: 'request-list', detail: { requestIds: ids } });
const detailRead = (actor: string, when: Date, id: string) => event(actor, 'phi.read', when, { entityType: 'request', entityId: id, detail: { view: 'request-detail' } });
const scan = () => scanAudit({ db, config: t.deps.config.monitor, seal: () => seal(db) });
const alertsOf = (actor: string, rule?: string) =>
  db
    .select()
    .from(auditAlerts)
    .where(rule ? sql`${auditAlerts.actor} = ${actor} and ${auditAlerts.rule} = ${rule}` : eq(auditAlerts.actor, actor))
    .orderBy(auditAlerts.firstSeq);

beforeAll(async () => {
  t = await testApp({ extra: [staffRoutes], env: MONITOR_ENV });
  db = t.deps.db;
  await seedOrgs(db);
  await addStaff(db, 'alice', 'admin');
  await addStaff(db, 'olga', 'admin', 'org-b');
  await addStaff(db, 'victor', 'viewer', 'org-a');
  await addStaff(db, 'bob', 'viewer', 'org-a');
});
afterAll(() => t?.close());

describe('monitoring settings', () => {
  it('reads working hours, days and zone, including a night shift that wraps midnight', () => {
    const night = loadConfig({ PRIORGATE_WORK_HOURS: '22:00-06:00', PRIORGATE_WORK_DAYS: 'fri-mon', PRIORGATE_WORK_TZ: 'Europe/Berlin' }).monitor.workHours;
    expect(night).toEqual({ startMinute: 22 * 60, endMinute: 6 * 60, days: [0, 1, 5, 6], timeZone: 'Europe/Berlin' });
    expect(isWorkingTime(new Date('2026-03-06T22:30:00Z'), night), 'Fri 23:30 in Berlin').toBe(true);
    expect(isWorkingTime(new Date('2026-03-07T04:00:00Z'), night), 'Sat 05:00, the Friday shift').toBe(true);
    expect(isWorkingTime(new Date('2026-03-04T22:30:00Z'), night), 'Wed 23:30').toBe(false);
    expect(isWorkingTime(new Date('2026-03-03T04:00:00Z'), night), 'Tue 05:00, the Monday shift').toBe(true);
    expect(isWorkingTime(new Date('2026-03-05T04:00:00Z'), night), 'Thu 05:00, no Wednesday shift').toBe(false);
  });

  it('names each bad setting', () => {
    expect(() => loadConfig({ PRIORGATE_WORK_HOURS: '7-19', PRIORGATE_WORK_DAYS: 'mon-someday', PRIORGATE_WORK_TZ: 'Mars/Olympus', PRIORGATE_ALERT_READS_MAX: '0' })).toThrow(
      /PRIORGATE_ALERT_READS_MAX[\s\S]*PRIORGATE_WORK_HOURS: must look like 07:00-19:00[\s\S]*PRIORGATE_WORK_DAYS: "mon-someday" is not a day[\s\S]*PRIORGATE_WORK_TZ: is not an IANA time zone/,
    );
  });
});

describe('rule bulk-reads: one actor reading unusually many distinct requests', () => {
  it('raises one alert when the sliding window holds more than the threshold, and grows it while reading goes on', async () => {
    for (let i = 1; i <= 6; i++) await detailRead('staff:harvester', at(i * MIN), uuid(100 + i));
    // Normal work: the worklist refreshes the same page all day; one new request every 3 minutes.
    for (let i = 0; i < 20; i++) await listRead('staff:refresher', at(i * MIN), [uuid(1), uuid(2), uuid(3), uuid(4), uuid(5)]);
    for (let i = 0; i < 8; i++) await detailRead('staff:steady', at(i * 3 * MIN), uuid(200 + i));
    await scan();

    const [alert, ...more] = await alertsOf('staff:harvester', 'bulk-reads');
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ severity: 'high', orgId: 'org-a', count: 1, detail: { distinctRequests: 6, threshold: 5, windowMinutes: 10 } });
    expect(alert!.firstSeq).toBe(alert!.lastSeq);
    expect(await alertsOf('staff:refresher')).toEqual([]);
    expect(await alertsOf('staff:steady')).toEqual([]);

    const later = await listRead('staff:harvester', at(8 * MIN), [uuid(107), uuid(108)]);
    await scan();
    const [grown, ...none] = await alertsOf('staff:harvester', 'bulk-reads');
    expect(none).toEqual([]);
    expect(grown).toMatchObject({ id: alert!.id, count: 2, lastSeq: later.seq, firstSeq: alert!.firstSeq });
  });
});

describe('rule off-hours: staff access outside working hours', () => {
  it('flags a staff read at night and on a weekend, not in office hours and not an API client', async () => {
    const night = await detailRead('staff:night', new Date('2026-03-05T04:30:00Z'), uuid(300)); // Wed 23:30
    await detailRead('staff:night', new Date('2026-03-05T04:45:00Z'), uuid(300));
    await detailRead('staff:weekend', new Date('2026-03-07T15:00:00Z'), uuid(301)); // Sat 10:00
    await detailRead('staff:day', at(0), uuid(302));
    await event('staff:day', 'staff.login', at(8 * 60 * MIN + 59 * MIN)); // 18:59
    await detailRead('client:ehr', new Date('2026-03-05T04:30:00Z'), uuid(303));
    await scan();

    const [n, ...more] = await alertsOf('staff:night', 'off-hours');
    expect(more, 'the second read continues the same stretch').toEqual([]);
    expect(n).toMatchObject({ firstSeq: night.seq, count: 2, severity: 'medium', detail: { localTime: 'Wed 23:30', timeZone: 'America/New_York', action: 'phi.read' } });
    expect(await alertsOf('staff:weekend', 'off-hours')).toHaveLength(1);
    expect(await alertsOf('staff:day')).toEqual([]);
    expect(await alertsOf('client:ehr')).toEqual([]);
  });
});

describe('rule flagged-record: reads of a VIP or employee record', () => {
  it('flags reads of a flagged request by anyone but the system, from the time it was flagged', async () => {
    const vip = await seedRequest(db, { orgId: 'org-a', payerId: 'pay-one', submitted: '2026-03-01T10:00:00Z' });
    const plain = await seedRequest(db, { orgId: 'org-a', payerId: 'pay-one', submitted: '2026-03-01T10:00:00Z' });
    await flagRecord(db, { requestId: vip, reason: 'vip', actor: 'operator', at: at(0) });
    await detailRead('staff:early', at(-30 * MIN), vip);
    const snoop = await detailRead('staff:snoop', at(30 * MIN), vip);
    const viaList = await listRead('staff:lister', at(31 * MIN), [plain, vip]);
    await detailRead('staff:plain', at(32 * MIN), plain);
    await event('system', 'phi.read', at(33 * MIN), { entityType: 'request', entityId: vip });
    await scan();

    expect(await alertsOf('staff:snoop', 'flagged-record')).toMatchObject([{ firstSeq: snoop.seq, severity: 'high', detail: { requestId: vip, reason: 'vip' } }]);
    expect(await alertsOf('staff:lister', 'flagged-record')).toMatchObject([{ firstSeq: viaList.seq, detail: { requestId: vip } }]);
    expect(await alertsOf('staff:early')).toEqual([]);
    expect(await alertsOf('staff:plain')).toEqual([]);
    expect(await alertsOf('system')).toEqual([]);
    const flagged = await db.select().from(auditEvents).where(eq(auditEvents.action, 'record.flag'));
    expect(flagged).toMatchObject([{ actor: 'operator', entityId: vip, detail: { reason: 'vip' } }]);
  });
});

describe('rule failed-logins: repeated failures per account or client', () => {
  it('flags more than N failures in the window, not N, and not failures spread out', async () => {
    for (let i = 0; i < 4; i++) await event('staff:victim', 'staff.login', at(i * MIN), { outcome: 'failure', detail: { reason: 'bad-password' } });
    for (let i = 0; i < 3; i++) await event('staff:typo', 'staff.login', at(i * MIN), { outcome: 'failure', detail: { reason: 'bad-password' } });
    for (let i = 0; i < 6; i++) await event('staff:spread', 'staff.login', at(i * 20 * MIN), { outcome: 'failure', detail: { reason: 'bad-password' } });
    for (let i = 0; i < 4; i++) await event('client:bad', 'auth.token', at(i * MIN), { outcome: 'failure', detail: { error: 'invalid_client' } });
    await scan();

    expect(await alertsOf('staff:victim', 'failed-logins')).toMatchObject([{ count: 1, detail: { failures: 4, threshold: 3, windowMinutes: 15, via: 'staff.login' } }]);
    expect(await alertsOf('staff:typo')).toEqual([]);
    expect(await alertsOf('staff:spread')).toEqual([]);
    expect(await alertsOf('client:bad', 'failed-logins')).toMatchObject([{ detail: { failures: 4, via: 'auth.token' } }]);
  });

  it('sees real failed logins at the login form', async () => {
    for (let i = 0; i < 4; i++) expect((await new Client(t).login('bob', 'wrong password')).status).not.toBe(303);
    await scan();
    expect(await alertsOf('staff:bob', 'failed-logins')).toHaveLength(1);
  });
});

describe('rule new-address: a client token from an address it has not used lately', () => {
  it('alerts on the first token from a new address, not on the baseline, repeats, or a new client', async () => {
    const token = (client: string, when: Date, address: string) => event(`client:${client}`, 'auth.token', when, { detail: { scope: 'system/Claim.c', address } });
    await token('c1', at(-10 * DAY), '10.0.0.1');
    await token('c1', at(-5 * DAY), '10.0.0.1');
    const moved = await token('c1', at(0), '10.0.0.2');
    await token('c1', at(60 * MIN), '10.0.0.2');
    await token('c2', at(0), '10.9.9.9');
    const back = await token('c1', at(40 * DAY), '10.0.0.1');
    await scan();

    const alerts = await alertsOf('client:c1', 'new-address');
    expect(alerts).toMatchObject([
      { firstSeq: moved.seq, count: 1, detail: { address: '10.0.0.2', lookbackDays: 30 } },
      { firstSeq: back.seq, detail: { address: '10.0.0.1' } },
    ]);
    expect(await alertsOf('client:c2')).toEqual([]);
  });
});

describe('scanning is idempotent and audited', () => {
  it('re-scanning from the start raises nothing new and changes no alert', async () => {
    await scan();
    const before = await db.select().from(auditAlerts).orderBy(auditAlerts.id);
    expect(before.length).toBeGreaterThan(5);
    const trail = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
    await resetCursor(db, 0);
    const again = await scan();
    expect(again.raised).toEqual([]);
    expect(again.extended).toBe(0);
    expect(await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents), 'nothing new to audit').toEqual(trail);
    expect(again.scanned).toBeGreaterThan(50);
    expect(await db.select().from(auditAlerts).orderBy(auditAlerts.id)).toEqual(before);

    const raised = await db.select().from(auditEvents).where(eq(auditEvents.action, 'alert.raise'));
    expect(raised.map((e) => e.entityId).sort()).toEqual(before.map((a) => a.id).sort());
    expect(raised[0]).toMatchObject({ actor: 'system', entityType: 'audit_alert' });
    expect((await verifyAudit(db)).ok).toBe(true);
  });

  it('refuses to start with a webhook the SSRF rules refuse', () => {
    const config = loadConfig({ PRIORGATE_ALERT_WEBHOOK_URL: 'http://10.1.2.3/hook', PRIORGATE_MONITOR_INTERVAL_MS: '0' });
    expect(() => startMonitor({ db, log: createLogger({ level: 'silent' }), config })).toThrow(/PRIORGATE_ALERT_WEBHOOK_URL is not allowed: .*https/);
  });
});

describe('admin alerts page and FHIR export', () => {
  it('lists open alerts to an administrator and refuses a viewer', async () => {
    const alice = await new Client(t).loggedIn('alice');
    const page = await alice.get('/ui/admin/alerts');
    const html = await page.text();
    expect(page.status, html).toBe(200);
    for (const label of ['Unusually many requests read', 'Access outside working hours', 'Flagged record read', 'Repeated failed logins', 'Token from a new address']) expect(html).toContain(label);
    const [harvest] = await alertsOf('staff:harvester', 'bulk-reads');
    expect(html).toContain(`alert-${harvest!.id}`);

    const victor = await new Client(t).loggedIn('victor');
    expect((await victor.get('/ui/admin/alerts')).status).toBe(403);
    const ack = await victor.post(`/ui/admin/alerts/${harvest!.id}/acknowledge`, { _csrf: victor.cookies.get('pg_session') ?? 'x' });
    expect(ack.status).toBe(403);
  });

  it('acknowledges with the session CSRF token only, audited, and moves the alert out of the open list', async () => {
    const alice = await new Client(t).loggedIn('alice');
    const [harvest] = await alertsOf('staff:harvester', 'bulk-reads');
    const csrf = Client.csrfOf(await (await alice.get('/ui/admin/alerts')).text());

    expect((await alice.post(`/ui/admin/alerts/${harvest!.id}/acknowledge`, {})).status).toBe(403);
    expect((await alice.post(`/ui/admin/alerts/${harvest!.id}/acknowledge`, { _csrf: 'forged' })).status).toBe(403);
    expect((await alice.post(`/ui/admin/alerts/${harvest!.id}/acknowledge`, { _csrf: csrf }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await alertsOf('staff:harvester', 'bulk-reads'))[0]!.acknowledgedAt).toBeNull();

    const ok = await alice.post(`/ui/admin/alerts/${harvest!.id}/acknowledge`, { _csrf: csrf });
    expect(ok.status, await ok.clone().text()).toBe(303);
    expect(ok.headers.get('location')).toBe('/ui/admin/alerts?done=ack');
    expect((await alertsOf('staff:harvester', 'bulk-reads'))[0]).toMatchObject({ acknowledgedBy: 'staff:alice' });
    const audited = await db.select().from(auditEvents).where(eq(auditEvents.action, 'alert.acknowledge'));
    expect(audited).toMatchObject([{ actor: 'staff:alice', entityId: harvest!.id, detail: { rule: 'bulk-reads' } }]);

    expect(await (await alice.get('/ui/admin/alerts')).text()).not.toContain(`alert-${harvest!.id}`);
    expect(await (await alice.get('/ui/admin/alerts?show=all')).text()).toMatch(new RegExp(`alert-${harvest!.id}[\\s\\S]*acknowledged by staff:alice`));
    expect((await alice.post(`/ui/admin/alerts/${harvest!.id}/acknowledge`, { _csrf: csrf })).status, 'already acknowledged').toBe(404);
  });

  it("keeps an organization's admin to that organization's alerts", async () => {
    const olga = await new Client(t).loggedIn('olga');
    const html = await (await olga.get('/ui/admin/alerts?show=all')).text();
    expect(html).toContain('No alerts.');
    const [snoop] = await alertsOf('staff:snoop');
    const csrf = Client.csrfOf(html);
    expect((await olga.post(`/ui/admin/alerts/${snoop!.id}/acknowledge`, { _csrf: csrf })).status).toBe(404);
  });

  it('exports alerts as FHIR AuditEvents (DICOM 110113 Security Alert) to administrators only', async () => {
    const alice = await new Client(t).loggedIn('alice');
    const res = await alice.get('/fhir/AuditEvent?type=alert');
    const bundle = await res.json();
    expect(res.status, JSON.stringify(bundle)).toBe(200);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    const [snoop] = await alertsOf('staff:snoop');
    const [firstEvent] = await db.select().from(auditEvents).where(eq(auditEvents.seq, snoop!.firstSeq));
    const entry = bundle.entry.find((e: any) => e.resource.id === `alert-${snoop!.id}`);
    expect(entry.resource).toMatchObject({
      resourceType: 'AuditEvent',
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110113' },
      subtype: [{ code: 'flagged-record' }],
      entity: [{ what: { identifier: { value: snoop!.id } } }, { what: { identifier: { value: 'staff:snoop' } } }, { what: { reference: `AuditEvent/${firstEvent!.id}` } }],
    });
    expect(bundle.entry.every((e: any) => e.resource.type.code === '110113')).toBe(true);

    const victor = await new Client(t).loggedIn('victor');
    const refused = await victor.get('/fhir/AuditEvent?type=alert');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    expect((await alice.get('/fhir/AuditEvent?type=rest')).status).toBe(400);
  });
});

describe('a running gateway: token addresses, alerts within seconds, the webhook', () => {
  let gw: TestGateway;
  let receiver: Server;
  const bodies: string[] = [];
  const signatures: { timestamp: string; signature: string }[] = [];
  const SECRET = 'alert-webhook-shared-secret-0123456789';
  let answers = [500, 200];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        signatures.push({ timestamp: String(req.headers['x-priorgate-timestamp']), signature: String(req.headers['x-priorgate-signature']) });
        res.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const port = (receiver.address() as AddressInfo).port;
    gw = await testGateway({ PRIORGATE_ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts`, PRIORGATE_MONITOR_INTERVAL_MS: '200', PRIORGATE_HOOK_ALLOWLIST: '127.0.0.1', PRIORGATE_ALERT_WEBHOOK_SECRET: SECRET });
  });
  afterAll(async () => {
    await gw?.stop();
    receiver?.close();
  });

  it('records the address a token was requested from', async () => {
    await gw.token();
    const [e] = await gw.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'auth.token'));
    expect(e!.detail).toMatchObject({ address: '127.0.0.1' });
  });

  it('raises an alert for a flagged record read over the API and POSTs it, ids only, retrying after a 500', async () => {
    const token = await gw.token();
    const memberId = 'WMONPHI77A';
    const submitted = await gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', memberId), token);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(200);
    const requestId = submitted.body.entry[0].resource.id as string;
    await flagRecord(gw.database.db, { requestId, reason: 'employee', actor: 'operator' });
    const read = await fetch(`${gw.url}/fhir/ClaimResponse/${requestId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);

    const deadline = Date.now() + 20_000;
    while (bodies.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(bodies.length, 'first POST answered 500, then retried').toBe(2);
    expect(bodies[1]).toBe(bodies[0]);
    // Each attempt is signed: HMAC-SHA256 over "<timestamp>.<body>" with the shared secret.
    for (const [i, sig] of signatures.entries()) {
      expect(Math.abs(Number(sig.timestamp) - Date.now() / 1000)).toBeLessThan(60);
      expect(sig.signature).toBe(`sha256=${createHmac('sha256', SECRET).update(`${sig.timestamp}.${bodies[i]}`).digest('hex')}`);
    }
    const body = JSON.parse(bodies[1]!);
    expect(body).toMatchObject({ type: 'priorgate.audit-alert', rule: 'flagged-record', severity: 'high', actor: 'client:demo-clinic-a', organization: 'demo-clinic-a', detail: { requestId, reason: 'employee' } });
    for (const phi of [memberId, 'SMITH', 'JOE', '12345678901', '1122334455']) expect(bodies[1]).not.toContain(phi);

    // The receiver has the second POST before the gateway has recorded its answer: wait for the record.
    const recorded = () => gw.database.db.select().from(auditEvents).where(eq(auditEvents.action, 'alert.webhook')).orderBy(auditEvents.id);
    let attempts = await recorded();
    while (attempts.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      attempts = await recorded();
    }
    expect(attempts.map((a) => [a.outcome, a.detail.httpStatus])).toEqual([
      ['failure', 500],
      ['success', 200],
    ]);
    expect(gw.logText()).not.toContain(memberId);
  });
});
