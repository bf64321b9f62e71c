/**
 * Prometheus metrics of data quality and payer interface health, labelled by payer, registered
 * once per registry (the app's, src/http/metrics.ts): no module-level registry, no globals.
 *
 * Counters and the latency histogram count what this process saw; the gauges are set by the
 * health scan from the database (every process reports the same value).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface QualityMetrics {
  warnings: Counter<'payer' | 'kind' | 'refused'>;
  calls: Counter<'payer' | 'kind' | 'outcome'>;
  callDuration: Histogram<'payer' | 'kind'>;
  circuitState: Gauge<'payer'>;
  successRatio: Gauge<'payer'>;
  latency: Gauge<'payer' | 'quantile'>;
  ackRejectionRatio: Gauge<'payer'>;
  overdue: Gauge<'payer'>;
  pendedNoFollowUp: Gauge<'payer'>;
  alert: Gauge<'payer' | 'rule'>;
}

const byRegistry = new WeakMap<Registry, QualityMetrics>();

/** Circuit-breaker states as gauge values. */
export const CIRCUIT_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;

export function qualityMetrics(registry: Registry): QualityMetrics {
  let m = byRegistry.get(registry);
  if (m) return m;
  const registers = [registry];
  m = {
    warnings: new Counter({ name: 'priorgate_quality_warnings_total', help: 'Pre-send data-quality findings by payer, kind and whether the payer refuses them', labelNames: ['payer', 'kind', 'refused'], registers }),
    calls: new Counter({ name: 'priorgate_payer_calls_total', help: 'Calls to payers by payer, transaction and outcome (ok, timeout, network, http-5xx, http-4xx, core-error, error)', labelNames: ['payer', 'kind', 'outcome'], registers }),
    callDuration: new Histogram({
      name: 'priorgate_payer_call_duration_seconds',
      help: 'Payer call latency by payer and transaction',
      labelNames: ['payer', 'kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
      registers,
    }),
    circuitState: new Gauge({ name: 'priorgate_payer_circuit_state', help: 'Circuit breaker of this process per payer: 0 closed, 1 half-open, 2 open', labelNames: ['payer'], registers }),
    successRatio: new Gauge({ name: 'priorgate_payer_success_ratio', help: 'Share of successful payer calls in the health window', labelNames: ['payer'], registers }),
    latency: new Gauge({ name: 'priorgate_payer_latency_seconds', help: 'Payer call latency percentiles in the health window', labelNames: ['payer', 'quantile'], registers }),
    ackRejectionRatio: new Gauge({ name: 'priorgate_payer_ack_rejection_ratio', help: 'Share of answered payer calls in the health window refused by a 999 or TA1', labelNames: ['payer'], registers }),
    overdue: new Gauge({ name: 'priorgate_payer_overdue_requests', help: 'Requests past their decision deadline without a decision, per payer', labelNames: ['payer'], registers }),
    pendedNoFollowUp: new Gauge({ name: 'priorgate_payer_pended_without_followup', help: 'Pended requests with no payer follow-up within the payer\'s configured time', labelNames: ['payer'], registers }),
    alert: new Gauge({ name: 'priorgate_payer_health_alert', help: 'Open payer health alerts (1 open, 0 not)', labelNames: ['payer', 'rule'], registers }),
  };
  byRegistry.set(registry, m);
  return m;
}
