/**
 * The Merkle tree hash of RFC 6962 §2.1 (RFC 9162 §2.1): leaves are hashed as SHA-256(0x00 ‖ data),
 * interior nodes as SHA-256(0x01 ‖ left ‖ right), a tree of n leaves splits at the largest power of
 * two below n. Pure: hashes in, hashes out.
 *
 * Nodes are addressed as (level, idx): level 0 holds the leaf hashes, and node (level, idx) is the
 * root of the perfect subtree over leaves [idx·2^level, (idx+1)·2^level). Only such complete nodes
 * are ever stored; every other hash a proof needs is folded from them (`plan` + `assemble`).
 *
 * Tree sizes are plain numbers (exact up to 2^53): bit operations are done with arithmetic, never
 * with JavaScript's 32-bit operators.
 */
import { createHash } from 'node:crypto';

export type Hash = Buffer;
export interface NodeId {
  level: number;
  idx: number;
}

export const EMPTY_ROOT: Hash = createHash('sha256').digest();

export function leafHash(data: Buffer | string): Hash {
  return createHash('sha256').update(Buffer.from([0])).update(data).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

const half = (x: number) => Math.floor(x / 2);
const odd = (x: number) => x % 2 === 1;

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The complete nodes that cover leaves [lo, lo+size), left to right (largest first). */
export function rangeNodes(lo: number, size: number): NodeId[] {
  const out: NodeId[] = [];
  let at = lo;
  let rest = size;
  while (rest > 0) {
    let width = 1;
    let level = 0;
    while (width * 2 <= rest && at % (width * 2) === 0) {
      width *= 2;
      level++;
    }
    out.push({ level, idx: at / width });
    at += width;
    rest -= width;
  }
  return out;
}

/** Folds subtree roots, left to right, into the root of the tree they make (right to left, RFC 6962). */
export function foldRight(hashes: Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_ROOT;
  let r = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) r = nodeHash(hashes[i]!, r);
  return r;
}

/** MTH over a list of leaf hashes (tests, small trees). */
export function rootOf(leaves: Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  const k = splitPoint(leaves.length);
  return nodeHash(rootOf(leaves.slice(0, k)), rootOf(leaves.slice(k)));
}

/**
 * The right edge of a growing tree: the roots of its perfect subtrees, largest first. Appending a
 * leaf is a binary increment; `newNodes` lists every complete node the appends created, so a caller
 * can store them.
 */
export class Frontier {
  private nodes: { level: number; hash: Hash }[];
  constructor(
    public size = 0,
    hashes: Hash[] = [],
  ) {
    const ids = rangeNodes(0, size);
    if (ids.length !== hashes.length) throw new Error(`a tree of ${size} leaves has ${ids.length} frontier nodes, not ${hashes.length}`);
    this.nodes = ids.map((id, i) => ({ level: id.level, hash: hashes[i]! }));
  }

  /** Appends a leaf hash; returns the complete nodes it created (the leaf itself first). */
  push(leaf: Hash): { level: number; idx: number; hash: Hash }[] {
    const created = [{ level: 0, idx: this.size, hash: leaf }];
    this.nodes.push({ level: 0, hash: leaf });
    this.size++;
    for (;;) {
      const n = this.nodes.length;
      if (n < 2 || this.nodes[n - 1]!.level !== this.nodes[n - 2]!.level) break;
      const right = this.nodes.pop()!;
      const left = this.nodes.pop()!;
      const level = left.level + 1;
      const hash = nodeHash(left.hash, right.hash);
      this.nodes.push({ level, hash });
      created.push({ level, idx: (this.size - 2 ** level) / 2 ** level, hash });
    }
    return created;
  }

  root(): Hash {
    return foldRight(this.nodes.map((n) => n.hash));
  }

  hashes(): Hash[] {
    return this.nodes.map((n) => n.hash);
  }

  clone(): Frontier {
    return new Frontier(this.size, this.hashes());
  }
}

/**
 * Which nodes an inclusion proof for leaf `m` in a tree of `n` leaves is made of (RFC 9162 §2.1.3.1
 * PATH): each element of the proof is the fold of the listed complete nodes.
 */
