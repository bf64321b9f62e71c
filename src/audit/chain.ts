/**
 * The old audit hash chain, as pure functions, kept for events written before the Merkle log: each
 * event's hash covers the previous event's hash and a canonical (RFC 8785 JSON) serialization of
 * the event's own fields. An upgraded database's old events are checked with it when they are
 * sealed into the tree, and by every verification after (src/audit/verify.ts).
 */
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// The package is CommonJS with an ESM-style `export default` in its typings; at run time the
// default import is the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditFields {
  seq: number;
  at: Date;
  orgId: string | null;
  actor: string;
  action: string;
  entityType: string | null;
  entityId: string | null;
  requestId: string | null;
  outcome: string;
  detail: Record<string, unknown>;
}

/** An event's own fields as they are hashed (JSON values; the chain and the Merkle leaf both use them). */
export function hashedFields(e: AuditFields) {
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    orgId: e.orgId,
    actor: e.actor,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId,
    requestId: e.requestId,
    outcome: e.outcome,
    detail: e.detail,
  };
}

export function eventHash(prevHash: string, e: AuditFields): string {
  const body = canonicalize(hashedFields(e));
  return createHash('sha256').update(prevHash).update('\n').update(body ?? '').digest('hex');
}

export interface ChainBreak {
  seq: number;
  reason: string;
}

/**
 * Walks stored events in `seq` order and returns the first break, or undefined.
 * Keeps state between calls so it can be fed page by page. `from` starts the walk after a retention
 * checkpoint (the events up to its `seq` were purged; its `hash` is the last purged event's).
 */
export function chainChecker(from?: { seq: number; hash: string }) {
  const startSeq = from?.seq ?? 0;
  let expectedSeq = startSeq + 1;
  let prevHash = from?.hash ?? GENESIS_HASH;
  return {
    check(e: AuditFields & { prevHash: string; hash: string }): ChainBreak | undefined {
      if (e.seq !== expectedSeq) {
        return e.seq > expectedSeq
          ? { seq: expectedSeq, reason: `event ${expectedSeq} is missing (next stored event is ${e.seq})` }
          : { seq: e.seq, reason: `event ${e.seq} is out of order` };
      }
      if (e.prevHash !== prevHash) {
        const to = from && e.seq === startSeq + 1 ? `the retention checkpoint (event ${startSeq})` : `event ${e.seq - 1}`;
        return { seq: e.seq, reason: `event ${e.seq} does not link to ${to}` };
      }
      if (eventHash(prevHash, e) !== e.hash) return { seq: e.seq, reason: `event ${e.seq} was altered (hash mismatch)` };
      prevHash = e.hash;
      expectedSeq++;
      return undefined;
    },
    /** Compares the end of the chain with the stored head (catches deletion of the newest events). */
    finish(head: { seq: number; hash: string } | undefined): ChainBreak | undefined {
      const last = expectedSeq - 1;
      if (!head) return last === startSeq ? undefined : { seq: last, reason: 'the chain head is missing' };
      if (head.seq > last) return { seq: last + 1, reason: `event ${last + 1} is missing (the head says ${head.seq} events)` };
      if (head.seq < last || head.hash !== prevHash) return { seq: last, reason: `the chain head does not match event ${last}` };
      return undefined;
    },
    /** Events verified so far (after the checkpoint, when starting from one). */
    get count() {
      return expectedSeq - 1 - startSeq;
    },
  };
}
