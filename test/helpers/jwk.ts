/** Signs a client assertion with a private JWK file's contents, as a provider system would. */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';

export async function signAssertionWithJwk(jwk: JWK & { alg: string; kid: string }, client: string, aud: string) {
  const key = await importJWK(jwk, jwk.alg);
  return new SignJWT({})
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
    .setIssuer(client)
    .setSubject(client)
    .setAudience(aud)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime('4m')
    .sign(key);
}

/** An access token for a demo client, obtained the SMART way from a running gateway. */
export async function providerToken(url: string, dataDir: string, client = 'demo-clinic-a', scope?: string): Promise<{ status: number; body: { access_token?: string } }> {
  const { readFileSync } = await import('node:fs');
  const jwk = JSON.parse(readFileSync(`${dataDir}/demo/${client}.private.jwk`, 'utf8'));
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await signAssertionWithJwk(jwk, client, `${url}/auth/token`),
      ...(scope ? { scope } : {}),
    }),
  });
  return { status: res.status, body: (await res.json()) as { access_token?: string } };
}
