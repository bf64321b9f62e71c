/** SMART Backend Services: discovery documents, the token endpoint and the gateway's JWKS. */
import type { Context, Hono } from 'hono';
import { appendAudit } from '../../audit/index.ts';
import { authenticateClient, CLIENT_ASSERTION_ALGS, clientKeys, mintAccessToken, OAuthError, PROVIDER_SCOPES, tokenIssuer } from '../../auth/index.ts';
import { trustAnchors } from '../../net/index.ts';
import type { Db } from '../../db/client.ts';
import { findClient } from '../../db/queries/clients.ts';
import { baseUrlOf } from '../app.ts';
import type { AppDeps, AppEnv } from '../context.ts';
import { remoteAddress } from '../remote-address.ts';
import { withTransaction } from '../../db/tx.ts';

export function smartRoutes(app: Hono<AppEnv>, deps: AppDeps) {
  const now = () => deps.now?.() ?? new Date();
  // Client JWKS URLs are fetched through the SSRF guard (PRIORGATE_JWKS_ALLOWLIST for exceptions).
  const ca = trustAnchors(deps.config.caPem);
  const keysOf = clientKeys({ allowlist: deps.config.jwksAllowlist, ...(ca ? { tls: { ca } } : {}) });

  const configuration = (c: Context<AppEnv>) => {
    const base = baseUrlOf(deps, c.req.url);
    return c.json({
      issuer: base,
      jwks_uri: `${base}/.well-known/jwks.json`,
      token_endpoint: `${base}/auth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: CLIENT_ASSERTION_ALGS,
      scopes_supported: [...PROVIDER_SCOPES],
      capabilities: ['client-confidential-asymmetric', 'permission-v2'],
    });
  };
  app.get('/.well-known/smart-configuration', configuration);
  app.get('/fhir/.well-known/smart-configuration', configuration);
  app.get('/.well-known/jwks.json', (c) => c.json(deps.keys.current().jwks));

  app.post('/auth/token', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
    }
    const form = Object.fromEntries(new URLSearchParams(await c.req.text()));
    const base = baseUrlOf(deps, c.req.url);
    const audiences = [...new Set([`${base}/auth/token`, `${new URL(c.req.url).origin}/auth/token`])];
    const at = now();
    let granted;
    try {
      granted = await authenticateClient(deps.db, form, audiences, at, keysOf);
    } catch (e) {
      if (e instanceof OAuthError) await auditRefusal(deps.db, form.client_assertion, e, c.var.requestId, remoteAddress(c));
      throw e;
    }
    const token = await mintAccessToken(deps.keys.current(), {
      issuer: tokenIssuer(deps.config),
      client: granted.client,
      scopes: granted.scopes,
      ttlS: deps.config.tokenTtlS,
      now: at,
    });
    await withTransaction(deps.db, (tx) =>
      appendAudit(tx, {
        actor: `client:${granted.client.id}`,
        action: 'auth.token',
        orgId: granted.client.orgId,
        requestId: c.var.requestId,
        // The peer address (an id-like value, not PHI): the monitor's new-address rule reads it.
        detail: { scope: token.scope, address: remoteAddress(c) ?? null },
      }),
    );
    return c.json(token, 200, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  });
}

/** Failed token requests from a known client are audited (brute force and key misuse show up). */
async function auditRefusal(db: Db, assertion: string | undefined, e: OAuthError, requestId: string, address: string | undefined) {
  let iss: string | undefined;
  try {
    const payload = JSON.parse(Buffer.from(String(assertion).split('.')[1] ?? '', 'base64url').toString());
    iss = typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return;
  }
  const client = iss ? await findClient(db, iss) : undefined;
  if (!client) return;
  await withTransaction(db, (tx) =>
    appendAudit(tx, {
      actor: `client:${client.id}`,
      action: 'auth.token',
      outcome: 'failure',
      orgId: client.orgId,
      requestId,
      detail: { error: e.error, reason: e.description, address: address ?? null },
    }),
  );
}
