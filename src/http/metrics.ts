/** Prometheus metrics: one registry per app (no globals), HTTP counts and latency by route. */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  /** Seconds from an audit event's insert to its seal into the Merkle log. */
  auditSealSeconds: Histogram;
  auditUnsealed: Gauge;
  auditTreeSize: Gauge;
  /** Transactions run again after a deadlock (40P01) or serialization failure (40001). */
  txRetries: Counter<'code'>;
}

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults) {
    collectDefaultMetrics({ register: registry, prefix: 'priorgate_' });
    eventLoopBusy(registry);
  }
  return {
    registry,
    httpRequests: new Counter({
      name: 'priorgate_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'priorgate_http_request_duration_seconds',
      help: 'HTTP request latency by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
      registers: [registry],
    }),
    auditSealSeconds: new Histogram({
      name: 'priorgate_audit_seal_seconds',
      help: 'Time from an audit event being written to its seal into the signed Merkle log',
      buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    auditUnsealed: new Gauge({ name: 'priorgate_audit_unsealed_events', help: 'Audit events written and not yet sealed', registers: [registry] }),
    auditTreeSize: new Gauge({ name: 'priorgate_audit_tree_size', help: 'Events in the signed audit Merkle tree', registers: [registry] }),
    txRetries: new Counter({
      name: 'priorgate_db_transaction_retries_total',
      help: 'Transactions run again after a deadlock or serialization failure, by SQLSTATE',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}

/**
 * `priorgate_event_loop_busy_seconds_total`: time the process's main thread has spent working, not
 * waiting for I/O (Node's event-loop utilization, read at each scrape). A gateway process does its
 * work on that one thread, so `rate()` of it near 1 says the process is full: under 50 parallel
 * `$submit`s the main thread was busy nearly all the time while the machine still had a fifth of
 * its CPU free (docs/architecture.md). A counter, not a ratio, so any number of scrapers agree.
 */
function eventLoopBusy(registry: Registry): void {
  let last = performance.eventLoopUtilization();
  new Counter({
    name: 'priorgate_event_loop_busy_seconds_total',
    help: 'Seconds the main thread has spent working (not waiting for I/O); its rate near 1 means the process is full',
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      const busy = (now.active - last.active) / 1000;
      last = now;
      if (busy > 0) this.inc(busy);
    },
  });
}

/** Labels use the matched route pattern (never the raw path, which may carry ids). */
export function metricsMiddleware(m: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const start = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // Handlers never end in `*`; middleware and the /fhir/* catch-all do. The first matching
      // handler is the one that answered.
      const label = matchedRoutes(c).find((r) => !r.path.endsWith('*'))?.path ?? 'unmatched';
      m.httpRequests.inc({ method: c.req.method, route: label, status: String(c.res.status) });
      m.httpDuration.observe({ method: c.req.method, route: label }, Number(process.hrtime.bigint() - start) / 1e9);
    }
  };
}
