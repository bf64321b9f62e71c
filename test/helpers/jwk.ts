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
