/**
 * Payer interface health through a real gateway and the payer simulator: slowed, the payer raises
 * the latency alert once for the episode; failing, the error-rate alert (and its circuit breaker
 * opens); recovered, both clear. The alerts reach the health page, the admin alerts page and the
 * alert webhook; the Prometheus metrics carry the payer label. An expedited request pended by the
 * payer close to its deadline raises the deadline alert until the payer decides it.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { auditAlerts, auditEvents, requests } from '../../src/db/schema.ts';
import type { PayerHealth } from '../../src/quality/index.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { addStaffUser, StaffHttp } from '../helpers/staff-http.ts';
import { receiver, type Receiver } from '../notify/helpers.ts';
import { rulesCopy } from './kit.ts';

let gw: TestGateway;
let rules: ReturnType<typeof rulesCopy>;
let hook: Receiver;
let token: string;
let staff: StaffHttp;
let simUrl: string;
let n = 0;
const SLOW_MS = 8000;
const THRESHOLD_MS = 4000;

const faults = (f: Record<string, unknown>) => fetch(`${simUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
const health = () => gw.deps.services!.health!;
const scan = async () => (await health().scanNow()).health.find((h) => h.payerId === 'demo-payer') as PayerHealth;
const submit = (member: string, change: (b: any) => void = () => {}) => {
  const b = pasExample('Bundle-SurgicalRequestBundleExample.json', member, `health-${++n}-${Math.random().toString(36).slice(2, 8)}`);
  change(b);
  return gw.submit(b, token);
};

/**
 * Tests that wait for failed calls to be retried and for the health window to turn: about 8 s alone,
 * several times that under a full parallel run (it once ran past the default 30 s there).
 */
const WAITS_FOR_RETRIES = 120_000;

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const callCount = async () => Number((await rows<{ n: number }>(gw.database.db, sql`select count(*)::int as n from payer_calls where payer_id = 'demo-payer'`))[0]!.n);
const alertsOf = (rule: string) => gw.database.db.select().from(auditAlerts).where(eq(auditAlerts.rule, rule)).orderBy(auditAlerts.createdAt);
/**
 * Waits until the requests have their answers recorded (and so nothing of theirs is in flight).
 * `gaveUp`: requests that may instead have used up their attempts while the payer failed (`error`;
 * the demo payer allows 6, backing off 1-16 s, which a slow, loaded run gets through).
 */
const settled = (ids: string[], gaveUp: string[] = []) =>
  until('answers recorded', () => gw.database.db.select({ id: requests.id, status: requests.status }).from(requests).where(inArray(requests.id, [...ids, ...gaveUp])), (r) =>
    r.every((x) => ['certified', 'rejected', 'denied', 'modified'].includes(x.status) || (x.status === 'error' && gaveUp.includes(x.id))),
  );

beforeAll(async () => {
  hook = await receiver([200]);
  rules = rulesCopy({
    'payers/demo-payer.yaml': (t) =>
      // Slow means SLOW_MS, far beyond the threshold and anything a loaded machine adds to a quick
      // call; the payer's timeout leaves room for it.
      t.replace('  resetMs: 30000', '  resetMs: 300').replace('timeoutMs: 10000', 'timeoutMs: 30000').replace(/^health:\n(?:  .*\n?)*/m, '') +
      `health:\n  windowMinutes: 60\n  windowCalls: 4\n  minCalls: 3\n  errorRate: 0.5\n  latencyP95Ms: ${THRESHOLD_MS}\n  deadlineWarningHours: 100\n  pendedFollowUpHours: 0\n`,
  });
  gw = await testGateway({ PRIORGATE_RULES_DIR: rules.dir, PRIORGATE_HEALTH_INTERVAL_MS: '0', PRIORGATE_SYNC_WAIT_MS: '3000', PRIORGATE_ALERT_WEBHOOK_URL: hook.url });
  token = await gw.token();
  simUrl = gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '');
  await addStaffUser(gw.database.db, 'health-auditor', 'auditor', null);
  staff = await new StaffHttp(gw.url).login('health-auditor');
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  await hook?.close();
  rules?.remove();
});

