/**
 * Job handlers for rest-hook delivery: the backport handshake (`requested` → `active`) and event
 * notifications. Every POST is recorded as a notification_attempts row and an audit event (the
 * notification discloses PHI to the subscriber) in one transaction.
 *
 * Retry policy (the worker schedules, these decide): 2xx done; 5xx, 408, 429, timeouts and
 * connection errors retry with backoff; other 4xx and 3xx (redirects are not followed) are final;
 * an endpoint refused by the SSRF rules is final and puts the subscription in `error`.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { backoffMs, type Job } from '../db/queries/jobs.ts';
import { insertAttempt, setSubscriptionStatus, subscriptionById, type SubscriptionRow } from '../db/queries/subscriptions.ts';
import type { Logger } from '../log/index.ts';
import type { JobHandler, JobOutcome } from '../workflow/worker.ts';
import { VERSION } from '../version.ts';
import { postHook, type HookResult } from './deliver.ts';
import { trustAnchors, type Resolver } from '../net/index.ts';
import type { NotifyJobPayload } from './enqueue.ts';
import { eventNotificationBundle, handshakeBundle, type StatusContext } from './notification-bundle.ts';
import { HANDSHAKE_KIND, NOTIFY_KIND } from './topic.ts';

export interface NotifyDeps {
  db: Db;
  log: Logger;
  config: Config;
  /** Replaces the guarded node:http transport (addresses are still checked before the call). */
  fetch?: typeof fetch;
  /** DNS, injectable for tests (default: the system resolver). */
  resolve?: Resolver;
  /** Per-POST deadline (default 10 s). */
  timeoutMs?: number;
  /** Base of the retry backoff (default 1 s, doubling per attempt, capped at 5 min). */
  retryBaseMs?: number;
  now?: () => Date;
}

interface Classified {
  attempt: 'delivered' | 'failed' | 'refused';
  outcome: JobOutcome;
  httpStatus?: number;
}

/** Maps a POST's result to the attempt row and the job outcome. */
export function classify(result: HookResult, retryInMs: number): Classified {
  if (result.kind === 'refused') return { attempt: 'refused', outcome: { ok: false, error: `refused: ${result.reason}`, retryable: false } };
  if (result.kind === 'network') return { attempt: 'failed', outcome: { ok: false, error: result.error, retryable: true, retryInMs } };
  const s = result.status;
  if (s >= 200 && s < 300) return { attempt: 'delivered', outcome: { ok: true }, httpStatus: s };
  const retryable = s >= 500 || s === 408 || s === 429;
  return { attempt: 'failed', httpStatus: s, outcome: { ok: false, error: `HTTP ${s}`, retryable, ...(retryable ? { retryInMs } : {}) } };
}

function headersOf(sub: SubscriptionRow): Record<string, string> {
  const channel = (sub.resource as { channel?: { payload?: string; header?: string[] } }).channel ?? {};
  const out: Record<string, string> = {};
  for (const h of channel.header ?? []) {
    const at = h.indexOf(':');
    out[h.slice(0, at).trim()] = h.slice(at + 1).trim();
  }
  out['Content-Type'] = channel.payload ?? 'application/fhir+json';
  out['User-Agent'] = `Priorgate/${VERSION}`;
  return out;
}

