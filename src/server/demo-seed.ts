/**
 * Demo mode seed (CONTRACT.md "Demo seed"): two provider organizations with API clients whose
 * private keys are written under the data dir, two payers, and the staff users `admin` (role
 * admin: MFA required, so the first sign-in leads to TOTP enrolment) and `clerk` (role staff, no
 * MFA required: scripts with curl can sign in with the two form fields). Both use the demo
 * password. Idempotent: a restart reuses the keys on disk and keeps an enrolled admin's MFA.
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

export const DEMO_STAFF = [
  { username: 'admin', role: 'admin' },
  { username: 'clerk', role: 'staff' },
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
  for (const u of DEMO_STAFF) {
    const [row] = await db.select().from(staffUsers).where(eq(staffUsers.username, u.username));
    const passwordHash = await hashPassword(opts.password);
    if (row) await db.update(staffUsers).set({ passwordHash }).where(eq(staffUsers.id, row.id));
    else await db.insert(staffUsers).values({ id: randomUUID(), username: u.username, passwordHash, role: u.role });
  }
  return { keyDir: dir };
}
