/**
 * Operator endpoints for the data keys, so `priorgate keys … --data` works while a server holds
 * the embedded store: status (rows per key), reload-and-rekey after a rotation, retirement.
 * Behind the same per-start operator secret as the other operator routes.
 */
import type { Hono } from 'hono';
import type { DataKeyService } from '../../db/data-keys/index.ts';
import type { RouteGroup } from '../app.ts';
import type { AppEnv } from '../context.ts';
import { AppError } from '../../errors/index.ts';
import { requireOperator } from './operator.ts';

export function dataKeyOperatorRoutes(secret: string, dataKeys: DataKeyService): RouteGroup {
  return (app: Hono<AppEnv>) => {
    app.use('/operator/data-keys/*', requireOperator(secret));
    app.post('/operator/data-keys/status', async (c) => c.json(await dataKeys.status()));
    // After `keys rotate --data` rewrote the ring file: take it now, and move rows in the background.
    app.post('/operator/data-keys/rekey', async (c) => {
      const { changed, current } = await dataKeys.reload();
      dataKeys.rekeyInBackground();
      return c.json({ changed, current, background: true });
    });
    app.post('/operator/data-keys/retire', async (c) => {
      const body = (await c.req.json()) as { kid?: string };
      if (!body.kid) throw new AppError('invalid', 'kid is required');
      return c.json(await dataKeys.retire(body.kid, 'operator'));
    });
  };
}
