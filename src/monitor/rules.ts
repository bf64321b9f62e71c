/**
 * The monitoring rules, as pure functions: audit events (and the look-back context the scanner
 * fetched for them) in, observations out. An observation says "this event is suspicious under this
 * rule"; `raise.ts` folds observations into alert episodes. Details carry ids and numbers only.
 */
import type { AuditFields } from '../audit/index.ts';
import type { MonitorConfig, WorkHours } from '../config/index.ts';
import { GIVE_UP_ACTION } from '../notify/index.ts';
import { isWorkingTime, wallClock } from './work-hours.ts';

/** An audit event as the rules see it (the correlation id plays no part). */
export type MonitorEvent = Omit<AuditFields, 'requestId'>;

export const RULES = {
  'bulk-reads': { severity: 'high', label: 'Unusually many requests read' },
  'off-hours': { severity: 'medium', label: 'Access outside working hours' },
  'flagged-record': { severity: 'high', label: 'Flagged record read' },
  'failed-logins': { severity: 'high', label: 'Repeated failed logins' },
  'new-address': { severity: 'medium', label: 'Token from a new address' },
  'delivery-failed': { severity: 'high', label: 'Subscription notifications undeliverable' },
  // Payer interface health (src/quality): raised while a payer's condition lasts, cleared when it ends.
  'payer-error-rate': { severity: 'high', label: 'Payer error rate above its threshold' },
  'payer-latency': { severity: 'medium', label: 'Payer latency above its threshold' },
  'payer-deadline': { severity: 'high', label: 'Decision deadlines about to be missed at a payer' },
  'undelivered-answer': { severity: 'high', label: 'Payer answer could not be delivered' },
} as const;
export type RuleId = keyof typeof RULES;
export type Severity = (typeof RULES)[RuleId]['severity'];

export interface Observation {
  rule: RuleId;
  /** The event that is suspicious. */
  seq: number;
  at: Date;
  actor: string;
  orgId: string | null;
  /** Alerts are per rule and group: a later observation within `gapMs` continues the same alert. */
  groupKey: string;
  gapMs: number;
  detail: Record<string, unknown>;
}

export const READ_ACTION = 'phi.read';
export const LOGIN_ACTIONS = ['staff.login', 'auth.token'];
const HOUR = 3_600_000;

/** The request ids an audited read covers (one request, a joined list from $inquire, a worklist page). */
export function requestIdsRead(e: Pick<MonitorEvent, 'action' | 'entityType' | 'entityId' | 'detail'>): string[] {
  if (e.action !== READ_ACTION) return [];
  if (e.entityType === 'request' && e.entityId) return e.entityId.split(',').filter(Boolean);
  const listed = (e.detail as { requestIds?: unknown }).requestIds;
  return Array.isArray(listed) ? listed.filter((x): x is string => typeof x === 'string') : [];
}

const observe = (rule: RuleId, e: MonitorEvent, groupKey: string, gapMs: number, detail: Record<string, unknown>): Observation => ({
  rule,
  seq: e.seq,
  at: e.at,
  actor: e.actor,
  orgId: e.orgId,
  groupKey,
  gapMs,
  detail,
});

/** The window's events of one actor before and including `e` (by sequence), within `windowMs` of it. */
function windowOf(e: MonitorEvent, context: MonitorEvent[], windowMs: number): MonitorEvent[] {
  const from = e.at.getTime() - windowMs;
  return context.filter((c) => c.actor === e.actor && c.seq <= e.seq && c.at.getTime() > from && c.at.getTime() <= e.at.getTime());
}

/**
 * bulk-reads: one actor read more than `max` distinct requests within the sliding window. Distinct,
 * because the worklist re-reads the same page on every refresh; harvesting reads new ones.
 */
export function bulkReads(batch: MonitorEvent[], context: MonitorEvent[], cfg: MonitorConfig['reads']): Observation[] {
  const out: Observation[] = [];
  for (const e of batch) {
    if (requestIdsRead(e).length === 0) continue;
    const distinct = new Set(windowOf(e, context, cfg.windowMs).flatMap(requestIdsRead));
    if (distinct.size > cfg.max) {
      out.push(observe('bulk-reads', e, e.actor, cfg.windowMs, { distinctRequests: distinct.size, threshold: cfg.max, windowMinutes: cfg.windowMs / 60_000 }));
    }
  }
  return out;
}

/**
 * off-hours: a staff user's successful action outside working hours. API clients are systems that
 * run around the clock, so only `staff:` actors count; one alert per off-hours stretch.
 */
