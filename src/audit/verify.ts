/**
 * Verifying the audit log, page by page in constant memory, and naming the first thing wrong:
 *
 * - every signed tree head: its signature (by a key the gateway has had), its fields against the
 *   stored copy, numbering 1, 2, 3 …, growing sizes and times;
 * - every sealed event: its place (no gap, none out of order) and its content against the leaf
 *   hash sealed for it, the old hash chain's links for events from before the Merkle log;
 * - the tree: re-built leaf by leaf, its root must equal each signed head's at that head's size,
 *   which also proves every head consistent with every later one (one leaf sequence for all);
 * - the ends: a head that covers more events than are stored (deleted), sealed events no head
 *   covers (a head removed or rolled back);
 * - after a retention purge: the checkpoint (the root over the purged prefix, from the stored tree
 *   nodes) must be confirmed by the `retention.purge` event in the log, and heads older than it must
 *   be consistent with it (RFC 9162 consistency proofs from the stored nodes);
 * - optionally an external witness's heads: the database must still hold each of them (a log rolled
 *   back, heads and events together, is caught there).
 */
import type { CryptoKey } from 'jose';
import { allPublicKeys } from '../auth/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { headsAfter, nodesByIds, sealedEventsPage, unsealedStats, type HeadRow } from '../db/queries/audit-log.ts';
import { latestCheckpoint, type CheckpointInfo } from '../db/queries/retention.ts';
import { chainChecker } from './chain.ts';
import { openHead, sameAsSigned, type TreeHead } from './head.ts';
import { eventLeafHash } from './leaf.ts';
import { assemble, consistencyPlan, Frontier, hex, nodeKey, unhex, verifyConsistency, type NodeId } from './merkle.ts';
import { storedFrontier } from './tree.ts';
import type { WitnessHead } from './witness-file.ts';

/** The action of the event a retention purge appends; it confirms the checkpoint it wrote. */
export const PURGE_ACTION = 'retention.purge';

export interface LogBreak {
  /** The first event found wrong (its place in the log), when the fault is an event's. */
  seq?: number;
  /** The first signed tree head found wrong, when the fault is a head's. */
  head?: number;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Sealed events verified (after the checkpoint, when starting from one). */
  events: number;
  /** Signed tree heads verified. */
  heads: number;
  /** Events written but not sealed yet (a running gateway seals them within a second): not a fault. */
  unsealed: number;
  /** The newest signed head verified. */
  latestHead?: { headNo: number; treeSize: number; rootHash: string; sealedAt: string; kid: string };
  broken?: LogBreak;
  /** Present when verification started from a retention checkpoint (older events were purged). */
  checkpoint?: CheckpointInfo;
  /** From head 1 of a database upgraded from the old hash chain. */
  legacy?: TreeHead['legacy'];
  /** Heads checked against an external witness. */
  witnessed?: number;
}

export type { CheckpointInfo };

/** Does this (verified) event record exactly this checkpoint? */
function confirms(e: { action: string; detail: Record<string, unknown> }, cp: CheckpointInfo): boolean {
  const d = e.detail as { checkpointSeq?: unknown; checkpointHash?: unknown; manifestSha256?: unknown };
  return e.action === PURGE_ACTION && d.checkpointSeq === cp.seq && d.checkpointHash === cp.hash && d.manifestSha256 === cp.manifestSha256;
}

/** The heads in order, a page at a time, each checked on its own and against the one before. */
function headWalker(db: Db, keys: Map<string, CryptoKey>) {
  let page: HeadRow[] = [];
  let at = 0;
  let afterNo = 0;
  let exhausted = false;
  let prev: TreeHead | undefined;
  let base: number | undefined;
  return {
    /** The next head, verified on its own; a LogBreak when it is wrong; undefined after the last. */
    async next(): Promise<{ row: HeadRow; head: TreeHead } | LogBreak | undefined> {
      if (at >= page.length) {
        if (exhausted) return undefined;
        page = await headsAfter(db, afterNo, 1000);
        at = 0;
        if (page.length < 1000) exhausted = true;
        if (page.length === 0) return undefined;
      }
      const row = page[at++]!;
      afterNo = row.headNo;
      const opened = await openHead(row.jws, (kid) => keys.get(kid));
      if (!opened.ok) return { head: row.headNo, reason: `tree head #${row.headNo} is forged: ${opened.reason}` };
      const h = opened.head;
      if (!sameAsSigned(row, h)) return { head: row.headNo, reason: `tree head #${row.headNo} was altered: its stored size, root or time differ from what was signed` };
      const expectedNo = (prev?.headNo ?? 0) + 1;
      if (h.headNo !== expectedNo) {
        return { head: row.headNo, reason: h.headNo > expectedNo ? `tree head #${expectedNo} is missing` : `tree head #${h.headNo} is a replayed copy of an earlier head` };
      }
      if (base !== undefined && h.base !== base) return { head: h.headNo, reason: `tree head #${h.headNo} names another log (base ${h.base}, not ${base})` };
      if (prev && h.treeSize <= prev.treeSize) return { head: h.headNo, reason: `tree head #${h.headNo} does not grow the log (size ${h.treeSize} after ${prev.treeSize}): rolled back or replayed` };
      if (prev && h.sealedAt < prev.sealedAt) return { head: h.headNo, reason: `tree head #${h.headNo} is dated before tree head #${prev.headNo}` };
      base ??= h.base;
      prev = h;
      return { row, head: h };
    },
  };
}

