/**
 * A disabled client's tokens are refused from the instant of the disabling (client-status.ts), and
 * a token issued after it — the client enabled again — is taken. `iat` is whole seconds, so the
 * instant is the token's millisecond `iat_ms`: without it a token issued a moment after the
 * disabling, in the same second, was refused, and a client enabled again got tokens that did not
 * work for up to a second. Minted and verified here as the gateway does it, on the store under test.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAllows, mintAccessToken, setClientEnabled, verifyAccessToken, type AccessClaims, type KeyRing } from '../../src/auth/index.ts';
import { findClient, upsertClient, upsertOrganization } from '../../src/db/queries/clients.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

const ISSUER = 'http://gateway.test';
let t: TestDatabase;
let keyRing: KeyRing;
const holder = { current: () => keyRing, refresh: async () => keyRing };

beforeAll(async () => {
  t = await testDatabase();
  await upsertOrganization(t.db, { id: 'org-s', name: 'Status Clinic' });
  await upsertClient(t.db, { id: 'client-s', orgId: 'org-s', jwks: { keys: [] }, scopes: ['system/Claim.c'] });
  const { publicKey, privateKey } = await generateKeyPair('ES384');
  const kid = randomUUID();
  keyRing = { signer: { kid, key: privateKey }, verifiers: new Map([[kid, publicKey]]), jwks: { keys: [] } };
});
afterAll(() => t?.close());

/** A token for client-s issued at `at`, as the token endpoint mints it, read back as requireAuth reads it. */
async function issuedAt(at: Date): Promise<{ claims: AccessClaims; token: string }> {
  const client = (await findClient(t.db, 'client-s'))!;
  // A long life: the instants below lie in the past, and an expired token is refused before this check.
  const { access_token: token } = await mintAccessToken(keyRing, { issuer: ISSUER, client, scopes: ['system/Claim.c'], ttlS: 10 * 365 * 86_400, now: at });
  return { token, claims: await verifyAccessToken(holder, token, ISSUER) };
}

describe('a token against its client being disabled and enabled again', () => {
  // Half a second into a second: tokens 1 ms either side of the disabling share its `iat`.
  const disabledAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000 + 500);

  it('is refused when issued a millisecond before the disabling and taken when issued a millisecond after, within the same second of iat', async () => {
    const before = await issuedAt(new Date(disabledAt.getTime() - 1));
    const after = await issuedAt(new Date(disabledAt.getTime() + 1));
    expect(decodeJwt(before.token).iat).toBe(decodeJwt(after.token).iat);
    expect(decodeJwt(after.token).iat_ms).toBe(disabledAt.getTime() + 1);
    expect(await clientAllows(t.db, before.claims)).toBe(true);

    await setClientEnabled(t.db, { clientId: 'client-s', enabled: false, actor: 'test', now: disabledAt });
    expect(await clientAllows(t.db, before.claims)).toBe(false);
    expect(await clientAllows(t.db, after.claims)).toBe(false); // disabled: nothing is taken

    await setClientEnabled(t.db, { clientId: 'client-s', enabled: true, actor: 'test', now: new Date() });
    expect(await clientAllows(t.db, before.claims)).toBe(false);
    expect(await clientAllows(t.db, after.claims)).toBe(true);
  });

  it('counts a token with no iat_ms (minted before the claim), or one whose iat_ms disagrees with its iat, as issued at the start of its second', async () => {
    await setClientEnabled(t.db, { clientId: 'client-s', enabled: false, actor: 'test', now: disabledAt });
    await setClientEnabled(t.db, { clientId: 'client-s', enabled: true, actor: 'test', now: new Date() });
    const second = Math.floor(disabledAt.getTime() / 1000);
    const allows = (c: Partial<AccessClaims>) => clientAllows(t.db, { clientId: 'client-s', orgId: 'org-s', scopes: [], ...c });
    expect(await allows({ issuedAt: second, issuedAtMs: disabledAt.getTime() + 1 })).toBe(true);
    expect(await allows({ issuedAt: second })).toBe(false);
    expect(await allows({ issuedAt: second, issuedAtMs: disabledAt.getTime() + 5_000 })).toBe(false);
    expect(await allows({ issuedAt: second + 1 })).toBe(true);
  });
});
