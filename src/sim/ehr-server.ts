/**
 * The EHR simulator: a small FHIR R4 server on loopback for demo mode and tests. SMART Backend
 * Services token endpoint (client assertions checked against configured public JWKs), Bearer
 * tokens on every FHIR read, `GET /Patient/{id}`, and search of Condition, Observation, Procedure
 * and MedicationRequest by patient, code (system|code), date (ge/le/…) with `_count` paging and
 * `link[next]`. Fault injection (5xx, delay, token revocation) for client tests.
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { listed, type Resource } from '../fhir/bundle.ts';
import { matchesSearch, SEARCH_PARAMS, type ParsedSearch } from '../rules/search.ts';
import { ehrSeed } from './ehr-data.ts';

export interface EhrSimOptions {
  /** Registered backend clients: id and public JWK (with `alg`). */
  clients: { clientId: string; jwk: JWK }[];
  now?: () => Date;
  /** Access-token lifetime (default 300 s). */
  tokenTtlS?: number;
  /** Data; default `ehrSeed(now)`. */
  resources?: Resource[];
}

export interface EhrSimState {
  tokensIssued: number;
  /** FHIR requests served (after auth), by path and query. */
  requests: string[];
  /** Next N FHIR requests answer 503. */
  fail5xx: number;
  /** Think time before each FHIR answer. */
  delayMs: number;
}

const SEARCHABLE = ['Condition', 'Observation', 'Procedure', 'MedicationRequest'];
const FHIR_JSON = 'application/fhir+json';

function outcome(code: string, diagnostics: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

export function createEhrSim(opts: EhrSimOptions) {
  const now = () => opts.now?.() ?? new Date();
  const data = opts.resources ?? ehrSeed(now());
  const tokens = new Map<string, number>();
  const usedJti = new Set<string>();
  const state: EhrSimState = { tokensIssued: 0, requests: [], fail5xx: 0, delayMs: 0 };
  const origin = (c: Context) => new URL(c.req.url).origin;
  const app = new Hono();

  app.get('/.well-known/smart-configuration', (c) =>
    c.json({
      token_endpoint: `${origin(c)}/auth/token`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
      scopes_supported: ['system/*.rs', 'system/Patient.rs', 'system/Condition.rs', 'system/Observation.rs', 'system/Procedure.rs', 'system/MedicationRequest.rs'],
      capabilities: ['client-confidential-asymmetric'],
    }),
  );

  app.post('/auth/token', async (c) => {
    const form = (await c.req.parseBody()) as Record<string, string>;
    const bad = (description: string) => c.json({ error: 'invalid_client', error_description: description }, 401);
    if (form.grant_type !== 'client_credentials') return c.json({ error: 'unsupported_grant_type' }, 400);
    const assertion = form.client_assertion ?? '';
    const clientId = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString() || '{}')?.iss as string | undefined;
    const client = opts.clients.find((k) => k.clientId === clientId);
    if (!client) return bad('unknown client');
    try {
      const key = await importJWK(client.jwk, client.jwk.alg);
      const { payload } = await jwtVerify(assertion, key, {
        algorithms: ['RS384', 'ES384'], issuer: clientId, subject: clientId, audience: `${origin(c)}/auth/token`, requiredClaims: ['exp', 'jti'], currentDate: now(),
      });
      if (usedJti.has(String(payload.jti))) return bad('jti already used');
      usedJti.add(String(payload.jti));
    } catch {
      return bad('client_assertion could not be verified');
    }
    const ttl = opts.tokenTtlS ?? 300;
    const token = randomUUID();
    tokens.set(token, now().getTime() + ttl * 1000);
    state.tokensIssued++;
    return c.json({ access_token: token, token_type: 'bearer', expires_in: ttl, scope: form.scope || 'system/*.rs' });
  });

  // Everything but discovery and the token endpoint is FHIR and needs a Bearer token.
  app.use('*', async (c, next) => (/^\/(\.well-known|auth)\//.test(new URL(c.req.url).pathname) ? next() : gate(c, next)));

  async function gate(c: Context, next: () => Promise<void>) {
    const token = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const exp = token ? tokens.get(token) : undefined;
    if (exp === undefined || exp <= now().getTime()) {
      return c.body(JSON.stringify(outcome('login', 'a valid Bearer token is required')), 401, { 'content-type': FHIR_JSON, 'www-authenticate': 'Bearer' });
    }
    if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
    if (state.fail5xx > 0) {
      state.fail5xx--;
      return c.body(JSON.stringify(outcome('transient', 'simulated EHR fault')), 503, { 'content-type': FHIR_JSON });
    }
    const url = new URL(c.req.url);
    state.requests.push(url.pathname + url.search);
    await next();
  }

  app.get('/Patient/:id', (c) => {
    const found = data.find((r) => r.resourceType === 'Patient' && r.id === c.req.param('id'));
    if (!found) return c.body(JSON.stringify(outcome('not-found', 'no such Patient')), 404, { 'content-type': FHIR_JSON });
    return c.body(JSON.stringify(found), 200, { 'content-type': FHIR_JSON });
  });

  app.get('/:type{[A-Z][A-Za-z]+}', (c) => {
    const type = c.req.param('type');
    if (!SEARCHABLE.includes(type)) return c.body(JSON.stringify(outcome('not-supported', `search of ${type} is not supported`)), 404, { 'content-type': FHIR_JSON });
    const url = new URL(c.req.url);
    const params = [...url.searchParams].filter(([k]) => !['_count', '_offset'].includes(k));
    const unknown = params.find(([k]) => !SEARCH_PARAMS.includes(k));
    if (unknown) return c.body(JSON.stringify(outcome('not-supported', `search parameter ${unknown[0]} is not supported`)), 400, { 'content-type': FHIR_JSON });
    if (!params.some(([k]) => k === 'patient' || k === 'subject')) return c.body(JSON.stringify(outcome('required', 'searches need a patient')), 400, { 'content-type': FHIR_JSON });
    const q: ParsedSearch = { resourceType: type, params };
    const hits = data.filter((r) => matchesSearch(r, q, true));
    const count = Math.min(Math.max(Number(url.searchParams.get('_count') ?? 50) || 50, 1), 100);
    const offset = Math.max(Number(url.searchParams.get('_offset') ?? 0) || 0, 0);
    const page = hits.slice(offset, offset + count);
    const link = [{ relation: 'self', url: url.toString() }];
    if (offset + count < hits.length) {
      const next = new URL(url);
      next.searchParams.set('_count', String(count));
      next.searchParams.set('_offset', String(offset + count));
      link.push({ relation: 'next', url: next.toString() });
    }
    const bundle = {
      resourceType: 'Bundle', type: 'searchset', total: hits.length, link,
      ...listed('entry', page.map((r) => ({ fullUrl: `${url.origin}/${r.resourceType}/${r.id}`, resource: r, search: { mode: 'match' } }))),
    };
    return c.body(JSON.stringify(bundle), 200, { 'content-type': FHIR_JSON });
  });

  return {
    app,
    state,
    /** Invalidates every issued token (the next FHIR call gets 401). */
    revokeTokens: () => tokens.clear(),
    close() {
      tokens.clear();
    },
  };
}
