/**
 * Staff side: users and login failures, and the request views the worklist, the detail
 * page and the status API read. Every request query takes a `scope` organization: `null` means
 * "all organizations" (staff with no organization), anything else restricts to that one.
 * Sessions and the second factor are in staff-auth.ts.
 */
import { and, arrayOverlaps, asc, desc, eq, gt, gte, ilike, inArray, lt, lte, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { cipherOf } from '../crypto/index.ts';
import { auditEvents, jobs, messages, organizations, payers, requestItems, requests, staffUsers } from '../schema.ts';
import { SETTLED_STATES as SETTLED } from '../../workflow/states.ts';
import { clearPatch } from './requests.ts';
import { openMessage, openPayload, openRequest, openRequests, type RequestRow } from './sealed-rows.ts';

export type StaffUserRow = typeof staffUsers.$inferSelect;
export type AuditRow = typeof auditEvents.$inferSelect;
export type { RequestRow };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// ---- users ---------------------------------------------------------------------------------

export async function staffByUsername(db: Db, username: string): Promise<StaffUserRow | undefined> {
  const [row] = await db.select().from(staffUsers).where(eq(staffUsers.username, username));
  return row;
}

export async function staffById(db: Db, id: string): Promise<StaffUserRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await db.select().from(staffUsers).where(eq(staffUsers.id, id));
  return row;
}

export async function insertStaffUser(db: Db, u: { id: string; username: string; passwordHash: string; role: string; orgId: string | null }) {
  const rows = await db.insert(staffUsers).values(u).onConflictDoNothing().returning({ id: staffUsers.id });
  return rows.length === 1;
}

export async function organizationExists(db: Db, id: string): Promise<boolean> {
  const [row] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, id));
  return Boolean(row);
}

export async function listStaff(db: Db, scope: string | null) {
  const cols = {
    id: staffUsers.id,
    username: staffUsers.username,
    role: staffUsers.role,
    orgId: staffUsers.orgId,
    lockedUntil: staffUsers.lockedUntil,
    failedLogins: staffUsers.failedLogins,
    mfaEnabledAt: staffUsers.mfaEnabledAt,
  };
  const q = db.select(cols).from(staffUsers);
  return (scope ? q.where(eq(staffUsers.orgId, scope)) : q).orderBy(asc(staffUsers.username));
}

/**
 * Counts a failed login in one statement (safe under concurrent attempts). A lock that has run
 * out starts a fresh count; reaching `max` locks the account until `now + lockMs`.
 */
export async function recordLoginFailure(db: Db, userId: string, now: Date, max: number, lockMs: number) {
  const fresh = sql`(${staffUsers.lockedUntil} is not null and ${staffUsers.lockedUntil} <= ${now.toISOString()}::timestamptz)`;
  const count = sql`(case when ${fresh} then 1 else ${staffUsers.failedLogins} + 1 end)`;
  const until = new Date(now.getTime() + lockMs).toISOString();
  const [row] = await db
    .update(staffUsers)
    .set({
      failedLogins: sql`${count}`,
      lockedUntil: sql`case when ${count} >= ${max} then ${until}::timestamptz else null end`,
    })
    .where(eq(staffUsers.id, userId))
    .returning({ failedLogins: staffUsers.failedLogins, lockedUntil: staffUsers.lockedUntil });
  return row;
}

export async function clearLoginFailures(db: Db, userId: string) {
  await db.update(staffUsers).set({ failedLogins: 0, lockedUntil: null }).where(eq(staffUsers.id, userId));
}

// ---- requests ------------------------------------------------------------------------------

/** States in which nothing more is owed (the state machine's list): such requests are never overdue. */
export const SETTLED_STATES: string[] = [...SETTLED];

export const SORTS = {
  submitted: requests.createdAt,
  deadline: requests.deadlineAt,
  status: requests.status,
  payer: requests.payerId,
  updated: requests.updatedAt,
} as const;
export type SortKey = keyof typeof SORTS;

