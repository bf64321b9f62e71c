/**
 * Audit trail: append events in the caller's transaction (so the event commits or rolls back with
 * the change it records) and verify the whole chain.
 */
import { asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditEvents, auditHead } from '../db/schema.ts';
import { chainChecker, eventHash, GENESIS_HASH, type ChainBreak } from './chain.ts';

export { GENESIS_HASH, type ChainBreak } from './chain.ts';

export interface AuditEventInput {
  /** `client:<id>`, `staff:<username>`, `payer:<id>`, `system`, `operator` */
  actor: string;
  /** e.g. `request.submit`, `request.transition`, `phi.read`, `auth.token`, `client.add` */
  action: string;
  outcome?: 'success' | 'failure';
  orgId?: string | null;
  entityType?: string | null;
  entityId?: string | null;
  /** The HTTP request id (correlation id), when the event came from a request. */
  requestId?: string | null;
  /** Ids and codes only: never PHI. */
  detail?: Record<string, unknown>;
  at?: Date;
}

/**
 * Appends one event. Must be called inside the transaction that makes the change: the head row is
 * locked until that transaction ends, which keeps the chain linear across processes.
 */
export async function appendAudit(tx: Db, input: AuditEventInput): Promise<{ seq: number; hash: string }> {
  // Two round trips: take the next number (locking the head until commit; the hash column still
  // holds the previous event's hash), then write the event and move the head's hash forward.
  let [head] = await tx
    .update(auditHead)
    .set({ seq: sql`${auditHead.seq} + 1` })
    .where(eq(auditHead.id, 1))
    .returning({ seq: auditHead.seq, prevHash: auditHead.hash });
  if (!head) {
    await tx.insert(auditHead).values({ id: 1, seq: 0, hash: GENESIS_HASH }).onConflictDoNothing();
    [head] = await tx
      .update(auditHead)
      .set({ seq: sql`${auditHead.seq} + 1` })
      .where(eq(auditHead.id, 1))
      .returning({ seq: auditHead.seq, prevHash: auditHead.hash });
  }
  const fields = {
    seq: head!.seq,
    at: input.at ?? new Date(),
    orgId: input.orgId ?? null,
    actor: input.actor,
    action: input.action,
    entityType: input.entityType ?? null,
    entityId: input.entityId ?? null,
    requestId: input.requestId ?? null,
    outcome: input.outcome ?? 'success',
    detail: input.detail ?? {},
  };
  const hash = eventHash(head!.prevHash, fields);
  const event = { ...fields, prevHash: head!.prevHash, hash };
  await tx.execute(sql`with e as (insert into audit_events (seq, at, org_id, actor, action, entity_type, entity_id, request_id, outcome, detail, prev_hash, hash)
      values (${event.seq}, ${event.at.toISOString()}, ${event.orgId}, ${event.actor}, ${event.action}, ${event.entityType}, ${event.entityId},
              ${event.requestId}, ${event.outcome}, ${JSON.stringify(event.detail)}::jsonb, ${event.prevHash}, ${event.hash}))
    update audit_head set hash = ${hash} where id = 1`);
  return { seq: fields.seq, hash };
}

/** Appends an event in its own transaction (for events that record no other change, e.g. reads). */
export function recordAudit(db: Db, input: AuditEventInput) {
  return db.transaction((tx) => appendAudit(tx as unknown as Db, input));
}

export interface VerifyResult {
  ok: boolean;
  events: number;
  broken?: ChainBreak;
}

/** Re-computes the chain page by page (constant memory). */
export async function verifyAudit(db: Db, pageSize = 1000): Promise<VerifyResult> {
  const checker = chainChecker();
  let after = 0;
  for (;;) {
    const page = await db.select().from(auditEvents).where(gt(auditEvents.seq, after)).orderBy(asc(auditEvents.seq)).limit(pageSize);
    for (const e of page) {
      const broken = checker.check(e);
      if (broken) return { ok: false, events: checker.count, broken };
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.seq;
  }
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const broken = checker.finish(head);
  return broken ? { ok: false, events: checker.count, broken } : { ok: true, events: checker.count };
}

export async function auditCount(db: Db): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
  return Number(r?.n ?? 0);
}
