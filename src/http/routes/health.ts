/** Liveness, readiness (database reachable, migrations current) and Prometheus metrics. */
import type { Hono } from 'hono';
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

  app.get('/metrics', async (c) =>
    c.body(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType }),
  );
}
