/** Registers a test organization and client with a fresh key pair, and signs client assertions. */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { PROVIDER_SCOPES } from '../../src/auth/index.ts';
import type { Db } from '../../src/db/client.ts';
import { upsertClient, upsertOrganization } from '../../src/db/queries/clients.ts';

export interface TestClient {
  id: string;
  orgId: string;
  kid: string;
  alg: 'RS384' | 'ES384';
  privateKey: CryptoKey;
}

export async function registerClient(
  db: Db,
  opts: { id?: string; orgId?: string; alg?: 'RS384' | 'ES384'; scopes?: string[] } = {},
): Promise<TestClient> {
  const alg = opts.alg ?? 'ES384';
  const id = opts.id ?? `client-${randomUUID().slice(0, 8)}`;
  const orgId = opts.orgId ?? `org-${id}`;
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `kid-${randomUUID().slice(0, 8)}`;
  await upsertOrganization(db, { id: orgId, name: `Org ${orgId}` });
  await upsertClient(db, {
    id,
    orgId,
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg }] },
    scopes: opts.scopes ?? [...PROVIDER_SCOPES],
  });
  return { id, orgId, kid, alg, privateKey };
}

export interface AssertionOverrides {
  alg?: string;
  kid?: string;
  aud?: string;
  iss?: string;
  sub?: string;
  jti?: string;
  expInS?: number;
  key?: CryptoKey;
}

export async function clientAssertion(c: TestClient, aud: string, o: AssertionOverrides = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: o.alg ?? c.alg, kid: o.kid ?? c.kid, typ: 'JWT' })
    .setIssuer(o.iss ?? c.id)
    .setSubject(o.sub ?? c.id)
    .setAudience(o.aud ?? aud)
    .setJti(o.jti ?? randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (o.expInS ?? 240))
    .sign(o.key ?? c.privateKey);
}

export function tokenForm(assertion: string, scope?: string): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    ...(scope ? { scope } : {}),
  }).toString();
}

/** Unsigned JWT with `alg: none` (jose refuses to make one, so it is built by hand). */
export function unsignedJwt(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64(header)}.${b64(payload)}.`;
}