export function notifyHandlers(deps: NotifyDeps): Record<string, JobHandler> {
  const now = deps.now ?? (() => new Date());
  const retryIn = (job: Job) => backoffMs(job.attempts, deps.retryBaseMs ?? 1000);
  const subscriptionUrl = (id: string) => (deps.config.baseUrl ? `${deps.config.baseUrl}/fhir/Subscription/${id}` : `Subscription/${id}`);
  const context = (sub: SubscriptionRow, status: string): StatusContext => ({
    subscriptionUrl: subscriptionUrl(sub.id),
    status,
    eventsSinceStart: sub.eventCount,
    now: now(),
    newId: randomUUID,
  });
  // Subscribers' https endpoints are verified against Node's roots plus PRIORGATE_CA_FILE.
  const ca = trustAnchors(deps.config.caPem);
  const post = (sub: SubscriptionRow, body: unknown) =>
    postHook({
      endpoint: sub.endpoint,
      headers: headersOf(sub),
      body: JSON.stringify(body),
      allowlist: deps.config.hookAllowlist,
      timeoutMs: deps.timeoutMs ?? 10_000,
      resolve: deps.resolve,
      fetch: deps.fetch,
      ...(ca ? { tls: { ca } } : {}),
    });

  /** Records the attempt, its audit event and any status change, together. */
  async function record(sub: SubscriptionRow, job: Job, c: Classified, action: string, statusChange?: { from: string[]; to: string }) {
    await deps.db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Db;
      const error = c.outcome.ok ? null : c.outcome.error;
      await insertAttempt(tx, { subscriptionId: sub.id, requestId: job.requestId, status: c.attempt, httpStatus: c.httpStatus, error });
      const payload = job.payload as Partial<NotifyJobPayload>;
      await appendAudit(tx, {
        actor: 'system',
        action,
        outcome: c.outcome.ok ? 'success' : 'failure',
        orgId: sub.orgId,
        entityType: 'subscription',
        entityId: sub.id,
        detail: { pasRequestId: job.requestId, eventNumber: payload.eventNumber ?? null, attempt: job.attempts, result: c.attempt, httpStatus: c.httpStatus ?? null, host: new URL(sub.endpoint).host },
      });
      if (statusChange && (await setSubscriptionStatus(tx, sub.id, statusChange.from, statusChange.to))) {
        await appendAudit(tx, {
          actor: 'system',
          action: 'subscription.status',
          orgId: sub.orgId,
          entityType: 'subscription',
          entityId: sub.id,
          detail: { to: statusChange.to, reason: error ?? 'handshake accepted' },
        });
      }
    });
  }

  /** Backport handshake: proves the endpoint takes our POSTs before any PHI goes there. */
  const handshake: JobHandler = async (job) => {
    const sub = await subscriptionById(deps.db, String(job.payload.subscriptionId));
    if (!sub || sub.status !== 'requested') return { ok: true };
    const c = classify(await post(sub, handshakeBundle(context(sub, 'requested'))), retryIn(job));
    const final = !c.outcome.ok && (!c.outcome.retryable || job.attempts >= job.maxAttempts);
    const change = c.outcome.ok ? { from: ['requested'], to: 'active' } : final ? { from: ['requested'], to: 'error' } : undefined;
    await record(sub, job, c, 'subscription.handshake', change);
    deps.log.info({ jobId: job.id, subscriptionId: sub.id, result: c.attempt, httpStatus: c.httpStatus }, 'subscription handshake');
    return c.outcome;
  };

  const notify: JobHandler = async (job) => {
    const payload = job.payload as NotifyJobPayload;
    const log = deps.log.child({ jobId: job.id, subscriptionId: payload.subscriptionId, requestId: job.requestId });
    const sub = await subscriptionById(deps.db, payload.subscriptionId);
    if (!sub || (sub.status !== 'active' && sub.status !== 'requested')) {
      log.info({ status: sub?.status ?? 'missing' }, 'notification dropped: subscription no longer live');
      return { ok: true };
    }
    // Nothing is sent before the handshake succeeded; the event waits (keeping its number).
    if (sub.status === 'requested') return { ok: false, error: 'awaiting handshake', retryable: true, retryInMs: retryIn(job) };
    const bundle = eventNotificationBundle({
      ...context(sub, sub.status),
      eventNumber: payload.eventNumber,
      eventAt: new Date(payload.eventAt),
      responseBundle: payload.responseBundle,
    });
    const c = classify(await post(sub, bundle), retryIn(job));
    await record(sub, job, c, 'subscription.notify', c.attempt === 'refused' ? { from: ['active'], to: 'error' } : undefined);
    log.info({ eventNumber: payload.eventNumber, attempt: job.attempts, result: c.attempt, httpStatus: c.httpStatus }, 'notification attempt');
    return c.outcome;
  };

  return { [HANDSHAKE_KIND]: handshake, [NOTIFY_KIND]: notify };
}
