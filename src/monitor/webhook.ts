/**
 * Alert webhook: each raised alert is POSTed as JSON (ids, codes and counts only: never PHI) to
 * PRIORGATE_ALERT_WEBHOOK_URL through the rest-hook transport, so the same SSRF rules apply (https
 * unless allowlisted, no private or metadata addresses, re-checked against the address actually
 * connected to). Retries go through the job queue: 5xx, 408, 429 and network errors back off and
 * retry; other answers and refusals are final. Every attempt is audited.
 */
import { createHmac } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { backoffMs } from '../db/queries/jobs.ts';
import { alertById, type AlertRow } from '../db/queries/monitor.ts';
import type { Logger } from '../log/index.ts';
import { classify, postHook, type Resolver } from '../notify/index.ts';
import { VERSION } from '../version.ts';
import type { JobHandler } from '../jobs/index.ts';
import { RULES, type RuleId } from './rules.ts';
import { withTransaction } from '../db/tx.ts';

/** The webhook body: what happened, to whom, and where in the audit trail. */
export function alertWebhookBody(a: AlertRow) {
  return {
    type: 'priorgate.audit-alert',
    id: a.id,
    rule: a.rule,
    title: RULES[a.rule as RuleId]?.label ?? a.rule,
    severity: a.severity,
    organization: a.orgId,
    actor: a.actor,
    firstEventSeq: a.firstSeq,
    lastEventSeq: a.lastSeq,
    count: a.count,
    firstAt: a.firstAt.toISOString(),
    createdAt: a.createdAt.toISOString(),
    // Condition alerts (payer health) end: `cleared` once the condition is over.
    status: a.clearedAt ? 'cleared' : 'open',
    ...(a.clearedAt ? { clearedAt: a.clearedAt.toISOString() } : {}),
    detail: a.detail,
  };
}

export interface AlertWebhookDeps {
  db: Db;
  log: Logger;
  config: Config;
  resolve?: Resolver;
  timeoutMs?: number;
  retryBaseMs?: number;
}

/**
 * With a shared secret, `X-Priorgate-Timestamp` (Unix seconds) and `X-Priorgate-Signature:
 * sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the receiver recomputes it to know the alert
 * is ours and unaltered, and rejects old timestamps to stop replays. Each attempt signs afresh.
 */
export function signatureHeaders(secret: string | undefined, body: string, now: Date): Record<string, string> {
  if (!secret) return {};
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'X-Priorgate-Timestamp': timestamp, 'X-Priorgate-Signature': `sha256=${signature}` };
}

export function alertWebhookHandler(deps: AlertWebhookDeps): JobHandler {
  return async (job) => {
    const url = deps.config.monitor.webhookUrl;
    const alert = await alertById(deps.db, String(job.payload.alertId));
    if (!url || !alert) return { ok: true };
    const body = JSON.stringify(alertWebhookBody(alert));
    const result = await postHook({
      endpoint: url,
      headers: { 'Content-Type': 'application/json', 'User-Agent': `Priorgate/${VERSION}`, ...signatureHeaders(deps.config.monitor.webhookSecret, body, new Date()) },
      body,
      allowlist: deps.config.hookAllowlist,
      timeoutMs: deps.timeoutMs ?? 10_000,
      resolve: deps.resolve,
    });
    const c = classify(result, backoffMs(job.attempts, deps.retryBaseMs ?? 1000));
    await withTransaction(deps.db, (tx) =>
      appendAudit(tx, {
        actor: 'system',
        action: 'alert.webhook',
        outcome: c.outcome.ok ? 'success' : 'failure',
        orgId: alert.orgId,
        entityType: 'audit_alert',
        entityId: alert.id,
        detail: { attempt: job.attempts, result: c.attempt, httpStatus: c.httpStatus ?? null, host: new URL(url).host },
      }),
    );
    deps.log.info({ jobId: job.id, alertId: alert.id, attempt: job.attempts, result: c.attempt, httpStatus: c.httpStatus }, 'alert webhook attempt');
    return c.outcome;
  };
}
