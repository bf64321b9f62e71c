/**
 * Payer health alerts: one alert per payer and rule for as long as the condition lasts (an
 * episode). A scan that finds a condition with no open alert raises one — audited, and queued for
 * the alert webhook — in its transaction; one that finds it still on only notes it; one that finds
 * it over clears the alert (audited, webhook told). They are rows of the audit monitor's alerts
 * table, so the admin alerts page and the webhook show them with the security alerts.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { enqueue } from '../db/queries/jobs.ts';
import { insertAlert } from '../db/queries/monitor.ts';
import { clearConditionAlert, openConditionAlert, reopenConditionAlert, sealedLogPosition, touchConditionAlert } from '../db/queries/quality.ts';
import { ALERT_WEBHOOK_JOB, RULES } from '../monitor/index.ts';
import { HEALTH_RULES, type HealthRule, type PayerHealth } from './health.ts';

export interface Reconciled {
  raised: { id: string; payerId: string; rule: HealthRule }[];
  cleared: { id: string; payerId: string; rule: HealthRule }[];
}

function detailOf(h: PayerHealth, rule: HealthRule): Record<string, unknown> {
  const c = h.conditions[rule];
  const base = { payerId: h.payerId, value: c.value, threshold: c.threshold };
  if (rule === 'payer-deadline') return { ...base, overdue: h.backlog.overdue, dueSoon: h.backlog.dueSoon, warningHours: h.thresholds.deadlineWarningHours };
  return { ...base, calls: h.window.calls, failures: h.window.failures, p95Ms: h.window.p95Ms, windowMinutes: h.thresholds.windowMinutes };
}

export async function reconcileHealthAlerts(tx: Db, health: PayerHealth[], now: Date, opts: { webhook: boolean }): Promise<Reconciled> {
  const out: Reconciled = { raised: [], cleared: [] };
  for (const h of health) {
    for (const rule of HEALTH_RULES) {
      const on = h.conditions[rule].on;
      const open = await openConditionAlert(tx, rule, h.payerId);
      const detail = detailOf(h, rule);
      if (on && open) {
        await touchConditionAlert(tx, open.id, now, detail);
        continue;
      }
      if (!on && !open) continue;
      const action = on ? 'alert.raise' : 'alert.clear';
      let id = open?.id ?? randomUUID();
      if (on) {
        const seq = await sealedLogPosition(tx);
        const fresh = await insertAlert(tx, { id, rule, severity: RULES[rule].severity, orgId: null, actor: `payer:${h.payerId}`, groupKey: h.payerId, firstSeq: seq, lastSeq: seq, firstAt: now, lastAt: now, count: 1, detail });
        if (!fresh) id = (await reopenConditionAlert(tx, rule, h.payerId, seq, now, detail)) ?? id;
        out.raised.push({ id, payerId: h.payerId, rule });
      } else {
        await clearConditionAlert(tx, id, now);
        out.cleared.push({ id, payerId: h.payerId, rule });
      }
      await appendAudit(tx, { actor: 'system', action, entityType: 'audit_alert', entityId: id, detail: { rule, subject: `payer:${h.payerId}`, ...detail }, at: now });
      if (opts.webhook) await enqueue(tx, { kind: ALERT_WEBHOOK_JOB, payload: { alertId: id }, maxAttempts: 8 });
    }
  }
  return out;
}
