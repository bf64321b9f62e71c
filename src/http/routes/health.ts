/** Liveness, readiness (database reachable, migrations current) and Prometheus metrics. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { AppError } from '../../errors/index.ts';
import { sql } from 'drizzle-orm';
import { migrationStatus } from '../../db/client.ts';
import type { AppDeps, AppEnv } from '../context.ts';

export function healthRoutes(app: Hono<AppEnv>, deps: AppDeps) {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    try {
      await deps.db.execute(sql`select 1`);
      const m = await migrationStatus(deps.db);
      if (m.applied < m.onDisk) return c.json({ status: 'migrations pending', ...m }, 503);
      return c.json({ status: 'ready', migrations: m.applied });
    } catch {
      return c.json({ status: 'database unreachable' }, 503);
    }
  });

  // Operators only when PRIORGATE_METRICS_TOKEN is set: the scraper sends it as a bearer token.
  const expected = deps.config.metricsToken ? createHash('sha256').update(deps.config.metricsToken).digest() : undefined;
  app.get('/metrics', async (c) => {
    if (expected) {
      const sent = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      // Compared as digests, in constant time: neither the token nor its length leaks by timing.
      if (!sent || !timingSafeEqual(createHash('sha256').update(sent).digest(), expected)) {
        throw new AppError('unauthorized', 'the metrics token is required', undefined, { 'WWW-Authenticate': 'Bearer realm="priorgate-metrics"' });
      }
    }
    return c.body(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType });
  });
}
