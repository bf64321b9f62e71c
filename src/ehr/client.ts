/**
 * SMART Backend Services client to an EHR's FHIR API: private_key_jwt client assertions (jose),
 * the access token cached and refreshed before it expires, one retry with a fresh token on 401,
 * a timeout on every call, retries with backoff on 5xx, 429, timeouts and network errors, and
 * search results followed through `link[next]` (same origin only, so the token never leaks).
 * https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Resource } from '../fhir/bundle.ts';

export interface EhrClientOptions {
  /** FHIR base URL, e.g. `https://ehr.example.org/fhir`. */
  baseUrl: string;
  clientId: string;
  /** The client's private key: a JWK (with `alg`, `kid`) or an imported key with `alg`/`kid` below. */
  privateKey: JWK | CryptoKey;
  kid?: string;
  alg?: 'RS384' | 'ES384';
  scope?: string;
  /** Default: `token_endpoint` of `{baseUrl}/.well-known/smart-configuration`. */
  tokenUrl?: string;
  timeoutMs?: number;
  /** Extra attempts after a retryable failure (default 2). */
  retries?: number;
  backoffMs?: number;
  /** Get a new token this many seconds before the current one expires (default 60). */
  refreshSkewS?: number;
  /** Most search pages followed (default 20). */
  maxPages?: number;
  now?: () => Date;
  /** The transport (default: Node's fetch); the gateway passes one carrying PRIORGATE_CA_FILE. */
  fetch?: typeof fetch;
}

export type EhrErrorKind = 'timeout' | 'network' | 'http' | 'auth' | 'invalid';

export class EhrError extends Error {
  constructor(message: string, readonly kind: EhrErrorKind, readonly retryable: boolean, readonly status?: number) {
    super(message);
    this.name = 'EhrError';
  }
}

export interface EhrClient {
  readonly baseUrl: string;
  /** All matching resources of a search (`Condition?patient=1&code=…`), every page. */
  search(query: string): Promise<Resource[]>;
  read(type: string, id: string): Promise<Resource>;
  /** A valid access token (cached). */
  accessToken(): Promise<string>;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export function createEhrClient(opts: EhrClientOptions): EhrClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const now = () => (opts.now?.() ?? new Date()).getTime();
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  let key: CryptoKey | Uint8Array | undefined;
  let discoveredTokenUrl = opts.tokenUrl;

  /** fetch with a timeout and retries on transient failures. */
  async function send(url: string, init: RequestInit): Promise<Response> {
    const retries = opts.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      let failure: EhrError;
      try {
        const res = await (opts.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
        if (res.status >= 300 && res.status < 400) throw new TypeError('redirect');
        if (res.status < 500 && res.status !== 429) return res;
        await res.body?.cancel();
        failure = new EhrError(`EHR answered HTTP ${res.status}`, 'http', true, res.status);
      } catch (e) {
        const timeout = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
        failure = timeout ? new EhrError(`EHR did not answer within ${timeoutMs} ms`, 'timeout', true) : new EhrError(`EHR unreachable: ${(e as Error).message}`, 'network', true);
      }
      if (attempt >= retries) throw failure;
      await new Promise((r) => setTimeout(r, (opts.backoffMs ?? 200) * 2 ** attempt));
    }
  }

  async function tokenUrl(): Promise<string> {
    if (discoveredTokenUrl) return discoveredTokenUrl;
    const res = await send(`${base}/.well-known/smart-configuration`, { headers: { accept: 'application/json' } });
    const conf = (await res.json().catch(() => ({}))) as { token_endpoint?: string };
    if (!res.ok || !conf.token_endpoint) throw new EhrError('EHR has no SMART configuration with a token_endpoint', 'auth', false, res.status);
    discoveredTokenUrl = conf.token_endpoint;
    return conf.token_endpoint;
  }

  async function signingKey(): Promise<CryptoKey | Uint8Array> {
    if (key) return key;
    const k = opts.privateKey as JWK;
    key = 'kty' in k ? await importJWK(k, opts.alg ?? k.alg) : (opts.privateKey as CryptoKey);
    return key;
  }

  async function fetchToken(): Promise<string> {
    const aud = await tokenUrl();
    const jwk = opts.privateKey as JWK;
    const iat = Math.floor(now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: opts.alg ?? jwk.alg ?? 'ES384', kid: opts.kid ?? jwk.kid ?? '', typ: 'JWT' })
      .setIssuer(opts.clientId)
      .setSubject(opts.clientId)
      .setAudience(aud)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + 240)
      .sign(await signingKey());
    const res = await send(aud, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, scope: opts.scope ?? 'system/*.rs' }),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!res.ok || !body.access_token) throw new EhrError(`EHR token endpoint refused the client: ${body.error ?? res.status}`, 'auth', false, res.status);
    cached = { token: body.access_token, expiresAt: now() + (body.expires_in ?? 300) * 1000 };
    return body.access_token;
  }

  async function accessToken(): Promise<string> {
    if (cached && now() < cached.expiresAt - (opts.refreshSkewS ?? 60) * 1000) return cached.token;
    pending ??= fetchToken().finally(() => (pending = undefined));
    return pending;
  }

  /** GET a FHIR URL with the token; on 401 once more with a fresh token. */
  async function get(url: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const token = await accessToken();
      const res = await send(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
      if (res.status === 401 && attempt === 0) {
        await res.body?.cancel();
        if (cached?.token === token) cached = undefined;
        continue;
      }
      const body = await res.json().catch(() => undefined);
      if (res.status === 401) throw new EhrError('EHR refused the access token', 'auth', false, 401);
      if (!res.ok) throw new EhrError(`EHR answered HTTP ${res.status}`, 'http', false, res.status);
      if (!body || typeof body !== 'object') throw new EhrError('EHR answered with something that is not FHIR JSON', 'invalid', false, res.status);
      return body;
    }
  }

  async function search(query: string): Promise<Resource[]> {
    const out: Resource[] = [];
    let url: string | undefined = `${base}/${query.replace(/^\/+/, '')}`;
    for (let page = 0; url && page < (opts.maxPages ?? 20); page++) {
      const bundle = (await get(url)) as { resourceType?: string; entry?: { resource?: Resource; search?: { mode?: string } }[]; link?: { relation?: string; url?: string }[] };
      if (bundle.resourceType !== 'Bundle') throw new EhrError('search did not answer with a Bundle', 'invalid', false);
      for (const e of bundle.entry ?? []) if (e.resource && (e.search?.mode ?? 'match') === 'match') out.push(e.resource);
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      if (next && new URL(next, base).origin !== origin) throw new EhrError('search paging link points outside the EHR', 'invalid', false);
      url = next ? new URL(next, base).toString() : undefined;
    }
    return out;
  }

  return {
    baseUrl: base,
    search,
    accessToken,
    async read(type, id) {
      return (await get(`${base}/${type}/${encodeURIComponent(id)}`)) as Resource;
    },
  };
}
