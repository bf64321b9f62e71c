/**
 * Inclusion proofs: one event shown to be in the log the latest signed head commits to, without the
 * rest of the log. The proof is RFC 9162's audit path (leaf index, tree size, sibling hashes); the
 * head is the signed JWS. A checker needs the event as published, the gateway's public key, and
 * SHA-256: leaf = SHA-256(0x00 ‖ canonical event), then the path up to the signed root.
 */
import type { Db } from '../db/client.ts';
import { eventById, latestHead, nodesByIds, type AuditEventRow } from '../db/queries/audit-log.ts';
import { leafData } from './leaf.ts';
import { assemble, hex, inclusionPlan, nodeKey, unhex } from './merkle.ts';

export interface InclusionProof {
  eventId: number;
  seq: number;
  /** 0-based position of the event's leaf in the tree. */
  leafIndex: number;
  /** Exactly the bytes the leaf hash was made from (UTF-8 canonical JSON). */
  leafData: string;
  leafHash: string;
  treeSize: number;
  rootHash: string;
  /** Sibling hashes from the leaf up (hex). */
  auditPath: string[];
  /** The signed tree head the path leads to. */
  head: { headNo: number; sealedAt: string; kid: string; jws: string };
}

export type ProofResult = { kind: 'proof'; event: AuditEventRow; proof: InclusionProof } | { kind: 'unsealed'; event: AuditEventRow } | { kind: 'missing' };

/** The event and its inclusion proof against the latest signed head (or why there is none yet). */
export async function inclusionProof(db: Db, eventId: number): Promise<ProofResult> {
  const event = await eventById(db, eventId);
  if (!event) return { kind: 'missing' };
  const head = event.seq === null ? undefined : await latestHead(db);
  if (event.seq === null || !head) return { kind: 'unsealed', event };
  const leafIndex = event.seq - 1 - head.base;
  const plan = inclusionPlan(leafIndex, head.treeSize);
  const nodes = await nodesByIds(db, [{ level: 0, idx: leafIndex }, ...plan.flat()]);
  const path = assemble(plan, (id) => {
    const h = nodes.get(nodeKey(id));
    return h ? unhex(h) : undefined;
  });
  const data = leafData({ ...event, seq: event.seq });
  return {
    kind: 'proof',
    event,
    proof: {
      eventId: event.id,
      seq: event.seq,
      leafIndex,
      leafData: data,
      leafHash: nodes.get(nodeKey({ level: 0, idx: leafIndex })) ?? '',
      treeSize: head.treeSize,
      rootHash: head.rootHash,
      auditPath: path.map(hex),
      head: { headNo: head.headNo, sealedAt: head.sealedAt.toISOString(), kid: head.kid, jws: head.jws },
    },
  };
}
