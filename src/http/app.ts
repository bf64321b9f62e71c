/**
 * The HTTP app: `createApp(deps)` wires middleware, routes and the one error handler. Tests call
 * `app.request()` on it directly; `serve` puts it on a port.
 */
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { OAuthError } from '../auth/index.ts';
import { AppError, toHttpError } from '../errors/index.ts';
import { outcomeOf } from '../fhir/outcome.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { metricsMiddleware } from './metrics.ts';
import { countStatements } from '../db/stats.ts';
import { lostConnection } from '../db/tx.ts';
import { textGuard } from './text-guard.ts';
import { bodyLimit } from './body.ts';
import { healthRoutes } from './routes/health.ts';
import { smartRoutes } from './routes/smart.ts';
import { fhirAuth, fhirRoutes } from './routes/fhir.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Extra route groups later modules plug in (each gets the same deps). */
export type RouteGroup = (app: Hono<AppEnv>, deps: AppDeps) => void;

export function createApp(deps: AppDeps, extra: RouteGroup[] = []): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(requestId({ headerName: 'X-Request-Id' }));
  // The port opens before the workers and simulator are up (they need its address); requests that
  // arrive in that window wait instead of failing. Liveness answers at once.
  app.use(async (c, next) => {
    if (deps.ready && c.req.path !== '/healthz') await deps.ready;
    await next();
  });
  app.use(async (c, next) => {
    const log = deps.log.child({ requestId: c.var.requestId });
    c.set('log', log);
    const start = performance.now();
    // What the request cost the database (src/db/stats.ts), told to the caller as Server-Timing and
    // logged, when asked for: counting runs every request in an AsyncLocalStorage context, and on
    // Node 20 that puts a hook on every promise the process makes (~7 % of a $submit's CPU).
    let dbCost: { dbStatements: number; dbCommits: number } | undefined;
    if (deps.config.serverTiming) {
      const { count } = await countStatements(() => next());
      c.header('Server-Timing', `db;desc="statements=${count.statements} commits=${count.commits}"`, { append: true });
      dbCost = { dbStatements: count.statements, dbCommits: count.commits };
    } else {
      await next();
    }
    const path = new URL(c.req.url).pathname;
    // Path only: query strings are never logged. Ids in paths are opaque UUIDs, never PHI.
    log.info({ method: c.req.method, path, status: c.res.status, ms: Math.round(performance.now() - start), ...dbCost }, 'request');
  });
  app.use(metricsMiddleware(deps.metrics));
  // FHIR and API answers carry PHI: never stored by a cache, never sniffed into another type.
  // (A route that sets its own Cache-Control, a static asset, keeps it.)
  app.use(async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });
  app.use(
    bodyLimit(deps.config.bodyLimitBytes, () => {
      throw new AppError('too_large', `request body exceeds ${deps.config.bodyLimitBytes} bytes`);
    }),
  );

  // Control characters in the path, the query or a form field: 400 before any route (the staff
  // pages give the same answer as a page, staff/input-guard.ts).
  app.use(textGuard((path) => path === '/ui' || path.startsWith('/ui/')));

  healthRoutes(app, deps);
  smartRoutes(app, deps);
  fhirAuth(app, deps);
  for (const group of extra) group(app, deps);
  fhirRoutes(app, deps);

  app.notFound(unmatched(app));

  // The one HTTP error handler: src/errors/map.ts decides status, OperationOutcome and headers.
  app.onError((err, c) => {
    if (err instanceof OAuthError) {
      c.var.log?.info({ err }, 'token request refused');
      return c.json({ error: err.error, error_description: err.description }, err.status as 400 | 401, {
        'Cache-Control': 'no-store',
      });
    }
    // Hono's own refusals (a body it could not parse, one over its limit) become ours.
    const e = err instanceof HTTPException && err.status < 500
      ? new AppError(err.status === 413 ? 'too_large' : 'invalid', err.status === 413 ? 'request body too large' : 'bad request')
      : err;
    const lost = lostConnection(e);
    const answer = toHttpError(lost ? storeLost() : e, c.var.requestId);
    if (lost) (c.var.log ?? deps.log).warn({ err, code: lost }, 'database connection lost under a request');
    else if (answer.fault) (c.var.log ?? deps.log).error({ err }, 'unhandled error');
    return c.body(JSON.stringify(answer.outcome), answer.status as 400, { 'Content-Type': FHIR_JSON, ...answer.headers });
  });

  return app;
}

/**
 * The answer to a request no route took: 405 with the methods the path takes (RFC 9110 §15.5.6,
 * `Allow`) when it exists for other methods, else 404; an OperationOutcome either way.
 */
export function unmatched(app: Hono<AppEnv>): (c: Context<AppEnv>) => Response {
  let allowedMethods: ((path: string) => string[]) | undefined;
  return (c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = (allowedMethods ??= methodsByPath(app))(path);
    if (allowed.length) {
      const body = outcomeOf('not-supported', `${c.req.method} is not supported here; this path takes ${allowed.join(', ')}`);
      return c.body(JSON.stringify(body), 405, { 'Content-Type': FHIR_JSON, Allow: allowed.join(', ') });
    }
    const body = outcomeOf('not-found', path.startsWith('/fhir') ? `no FHIR route for ${c.req.method} ${path}` : 'no route for this path');
    return c.body(JSON.stringify(body), 404, { 'Content-Type': FHIR_JSON });
  };
}

/**
 * The methods the app's routes take on a path (middleware, registered for every method, left
 * out; GET implies HEAD), from the routes as registered: `:name` and `:name{re}` match one segment,
 * `*` anything. Built once, when the first unmatched request comes (every route is in by then).
 */
function methodsByPath(app: Hono<AppEnv>): (path: string) => string[] {
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const routes = app.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => ({
      method: r.method,
      re: new RegExp(`^${r.path.split('/').map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : escape(part))).join('/')}/?$`),
    }));
  return (path) => {
    const methods = new Set(routes.filter((r) => r.re.test(path)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

/**
 * The answer to a request whose database connection was lost under it (a failover, a restart, an
 * operator ending sessions) and that the transaction runner could not finish on a new one: it ran
 * the body again where nothing was committed yet, and returned the result of a COMMIT it found
 * landed, so what is left either changed nothing or cannot be told yet. Either way the request is
 * the caller's to send again — `$submit` answers a Bundle it already stored from the store, and a
 * payer's interchange is recognised by its control number — so the answer is a 503 with
 * Retry-After (a transient condition), not a 500 that reads as a fault of ours.
 */
function storeLost(): AppError {
  return new AppError('unavailable', 'the gateway lost its database connection while serving this request; send it again', undefined, { 'Retry-After': '1' });
}

/** The public base URL: configured, or the origin the request came in on. */
export function baseUrlOf(deps: AppDeps, requestUrl: string): string {
  return deps.config.baseUrl ?? new URL(requestUrl).origin;
}

