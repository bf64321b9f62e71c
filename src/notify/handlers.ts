/**
 * Job handlers for rest-hook delivery: the backport handshake (`requested` → `active`) and event
 * notifications. Every POST is recorded as a notification_attempts row and an audit event (the
 * notification discloses PHI to the subscriber) in one transaction.
 *
 * Retry policy (the worker schedules, these decide): 2xx done; 5xx, 408, 429, timeouts and
 * connection errors retry with capped exponential backoff (PRIORGATE_NOTIFY_BACKOFF_BASE_MS /
 * _CAP_MS) until PRIORGATE_NOTIFY_RETRY_HOURS (24) after the event: a subscriber down for a day
 * still gets its decisions. Then the event is given up on, the subscription goes to `error` and a
 * `subscription.give-up` audit event makes the monitor alert staff. Other 4xx and 3xx (redirects
 * are not followed) are final; an endpoint refused by the SSRF rules is final and puts the
 * subscription in `error`. Each event's delivery is recorded (`subscription_events`), so
 * `$status` shows what the subscriber is owed.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { backoffMs, type Job } from '../db/queries/jobs.ts';
import { insertAttempt, markEventDelivered, markEventGivenUp, setSubscriptionStatus, subscriptionById, type SubscriptionRow } from '../db/queries/subscriptions.ts';
import type { Logger } from '../log/index.ts';
import type { JobHandler, JobOutcome } from '../jobs/index.ts';
import { VERSION } from '../version.ts';
import { postHook, type HookResult } from './deliver.ts';
import { trustAnchors, type Resolver } from '../net/index.ts';
import type { NotifyJobPayload } from './enqueue.ts';
import { eventNotificationBundle, handshakeBundle, type StatusContext } from './notification-bundle.ts';
import { GIVE_UP_ACTION, HANDSHAKE_KIND, NOTIFY_KIND } from './topic.ts';
import { withTransaction } from '../db/tx.ts';

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
  /** Base of the retry backoff, doubling per attempt (default PRIORGATE_NOTIFY_BACKOFF_BASE_MS). */
  retryBaseMs?: number;
  /** The backoff's cap (default PRIORGATE_NOTIFY_BACKOFF_CAP_MS). */
  retryCapMs?: number;
  /** How long after an event it is retried before being given up on (default PRIORGATE_NOTIFY_RETRY_HOURS). */
  retryForMs?: number;
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
  const policy = {
    baseMs: deps.retryBaseMs ?? deps.config.notify.backoffBaseMs,
    capMs: deps.retryCapMs ?? deps.config.notify.backoffCapMs,
    forMs: deps.retryForMs ?? deps.config.notify.retryForMs,
  };
  const period = policy.forMs >= 3_600_000 ? `${Number((policy.forMs / 3_600_000).toFixed(1))} h` : `${Math.max(1, Math.round(policy.forMs / 1000))} s`;
  const retryIn = (job: Job) => backoffMs(job.attempts, policy.baseMs, Math.max(policy.capMs, policy.baseMs));
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

  /**
   * Records the attempt, its audit event, the event's delivery state and any status change,
   * together. `givenUp`: the event's retry period is over (the subscription goes to `error`).
   */
  async function record(sub: SubscriptionRow, job: Job, c: Classified, action: string, statusChange?: { from: string[]; to: string }, givenUp = false): Promise<boolean> {
    return withTransaction(deps.db, async (tx) => {
      const error = c.outcome.ok ? null : c.outcome.error;
      const payload = job.payload as Partial<NotifyJobPayload>;
      const eventNumber = typeof payload.eventNumber === 'number' ? payload.eventNumber : null;
      await insertAttempt(tx, { subscriptionId: sub.id, requestId: job.requestId, eventNumber, status: c.attempt, httpStatus: c.httpStatus, error });
      if (eventNumber !== null && c.outcome.ok) await markEventDelivered(tx, sub.id, eventNumber, now());
      if (eventNumber !== null && givenUp) {
        await markEventGivenUp(tx, sub.id, eventNumber, now());
        await appendAudit(tx, {
          actor: 'system',
          action: GIVE_UP_ACTION,
          outcome: 'failure',
          orgId: sub.orgId,
          entityType: 'subscription',
          entityId: sub.id,
          detail: { pasRequestId: job.requestId, eventNumber, attempts: job.attempts, lastError: error, retryHours: policy.forMs / 3_600_000, host: new URL(sub.endpoint).host },
        });
      }
      await appendAudit(tx, {
        actor: 'system',
        action,
        outcome: c.outcome.ok ? 'success' : 'failure',
        orgId: sub.orgId,
        entityType: 'subscription',
        entityId: sub.id,
        detail: { pasRequestId: job.requestId, eventNumber: payload.eventNumber ?? null, attempt: job.attempts, result: c.attempt, httpStatus: c.httpStatus ?? null, host: new URL(sub.endpoint).host },
      });
      // Only the subscription this attempt went to: one updated meanwhile (a new endpoint or header
      // lines) is not made active by a handshake with the old ones.
      const reason = statusChange?.to === 'error' ? (givenUp ? `notifications failed for ${period} (${error})` : error) : null;
      const changed = statusChange ? await setSubscriptionStatus(tx, sub.id, statusChange.from, statusChange.to, reason, sub) : false;
      if (changed && statusChange) {
        await appendAudit(tx, {
          actor: 'system',
          action: 'subscription.status',
          orgId: sub.orgId,
          entityType: 'subscription',
          entityId: sub.id,
          detail: { to: statusChange.to, reason: error ?? 'handshake accepted' },
        });
      }
      return changed;
    });
  }

  /** Backport handshake: proves the endpoint takes our POSTs before any PHI goes there. */
  const handshake: JobHandler = async (job) => {
    const sub = await subscriptionById(deps.db, String(job.payload.subscriptionId));
    if (!sub || sub.status !== 'requested') return { ok: true };
    const c = classify(await post(sub, handshakeBundle(context(sub, 'requested'))), retryIn(job));
    const final = !c.outcome.ok && (!c.outcome.retryable || job.attempts >= job.maxAttempts);
    const change = c.outcome.ok ? { from: ['requested'], to: 'active' } : final ? { from: ['requested'], to: 'error' } : undefined;
    const applied = await record(sub, job, c, 'subscription.handshake', change);
    deps.log.info({ jobId: job.id, subscriptionId: sub.id, result: c.attempt, httpStatus: c.httpStatus }, 'subscription handshake');
    // Updated while this handshake was under way: prove it again, as it is now.
    if (change && !applied && (await subscriptionById(deps.db, sub.id))?.status === 'requested') {
      return { ok: false, error: 'the subscription changed during its handshake', retryable: true, retryInMs: 0 };
    }
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
    // A failure that may be retried, past the retry period: the event is given up on.
    const givenUp = !c.outcome.ok && c.outcome.retryable && now().getTime() - Date.parse(payload.eventAt) >= policy.forMs;
    await record(sub, job, c, 'subscription.notify', c.attempt === 'refused' || givenUp ? { from: ['active'], to: 'error' } : undefined, givenUp);
    if (givenUp && !c.outcome.ok) c.outcome = { ok: false, error: `given up after ${job.attempts} attempts: ${c.outcome.error}`, retryable: false };
    log.info({ eventNumber: payload.eventNumber, attempt: job.attempts, result: c.attempt, httpStatus: c.httpStatus, givenUp }, 'notification attempt');
    if (givenUp) log.warn({ eventNumber: payload.eventNumber, attempts: job.attempts }, 'notifications given up on: subscription in error, staff alerted');
    return c.outcome;
  };

  return { [HANDSHAKE_KIND]: handshake, [NOTIFY_KIND]: notify };
}
