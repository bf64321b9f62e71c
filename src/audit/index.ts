/**
 * audit: the audit log. Events are appended in the caller's transaction, so an event commits or
 * rolls back with the change it records, and take no lock (one insert). A sequencer orders and
 * seals them into an RFC 6962 Merkle tree with a signed tree head per batch; `verifyAudit` checks
 * every event, head and their consistency; inclusion proofs show one event against a signed head;
 * witnesses keep the heads outside the database. The public face of the module.
 */
import type { Db } from '../db/client.ts';
import type { Batch } from '../db/batch.ts';
import { auditEvents } from '../db/schema.ts';
import { countAuditEvents, insertAuditEvent, type NewAuditEvent, latestHead, unsealedStats, witnessCursors } from '../db/queries/audit-log.ts';
import { verifyAudit, type VerifyOptions, type VerifyResult } from './verify.ts';

export { GENESIS_HASH, type AuditFields, type ChainBreak } from './chain.ts';
export { verifyAudit, PURGE_ACTION, type VerifyResult, type VerifyOptions, type LogBreak, type CheckpointInfo } from './verify.ts';
export { sealBatch, sealAll, LogIntegrityError, type SealReport, type SealDeps } from './sequencer.ts';
export { startAuditLog, type AuditLogService, type AuditLogMetrics, type AuditLogServiceOptions } from './service.ts';
export { treeAt, storedFrontier, type TreeState } from './tree.ts';
export { inclusionProof, type InclusionProof, type ProofResult } from './proof.ts';
export { readWitnessFile, type WitnessHead } from './witness-file.ts';
export { exportHeadToFile, exportHeadToWebhook, witnessHead, type WebhookWitness } from './witness.ts';
export { openHead, HEAD_TYPE, LOG_ID, type TreeHead, type HeadSigner } from './head.ts';
export { leafData, eventLeafHash, type SealedEvent } from './leaf.ts';
export { EMPTY_ROOT, Frontier, rangeNodes, foldRight, hex, unhex, verifyInclusion, verifyConsistency } from './merkle.ts';

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
 * Appends one event: a single insert, no lock. Call it inside the transaction that makes the change;
 * the event's place in the log (`seq`) is given when the sequencer seals it, within a second.
 * @returns the event's id (its FHIR AuditEvent id)
 */
export async function appendAudit(tx: Db, input: AuditEventInput): Promise<{ id: number }> {
  return { id: await insertAuditEvent(tx, auditRow(input)) };
}

/** `appendAudit` as part of the caller's batch (db/batch.ts): sent with the transaction's other writes. */
export function batchAudit(batch: Batch, input: AuditEventInput): void {
  batch.insert(auditEvents, auditRow(input));
}

function auditRow(input: AuditEventInput): NewAuditEvent {
  return {
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
}

/** Appends an event that records no other change (e.g. a read): one statement, its own commit. */
export function recordAudit(db: Db, input: AuditEventInput): Promise<{ id: number }> {
  return appendAudit(db, input);
}

export interface AuditLogSummary {
  /** The newest signed tree head, unverified (cheap: one row). */
  latestHead?: { headNo: number; treeSize: number; rootHash: string; sealedAt: string; kid: string };
  unsealed: number;
  /** Age of the oldest event still waiting for the sequencer (ms), when one is. */
  oldestUnsealedMs?: number;
  witnesses: { name: string; headNo: number; updatedAt: string; lastError: string | null }[];
}

/** The log's state at a glance, without verifying anything (dashboards, readiness). */
export async function auditLogSummary(db: Db, now = new Date()): Promise<AuditLogSummary> {
  const [head, pending, cursors] = await Promise.all([latestHead(db), unsealedStats(db), witnessCursors(db)]);
  return {
    ...(head ? { latestHead: { headNo: head.headNo, treeSize: head.treeSize, rootHash: head.rootHash, sealedAt: head.sealedAt.toISOString(), kid: head.kid } } : {}),
    unsealed: pending.count,
    ...(pending.oldest ? { oldestUnsealedMs: Math.max(0, now.getTime() - pending.oldest.getTime()) } : {}),
    witnesses: cursors.map((c) => ({ name: c.name, headNo: c.headNo, updatedAt: c.updatedAt.toISOString(), lastError: c.lastError })),
  };
}

export interface VerificationStatus extends VerifyResult {
  checkedAt: string;
  summary: AuditLogSummary;
}

/**
 * "Is the audit log intact?" for pages and APIs: a full verification (every event and head, as
 * `priorgate audit verify`), when it ran, and the log's summary (backlog, witnesses).
 * @example const s = await verificationStatus(db); s.ok ? `${s.events} events intact` : s.broken!.reason
 */
export async function verificationStatus(db: Db, opts: VerifyOptions & { now?: () => Date } = {}): Promise<VerificationStatus> {
  const now = opts.now ?? (() => new Date());
  const result = await verifyAudit(db, opts);
  return { ...result, checkedAt: now().toISOString(), summary: await auditLogSummary(db, now()) };
}

/** Events written so far, sealed or not. */
export async function auditCount(db: Db): Promise<number> {
  return countAuditEvents(db);
}
