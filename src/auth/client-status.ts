/**
 * Disabling and enabling an API client. A disabled client gets no token (token.ts), and every
 * token it already holds is refused from that moment (`tokens_not_before`, checked on each request
 * by requireAuth): revocation does not wait for tokens to expire. Enabling it again lets it get new
 * tokens; the old ones stay refused. Both are audited in the same transaction as the change.
 */
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { preparedRead } from '../db/prepared.ts';
import { withTransaction } from '../db/tx.ts';
import { apiClients } from '../db/schema.ts';
import type { AccessClaims } from './token.ts';

export async function setClientEnabled(
  db: Db,
  opts: { clientId: string; enabled: boolean; actor: string; now: Date; requestId?: string | null },
): Promise<{ orgId: string; changed: boolean } | undefined> {
  return withTransaction(db, async (tx) => {
    const [row] = await tx.select({ orgId: apiClients.orgId, active: apiClients.active }).from(apiClients).where(eq(apiClients.id, opts.clientId)).for('update');
    if (!row) return undefined;
    if (row.active === opts.enabled) return { orgId: row.orgId, changed: false };
    await tx
      .update(apiClients)
      .set(opts.enabled ? { active: true } : { active: false, tokensNotBefore: opts.now })
      .where(eq(apiClients.id, opts.clientId));
    await appendAudit(tx, {
      actor: opts.actor,
      action: opts.enabled ? 'client.enable' : 'client.disable',
      orgId: row.orgId,
      entityType: 'api_client',
      entityId: opts.clientId,
      requestId: opts.requestId ?? null,
      at: opts.now,
    });
    return { orgId: row.orgId, changed: true };
  });
}

const clientStatus = preparedRead('client_status', (db) =>
  db.select({ active: apiClients.active, notBefore: apiClients.tokensNotBefore }).from(apiClients).where(eq(apiClients.id, sql.placeholder('id'))),
);

/**
 * Whether a verified access token may still be used: its client exists, is enabled, and was not
 * disabled after the token was issued. The instant is the token's `iat_ms` (a client enabled again
 * may use a token issued a moment after its disabling); a token without it (issued before the claim
 * was added) has only whole seconds, and one issued within the second of the disabling counts as
 * issued before it.
 */
export async function clientAllows(db: Db, claims: AccessClaims): Promise<boolean> {
  const [row] = await clientStatus(db, { id: claims.clientId });
  if (!row?.active) return false;
  return !row.notBefore || issuedMs(claims) > row.notBefore.getTime();
}

function issuedMs(claims: AccessClaims): number {
  const seconds = claims.issuedAt ?? 0;
  // A claim that disagrees with iat (not from our mint) falls back to the coarse instant.
  const ms = claims.issuedAtMs;
  return ms !== undefined && Math.floor(ms / 1000) === seconds ? ms : seconds * 1000;
}
