/**
 * The SQL of encryption at rest: the `data_keys` register (which key ids stored rows use, with a
 * check value per key), rows per key id, and the batches a rotation pass re-encrypts.
 *
 * Rotation batches walk each table in primary-key order from a cursor (one pass is one scan, not
 * a scan per batch) and lock with SKIP LOCKED: a pass never blocks a request in flight, and a row
 * it skipped is picked up by the next pass.
 */
import { and, asc, eq, gt, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import { rows as rowsOf, type Db } from '../client.ts';
import { dataKeys, eligibilityBatches, eligibilityBatchResults, jobs, memberRequests, messages, requests, staffUsers, subscriptions } from '../schema.ts';
import { memberIndexRows } from './requests.ts';
import { JOB_ENVELOPE_KEY, MFA_KEY_SEALED, PHI_SUMMARY_KEYS } from './sealed-rows.ts';

export type DataKeyRow = typeof dataKeys.$inferSelect;

/** The pseudo key id of rows written before encryption at rest. */
export const PLAINTEXT = '(plaintext)';

/** The tables (and columns) that hold sealed values. */
export const SEALED_TABLES = ['messages', 'requests', 'jobs', 'eligibility_batches', 'eligibility_batch_results', 'subscriptions', 'staff_users'] as const;
export type SealedTable = (typeof SEALED_TABLES)[number];

export async function registeredDataKeys(db: Db): Promise<DataKeyRow[]> {
  return db.select().from(dataKeys).orderBy(asc(dataKeys.createdAt), asc(dataKeys.kid));
}

/**
 * On the first start with encryption at rest, notes that rows written before it may exist (the
 * first pass encrypts them). A no-op once any key is registered.
 */
export async function notePlaintextOnce(db: Db): Promise<void> {
  await db.execute(sql`insert into data_keys (kid) select ${PLAINTEXT} where not exists (select 1 from data_keys) on conflict do nothing`);
}

/** Registers the current key (its check value), or wakes it up again if it had been drained. */
export async function registerCurrentKey(db: Db, kid: string, checkValue: string): Promise<void> {
  await db.insert(dataKeys).values({ kid, checkValue }).onConflictDoUpdate({ target: dataKeys.kid, set: { drainedAt: null, retiredAt: null } });
}

export async function markDrained(db: Db, kids: string[], at: Date): Promise<void> {
  if (kids.length) await db.update(dataKeys).set({ drainedAt: at }).where(and(inArray(dataKeys.kid, kids), isNull(dataKeys.drainedAt)));
}

export async function markRetired(db: Db, kid: string, at: Date): Promise<void> {
  await db.update(dataKeys).set({ retiredAt: at, drainedAt: sql`coalesce(${dataKeys.drainedAt}, ${at.toISOString()}::timestamptz)` }).where(eq(dataKeys.kid, kid));
}

// ---- rows per key id -------------------------------------------------------------------------

/** The key id in a text envelope (`v1.<kid>.…`), `(plaintext)` for anything else. Reads a prefix only. */
const kidOf = (col: SQL) => sql`case when substr(${col}, 1, 3) = 'v1.' then split_part(substr(${col}, 1, 48), '.', 2) else ${PLAINTEXT} end`;
const phiKeys = sql`array[${sql.join(PHI_SUMMARY_KEYS.map((k) => sql`${k}`), sql`, `)}]::text[]`;

/** A Subscription stored before its header lines were sealed: they are still in the clear resource. */
const legacyHeaders = sql`jsonb_exists(${subscriptions.resource} -> 'channel', 'header')`;

/**
 * A staff TOTP secret the data key passes look after: sealed with the data key, or stored unsealed.
 * One sealed with `PRIORGATE_MFA_KEY` is left to its user's next sign-in (src/staff/mfa.ts), which
 * has that key.
 */
const passSealsSecret = sql`(${staffUsers.mfaSecret} is not null and ${staffUsers.mfaSecret} not like ${`${MFA_KEY_SEALED}%`})`;

/** Rows per (table, key id), plaintext rows under `(plaintext)`. A full scan: for status and retirement. */
export async function rowsPerKey(db: Db): Promise<{ table: SealedTable; kid: string; rows: number }[]> {
  const out = await rowsOf<{ t: SealedTable; kid: string; n: number | string }>(
    db,
    sql`select 'messages' as t, ${kidOf(sql`payload`)} as kid, count(*) as n from messages group by 2
        union all
        select 'requests', coalesce(${kidOf(sql`summary_phi`)}, ${PLAINTEXT}), count(*) from requests
         where summary_phi is not null or jsonb_exists_any(summary, ${phiKeys}) group by 2
        union all
        select 'jobs', ${kidOf(sql`(payload ->> ${JOB_ENVELOPE_KEY})`)}, count(*) from jobs
         where payload <> '{}'::jsonb group by 2
        union all
        select 'eligibility_batches', ${kidOf(sql`roster`)}, count(*) from eligibility_batches group by 2
        union all
        select 'eligibility_batch_results', ${kidOf(sql`(row ->> ${JOB_ENVELOPE_KEY})`)}, count(*) from eligibility_batch_results group by 2
        union all
        select 'subscriptions', ${kidOf(sql`channel_headers`)}, count(*) from subscriptions
         where channel_headers is not null or ${legacyHeaders} group by 2
        union all
        select 'staff_users', ${kidOf(sql`mfa_secret`)}, count(*) from staff_users where ${passSealsSecret} group by 2`,
  );
  return out.map((r) => ({ table: r.t, kid: r.kid, rows: Number(r.n) }));
}

// ---- rotation batches ----------------------------------------------------------------------

/** A sealed value not (yet) under the current key: `prefix` is `v1.<current>.`. */
const notUnder = (col: SQL, prefix: string) => sql`substr(${col}, 1, ${prefix.length}) is distinct from ${prefix}`;

export async function messagesToReseal(tx: Db, prefix: string, after: string | undefined, limit: number) {
  return tx
    .select({ id: messages.id, payload: messages.payload })
    .from(messages)
    .where(and(after ? gt(messages.id, after) : undefined, notUnder(sql`${messages.payload}`, prefix)))
    .orderBy(asc(messages.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function updateMessagePayload(tx: Db, id: string, payload: string): Promise<void> {
  await tx.update(messages).set({ payload }).where(eq(messages.id, id));
}

export async function requestsToReseal(tx: Db, prefix: string, after: string | undefined, limit: number) {
  return tx
    .select({ id: requests.id, summary: requests.summary, summaryPhi: requests.summaryPhi, memberIdHashes: requests.memberIdHashes })
    .from(requests)
    .where(
      and(
        after ? gt(requests.id, after) : undefined,
        sql`((${requests.summaryPhi} is not null and ${notUnder(sql`${requests.summaryPhi}`, prefix)})
             or (${requests.summaryPhi} is null and jsonb_exists_any(${requests.summary}, ${phiKeys})))`,
      ),
    )
    .orderBy(asc(requests.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/**
 * Stores a request resealed. The member index follows its hashes when they changed (a legacy row
 * gets its first ones here); a key rotation leaves them as they were (the search key is not rotated).
 * @param before the hashes the row had
 */
export async function updateRequestSealed(tx: Db, id: string, v: { summary: Record<string, unknown>; summaryPhi: string | null; memberIdHashes: string[] }, before: readonly string[]): Promise<void> {
  const [row] = await tx.update(requests).set(v).where(eq(requests.id, id)).returning({ id: requests.id, orgId: requests.orgId, createdAt: requests.createdAt });
  if (!row || sameSet(before, v.memberIdHashes)) return;
  await tx.delete(memberRequests).where(eq(memberRequests.requestId, id));
  if (v.memberIdHashes.length) await tx.insert(memberRequests).values(memberIndexRows(row, v.memberIdHashes));
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export async function jobsToReseal(tx: Db, prefix: string, after: number | undefined, limit: number) {
  return tx
    .select({ id: jobs.id, payload: jobs.payload })
    .from(jobs)
    .where(
      and(
        after !== undefined ? gt(jobs.id, after) : undefined,
        sql`${jobs.payload} <> '{}'::jsonb`,
        notUnder(sql`(${jobs.payload} ->> ${JOB_ENVELOPE_KEY})`, prefix),
      ),
    )
    .orderBy(asc(jobs.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function updateJobPayload(tx: Db, id: number, payload: Record<string, unknown>): Promise<void> {
  await tx.update(jobs).set({ payload }).where(eq(jobs.id, id));
}

export async function batchesToReseal(tx: Db, prefix: string, after: string | undefined, limit: number) {
  return tx
    .select({ id: eligibilityBatches.id, roster: eligibilityBatches.roster })
    .from(eligibilityBatches)
    .where(and(after ? gt(eligibilityBatches.id, after) : undefined, notUnder(sql`${eligibilityBatches.roster}`, prefix)))
    .orderBy(asc(eligibilityBatches.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function updateBatchRoster(tx: Db, id: string, roster: string): Promise<void> {
  await tx.update(eligibilityBatches).set({ roster }).where(eq(eligibilityBatches.id, id));
}

/** Result rows after the (batch, line) cursor that are not under the current key. */
export async function batchResultsToReseal(tx: Db, prefix: string, after: { batchId: string; line: number } | undefined, limit: number) {
  const t = eligibilityBatchResults;
  return tx
    .select({ batchId: t.batchId, line: t.line, row: t.row })
    .from(t)
    .where(and(after ? sql`(${t.batchId}, ${t.line}) > (${after.batchId}::uuid, ${after.line})` : undefined, notUnder(sql`(${t.row} ->> ${JOB_ENVELOPE_KEY})`, prefix)))
    .orderBy(asc(t.batchId), asc(t.line))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function updateBatchResultRow(tx: Db, batchId: string, line: number, row: Record<string, string>): Promise<void> {
  await tx.update(eligibilityBatchResults).set({ row }).where(and(eq(eligibilityBatchResults.batchId, batchId), eq(eligibilityBatchResults.line, line)));
}

/**
 * Subscriptions whose header lines are not under the current key, legacy ones (lines in the clear
 * resource) included. `FOR NO KEY UPDATE`: a delivery attempt being recorded does not wait for it.
 */
export async function subscriptionsToReseal(tx: Db, prefix: string, after: string | undefined, limit: number) {
  return tx
    .select({ id: subscriptions.id, resource: subscriptions.resource, channelHeaders: subscriptions.channelHeaders })
    .from(subscriptions)
    .where(
      and(
        after ? gt(subscriptions.id, after) : undefined,
        sql`((${subscriptions.channelHeaders} is not null and ${notUnder(sql`${subscriptions.channelHeaders}`, prefix)})
             or (${subscriptions.channelHeaders} is null and ${legacyHeaders}))`,
      ),
    )
    .orderBy(asc(subscriptions.id))
    .limit(limit)
    .for('no key update', { skipLocked: true });
}

export async function updateSubscriptionSealed(tx: Db, id: string, v: { resource: Record<string, unknown>; channelHeaders: string | null }): Promise<void> {
  await tx.update(subscriptions).set(v).where(eq(subscriptions.id, id));
}

export async function staffSecretsToReseal(tx: Db, prefix: string, after: string | undefined, limit: number) {
  return tx
    .select({ id: staffUsers.id, mfaSecret: staffUsers.mfaSecret })
    .from(staffUsers)
    .where(and(after ? gt(staffUsers.id, after) : undefined, passSealsSecret, notUnder(sql`${staffUsers.mfaSecret}`, prefix)))
    .orderBy(asc(staffUsers.id))
    .limit(limit)
    .for('no key update', { skipLocked: true });
}

export async function updateStaffSecret(tx: Db, id: string, mfaSecret: string): Promise<void> {
  await tx.update(staffUsers).set({ mfaSecret }).where(eq(staffUsers.id, id));
}
