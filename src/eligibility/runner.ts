/**
 * Runs staff eligibility batches inside the gateway with the same engine as the CLI. A batch is
 * taken under a lease (renewed while it runs), so one process runs it; when a process dies its
 * batches' leases lapse and the next poll of any gateway resumes them from the stored results.
 * Graceful stop releases the lease so a restart resumes at once.
 */
import { Readable } from 'node:stream';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { nextControlNumbers } from '../db/queries/control-numbers.ts';
import { claimableBatchIds, claimBatch, finishBatch, releaseBatch, renewBatch, resultCounts, type BatchRow } from '../db/queries/eligibility-batches.ts';
import type { Logger } from '../log/index.ts';
import type { PayerRegistry } from '../payers/registry.ts';
import { eligibilityChannel } from './channel.ts';
import { ControlNumberBlocks } from './control-block.ts';
import { dbResults } from './db-results.ts';
import { runEligibilityBatch } from './engine.ts';
import { receiverFor } from './setup.ts';
import { withTransaction } from '../db/tx.ts';

export interface BatchRunnerOptions {
  db: Db;
  log: Logger;
  payers: PayerRegistry;
  senderId: string;
  /** How long a claim lasts without renewal (default 30 s). */
  leaseMs?: number;
  /** How often to look for queued or orphaned batches (default 5 s). */
  pollMs?: number;
}

export interface BatchRunner {
  /** Starts a batch now, if nobody runs it. */
  kick(id: string): void;
  /** Stops a running batch of this process (after a cancel). */
  abort(id: string): void;
  stop(): Promise<void>;
}

export function startBatchRunner(o: BatchRunnerOptions): BatchRunner {
  const leaseMs = o.leaseMs ?? 30_000;
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let stopping = false;

  async function execute(batch: BatchRow, controller: AbortController): Promise<void> {
    const log = o.log.child({ batchId: batch.id, payerId: batch.payerId });
    const payer = o.payers.get(batch.payerId);
    if (!payer?.connector || !payer.config.x12) {
      await finish(batch, 'failed', `payer ${batch.payerId} has no X12 endpoint configured`);
      return;
    }
    const check = eligibilityChannel({
      payer: payer.config,
      connector: payer.connector,
      breaker: payer.breaker,
      senderId: o.senderId,
      receiver: await receiverFor(o.db, o.senderId, { org: batch.orgId }),
      numbers: new ControlNumberBlocks((kind, count) => nextControlNumbers(o.db, o.senderId, kind, count), 500),
      runId: `S${Date.now().toString(36).toUpperCase()}-`,
    });
    const results = await dbResults(o.db, batch.id);
    const renew = setInterval(() => {
      renewBatch(o.db, batch.id, leaseMs)
        .then((ours) => ours || controller.abort())
        .catch((err) => log.warn({ err }, 'batch lease renewal failed'));
    }, leaseMs / 3);
    try {
      const summary = await runEligibilityBatch({ roster: Readable.from([Buffer.from(batch.roster)]), results, check, concurrency: batch.concurrency, total: batch.total, signal: controller.signal });
      await results.close();
      if (summary.unreachable) {
        await finish(batch, 'failed', `the payer could not be reached: ${summary.unreachable}; upload the roster again when it answers`);
        log.warn({ failed: summary.failed }, 'eligibility batch stopped: payer unreachable');
        return;
      }
      if (summary.interrupted) {
        // Cancelled (the row says so already) or this process is stopping: hand the batch on.
        if (stopping) await releaseBatch(o.db, batch.id);
        return;
      }
      await finish(batch, summary.failed === 0 ? 'done' : 'incomplete');
      log.info({ done: summary.done, failed: summary.failed }, 'eligibility batch finished');
    } finally {
      clearInterval(renew);
    }
  }

  async function finish(batch: BatchRow, status: 'done' | 'incomplete' | 'failed', error?: string) {
    await withTransaction(o.db, async (tx) => {
      const counts = await resultCounts(tx, batch.id);
      await finishBatch(tx, batch.id, status, counts, error);
      await appendAudit(tx, { actor: 'system', action: 'eligibility.batch.finish', orgId: batch.orgId, entityType: 'eligibility-batch', entityId: batch.id, detail: { status, ...counts } });
    });
  }

  function kick(id: string): void {
    if (stopping || running.has(id)) return;
    const controller = new AbortController();
    const done = (async () => {
      const batch = await claimBatch(o.db, id, leaseMs);
      if (!batch) return;
      try {
        await execute(batch, controller);
      } catch (err) {
        o.log.error({ err, batchId: id }, 'eligibility batch failed');
        await finish(batch, 'failed', 'the batch stopped on an internal error (see the gateway log)').catch(() => {});
      }
    })().finally(() => running.delete(id));
    running.set(id, { controller, done });
  }

  /** Starts every queued batch, and those left by a process that stopped or died. */
  const sweep = () =>
    claimableBatchIds(o.db)
      .then((ids) => ids.forEach(kick))
      .catch((err) => o.log.warn({ err }, 'batch poll failed'));
  const poll = setInterval(sweep, o.pollMs ?? 5_000);
  poll.unref();
  void sweep();

  return {
    kick,
    abort: (id) => running.get(id)?.controller.abort(),
    async stop() {
      stopping = true;
      clearInterval(poll);
      for (const r of running.values()) r.controller.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
