/**
 * Where a client's public keys come from: the JWKS registered with it, or its JWKS URL. A JWKS URL
 * is fetched when an assertion naming the client arrives, so anyone can make the gateway fetch it:
 * it goes through the same SSRF guard as rest-hooks (https only, no private, loopback or metadata
 * addresses unless the host is in PRIORGATE_JWKS_ALLOWLIST, checked against the address actually
 * connected to), with a deadline, a size cap, and no redirects. jose caches the set and refetches
 * on an unknown kid at most every 30 s.
 *
 * Key locations named inside an assertion (`jku`, `x5u`, `jwk`, `x5c`) are never used: the token
 * endpoint refuses such assertions before any key is looked up.
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { ApiClient } from '../db/queries/clients.ts';
import { OAuthError } from './oauth-error.ts';
import { fetchVia, guardedRequest, type Resolver, type TlsMaterial } from '../net/index.ts';

/** A JWKS bigger than this is not a JWKS. */
const MAX_JWKS_BYTES = 64 * 1024;

export interface ClientKeysOptions {
  allowlist: readonly string[];
  timeoutMs?: number;
  resolve?: Resolver;
  tls?: TlsMaterial;
}

export type ClientKeys = (client: ApiClient) => JWTVerifyGetKey;

/** The fetch jose uses: a guarded GET (a status other than 200 is jose's error). */
function guardedFetch(opts: ClientKeysOptions): typeof fetch {
  return fetchVia((url, req) => guardedRequest({ ...req, endpoint: url.href, allowlist: opts.allowlist, resolve: opts.resolve, tls: opts.tls }), {
    timeoutMs: opts.timeoutMs ?? 5000,
    maxResponseBytes: MAX_JWKS_BYTES,
  });
}

/** One resolver per app: remote sets are cached per URL for its lifetime. */
export function clientKeys(opts: ClientKeysOptions): ClientKeys {
  const remote = new Map<string, JWTVerifyGetKey>();
  const fetchImpl = guardedFetch(opts);
  return (client) => {
    if (client.jwks) return createLocalJWKSet(client.jwks as Parameters<typeof createLocalJWKSet>[0]);
    if (client.jwksUrl) {
      let set = remote.get(client.jwksUrl);
      if (!set) {
        set = createRemoteJWKSet(new URL(client.jwksUrl), { timeoutDuration: opts.timeoutMs ?? 5000, [customFetch]: fetchImpl });
        remote.set(client.jwksUrl, set);
      }
      return set;
    }
    throw new OAuthError('invalid_client', 'client has no registered keys');
  };
}