export function offHours(batch: MonitorEvent[], wh: WorkHours): Observation[] {
  return batch
    .filter((e) => e.actor.startsWith('staff:') && e.outcome === 'success' && e.action !== 'staff.logout' && !isWorkingTime(e.at, wh))
    .map((e) => observe('off-hours', e, e.actor, 2 * HOUR, { localTime: wallClock(e.at, wh.timeZone).text, timeZone: wh.timeZone, action: e.action }));
}

/** flagged-record: a read of a record flagged (VIP, employee) at or before the time of the read. */
export function flaggedReads(batch: MonitorEvent[], flags: Map<string, { reason: string; flaggedAt: Date }>): Observation[] {
  const out: Observation[] = [];
  for (const e of batch) {
    if (e.actor === 'system') continue;
    for (const id of new Set(requestIdsRead(e))) {
      const flag = flags.get(id);
      if (flag && flag.flaggedAt.getTime() <= e.at.getTime()) out.push(observe('flagged-record', e, `${e.actor}|${id}`, HOUR, { requestId: id, reason: flag.reason }));
    }
  }
  return out;
}

/** failed-logins: more than `max` failed staff logins (per account) or token requests (per client) in the window. */
export function failedLogins(batch: MonitorEvent[], context: MonitorEvent[], cfg: MonitorConfig['logins']): Observation[] {
  const out: Observation[] = [];
  for (const e of batch) {
    if (!LOGIN_ACTIONS.includes(e.action) || e.outcome !== 'failure') continue;
    const failures = windowOf(e, context, cfg.windowMs).length;
    if (failures > cfg.max) {
      out.push(observe('failed-logins', e, e.actor, cfg.windowMs, { failures, threshold: cfg.max, windowMinutes: cfg.windowMs / 60_000, via: e.action }));
    }
  }
  return out;
}

/** The address a token request came from (recorded by the token endpoint). */
export function tokenAddress(e: MonitorEvent): string | undefined {
  const a = (e.detail as { address?: unknown }).address;
  return e.action === 'auth.token' && e.outcome === 'success' && typeof a === 'string' && a ? a : undefined;
}

/**
 * new-address: a client that has had tokens before gets one from an address it has not used within
 * `days`. A client's very first token sets the baseline and raises nothing.
 */
export function newAddresses(batch: MonitorEvent[], history: Map<number, { anyPrior: boolean; seenRecently: boolean }>, days: number): Observation[] {
  const out: Observation[] = [];
  for (const e of batch) {
    const address = tokenAddress(e);
    const h = history.get(e.seq);
    if (address && h?.anyPrior && !h.seenRecently) out.push(observe('new-address', e, `${e.actor}|${address}`, days * 24 * HOUR, { address, lookbackDays: days }));
  }
  return out;
}

/**
 * delivery-failed: a subscriber's endpoint failed every notification attempt for the retry period
 * (PRIORGATE_NOTIFY_RETRY_HOURS) and the subscription went to `error`: decisions are owed to a
 * provider who no longer hears of them. One alert per subscription and day.
 */
export function deliveryFailures(batch: MonitorEvent[]): Observation[] {
  return batch
    .filter((e) => e.action === GIVE_UP_ACTION)
    .map((e) => {
      const d = e.detail as { eventNumber?: unknown; lastError?: unknown; host?: unknown; attempts?: unknown };
      return observe('delivery-failed', e, `subscription|${e.entityId}`, 24 * HOUR, {
        subscriptionId: e.entityId,
        eventNumber: d.eventNumber ?? null,
        attempts: d.attempts ?? null,
        lastError: d.lastError ?? null,
        host: d.host ?? null,
      });
    });
}

export const UNMATCHED_ACTION = 'payer.unmatched';

/**
 * undelivered-answer: a late payer answer that no request of exactly one organization fits
 * (payers/unmatched.ts). One alert per answer and organization it names (so each organization's
 * administrators see theirs), or one for all when it names none; ids only.
 */
export function undeliveredAnswers(batch: MonitorEvent[]): Observation[] {
  const out: Observation[] = [];
  for (const e of batch) {
    if (e.action !== UNMATCHED_ACTION) continue;
    const d = e.detail as { messageId?: unknown; controlNumber?: unknown; reason?: unknown; candidateOrgIds?: unknown };
    const orgs = Array.isArray(d.candidateOrgIds) ? d.candidateOrgIds.filter((o): o is string => typeof o === 'string') : [];
    const detail = { messageId: d.messageId ?? null, controlNumber: d.controlNumber ?? null, reason: d.reason ?? null, organizations: orgs.length };
    for (const orgId of orgs.length ? orgs : [null]) {
      out.push({ ...observe('undelivered-answer', e, `${e.actor}|${orgId ?? '-'}|${String(d.messageId ?? e.seq)}`, 0, detail), orgId });
    }
  }
  return out;
}
