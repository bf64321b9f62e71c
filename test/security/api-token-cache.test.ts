/**
 * Access tokens already verified once are taken again without a second signature check
 * (middleware.ts): these tests hold that the shortcut refuses everything the full check refuses
 * after the first success — an expired token, a token whose key left the ring, a token presented
 * to another issuer, and any change to the token's text.
 */
import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyAccessToken, type KeyRing, type KeyRingHolder } from '../../src/auth/index.ts';

const ISSUER = 'http://gateway.test';

async function ring(): Promise<{ holder: KeyRingHolder & { drop(kid: string): void }; kid: string; key: CryptoKey }> {
  const { publicKey, privateKey } = await generateKeyPair('ES384');
  const kid = randomUUID();
  const verifiers = new Map<string, CryptoKey>([[kid, publicKey]]);
  const keyRing: KeyRing = { signer: { kid, key: privateKey }, verifiers, jwks: { keys: [] } };
  return {
    kid,
    key: privateKey,
    holder: { current: () => keyRing, refresh: async () => keyRing, drop: (k) => void verifiers.delete(k) },
  };
}

function token(key: CryptoKey, kid: string, over: { exp?: number; nbf?: number; iss?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ org: 'org-a', scope: 'system/Claim.c system/Claim.r' })
    .setProtectedHeader({ alg: 'ES384', kid, typ: 'at+jwt' })
    .setIssuer(over.iss ?? ISSUER)
    .setAudience(ISSUER)
    .setSubject('client-a')
    .setIssuedAt(now)
    .setExpirationTime(over.exp ?? now + 300);
  if (over.nbf !== undefined) jwt.setNotBefore(over.nbf);
  return jwt.sign(key);
}

const refused = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'unauthorized' });

afterEach(() => vi.useRealTimers());

describe('verified access tokens taken again', () => {
  it('answers the same claims the first verification gave, and they cannot be changed by a caller', async () => {
    const r = await ring();
    const t = await token(r.key, r.kid);
    const first = await verifyAccessToken(r.holder, t, ISSUER);
    const again = await verifyAccessToken(r.holder, t, ISSUER);
    expect(again).toEqual({ clientId: 'client-a', orgId: 'org-a', scopes: ['system/Claim.c', 'system/Claim.r'], issuedAt: first.issuedAt });
    expect(() => (again.scopes as string[]).push('system/Subscription.crud')).toThrow();
    expect(() => ((again as { orgId: string }).orgId = 'org-b')).toThrow();
  });

  it('refuses a verified token once it has expired', async () => {
    const r = await ring();
    const now = Math.floor(Date.now() / 1000);
    const t = await token(r.key, r.kid, { exp: now + 60 });
    await verifyAccessToken(r.holder, t, ISSUER);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((now + 59) * 1000);
    await expect(verifyAccessToken(r.holder, t, ISSUER)).resolves.toMatchObject({ orgId: 'org-a' });
    vi.setSystemTime((now + 60) * 1000);
    await refused(verifyAccessToken(r.holder, t, ISSUER));
  });

  it('refuses a verified token before its nbf, as the full check does', async () => {
    const r = await ring();
    const now = Math.floor(Date.now() / 1000);
    const t = await token(r.key, r.kid, { nbf: now });
    await verifyAccessToken(r.holder, t, ISSUER);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((now - 1) * 1000);
    await refused(verifyAccessToken(r.holder, t, ISSUER));
  });

  it('refuses a verified token after its key has left the ring', async () => {
    const r = await ring();
    const t = await token(r.key, r.kid);
    await verifyAccessToken(r.holder, t, ISSUER);
    r.holder.drop(r.kid);
    await refused(verifyAccessToken(r.holder, t, ISSUER));
  });

  it('refuses a verified token presented to another issuer', async () => {
    const r = await ring();
    const t = await token(r.key, r.kid);
    await verifyAccessToken(r.holder, t, ISSUER);
    await refused(verifyAccessToken(r.holder, t, 'http://other-gateway.test'));
  });

  it('refuses any change to a verified token (its signature, its claims)', async () => {
    const r = await ring();
    const t = await token(r.key, r.kid);
    await verifyAccessToken(r.holder, t, ISSUER);
    const [h, p, s] = t.split('.') as [string, string, string];
    const flipped = s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
    await refused(verifyAccessToken(r.holder, `${h}.${p}.${flipped}`, ISSUER));
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const other = Buffer.from(JSON.stringify({ ...claims, org: 'org-b' })).toString('base64url');
    await refused(verifyAccessToken(r.holder, `${h}.${other}.${s}`, ISSUER));
  });

  it('keeps key rings apart: a token verified under one ring is not taken by another', async () => {
    const a = await ring();
    const b = await ring();
    b.holder.current().verifiers.set(a.kid, (await generateKeyPair('ES384')).publicKey);
    const t = await token(a.key, a.kid);
    await verifyAccessToken(a.holder, t, ISSUER);
    await refused(verifyAccessToken(b.holder, t, ISSUER));
  });
});
