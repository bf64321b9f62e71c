/**
 * Payers authenticate to `/payer/x12` with HTTP Basic (payer id : secret). Only a SHA-256 of the
 * secret is stored (payers.settings.inboundSecretHash); `priorgate payer secret` issues a new one.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { payers } from '../db/schema.ts';

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** Issues (and stores the hash of) a new inbound secret; returns the secret once. */
export async function issuePayerSecret(db: Db, payerId: string): Promise<string | undefined> {
  const [row] = await db.select().from(payers).where(eq(payers.id, payerId));
  if (!row) return undefined;
  const secret = randomBytes(24).toString('base64url');
  await db.update(payers).set({ settings: { ...row.settings, inboundSecretHash: hash(secret) } }).where(eq(payers.id, payerId));
  return secret;
}

export function basicAuth(payerId: string, secret: string): string {
  return `Basic ${Buffer.from(`${payerId}:${secret}`).toString('base64')}`;
}

/** The payer id an Authorization header proves, or undefined. */
export async function authenticatePayer(db: Db, header: string | undefined): Promise<string | undefined> {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  const [id, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  // A payer id is plain text: control characters (a NUL the database would refuse) never name one.
  if (/[\u0000-\u001f\u007f]/.test(id)) return undefined;
  const [row] = await db.select().from(payers).where(eq(payers.id, id));
  const stored = (row?.settings as { inboundSecretHash?: string } | undefined)?.inboundSecretHash;
  if (!stored) return undefined;
  const a = Buffer.from(stored, 'hex');
  const b = Buffer.from(hash(secret), 'hex');
  return a.length === b.length && timingSafeEqual(a, b) ? id : undefined;
}
