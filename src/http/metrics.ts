/** Prometheus metrics: one registry per app (no globals), HTTP counts and latency by route. */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
}

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'priorgate_' });
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
  };
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
