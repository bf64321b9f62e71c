/**
 * SMART Backend Services token endpoint logic (RFC 7523 private_key_jwt client assertions).
 * https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Db } from '../db/client.ts';
import { claimJti, findClient, type ApiClient } from '../db/queries/clients.ts';
import { OAuthError } from './oauth-error.ts';
import { clientKeys, type ClientKeys } from './client-keys.ts';
import type { KeyRing } from './keys.ts';
import { TOKEN_ALG } from './keys.ts';
import { grantScopes } from './scopes.ts';

/** Only asymmetric algorithms SMART names; `none` and HS* are refused before any key lookup. */
export const CLIENT_ASSERTION_ALGS = ['RS384', 'ES384'];
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART: the assertion's exp SHALL be no more than five minutes in the future. */
const MAX_ASSERTION_LIFETIME_S = 300;
/** Clock skew tolerated between a client and us, in seconds. */
const CLOCK_TOLERANCE_S = 30;
/**
 * JOSE headers that name a key or where to fetch one. Keys come only from the client's
 * registration; a token that points elsewhere is refused outright (RFC 8725 §3.10), so no
 * attacker-chosen URL is ever fetched and no embedded key is ever trusted.
 */
export const FORBIDDEN_JOSE_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/** The first key-locating header present, if any. */
export function keyLocatingHeader(header: Record<string, unknown>): string | undefined {
  return FORBIDDEN_JOSE_HEADERS.find((h) => header[h] !== undefined);
}

/**
 * The `iss`/`aud` of access tokens: stable whatever host name a caller used, so a token minted on
 * 127.0.0.1 works on localhost and across instances sharing one database.
 */
export function tokenIssuer(config: { baseUrl?: string }): string {
  return config.baseUrl ?? 'urn:priorgate:gateway';
}

export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

export interface AccessClaims {
  clientId: string;
  orgId: string;
  scopes: string[];
  /** The token's `iat` (seconds). */
  issuedAt?: number;
  /**
   * When the token was issued, in milliseconds (our private `iat_ms` claim): `iat` is whole seconds,
   * too coarse to tell a token issued just after a client's disabling from one issued just before.
   */
  issuedAtMs?: number;
}

export async function mintAccessToken(
  ring: KeyRing,
  opts: { issuer: string; client: ApiClient; scopes: string[]; ttlS: number; now?: Date },
): Promise<TokenResponse> {
  const issuedMs = (opts.now ?? new Date()).getTime();
  const iat = Math.floor(issuedMs / 1000);
  const jwt = await new SignJWT({ scope: opts.scopes.join(' '), org: opts.client.orgId, client_id: opts.client.id, iat_ms: issuedMs })
    .setProtectedHeader({ alg: TOKEN_ALG, kid: ring.signer.kid, typ: 'at+jwt' })
    .setIssuer(opts.issuer)
    .setSubject(opts.client.id)
    .setAudience(opts.issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + opts.ttlS)
    .setJti(randomUUID())
    .sign(ring.signer.key);
  return { access_token: jwt, token_type: 'bearer', expires_in: opts.ttlS, scope: opts.scopes.join(' ') };
}

/**
 * Checks a token request and returns the client it authenticates plus the granted scopes.
 * `audiences`: the token endpoint URLs this gateway answers to; `keysOf`: where client keys come
 * from (registered JWKS, or a JWKS URL fetched through the SSRF guard).
 */
export async function authenticateClient(
  db: Db,
  form: Record<string, string | undefined>,
  audiences: string[],
  now = new Date(),
  keysOf: ClientKeys = clientKeys({ allowlist: [] }),
): Promise<{ client: ApiClient; scopes: string[] }> {
  if (form.grant_type !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 'grant_type must be client_credentials');
  }
  if (form.client_assertion_type !== ASSERTION_TYPE) {
    throw new OAuthError('invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
  }
  const assertion = form.client_assertion;
  if (!assertion) throw new OAuthError('invalid_request', 'client_assertion is required');

  let header: ReturnType<typeof decodeProtectedHeader>;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw new OAuthError('invalid_client', 'client_assertion is not a well-formed JWT');
  }
  if (!header.alg || !CLIENT_ASSERTION_ALGS.includes(header.alg)) {
    throw new OAuthError('invalid_client', `client_assertion alg must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`);
  }
  if (!header.kid) throw new OAuthError('invalid_client', 'client_assertion header must carry a kid');
  const locator = keyLocatingHeader(header);
  if (locator) throw new OAuthError('invalid_client', `client_assertion must not carry a "${locator}" header: keys come from the client's registration only`);
  const clientId = typeof claims.iss === 'string' ? claims.iss : undefined;
  if (!clientId || claims.sub !== clientId) throw new OAuthError('invalid_client', 'iss and sub must both be the client_id');
  const client = await findClient(db, clientId);
  if (!client || !client.active) throw new OAuthError('invalid_client', 'unknown or inactive client');

  let verified;
  try {
    verified = await jwtVerify(assertion, keysOf(client), {
      algorithms: CLIENT_ASSERTION_ALGS,
      audience: audiences,
      issuer: clientId,
      subject: clientId,
      requiredClaims: ['exp', 'jti'],
      currentDate: now,
      clockTolerance: CLOCK_TOLERANCE_S,
    });
  } catch (e) {
    throw new OAuthError('invalid_client', describeJoseError(e));
  }
  const exp = verified.payload.exp!;
  const iat = verified.payload.iat;
  const nowS = now.getTime() / 1000;
  if (exp - nowS > MAX_ASSERTION_LIFETIME_S + CLOCK_TOLERANCE_S) {
    throw new OAuthError('invalid_client', 'client_assertion exp is more than five minutes in the future');
  }
  // jose checks iat only with maxTokenAge, which would make iat mandatory (SMART does not): an
  // assertion "issued" in the future, or issued for longer than five minutes, is refused here.
  if (iat !== undefined && iat > nowS + CLOCK_TOLERANCE_S) throw new OAuthError('invalid_client', 'client_assertion iat is in the future');
  if (iat !== undefined && exp - iat > MAX_ASSERTION_LIFETIME_S + CLOCK_TOLERANCE_S) {
    throw new OAuthError('invalid_client', 'client_assertion lifetime (exp - iat) is more than five minutes');
  }
  const jti = String(verified.payload.jti);
  if (!(await claimJti(db, clientId, jti, new Date(exp * 1000 + 60_000), now))) {
    throw new OAuthError('invalid_client', 'client_assertion jti was already used');
  }
  const scopes = grantScopes(form.scope, client.scopes);
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'none of the requested scopes is granted to this client');
  return { client, scopes };
}

function describeJoseError(e: unknown): string {
  if (e instanceof joseErrors.JWTExpired) return 'client_assertion has expired';
  if (e instanceof joseErrors.JWTClaimValidationFailed) return `client_assertion claim "${e.claim}" is invalid`;
  if (e instanceof joseErrors.JWKSNoMatchingKey) return 'no registered key matches the client_assertion kid';
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return 'client_assertion signature is invalid';
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return 'client_assertion alg is not allowed';
  if (e instanceof joseErrors.JWKSTimeout || (e as Error)?.name === 'FetchFailed' || e instanceof joseErrors.JWKSInvalid) return "the client's JWKS could not be fetched";
  return 'client_assertion could not be verified';
}
