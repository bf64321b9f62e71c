/**
 * Folding observations into alerts, in the scanner's transaction. An observation either
 * - falls inside an alert already recorded (its sequence number is within the alert's range):
 *   nothing to do — this is what makes re-scanning the same events idempotent;
 * - continues the latest alert of its rule and group (within the rule's gap): the alert grows;
 * - or starts a new alert, unique on (rule, group, first event): raised, audited and, when a
 *   webhook is configured, queued for delivery — all in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { enqueue } from '../db/queries/jobs.ts';
import { episodeAt, extendAlert, insertAlert } from '../db/queries/monitor.ts';
import { RULES, type Observation } from './rules.ts';

export const ALERT_WEBHOOK_JOB = 'alert.webhook';
export const RAISE_ACTION = 'alert.raise';

export type Folded = { kind: 'seen' } | { kind: 'extended'; alertId: string } | { kind: 'raised'; alertId: string };

export async function foldObservation(tx: Db, o: Observation, opts: { webhook: boolean; maxAttempts?: number }): Promise<Folded> {
  const episode = await episodeAt(tx, o.rule, o.groupKey, o.seq);
  if (episode && o.seq <= episode.lastSeq) return { kind: 'seen' };
  if (episode && o.at.getTime() - episode.lastAt.getTime() <= o.gapMs) {
    await extendAlert(tx, episode.id, o.seq, o.at);
    return { kind: 'extended', alertId: episode.id };
  }
  const id = randomUUID();
  const severity = RULES[o.rule].severity;
  const fresh = await insertAlert(tx, {
    id,
    rule: o.rule,
    severity,
    orgId: o.orgId,
    actor: o.actor,
    groupKey: o.groupKey,
    firstSeq: o.seq,
    lastSeq: o.seq,
    firstAt: o.at,
    lastAt: o.at,
    count: 1,
    detail: o.detail,
  });
  if (!fresh) return { kind: 'seen' };
  await appendAudit(tx, {
    actor: 'system',
    action: RAISE_ACTION,
    orgId: o.orgId,
    entityType: 'audit_alert',
    entityId: id,
    detail: { rule: o.rule, severity, subject: o.actor, eventSeq: o.seq },
  });
  if (opts.webhook) await enqueue(tx, { kind: ALERT_WEBHOOK_JOB, orgId: o.orgId, payload: { alertId: id }, maxAttempts: opts.maxAttempts ?? 8 });
  return { kind: 'raised', alertId: id };
}