export interface WorklistQuery {
  scope: string | null;
  kind?: string;
  statuses?: string[];
  payerId?: string;
  overdue?: boolean;
  text?: string;
  /**
   * Whether `text` may match whole member ids (through their search hashes). Only for viewers who may
   * see member ids: for others a match would confirm a full member id their page shows masked.
   */
  memberIdSearch?: boolean;
  sort: SortKey;
  dir: 'asc' | 'desc';
  limit: number;
  offset: number;
  now: Date;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

function worklistWhere(db: Db, q: WorklistQuery): SQL | undefined {
  const conds: (SQL | undefined)[] = [
    q.scope ? eq(requests.orgId, q.scope) : undefined,
    q.kind ? eq(requests.kind, q.kind) : undefined,
    q.statuses?.length ? inArray(requests.status, q.statuses) : undefined,
    q.payerId ? eq(requests.payerId, q.payerId) : undefined,
    q.overdue ? and(lt(requests.deadlineAt, q.now), notInArray(requests.status, SETTLED_STATES)) : undefined,
  ];
  if (q.text) {
    const pattern = `%${likeEscape(q.text)}%`;
    // Ids, trace numbers and the clear identifiers of the summary (claim identifier, provider ids)
    // by substring; member ids, stored encrypted, by their keyed hash: a whole member id matches
    // (however cased or spaced, see normalizeIdentifier), a fragment of one does not.
    conds.push(
      or(
        ilike(sql`${requests.id}::text`, pattern),
        ilike(requests.traceNumber, pattern),
        ilike(sql`${requests.summary}::text`, pattern),
        q.memberIdSearch ? arrayOverlaps(requests.memberIdHashes, [cipherOf(db).searchHash('member-id', q.text)]) : undefined,
      ),
    );
  }
  return and(...conds.filter((c): c is SQL => Boolean(c)));
}

export async function worklist(db: Db, q: WorklistQuery): Promise<{ rows: RequestRow[]; total: number }> {
  const where = worklistWhere(db, q);
  const column = SORTS[q.sort];
  const order = q.dir === 'asc' ? sql`${column} asc nulls last` : sql`${column} desc nulls last`;
  const rows = await db.select().from(requests).where(where).orderBy(order, desc(requests.id)).limit(q.limit).offset(q.offset);
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(requests).where(where);
  return { rows: openRequests(db, rows), total: Number(count?.n ?? 0) };
}

export async function scopedRequest(db: Db, scope: string | null, id: string): Promise<RequestRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const [row] = await db
    .select()
    .from(requests)
    .where(and(eq(requests.id, id), scope ? eq(requests.orgId, scope) : undefined));
  return row && openRequest(db, row);
}

/** The stored PAS request Bundles (JSON text) of some requests, by request id. */
export async function requestBundles(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: messages.id, requestId: messages.requestId, payload: messages.payload })
    .from(messages)
    .where(and(inArray(messages.requestId, ids), eq(messages.transactionSet, 'pas-request')))
    .orderBy(asc(messages.seq));
  const out = new Map<string, string>();
  for (const r of rows) if (r.requestId && !out.has(r.requestId)) out.set(r.requestId, openPayload(db, r.id, r.payload));
  return out;
}

export async function messagesOf(db: Db, requestId: string) {
  const rows = await db.select().from(messages).where(eq(messages.requestId, requestId)).orderBy(asc(messages.seq));
  return rows.map((m) => openMessage(db, m));
}

export async function itemsOf(db: Db, requestId: string) {
  return db.select().from(requestItems).where(eq(requestItems.requestId, requestId)).orderBy(asc(requestItems.sequence));
}

/** The request's audit trail (its timeline), oldest first (in the order written: sealed or not yet). */
export async function timelineOf(db: Db, requestId: string): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, 'request'), eq(auditEvents.entityId, requestId)))
    .orderBy(asc(auditEvents.id));
}

