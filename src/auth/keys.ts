/**
 * The gateway's own access-token signing keys: generated and stored on first start, rotatable.
 * The newest unretired key signs; retired keys keep verifying until tokens they signed expire.
 */
import { randomUUID } from 'node:crypto';
import { desc, isNull } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Db } from '../db/client.ts';
import { signingKeys } from '../db/schema.ts';
import { withTransaction } from '../db/tx.ts';

export const TOKEN_ALG = 'ES384';

export interface KeyRing {
  signer: { kid: string; key: CryptoKey };
  /** Public keys by kid, for verifying access tokens. */
  verifiers: Map<string, CryptoKey>;
  jwks: { keys: JWK[] };
}

export async function createSigningKey(db: Db, now = new Date()): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
  const kid = randomUUID();
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: TOKEN_ALG };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALG, use: 'sig' };
  await withTransaction(db, async (tx) => {
    await tx.update(signingKeys).set({ retiredAt: now }).where(isNull(signingKeys.retiredAt));
    await tx.insert(signingKeys).values({ kid, alg: TOKEN_ALG, privateJwk, publicJwk, createdAt: now });
  });
  return kid;
}

/** Loads the key ring, creating the first key if there is none. */
export async function loadKeyRing(db: Db, tokenTtlS: number, now = new Date()): Promise<KeyRing> {
  let rows = await db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
  if (!rows.some((r) => r.retiredAt === null)) {
    await createSigningKey(db, now);
    rows = await db.select().from(signingKeys).orderBy(desc(signingKeys.createdAt));
  }
  const graceMs = tokenTtlS * 1000 + 60_000;
  const live = rows.filter((r) => r.retiredAt === null || now.getTime() - r.retiredAt.getTime() < graceMs);
  const active = live.find((r) => r.retiredAt === null)!;
  const verifiers = new Map<string, CryptoKey>();
  for (const r of live) verifiers.set(r.kid, (await importJWK(r.publicJwk as JWK, r.alg)) as CryptoKey);
  return {
    signer: { kid: active.kid, key: (await importJWK(active.privateJwk as JWK, active.alg)) as CryptoKey },
    verifiers,
    jwks: { keys: live.map((r) => r.publicJwk as JWK) },
  };
}

/**
 * Every public key the gateway has ever signed with, retired ones included, by `kid`: signed audit
 * tree heads stay verifiable for as long as the log is kept (keys are retired, never deleted).
 */
export async function allPublicKeys(db: Db): Promise<Map<string, CryptoKey>> {
  const rows = await db.select({ kid: signingKeys.kid, alg: signingKeys.alg, publicJwk: signingKeys.publicJwk }).from(signingKeys);
  const out = new Map<string, CryptoKey>();
  for (const r of rows) out.set(r.kid, (await importJWK(r.publicJwk as JWK, r.alg)) as CryptoKey);
  return out;
}
