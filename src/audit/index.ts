/**
 * Audit trail: append events in the caller's transaction (so the event commits or rolls back with
 * the change it records) and verify the whole chain.
 */
import { asc, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { latestCheckpoint, type CheckpointInfo } from '../db/queries/retention.ts';
import { auditEvents, auditHead } from '../db/schema.ts';
import { chainChecker, eventHash, GENESIS_HASH, type ChainBreak } from './chain.ts';

export { GENESIS_HASH, type AuditFields, type ChainBreak } from './chain.ts';

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
  /** Present when verification started from a retention checkpoint (older events were purged). */
  checkpoint?: CheckpointInfo;
}

export type { CheckpointInfo } from '../db/queries/retention.ts';

/** The action of the event a retention purge appends; it confirms the checkpoint it wrote. */
export const PURGE_ACTION = 'retention.purge';

/** Does this (verified) event record exactly this checkpoint? */
function confirms(e: { action: string; detail: Record<string, unknown> }, cp: CheckpointInfo): boolean {
  const d = e.detail as { checkpointSeq?: unknown; checkpointHash?: unknown; manifestSha256?: unknown };
  return e.action === PURGE_ACTION && d.checkpointSeq === cp.seq && d.checkpointHash === cp.hash && d.manifestSha256 === cp.manifestSha256;
}

/**
 * Re-computes the chain page by page (constant memory). After a retention purge it starts from the
 * latest checkpoint: the first remaining event must link to the checkpoint's hash, and the
 * checkpoint must be confirmed by the `retention.purge` event the purge appended to the chain (a
 * checkpoint row written by anyone else, to hide deleted events, is reported as a break).
 */
export async function verifyAudit(db: Db, pageSize = 1000): Promise<VerifyResult> {
  const cp = await latestCheckpoint(db);
  const checkpoint = cp ? { checkpoint: cp } : {};
  const checker = chainChecker(cp);
  let confirmed = !cp;
  let after = cp?.seq ?? 0;
  for (;;) {
    const page = await db.select().from(auditEvents).where(gt(auditEvents.seq, after)).orderBy(asc(auditEvents.seq)).limit(pageSize);
    for (const e of page) {
      const broken = checker.check(e);
      if (broken) return { ok: false, events: checker.count, broken, ...checkpoint };
      if (!confirmed && confirms(e, cp!)) confirmed = true;
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.seq;
  }
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const broken =
    checker.finish(head) ??
    (confirmed ? undefined : { seq: cp!.seq, reason: `the retention checkpoint at event ${cp!.seq} is not confirmed by a ${PURGE_ACTION} event in the chain (forged or altered checkpoint)` });
  return broken ? { ok: false, events: checker.count, broken, ...checkpoint } : { ok: true, events: checker.count, ...checkpoint };
}

export async function auditCount(db: Db): Promise<number> {
  const [r] = await db.select({ n: sql<number>`count(*)::int` }).from(auditEvents);
  return Number(r?.n ?? 0);
}
