/**
 * Demo mode seed (CONTRACT.md "Demo seed"): two provider organizations with API clients whose
 * private keys are written under the data dir, two payers, and the staff user `admin`.
 * Idempotent: a restart reuses the keys already on disk.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { hashPassword, PROVIDER_SCOPES } from '../auth/index.ts';
import type { Db } from '../db/client.ts';
import { upsertClient, upsertOrganization } from '../db/queries/clients.ts';
import { payers, staffUsers } from '../db/schema.ts';

export const DEMO_ORGS = [
  { id: 'demo-clinic-a', name: 'Demo Clinic A', npi: '1234567893', alg: 'ES384' as const },
  { id: 'demo-clinic-b', name: 'Demo Clinic B', npi: '1987654328', alg: 'RS384' as const },
];

export const DEMO_PAYERS = [
  { id: 'demo-payer', name: 'Demo Health Plan (X12 278 over CORE SOAP)', connector: 'core-soap' },
  { id: 'demo-fhir-payer', name: 'Demo FHIR Plan (PAS pass-through)', connector: 'pas-fhir' },
];

/** Reads the client's private JWK from disk, or generates and writes one. Returns the public JWK. */
async function demoKey(dir: string, clientId: string, alg: 'ES384' | 'RS384'): Promise<JWK> {
  const file = path.join(dir, `${clientId}.private.jwk`);
  let priv: JWK;
  if (existsSync(file)) {
    priv = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } else {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
    priv = { ...(await exportJWK(privateKey)), kid: `${clientId}-${randomUUID().slice(0, 8)}`, alg, use: 'sig' };
    writeFileSync(file, JSON.stringify(priv, null, 2) + '\n', { mode: 0o600 });
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = priv;
  return pub;
}

export async function seedDemo(db: Db, opts: { dataDir: string; password: string; payerEndpoints?: Record<string, string> }) {
  const dir = path.join(opts.dataDir, 'demo');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const org of DEMO_ORGS) {
    await upsertOrganization(db, org);
    const pub = await demoKey(dir, org.id, org.alg);
    await upsertClient(db, { id: org.id, orgId: org.id, jwks: { keys: [pub as Record<string, unknown>] }, scopes: [...PROVIDER_SCOPES] });
  }
  for (const p of DEMO_PAYERS) {
    const endpoint = opts.payerEndpoints?.[p.id] ?? null;
    await db
      .insert(payers)
      .values({ ...p, endpoint })
      .onConflictDoUpdate({ target: payers.id, set: { name: p.name, connector: p.connector, endpoint } });
  }
  const [admin] = await db.select().from(staffUsers).where(eq(staffUsers.username, 'admin'));
  const passwordHash = await hashPassword(opts.password);
  if (admin) await db.update(staffUsers).set({ passwordHash }).where(eq(staffUsers.id, admin.id));
  else await db.insert(staffUsers).values({ id: randomUUID(), username: 'admin', passwordHash, role: 'admin' });
  return { keyDir: dir };
}
