/**
 * The payer-health monitor of a gateway process: it records every payer call and breaker change
 * (the observer the delivery jobs and breakers are given), and every `healthIntervalMs` computes
 * each payer's health, sets the Prometheus gauges and raises or clears the health alerts. A row
 * lock (SKIP LOCKED) lets one process at a time decide alerts; every process sets its own gauges.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { insertBreakerEvent, insertPayerCalls, lockHealthScan, pruneCalls } from '../db/queries/quality.ts';
import type { payerCalls } from '../db/schema.ts';
import type { Logger } from '../log/index.ts';
import type { PayerCall } from '../payers/deliver.ts';
import type { PayerRegistry } from '../payers/registry.ts';
import { reconcileHealthAlerts, type Reconciled } from './health-alerts.ts';
import { HEALTH_RULES, payerHealth, type PayerHealth } from './health.ts';
import { CIRCUIT_VALUE, type QualityMetrics } from './metrics.ts';

export interface HealthMonitor {
  /** Give to the delivery jobs: records one payer call. */
  observe(call: PayerCall): void;
  /** Computes health now, sets the gauges, raises and clears alerts (when this process holds the scan). */
  scanNow(): Promise<{ health: PayerHealth[]; alerts?: Reconciled }>;
  /** Resolves when every recorded call and breaker change is written (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

/** Calls are kept this long: far more than any window, enough for the page's history. */
const KEEP_CALLS_MS = 7 * 24 * 3_600_000;

export function startHealthMonitor(deps: { db: Db; log: Logger; config: Config; payers: PayerRegistry; metrics?: QualityMetrics; wake?: () => void; now?: () => Date }): HealthMonitor {
  const { db, log, metrics } = deps;
  const now = () => deps.now?.() ?? new Date();
  const instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>, what: string) => {
    const q = p.catch((err) => log.warn({ err }, `could not record ${what}`)).finally(() => pending.delete(q));
    pending.add(q);
  };

  for (const p of deps.payers.all()) {
    metrics?.circuitState.set({ payer: p.config.id }, CIRCUIT_VALUE[p.breaker.state]);
    p.breaker.observe((state) => {
      metrics?.circuitState.set({ payer: p.config.id }, CIRCUIT_VALUE[state]);
      log.warn({ payerId: p.config.id, circuit: state }, 'payer circuit breaker changed');
      track(insertBreakerEvent(db, { payerId: p.config.id, state, instance, at: now() }), 'a breaker change');
    });
  }

  let running: Promise<{ health: PayerHealth[]; alerts?: Reconciled }> | undefined;
  let lastPrune = 0;
  const scan = async () => {
    const at = now();
    const health = await payerHealth(db, deps.payers.all(), at);
    for (const h of health) {
      const payer = h.payerId;
      metrics?.successRatio.set({ payer }, h.window.successRate ?? 1);
      for (const [q, v] of [['0.5', h.window.p50Ms], ['0.95', h.window.p95Ms], ['0.99', h.window.p99Ms]] as const) metrics?.latency.set({ payer, quantile: q }, (v ?? 0) / 1000);
      metrics?.ackRejectionRatio.set({ payer }, h.ackRejectionRate ?? 0);
      metrics?.overdue.set({ payer }, h.backlog.overdue);
      metrics?.pendedNoFollowUp.set({ payer }, h.backlog.pendedNoFollowUp);
    }
    const alerts = await withTransaction(db, async (tx) => {
      if (!(await lockHealthScan(tx, at))) return undefined;
      return reconcileHealthAlerts(tx, health, at, { webhook: Boolean(deps.config.monitor.webhookUrl) });
    });
    for (const h of health) for (const rule of HEALTH_RULES) metrics?.alert.set({ payer: h.payerId, rule }, h.conditions[rule].on ? 1 : 0);
    if (alerts && (alerts.raised.length || alerts.cleared.length)) {
      log.warn({ raised: alerts.raised, cleared: alerts.cleared }, 'payer health alerts changed');
      deps.wake?.();
    }
    if (at.getTime() - lastPrune > 3_600_000) {
      lastPrune = at.getTime();
      await pruneCalls(db, new Date(at.getTime() - KEEP_CALLS_MS));
    }
    return { health, ...(alerts ? { alerts } : {}) };
  };
  // Calls are written in batches (one insert per quarter second at most), not one commit per call.
  let calls: (typeof payerCalls.$inferInsert)[] = [];
  let callTimer: NodeJS.Timeout | undefined;
  const writeCalls = () => {
    clearTimeout(callTimer);
    callTimer = undefined;
    const batch = calls;
    calls = [];
    if (batch.length) track(insertPayerCalls(db, batch), 'payer calls');
  };
  const settled = () => {
    writeCalls();
    return Promise.all(pending);
  };
  const scanNow = () => (running ??= (async () => {
    await settled();
    return scan();
  })().finally(() => (running = undefined)));

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const every = deps.config.monitor.healthIntervalMs;
  const tick = () => {
    if (stopped) return;
    scanNow()
      .catch((err) => log.error({ err }, 'payer health scan failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, every);
      });
  };
  if (every > 0) timer = setTimeout(tick, every);

  return {
    observe(call) {
      metrics?.calls.inc({ payer: call.payerId, kind: call.kind, outcome: call.outcome });
      metrics?.callDuration.observe({ payer: call.payerId, kind: call.kind }, call.ms / 1000);
      calls.push({ payerId: call.payerId, kind: call.kind, outcome: call.outcome, ok: call.ok, durationMs: call.ms, at: call.at });
      callTimer ??= setTimeout(writeCalls, 250);
    },
    scanNow,
    flush: async () => {
      await settled();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
      await settled();
    },
  };
}
