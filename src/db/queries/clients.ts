/** Organizations and API clients. */
import { asc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { preparedRead } from '../prepared.ts';
import { apiClients, organizations, usedJtis } from '../schema.ts';

export type ApiClient = typeof apiClients.$inferSelect;

export async function findClient(db: Db, id: string): Promise<ApiClient | undefined> {
  const [row] = await db.select().from(apiClients).where(eq(apiClients.id, id));
  return row;
}

/** Creates or renames an organization; an NPI given replaces the stored one, none given keeps it. */
export async function upsertOrganization(db: Db, org: { id: string; name: string; npi?: string }) {
  await db
    .insert(organizations)
    .values({ id: org.id, name: org.name, npi: org.npi ?? null })
    .onConflictDoUpdate({ target: organizations.id, set: { name: org.name, ...(org.npi !== undefined ? { npi: org.npi } : {}) } });
}

export async function upsertClient(
  db: Db,
  c: { id: string; orgId: string; jwks?: { keys: Record<string, unknown>[] }; jwksUrl?: string; scopes: string[] },
) {
  const values = { jwks: c.jwks ?? null, jwksUrl: c.jwksUrl ?? null, scopes: c.scopes, orgId: c.orgId, active: true };
  await db.insert(apiClients).values({ id: c.id, ...values }).onConflictDoUpdate({ target: apiClients.id, set: values });
}

/**
 * Records a client-assertion `jti`; false when it was already used (a replay).
 * Expired entries are purged on the way, so the table stays small.
 */
export async function claimJti(db: Db, clientId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean> {
  await db.delete(usedJtis).where(lt(usedJtis.expiresAt, now));
  const inserted = await db
    .insert(usedJtis)
    .values({ clientId, jti, expiresAt })
    .onConflictDoNothing()
    .returning({ jti: usedJtis.jti });
  return inserted.length === 1;
}

const organizationById = preparedRead('organization_by_id', (db) => db.select().from(organizations).where(eq(organizations.id, sql.placeholder('id'))));

export async function findOrganization(db: Db, id: string) {
  const [row] = await organizationById(db, { id });
  return row;
}

/** The API clients of an organization (or all, scope null), for the admin page: no keys. */
export async function listClients(db: Db, scope: string | null) {
  const cols = { id: apiClients.id, orgId: apiClients.orgId, scopes: apiClients.scopes, active: apiClients.active, createdAt: apiClients.createdAt, tokensNotBefore: apiClients.tokensNotBefore };
  const q = db.select(cols).from(apiClients);
  return (scope ? q.where(eq(apiClients.orgId, scope)) : q).orderBy(asc(apiClients.orgId), asc(apiClients.id));
}
