/**
 * The audit trail's verification status as the staff pages show it (admin and audit pages). The
 * one place the staff side calls the audit module's verification: when the audit log's internals
 * change (a Merkle log with its own status function), only this adapter changes.
 */
import { verifyAudit } from '../audit/index.ts';
import type { StaffDeps } from './types.ts';

export interface ChainStatus {
  ok: boolean;
  /** Sealed events verified. */
  events: number;
  /** Signed tree heads verified. */
  heads: number;
  /** Events written but not sealed yet (sealed within a second by a running gateway): not a fault. */
  unsealed: number;
  /** The first problem found, when not ok: an event's (`seq`) or a signed tree head's (`head`). */
  broken?: { seq?: number; head?: number; reason: string };
  /** Verification started at a retention checkpoint (older events were exported and purged). */
  checkpoint?: { seq: number; cutoff: string; at: string };
  /** How it was verified, in words. */
  method: string;
  checkedAt: Date;
}

export async function chainStatus(deps: Pick<StaffDeps, 'db' | 'now'>): Promise<ChainStatus> {
  const r = await verifyAudit(deps.db);
  return {
    ok: r.ok,
    events: r.events,
    heads: r.heads,
    unsealed: r.unsealed,
    ...(r.broken ? { broken: { ...(r.broken.seq !== undefined ? { seq: r.broken.seq } : {}), ...(r.broken.head !== undefined ? { head: r.broken.head } : {}), reason: r.broken.reason } } : {}),
    ...(r.checkpoint ? { checkpoint: { seq: r.checkpoint.seq, cutoff: r.checkpoint.cutoff, at: r.checkpoint.at } } : {}),
    method: 'Merkle log re-checked',
    checkedAt: deps.now(),
  };
}