/** Audit events for the FHIR AuditEvent export, newest first (by id), scoped like everything else. */
export async function auditEventsFor(db: Db, q: { scope: string | null; entityId?: string; after?: Date; before?: Date; limit: number; beforeId?: number }) {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        q.scope ? eq(auditEvents.orgId, q.scope) : undefined,
        q.entityId ? and(eq(auditEvents.entityType, 'request'), eq(auditEvents.entityId, q.entityId)) : undefined,
        q.after ? gt(auditEvents.at, q.after) : undefined,
        q.before ? lt(auditEvents.at, q.before) : undefined,
        q.beforeId ? lt(auditEvents.id, q.beforeId) : undefined,
      ),
    )
    .orderBy(desc(auditEvents.id))
    .limit(q.limit);
}

/** One audit event in the caller's scope (null: all organizations), or undefined. */
export async function auditEventInScope(db: Db, scope: string | null, id: number): Promise<AuditRow | undefined> {
  const [row] = await db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.id, id), scope ? eq(auditEvents.orgId, scope) : undefined));
  return row;
}

export async function payerList(db: Db) {
  return db.select({ id: payers.id, name: payers.name }).from(payers).orderBy(asc(payers.id));
}

/** Merges keys into a request's summary (staff actions: appeal, extension). Caller audits. */
export async function mergeSummary(db: Db, id: string, patch: Record<string, unknown>, now: Date, deadlineAt?: Date) {
  const [row] = await db
    .update(requests)
    .set({ summary: sql`${requests.summary} || ${JSON.stringify(clearPatch(patch))}::jsonb`, updatedAt: now, ...(deadlineAt ? { deadlineAt } : {}) })
    .where(eq(requests.id, id))
    .returning();
  return row && openRequest(db, row);
}

// ---- request facts for the staff pages ------------------------------------------------------

export interface DeliveryJobInfo {
  status: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  runAt: Date;
}

/** The newest delivery job of each request (attempts, last error): what "retry" and the story read. */
export async function deliveryJobsOf(db: Db, ids: string[], kind = 'payer.deliver'): Promise<Map<string, DeliveryJobInfo>> {
  if (ids.length === 0) return new Map();
  const found = await db
    .select({ requestId: jobs.requestId, status: jobs.status, attempts: jobs.attempts, maxAttempts: jobs.maxAttempts, lastError: jobs.lastError, runAt: jobs.runAt })
    .from(jobs)
    .where(and(inArray(jobs.requestId, ids), eq(jobs.kind, kind)))
    .orderBy(asc(jobs.id));
  const out = new Map<string, DeliveryJobInfo>();
  for (const j of found) if (j.requestId) out.set(j.requestId, { status: j.status, attempts: j.attempts, maxAttempts: j.maxAttempts, lastError: j.lastError, runAt: j.runAt });
  return out;
}

/** The last state change of each request (who made it, to what, its detail). */
export async function lastTransitionsOf(db: Db, ids: string[]): Promise<Map<string, { actor: string; to: string; detail: Record<string, unknown>; at: Date }>> {
  if (ids.length === 0) return new Map();
  const found = await db
    .select({ entityId: auditEvents.entityId, actor: auditEvents.actor, detail: auditEvents.detail, at: auditEvents.at, seq: auditEvents.seq })
    .from(auditEvents)
    .where(and(eq(auditEvents.entityType, 'request'), eq(auditEvents.action, 'request.transition'), inArray(auditEvents.entityId, ids)))
    .orderBy(asc(auditEvents.seq));
  const out = new Map<string, { actor: string; to: string; detail: Record<string, unknown>; at: Date }>();
  for (const e of found) {
    const d = e.detail as Record<string, unknown>;
    if (e.entityId) out.set(e.entityId, { actor: e.actor, to: String(d.to ?? ''), detail: d, at: e.at });
  }
  return out;
}

