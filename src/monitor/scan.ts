/**
 * One pass of the monitor: read the audit events after the cursor, in batches; for each batch fetch
 * the look-back context the rules need, evaluate the rules, fold the observations into alerts and
 * move the cursor — one transaction per batch, so a batch is processed entirely or not at all.
 * The cursor row is locked with SKIP LOCKED: with several gateway processes on one database, one
 * scans and the others skip their turn.
 */
import { appendAudit } from '../audit/index.ts';
import type { MonitorConfig } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { actorWindow, alertById, eventsAfter, flagsFor, lockCursor, setCursor, tokenHistory } from '../db/queries/monitor.ts';
import { foldObservation } from './raise.ts';
import {
  bulkReads,
  deliveryFailures,
  failedLogins,
  flaggedReads,
  LOGIN_ACTIONS,
  newAddresses,
  offHours,
  READ_ACTION,
  requestIdsRead,
  tokenAddress,
  undeliveredAnswers,
  type MonitorEvent,
  type Observation,
} from './rules.ts';

export interface ScanDeps {
  db: Db;
  /** Seals what was committed before the scan (the monitor reads the log in its sealed order). */
  seal?: () => Promise<unknown>;
  config: MonitorConfig;
  now?: () => Date;
  batchSize?: number;
}

export interface ScanResult {
  scanned: number;
  raised: string[];
  extended: number;
  /** False when another process held the cursor. */
  ran: boolean;
}

const earliest = (events: MonitorEvent[]) => new Date(Math.min(...events.map((e) => e.at.getTime())));

/** Evaluates every rule over one batch (context queries through `tx`). */
export async function observe(tx: Db, batch: MonitorEvent[], cfg: MonitorConfig): Promise<Observation[]> {
  const upToSeq = batch[batch.length - 1]!.seq;
  const readers = [...new Set(batch.filter((e) => requestIdsRead(e).length > 0).map((e) => e.actor))];
  const failing = [...new Set(batch.filter((e) => LOGIN_ACTIONS.includes(e.action) && e.outcome === 'failure').map((e) => e.actor))];
  const [reads, failures, flagRows] = await Promise.all([
    actorWindow(tx, { actors: readers, actions: [READ_ACTION], from: new Date(earliest(batch).getTime() - cfg.reads.windowMs), upToSeq }),
    actorWindow(tx, { actors: failing, actions: LOGIN_ACTIONS, outcome: 'failure', from: new Date(earliest(batch).getTime() - cfg.logins.windowMs), upToSeq }),
    flagsFor(tx, batch.flatMap(requestIdsRead)),
  ]);
  const history = new Map<number, { anyPrior: boolean; seenRecently: boolean }>();
  for (const e of batch) {
    const address = tokenAddress(e);
    if (address) history.set(e.seq, await tokenHistory(tx, { actor: e.actor, address, seq: e.seq, since: new Date(e.at.getTime() - cfg.newAddressDays * 86_400_000) }));
  }
  const flags = new Map(flagRows.map((f) => [f.requestId, { reason: f.reason, flaggedAt: f.flaggedAt }]));
  return [
    ...bulkReads(batch, reads, cfg.reads),
    ...offHours(batch, cfg.workHours),
    ...flaggedReads(batch, flags),
    ...failedLogins(batch, failures, cfg.logins),
    ...newAddresses(batch, history, cfg.newAddressDays),
    ...deliveryFailures(batch),
    ...undeliveredAnswers(batch),
  ].sort((a, b) => a.seq - b.seq);
}

/** Scans until the cursor reaches the end of the trail. */
export async function scanAudit(deps: ScanDeps): Promise<ScanResult> {
  const now = deps.now ?? (() => new Date());
  const result: ScanResult = { scanned: 0, raised: [], extended: 0, ran: true };
  await deps.seal?.();
  for (;;) {
    const step = await withTransaction(deps.db, async (tx) => {
      const cursor = await lockCursor(tx);
      if (cursor === undefined) return undefined;
      const batch = await eventsAfter(tx, cursor, deps.batchSize ?? 500);
      if (batch.length === 0) return { scanned: 0, raised: [] as string[], extended: 0 };
      const extended = new Set<string>();
      const raised: string[] = [];
      for (const o of await observe(tx, batch, deps.config)) {
        const f = await foldObservation(tx, o, { webhook: Boolean(deps.config.webhookUrl) });
        if (f.kind === 'raised') raised.push(f.alertId);
        if (f.kind === 'extended') extended.add(f.alertId);
      }
      // One audit event per grown alert and batch (not one per event that grew it).
      for (const id of extended) {
        const a = await alertById(tx, id);
        if (a) await appendAudit(tx, { actor: 'system', action: 'alert.update', orgId: a.orgId, entityType: 'audit_alert', entityId: a.id, detail: { rule: a.rule, lastSeq: a.lastSeq, count: a.count } });
      }
      await setCursor(tx, batch[batch.length - 1]!.seq, now());
      return { scanned: batch.length, raised, extended: extended.size };
    });
    if (!step) return { ...result, ran: false };
    result.scanned += step.scanned;
    result.raised.push(...step.raised);
    result.extended += step.extended;
    if (step.scanned === 0) return result;
  }
}
