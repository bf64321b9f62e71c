/**
 * monitor: rules over the audit trail that raise security alerts (bulk reads, off-hours access,
 * reads of flagged records, repeated failed logins, tokens from new addresses), an alert webhook,
 * and record flags. The public face of the module.
 *
 * `startMonitor` runs a scan every `config.monitor.intervalMs` (default 2 s) in each gateway
 * process; the cursor lock lets only one process scan at a time. Its webhook handler is registered
 * with the job worker.
 */
import { appendAudit } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { clearFlag, setFlag } from '../db/queries/monitor.ts';
import { requestById } from '../db/queries/requests.ts';
import { AppError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { isEndpointAllowed, type Resolver } from '../notify/index.ts';
import type { JobHandler } from '../jobs/index.ts';
import { ALERT_WEBHOOK_JOB } from './raise.ts';
import { scanAudit, type ScanResult } from './scan.ts';
import { alertWebhookHandler } from './webhook.ts';
import { withTransaction } from '../db/tx.ts';

export { RULES, requestIdsRead, type RuleId, type Severity, type Observation, type MonitorEvent } from './rules.ts';
export { isWorkingTime, wallClock } from './work-hours.ts';
export { scanAudit, observe, type ScanResult } from './scan.ts';
export { ALERT_WEBHOOK_JOB, RAISE_ACTION } from './raise.ts';
export { alertWebhookBody, alertWebhookHandler } from './webhook.ts';

export const FLAG_REASONS = ['vip', 'employee', 'other'] as const;
export type FlagReason = (typeof FLAG_REASONS)[number];

export interface Monitor {
  handlers: Record<string, JobHandler>;
  /** Runs one scan now (also what the timer does). */
  scanNow(): Promise<ScanResult>;
  stop(): Promise<void>;
}

/**
 * @param wake wakes the job worker after alerts were queued for the webhook
 * @example const monitor = startMonitor({ db, log, config, wake: () => worker.wake() })
 */
export function startMonitor(deps: {
  db: Db;
  log: Logger;
  config: Config;
  wake?: () => void;
  resolve?: Resolver;
  now?: () => Date;
  /** Seals committed audit events before each scan (the audit log's sequencer). */
  seal?: () => Promise<unknown>;
}): Monitor {
  const { config, log } = deps;
  const url = config.monitor.webhookUrl;
  if (url) {
    // Fail at start, not at the first alert: a webhook the SSRF rules refuse would never deliver.
    const verdict = isEndpointAllowed(url, config.hookAllowlist);
    if (!verdict.ok) throw new Error(`PRIORGATE_ALERT_WEBHOOK_URL is not allowed: ${verdict.reason}`);
  }
  let running: Promise<ScanResult> | undefined;
  let stopped = false;
  const scanNow = () =>
    (running ??= scanAudit({ db: deps.db, config: config.monitor, now: deps.now, seal: deps.seal })
      .then((r) => {
        if (r.raised.length) {
          log.warn({ alerts: r.raised, scanned: r.scanned }, 'audit alerts raised');
          deps.wake?.();
        }
        return r;
      })
      .finally(() => (running = undefined)));
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    scanNow()
      .catch((err) => log.error({ err }, 'audit monitor scan failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, config.monitor.intervalMs);
      });
  };
  if (config.monitor.intervalMs > 0) timer = setTimeout(tick, config.monitor.intervalMs);
  return {
    handlers: { [ALERT_WEBHOOK_JOB]: alertWebhookHandler({ db: deps.db, log, config, resolve: deps.resolve }) },
    scanNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

/**
 * Flags a request (VIP, employee): later reads of it raise `flagged-record` alerts. Audited.
 * @throws AppError not_found for an unknown request, invalid for an unknown reason
 */
export async function flagRecord(db: Db, f: { requestId: string; reason: string; actor: string; at?: Date }) {
  if (!(FLAG_REASONS as readonly string[]).includes(f.reason)) throw new AppError('invalid', `reason must be one of ${FLAG_REASONS.join(', ')}`, 'reason');
  const request = /^[0-9a-f-]{36}$/i.test(f.requestId) ? await requestById(db, f.requestId.toLowerCase()) : undefined;
  if (!request) throw new AppError('not_found', 'there is no request with that id');
  const at = f.at ?? new Date();
  await withTransaction(db, async (tx) => {
    await setFlag(tx, { requestId: request.id, reason: f.reason, flaggedBy: f.actor, flaggedAt: at });
    await appendAudit(tx, { actor: f.actor, action: 'record.flag', orgId: request.orgId, entityType: 'request', entityId: request.id, detail: { reason: f.reason }, at });
  });
  return { requestId: request.id, reason: f.reason, flaggedAt: at.toISOString() };
}

/** Removes a request's flag. Audited. @throws AppError not_found when it was not flagged */
export async function unflagRecord(db: Db, f: { requestId: string; actor: string }) {
  const id = f.requestId.toLowerCase();
  await withTransaction(db, async (tx) => {
    if (!/^[0-9a-f-]{36}$/.test(id) || !(await clearFlag(tx, id))) throw new AppError('not_found', 'that request is not flagged');
    await appendAudit(tx, { actor: f.actor, action: 'record.unflag', entityType: 'request', entityId: id });
  });
  return { requestId: id };
}
