/**
 * The sealed tree read back from its stored complete nodes: its state after the first `n` leaves
 * (a retention checkpoint, a witness's head), without reading any event. What is read is checked by
 * the caller against something signed or confirmed (a head's root, the purge event).
 */
import type { Db } from '../db/client.ts';
import { headByNo, nodesByIds } from '../db/queries/audit-log.ts';
import { Frontier, hex, nodeKey, rangeNodes, unhex } from './merkle.ts';

export interface TreeState {
  /** Events before the tree's first leaf. */
  base: number;
  /** Leaves. */
  size: number;
  /** RFC 6962 root (hex). */
  root: string;
  /** The perfect subtrees' roots, largest first (hex): enough to extend the tree. */
  frontier: string[];
}

/** The tree over the first `size` leaves, or undefined when a node is missing. */
export async function storedFrontier(db: Db, size: number): Promise<Frontier | undefined> {
  const ids = rangeNodes(0, size);
  const nodes = await nodesByIds(db, ids);
  const hashes = ids.map((id) => nodes.get(nodeKey(id)));
  return hashes.every((h) => h !== undefined) ? new Frontier(size, hashes.map((h) => unhex(h!))) : undefined;
}

/**
 * The tree as it was when event `seq` had just been sealed; undefined before the first head, or when
 * `seq` is before the tree's start or its nodes are missing.
 */
export async function treeAt(db: Db, seq: number): Promise<TreeState | undefined> {
  const first = await headByNo(db, 1);
  if (!first || seq < first.base) return undefined;
  const f = await storedFrontier(db, seq - first.base);
  return f && { base: first.base, size: f.size, root: hex(f.root()), frontier: f.hashes().map(hex) };
}
