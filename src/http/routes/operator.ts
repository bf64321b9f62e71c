/**
 * Operator endpoints for local CLI commands while a server holds the embedded store. Guarded by a
 * per-start secret written to the data dir (mode 0600); never exposed without it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Hono, MiddlewareHandler } from 'hono';
import { exportHeadToFile, inclusionProof, recordAudit, verifyAudit, type WitnessHead } from '../../audit/index.ts';
import { mintAccessToken, grantScopes, setClientEnabled, tokenIssuer } from '../../auth/index.ts';
import { findClient } from '../../db/queries/clients.ts';
import { flagRecord, unflagRecord } from '../../monitor/index.ts';
import { purgeBefore } from '../../retention/index.ts';
import type { RouteGroup } from '../app.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { AppError } from '../../errors/index.ts';

function secretMatches(given: string | undefined, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The guard of every `/operator/*` route: the per-start secret, or 403. */
export function requireOperator(secret: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!secretMatches(c.req.header('x-priorgate-operator'), secret)) throw new AppError('forbidden', 'operator secret required');
    await next();
  };
}

export function operatorRoutes(secret: string): RouteGroup {
  return (app: Hono<AppEnv>, deps: AppDeps) => {
    app.use('/operator/*', requireOperator(secret));
    app.post('/operator/token', async (c) => {
      const body = (await c.req.json()) as { client?: string; scope?: string };
      const client = body.client ? await findClient(deps.db, body.client) : undefined;
      if (!client) throw new AppError('not_found', 'unknown client');
      const scopes = grantScopes(body.scope, client.scopes);
      if (scopes.length === 0) throw new AppError('invalid', 'none of the requested scopes is granted to this client');
      const token = await mintAccessToken(deps.keys.current(), {
        issuer: tokenIssuer(deps.config),
        client,
        scopes,
        ttlS: deps.config.tokenTtlS,
      });
      await recordAudit(deps.db, {
        actor: 'operator',
        action: 'auth.token.operator',
        orgId: client.orgId,
        entityType: 'api_client',
        entityId: client.id,
        requestId: c.var.requestId,
        detail: { scope: token.scope },
      });
      return c.json(token);
    });
    app.post('/operator/client/status', async (c) => {
      const body = (await c.req.json()) as { client?: string; enabled?: boolean };
      const r = await setClientEnabled(deps.db, { clientId: String(body.client ?? ''), enabled: body.enabled === true, actor: 'operator', now: deps.now?.() ?? new Date(), requestId: c.var.requestId });
      if (!r) throw new AppError('not_found', `unknown client "${String(body.client ?? '').slice(0, 100)}"`);
      return c.json(r);
    });
    app.post('/operator/audit/verify', async (c) => {
      await deps.sealAudit?.();
      const body = (await c.req.json().catch(() => ({}))) as { witness?: WitnessHead[] };
      return c.json(await verifyAudit(deps.db, { witness: Array.isArray(body.witness) ? body.witness : undefined }));
    });
    // The server writes the witness file: same machine and user as the CLI holding this secret.
    app.post('/operator/audit/heads', async (c) => {
      const body = (await c.req.json()) as { out?: string };
      if (!body.out || !body.out.startsWith('/')) throw new AppError('invalid', 'out must be an absolute path');
      return c.json({ head: await exportHeadToFile(deps.db, body.out) });
    });
    app.post('/operator/audit/proof', async (c) => {
      const body = (await c.req.json()) as { id?: number };
      const p = await inclusionProof(deps.db, Number(body.id));
      return c.json(p.kind === 'proof' ? { state: 'sealed', proof: p.proof } : { state: p.kind });
    });
    app.post('/operator/audit/flag', async (c) => {
      const body = (await c.req.json()) as { requestId?: string; reason?: string };
      return c.json(await flagRecord(deps.db, { requestId: String(body.requestId ?? ''), reason: String(body.reason ?? ''), actor: 'operator' }));
    });
    app.post('/operator/audit/unflag', async (c) => {
      const body = (await c.req.json()) as { requestId?: string };
      return c.json(await unflagRecord(deps.db, { requestId: String(body.requestId ?? ''), actor: 'operator' }));
    });
    // The server writes the export: it runs on the same machine and user as the CLI that holds
    // this secret (the embedded store is local), and the CLI sends an absolute path.
    app.post('/operator/retention/purge', async (c) => {
      const body = (await c.req.json()) as { before?: string; out?: string };
      await deps.sealAudit?.();
      const report = await purgeBefore(deps.db, {
        cutoff: new Date(String(body.before ?? '')),
        outDir: String(body.out ?? ''),
        retentionYears: deps.config.retentionYears,
        actor: 'operator',
        requestId: c.var.requestId,
      });
      return c.json(report);
    });
  };
}
