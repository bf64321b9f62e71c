/**
 * Bearer-token middleware: checks the gateway-signed access token and its scopes, and puts the
 * caller's client and organization on the request context. Every data query downstream is scoped
 * to `c.var.auth.orgId`.
 */
import type { MiddlewareHandler } from 'hono';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors/index.ts';
import type { AppEnv } from '../http/context.ts';
import { TOKEN_ALG, type KeyRing } from './keys.ts';
import { allows } from './scopes.ts';
import { keyLocatingHeader, type AccessClaims } from './token.ts';

export interface KeyRingHolder {
  current(): KeyRing;
  /** Reloads keys from the database (another instance may have rotated). */
  refresh(): Promise<KeyRing>;
}

/** RFC 6750 §3: no token sent → the challenge alone; a token refused → `invalid_token`. */
const BEARER = { 'WWW-Authenticate': 'Bearer realm="priorgate"' };
const invalidToken = (why: string) => ({ 'WWW-Authenticate': `Bearer realm="priorgate", error="invalid_token", error_description="${why}"` });
/** RFC 6750 §3.1: a valid token without the scope the request needs (403). */
const insufficientScope = (scope: string) => ({ 'WWW-Authenticate': `Bearer realm="priorgate", error="insufficient_scope", scope="${scope}"` });

/**
 * A token whose signature was checked once: what it says, and what must still hold for it to be
 * taken again without checking the signature.
 */
interface Verified {
  claims: AccessClaims;
  kid: string;
  issuer: string;
  /** `exp` and `nbf`, in seconds. */
  exp: number;
  nbf?: number;
}

/** Tokens checked per key ring. The same client sends the same token for its whole lifetime. */
const verifiedTokens = new WeakMap<KeyRingHolder, LRUCache<string, Verified>>();
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Checks an access token: its signature by one of the ring's keys (by kid), typ, issuer, audience,
 * expiry, and the claims the gateway puts in. A token already verified (the exact same text) is not
 * verified again while it is unexpired, its issuer is the same and its key is still on the ring:
 * an ES384 verification costs more CPU than the rest of a typical request's authentication.
 */
export async function verifyAccessToken(keys: KeyRingHolder, token: string, issuer: string): Promise<AccessClaims> {
  let cache = verifiedTokens.get(keys);
  if (!cache) verifiedTokens.set(keys, (cache = new LRUCache({ max: VERIFIED_TOKENS_KEPT })));
  const hit = cache.get(token);
  if (hit) {
    // The same checks jose makes of exp and nbf (no clock tolerance), and the key not dropped since.
    const now = Math.floor(Date.now() / 1000);
    if (hit.exp > now && (hit.nbf === undefined || hit.nbf <= now) && hit.issuer === issuer && keys.current().verifiers.has(hit.kid)) return hit.claims;
    cache.delete(token);
  }
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(token);
    // Our tokens name our key by kid only; one that points at a key elsewhere is not ours.
    if (keyLocatingHeader(header)) throw new Error('key-locating header');
    kid = header.kid;
  } catch {
    throw new AppError('unauthorized', 'access token is malformed', undefined, invalidToken('access token is malformed'));
  }
  let key = kid ? keys.current().verifiers.get(kid) : undefined;
  if (!key && kid) key = (await keys.refresh()).verifiers.get(kid);
  if (!key || !kid) throw new AppError('unauthorized', 'access token was not issued by this gateway', undefined, invalidToken('access token was not issued by this gateway'));
  let claims: AccessClaims;
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    // typ at+jwt (RFC 9068): a JWT of another kind signed by the same key is not an access token.
    ({ payload } = await jwtVerify(token, key, { algorithms: [TOKEN_ALG], issuer, audience: issuer, typ: 'at+jwt' }));
    if (typeof payload.org !== 'string' || typeof payload.sub !== 'string') throw new Error('claims');
    // Frozen: the same object answers every later request with this token.
    claims = Object.freeze({ clientId: payload.sub, orgId: payload.org, scopes: Object.freeze(String(payload.scope ?? '').split(' ').filter(Boolean)) as string[], issuedAt: payload.iat, ...(typeof payload.iat_ms === 'number' ? { issuedAtMs: payload.iat_ms } : {}) });
  } catch {
    throw new AppError('unauthorized', 'access token is invalid or expired', undefined, invalidToken('access token is invalid or expired'));
  }
  // Only a token that expires is kept (ours always do): one without exp would be trusted forever.
  if (typeof payload.exp === 'number') cache.set(token, { claims, kid, issuer, exp: payload.exp, ...(typeof payload.nbf === 'number' ? { nbf: payload.nbf } : {}) });
  return claims;
}

/**
 * Requires a valid bearer token; `stillAllowed` (the client's current status, clientAllows) refuses
 * the tokens of a client disabled since they were issued.
 */
export function requireAuth(keys: KeyRingHolder, issuerOf: (url: string) => string, stillAllowed?: (claims: AccessClaims) => Promise<boolean>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new AppError('unauthorized', 'a bearer access token is required', undefined, BEARER);
    const auth = await verifyAccessToken(keys, m[1]!, issuerOf(c.req.url));
    if (stillAllowed && !(await stillAllowed(auth))) throw new AppError('unauthorized', 'the client of this access token is disabled', undefined, invalidToken('the client of this access token is disabled'));
    c.set('auth', auth);
    c.set('log', c.var.log.child({ clientId: auth.clientId, orgId: auth.orgId }));
    await next();
  };
}

/** Requires a scope permission, e.g. `requireScope('Claim', 'c')`. Use after `requireAuth`. */
export function requireScope(resource: string, perm: 'c' | 'r' | 'u' | 'd' | 's'): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.var.auth;
    if (!auth) throw new AppError('unauthorized', 'a bearer access token is required', undefined, BEARER);
    if (!allows(auth.scopes, resource, perm)) {
      throw new AppError('forbidden', `scope system/${resource}.${perm} is required`, undefined, insufficientScope(`system/${resource}.${perm}`));
    }
    await next();
  };
}