describe('payer health alerts, once per episode', () => {
  it('a healthy payer raises nothing', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(`QOK${i}A`)).body.entry[0].resource.id);
    await settled(ids);
    await health().flush();
    const h = await scan();
    expect(h.window).toMatchObject({ calls: 3, failures: 0, successRate: 1 });
    expect(Object.values(h.conditions).map((c) => c.on)).toEqual([false, false, false]);
    expect(await alertsOf('payer-latency')).toEqual([]);
  });

  it('slowed: p95 latency over its threshold raises payer-latency once, shown on the health and alerts pages, sent to the webhook', async () => {
    expect((await faults({ delayMs: SLOW_MS })).status).toBe(200);
    const ids = (await Promise.all([0, 1, 2, 3].map((i) => submit(`QSLOW${i}A`)))).map((r) => r.body.entry[0].resource.id);
    await settled(ids);
    await health().flush();
    const h = await scan();
    expect(h.window.p95Ms).toBeGreaterThanOrEqual(SLOW_MS - 100);
    expect(h.conditions['payer-latency']).toMatchObject({ on: true, threshold: THRESHOLD_MS });
    await scan(); // the same episode: no second alert
    const alerts = await alertsOf('payer-latency');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ groupKey: 'demo-payer', actor: 'payer:demo-payer', clearedAt: null, count: 2 });

    const page = await staff.text('/ui/health');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/data-rule="payer-latency"[^>]*>[\s\S]*?Payer latency above its threshold[\s\S]*?, open/);
    const adminAlerts = await staff.text('/ui/admin/alerts');
    expect(adminAlerts.body).toContain('Payer latency above its threshold');
    expect(adminAlerts.body).toContain('payer:demo-payer');
    const sent = await until('the webhook', async () => hook.received.filter((r) => r.body?.rule === 'payer-latency'), (r) => r.length >= 1);
    expect(sent.map((r) => r.body.status)).toEqual(['open']);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? NaN);
    expect(metrics).toMatch(/priorgate_payer_health_alert\{payer="demo-payer",rule="payer-latency"\} 1/);
    expect(value(/priorgate_payer_call_duration_seconds_count\{payer="demo-payer",kind="278-request"\} (\d+)/)).toBeGreaterThanOrEqual(4);
    expect(value(/priorgate_payer_latency_seconds\{payer="demo-payer",quantile="0.95"\} ([\d.]+)/)).toBeGreaterThanOrEqual((SLOW_MS - 100) / 1000);
    expect(value(/priorgate_payer_calls_total\{payer="demo-payer",kind="278-request",outcome="ok"\} (\d+)/)).toBeGreaterThanOrEqual(4);
  }, WAITS_FOR_RETRIES);

  it('failing: the error rate over its threshold raises payer-error-rate; the circuit breaker opens and its history is kept', async () => {
    await faults({ failStatus: 500 });
    const before = await callCount();
    await Promise.all([0, 1, 2].map((i) => submit(`QFAIL${i}A`)));
    await until('failed calls', callCount, (c) => c >= before + 5);
    await health().flush();
    const h = await scan();
    expect(h.window.failures).toBeGreaterThanOrEqual(3);
    expect(h.conditions['payer-error-rate'].on).toBe(true);
    expect(h.window.byOutcome['http-5xx']).toBeGreaterThanOrEqual(3);
    await scan();
    expect(await alertsOf('payer-error-rate')).toHaveLength(1);
    await until('the breaker to open', async () => (await scan()).circuit.history.map((e) => e.state), (s) => s.includes('open'));
    const api = await staff.json('/api/health');
    const payer = api.body.payers.find((p: any) => p.payerId === 'demo-payer');
    // (Failed calls are quick: once they fill the window, the latency episode may already be over.)
    expect(payer.alerts.filter((a: any) => a.rule === 'payer-error-rate').map((a: any) => a.clearedAt)).toEqual([null]);
    expect(payer.circuit.history.map((e: any) => e.state)).toContain('open');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/priorgate_payer_calls_total\{payer="demo-payer",kind="278-request",outcome="http-5xx"\} \d+/);
    expect(metrics).toMatch(/priorgate_payer_health_alert\{payer="demo-payer",rule="payer-error-rate"\} 1/);
  }, WAITS_FOR_RETRIES);

  it('recovered: fast, successful calls clear both alerts (audited, webhook told); the breaker closes again', async () => {
    await faults({});
    // The failed requests are retried and answered (or, on a slow run, have used up their attempts);
    // fresh ones fill the window with good calls.
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await submit(`QBACK${i}A`)).body.entry[0].resource.id);
    const failed = await gw.database.db.select({ id: requests.id }).from(requests).where(sql`${requests.idempotencyKey} like '%health-%' and ${requests.status} <> 'certified'`);
    await settled(ids, failed.map((f) => f.id));
    await health().flush();
    const h = await until('recovery', scan, (x) => !x.conditions['payer-error-rate'].on && !x.conditions['payer-latency'].on);
    expect(h.window.successRate).toBeGreaterThan(0.5);
    for (const rule of ['payer-latency', 'payer-error-rate']) {
      const alerts = await alertsOf(rule);
      expect(alerts, rule).toHaveLength(1);
      expect(alerts[0]!.clearedAt, rule).not.toBeNull();
    }
    await scan(); // nothing more to clear, nothing raised
    expect(await alertsOf('payer-latency')).toHaveLength(1);
    const clears = await gw.database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'alert.clear'), eq(auditEvents.entityType, 'audit_alert')));
    expect(clears.map((e) => (e.detail as { rule: string }).rule).sort()).toEqual(['payer-error-rate', 'payer-latency']);
    for (const rule of ['payer-latency', 'payer-error-rate']) {
      const sent = await until(`the webhook (${rule})`, async () => hook.received.filter((r) => r.body?.rule === rule).map((r) => r.body.status), (s) => s.length >= 2);
      expect(sent, rule).toEqual(['open', 'cleared']);
    }
    expect(h.circuit.state).toBe('closed');
    expect(h.circuit.history.map((e) => e.state)).toEqual(expect.arrayContaining(['open', 'half-open', 'closed']));
    const page = await staff.text('/ui/health');
    expect(page.body).toMatch(/Payer latency above its threshold[\s\S]*?, cleared /);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/priorgate_payer_health_alert\{payer="demo-payer",rule="payer-latency"\} 0/);
    expect(metrics).toMatch(/priorgate_payer_circuit_state\{payer="demo-payer"\} 0/);
  }, WAITS_FOR_RETRIES);

  it('a pended expedited request near its deadline raises payer-deadline (and counts as pended without follow-up) until the payer decides it', async () => {
    const r = await submit('QDUE001P', (b) => (b.entry[0].resource.priority = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'stat' }] }));
    expect(r.status).toBe(200);
    const h = await scan();
    expect(h.backlog).toMatchObject({ overdue: 0, dueSoon: 1, pendedNoFollowUp: 1 });
    expect(h.conditions['payer-deadline'].on).toBe(true);
    expect(await alertsOf('payer-deadline')).toHaveLength(1);
    // The simulator pushes its final decision to /payer/x12 (PRIORGATE_SIM_PEND_MS).
    await settled([r.body.entry[0].resource.id]);
    const after = await scan();
    expect(after.backlog).toMatchObject({ dueSoon: 0, pendedNoFollowUp: 0 });
    const [alert] = await alertsOf('payer-deadline');
    expect(alert!.clearedAt).not.toBeNull();
  });
});