export function inclusionPlan(m: number, n: number): NodeId[][] {
  if (!(m >= 0 && m < n)) throw new RangeError(`leaf ${m} is not in a tree of ${n}`);
  const path = (m: number, lo: number, size: number): NodeId[][] => {
    if (size === 1) return [];
    const k = splitPoint(size);
    return m < k ? [...path(m, lo, k), rangeNodes(lo + k, size - k)] : [...path(m - k, lo + k, size - k), rangeNodes(lo, k)];
  };
  return path(m, 0, n);
}

/** Which nodes the consistency proof between trees of `m` and `n` leaves is made of (RFC 9162 §2.1.4.1). */
export function consistencyPlan(m: number, n: number): NodeId[][] {
  if (!(m >= 0 && m <= n)) throw new RangeError(`no consistency proof from ${m} to ${n} leaves`);
  if (m === 0 || m === n) return [];
  const sub = (m: number, lo: number, size: number, whole: boolean): NodeId[][] => {
    if (m === size) return whole ? [] : [rangeNodes(lo, size)];
    const k = splitPoint(size);
    return m <= k ? [...sub(m, lo, k, whole), rangeNodes(lo + k, size - k)] : [...sub(m - k, lo + k, size - k, false), rangeNodes(lo, k)];
  };
  return sub(m, 0, n, true);
}

/** Every node a plan needs (to fetch them in one query). */
export function planNodes(plan: NodeId[][]): NodeId[] {
  return plan.flat();
}

export const nodeKey = (id: NodeId) => `${id.level}:${id.idx}`;

/** Turns a plan into the proof's hashes, given the complete nodes it names. */
export function assemble(plan: NodeId[][], node: (id: NodeId) => Hash | undefined): Hash[] {
  return plan.map((element) =>
    foldRight(
      element.map((id) => {
        const h = node(id);
        if (!h) throw new Error(`tree node ${nodeKey(id)} is missing`);
        return h;
      }),
    ),
  );
}

/**
 * The walk both RFC 9162 verifications make up the tree (§2.1.3.2 steps 4-5, §2.1.4.2 steps 6-7):
 * from node `fn` of the last node `sn`, each call says on which side the next proof hash goes
 * (`left`: it is the left sibling), or undefined when the path is already at the root; `done()`
 * says whether the walk ended exactly at the root.
 */
function pathWalker(first: number, last: number) {
  let fn = first;
  let sn = last;
  const step = (): 'left' | 'right' | undefined => {
    if (sn === 0) return undefined;
    let side: 'left' | 'right' = 'right';
    if (odd(fn) || fn === sn) {
      side = 'left';
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    fn = half(fn);
    sn = half(sn);
    return side;
  };
  return Object.assign(step, { done: () => sn === 0 });
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf `m` (hash `leaf`) in the tree of `n` leaves with this root? */
export function verifyInclusion(m: number, n: number, leaf: Hash, proof: Hash[], root: Hash): boolean {
  if (!(m >= 0 && m < n)) return false;
  const walk = pathWalker(m, n - 1);
  let r = leaf;
  for (const p of proof) {
    const side = walk();
    if (!side) return false;
    r = side === 'left' ? nodeHash(p, r) : nodeHash(r, p);
  }
  return walk.done() && r.equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `m` leaves (root1) is a prefix of the one of `n` (root2)? */
export function verifyConsistency(m: number, n: number, root1: Hash, root2: Hash, proof: Hash[]): boolean {
  if (!(m >= 0 && m <= n)) return false;
  if (m === n) return proof.length === 0 && root1.equals(root2);
  if (m === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(m) ? [root1, ...proof] : [...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const walk = pathWalker(fn, sn);
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    const side = walk();
    if (!side) return false;
    if (side === 'left') {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
    } else {
      sr = nodeHash(sr, c);
    }
  }
  return fr.equals(root1) && sr.equals(root2) && walk.done();
}

function isPowerOfTwo(x: number): boolean {
  let v = x;
  while (v > 1 && !odd(v)) v = half(v);
  return v === 1;
}

export const hex = (h: Hash) => h.toString('hex');
export const unhex = (s: string): Hash => Buffer.from(s, 'hex');