/** The newest PAS response Bundle (JSON text) of each request. */
export async function latestResponsesOf(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const found = await db
    .select({ id: messages.id, requestId: messages.requestId, payload: messages.payload })
    .from(messages)
    .where(and(inArray(messages.requestId, ids), eq(messages.transactionSet, 'pas-response')))
    .orderBy(desc(messages.seq));
  const out = new Map<string, string>();
  for (const r of found) if (r.requestId && !out.has(r.requestId)) out.set(r.requestId, openPayload(db, r.id, r.payload));
  return out;
}

/** Payer answers (X12 in, or a FHIR-native payer's response): which of these requests have one. */
export const PAYER_ANSWER_SETS = ['x12-in', 'pas-response-in'];

export async function payerAnsweredOf(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const found = await db
    .selectDistinct({ requestId: messages.requestId })
    .from(messages)
    .where(and(inArray(messages.requestId, ids), eq(messages.direction, 'in'), inArray(messages.transactionSet, PAYER_ANSWER_SETS)));
  return new Set(found.map((r) => r.requestId).filter((r): r is string => r !== null));
}

// ---- organizations ---------------------------------------------------------------------------

export async function organizationsIn(db: Db, scope: string | null) {
  const q = db.select({ id: organizations.id, name: organizations.name, npi: organizations.npi, reviewBeforeSend: organizations.reviewBeforeSend }).from(organizations);
  return (scope ? q.where(eq(organizations.id, scope)) : q).orderBy(asc(organizations.id));
}

/** Turns review before sending on or off; false when the organization does not exist (in scope). */
export async function setReviewBeforeSend(db: Db, id: string, on: boolean): Promise<boolean> {
  const updated = await db.update(organizations).set({ reviewBeforeSend: on }).where(eq(organizations.id, id)).returning({ id: organizations.id });
  return updated.length === 1;
}

// ---- the audit page ------------------------------------------------------------------------------

export interface AuditQuery {
  scope: string | null;
  actor?: string;
  action?: string;
  requestId?: string;
  from?: Date;
  to?: Date;
  fromSeq?: number;
  toSeq?: number;
  /** Events written before this one (its id; the next page): unsealed events have no seq yet. */
  beforeId?: number;
  limit: number;
}

function auditWhere(q: AuditQuery): SQL | undefined {
  return and(
    q.scope ? eq(auditEvents.orgId, q.scope) : undefined,
    // An actor filter matches the whole name or a prefix ending at ':' ("staff:" = every staff user).
    q.actor ? (q.actor.endsWith(':') ? ilike(auditEvents.actor, `${likeEscape(q.actor)}%`) : eq(auditEvents.actor, q.actor)) : undefined,
    // An action filter matches the action or its family ("request" = request.*).
    q.action ? or(eq(auditEvents.action, q.action), ilike(auditEvents.action, `${likeEscape(q.action)}.%`)) : undefined,
    q.requestId ? or(and(eq(auditEvents.entityType, 'request'), eq(auditEvents.entityId, q.requestId)), sql`${auditEvents.detail}->'requestIds' ? ${q.requestId}`) : undefined,
    q.from ? gte(auditEvents.at, q.from) : undefined,
    q.to ? lt(auditEvents.at, q.to) : undefined,
    q.fromSeq ? gte(auditEvents.seq, q.fromSeq) : undefined,
    q.toSeq ? lte(auditEvents.seq, q.toSeq) : undefined,
    q.beforeId ? lt(auditEvents.id, q.beforeId) : undefined,
  );
}

/** A page of audit events, newest first (by id: written order, sealed or not), scoped like everything else. */
export async function auditPage(db: Db, q: AuditQuery): Promise<AuditRow[]> {
  return db.select().from(auditEvents).where(auditWhere(q)).orderBy(desc(auditEvents.id)).limit(q.limit);
}

/** The actions that occur in the caller's scope (the filter's choices). */
export async function auditActions(db: Db, scope: string | null): Promise<string[]> {
  const found = await db
    .selectDistinct({ action: auditEvents.action })
    .from(auditEvents)
    .where(scope ? eq(auditEvents.orgId, scope) : undefined)
    .orderBy(asc(auditEvents.action));
  return found.map((r) => r.action);
}