const isBreak = (x: unknown): x is LogBreak => typeof (x as LogBreak | undefined)?.reason === 'string';

async function storedConsistency(db: Db, m: number, n: number, root1: string, root2: string): Promise<boolean> {
  const plan = consistencyPlan(m, n);
  const nodes = await nodesByIds(db, plan.flat());
  try {
    const proof = assemble(plan, (id: NodeId) => {
      const h = nodes.get(nodeKey(id));
      return h ? unhex(h) : undefined;
    });
    return verifyConsistency(m, n, unhex(root1), unhex(root2), proof);
  } catch {
    return false;
  }
}

export interface VerifyOptions {
  pageSize?: number;
  /** Signed heads an external witness received (src/audit/witness-file.ts): the log must still hold them. */
  witness?: WitnessHead[];
}

/** Re-checks the whole log (see the file comment). */
export function verifyAudit(db: Db, opts: VerifyOptions = {}): Promise<VerifyResult> {
  // One snapshot: events the sequencer seals while the walk runs (and their heads) are not half seen.
  return withTransaction(db, (tx) => verifySnapshot(tx, opts), { config: { isolationLevel: 'repeatable read', accessMode: 'read only' } });
}

async function verifySnapshot(db: Db, opts: VerifyOptions): Promise<VerifyResult> {
  const pageSize = opts.pageSize ?? 1000;
  const keys = await allPublicKeys(db);
  const cp = await latestCheckpoint(db);
  const { count: unsealed } = await unsealedStats(db);
  const heads = headWalker(db, keys);
  let verifiedHeads = 0;
  let events = 0;
  let latest: VerifyResult['latestHead'];
  let sealedBefore = 0;
  let legacy: VerifyResult['legacy'];
  const result = (broken?: LogBreak): VerifyResult => ({
    ok: !broken,
    events,
    heads: verifiedHeads,
    unsealed,
    ...(latest ? { latestHead: latest } : {}),
    ...(broken ? { broken } : {}),
    ...(cp ? { checkpoint: cp } : {}),
    ...(legacy ? { legacy } : {}),
    ...(opts.witness ? { witnessed: opts.witness.length } : {}),
  });
  const accept = (row: HeadRow, h: TreeHead) => {
    verifiedHeads++;
    sealedBefore = h.treeSize;
    latest = { headNo: h.headNo, treeSize: h.treeSize, rootHash: h.rootHash, sealedAt: h.sealedAt, kid: row.kid };
  };

  let next = await heads.next();
  if (isBreak(next)) return result(next);
  if (!next) {
    // No head: nothing may be sealed yet.
    const [first] = await sealedEventsPage(db, 0, 0, 1);
    return result(first ? { seq: first.seq!, reason: `events are sealed but no signed tree head exists (the heads were removed)` } : undefined);
  }
  const base = next.head.base;
  if (next.head.headNo === 1 && next.head.legacy) legacy = next.head.legacy;

  // Where the walk starts: after the retention checkpoint, when events were purged since the tree began.
  let frontier = new Frontier();
  let confirmed = !cp;
  if (cp && cp.seq > base) {
    const size = cp.seq - base;
    const stored = await storedFrontier(db, size);
    if (!stored || hex(stored.root()) !== cp.hash) {
      return result({ seq: cp.seq, reason: `the retention checkpoint at event ${cp.seq} does not match the sealed tree (forged or altered checkpoint)` });
    }
    frontier = stored;
    // Heads over the purged prefix: consistent with the checkpoint's root.
    while (next && !isBreak(next) && next.head.treeSize <= size) {
      if (!(await storedConsistency(db, next.head.treeSize, size, next.head.rootHash, cp.hash))) {
        return result({ head: next.head.headNo, reason: `tree head #${next.head.headNo} is not consistent with the retention checkpoint at event ${cp.seq}` });
      }
      accept(next.row, next.head);
      next = await heads.next();
    }
    if (isBreak(next)) return result(next);
  }
  // Events from the old hash chain (before the Merkle log) keep their links checked too: from the
  // start of the chain (or its retention checkpoint) when the walk starts there, else between the
  // remaining ones.
  let chain: ReturnType<typeof chainChecker> | undefined;

  let after = base + frontier.size;
  for (;;) {
    const page = await sealedEventsPage(db, after, base, pageSize);
    for (const e of page) {
      const seq = e.seq!;
      const expected = base + frontier.size + 1;
      if (seq !== expected) return result({ seq: expected, reason: `event ${expected} is missing (the next sealed event is ${seq})` });
      if (!e.leaf || !eventLeafHash({ ...e, seq }).equals(unhex(e.leaf))) {
        return result({ seq, reason: e.leaf ? `event ${seq} was altered (it no longer matches the leaf sealed for it)` : `event ${seq} has no sealed leaf hash (the tree was altered)` });
      }
      if (e.hash !== null) {
        chain ??= chainChecker(seq === base + 1 ? (cp && cp.seq === base ? cp : undefined) : { seq: seq - 1, hash: e.prevHash ?? '' });
        const broken = chain.check({ ...e, seq, prevHash: e.prevHash ?? '', hash: e.hash });
        if (broken) return result(broken);
      }
      frontier.push(unhex(e.leaf));
      events++;
      if (!confirmed && confirms(e, cp!)) confirmed = true;
      if (next && !isBreak(next) && frontier.size === next.head.treeSize) {
        if (hex(frontier.root()) !== next.head.rootHash) {
          return result({
            head: next.head.headNo,
            reason: `tree head #${next.head.headNo} does not match the events it seals (${base + sealedBefore + 1}–${base + next.head.treeSize}): one of them was altered together with its leaf hash, or the tree nodes were`,
          });
        }
        accept(next.row, next.head);
        next = await heads.next();
        if (isBreak(next)) return result(next);
      }
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1]!.seq!;
  }
  if (next && !isBreak(next)) {
    const have = base + frontier.size;
    return result({ seq: have + 1, head: next.head.headNo, reason: `event ${have + 1} is missing: tree head #${next.head.headNo} seals ${base + next.head.treeSize} events, the log holds ${have}` });
  }
  const covered = latest ? latest.treeSize : 0;
  if (frontier.size > covered) {
    return result({ seq: base + covered + 1, reason: `events ${base + covered + 1}–${base + frontier.size} are sealed but no signed tree head covers them (a tree head was removed or rolled back)` });
  }
  if (!confirmed) {
    return result({ seq: cp!.seq, reason: `the retention checkpoint at event ${cp!.seq} is not confirmed by a ${PURGE_ACTION} event in the log (forged or altered checkpoint)` });
  }
  if (opts.witness?.length) {
    const broken = await checkWitness(db, opts.witness, keys, latest);
    if (broken) return result(broken);
  }
  return result();
}

/** The log must still hold every head the witness received: same head, or at least the same tree at its size. */
async function checkWitness(db: Db, witness: WitnessHead[], keys: Map<string, CryptoKey>, latest: VerifyResult['latestHead']): Promise<LogBreak | undefined> {
  for (const w of witness) {
    const opened = await openHead(w.jws, (kid) => keys.get(kid));
    if (!opened.ok) return { head: w.headNo, reason: `the witness's tree head #${w.headNo} does not verify with the gateway's keys (${opened.reason})` };
    const h = opened.head;
    if (!latest || h.treeSize > latest.treeSize || h.headNo > latest.headNo) {
      return {
        head: h.headNo,
        reason: `the log was rolled back: the witness holds tree head #${h.headNo} over ${h.treeSize} events, the database's newest is #${latest?.headNo ?? 0} over ${latest?.treeSize ?? 0}`,
      };
    }
    const stored = await storedFrontier(db, h.treeSize);
    if (!stored || hex(stored.root()) !== h.rootHash) return { head: h.headNo, reason: `the log was rewritten: it no longer has the tree the witness's head #${h.headNo} signed` };
  }
  return undefined;
}
