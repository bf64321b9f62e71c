/**
 * The audit log's background work in a gateway process: the sequencer every `sealIntervalMs` (it
 * seals until nothing waits; another instance holding the lock makes this one skip its turn), and
 * the witness exports every `witnessIntervalMs`. Time to seal and the backlog are metrics.
 */
import type { Db } from '../db/client.ts';
import { unsealedStats } from '../db/queries/audit-log.ts';
import type { Logger } from '../log/index.ts';
import type { HeadSigner } from './head.ts';
import { LogIntegrityError, sealAll, type SealReport } from './sequencer.ts';
import { exportHeadToFile, exportHeadToWebhook, type WebhookWitness } from './witness.ts';

export interface AuditLogMetrics {
  /** Seconds from an event's insert to its seal. */
  observeSeal(seconds: number): void;
  setUnsealed(n: number): void;
  setTreeSize(n: number): void;
}

export interface AuditLogServiceOptions {
  db: Db;
  log: Logger;
  signer: () => HeadSigner | Promise<HeadSigner>;
  sealIntervalMs?: number;
  witnessIntervalMs?: number;
  witnessFile?: string;
  witnessWebhook?: WebhookWitness;
  /** Where witnesses find the public keys (sent with webhook heads). */
  jwksUrl?: string;
  metrics?: AuditLogMetrics;
}

export interface AuditLogService {
  /** Seals everything committed so far (tests, the monitor before a scan, shutdown). */
  sealNow(): Promise<SealReport[]>;
  /** Exports the newest head to the configured witnesses now. */
  witnessNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startAuditLog(o: AuditLogServiceOptions): AuditLogService {
  let stopped = false;
  let sealing: Promise<SealReport[]> | undefined;
  let sealTimer: NodeJS.Timeout | undefined;
  let witnessTimer: NodeJS.Timeout | undefined;
  let integrityLogged = false;

  const sealNow = () =>
    (sealing ??= sealAll({ db: o.db, signer: o.signer }, (r) => {
      for (const ms of r.lagsMs) o.metrics?.observeSeal(ms / 1000);
      o.metrics?.setTreeSize(r.treeSize);
    })
      .catch((err) => {
        if (err instanceof LogIntegrityError) {
          // Said once, loudly: sealing stays stopped until an operator looks (audit verify).
          if (!integrityLogged) o.log.error({ err: err.message }, 'audit log integrity problem: sealing stopped');
          integrityLogged = true;
          return [];
        }
        throw err;
      })
      .finally(() => (sealing = undefined)));

  const witnessNow = async () => {
    if (o.witnessFile) await exportHeadToFile(o.db, o.witnessFile);
    if (o.witnessWebhook) {
      const r = await exportHeadToWebhook(o.db, o.witnessWebhook, o.jwksUrl);
      if (r.error) o.log.warn({ reason: r.error }, 'audit witness webhook failed; retrying at the next turn');
    }
  };

  const sealTick = () => {
    if (stopped) return;
    sealNow()
      .then(async () => {
        if (o.metrics) o.metrics.setUnsealed((await unsealedStats(o.db)).count);
      })
      .catch((err) => o.log.error({ err }, 'audit sequencer failed'))
      .finally(() => {
        if (!stopped) sealTimer = setTimeout(sealTick, o.sealIntervalMs ?? 100);
      });
  };
  const witnessTick = () => {
    if (stopped) return;
    witnessNow()
      .catch((err) => o.log.warn({ err }, 'audit witness export failed'))
      .finally(() => {
        if (!stopped) witnessTimer = setTimeout(witnessTick, o.witnessIntervalMs ?? 10_000);
      });
  };
  if ((o.sealIntervalMs ?? 100) > 0) sealTimer = setTimeout(sealTick, 0);
  if (o.witnessFile || o.witnessWebhook) witnessTimer = setTimeout(witnessTick, o.witnessIntervalMs ?? 10_000);

  return {
    sealNow,
    witnessNow,
    async stop() {
      stopped = true;
      clearTimeout(sealTimer);
      clearTimeout(witnessTimer);
      await sealing?.catch(() => {});
      // What was committed before the stop is sealed now, and the last head reaches the witnesses.
      await sealNow().catch((err) => o.log.warn({ err }, 'final audit seal failed'));
      if (o.witnessFile || o.witnessWebhook) await witnessNow().catch(() => {});
    },
  };
}
