/**
 * The Merkle tree code against the RFC 6962 test vectors published with the certificate-transparency
 * verifiers (eight leaves of 0 to 16 bytes, their roots, inclusion and consistency proofs), plus
 * corrupted proofs that must fail and random trees where proofs built from stored nodes verify.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assemble,
  consistencyPlan,
  EMPTY_ROOT,
  Frontier,
  hex,
  inclusionPlan,
  leafHash,
  nodeKey,
  rootOf,
  unhex,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from './merkle.ts';

const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((d) => leafHash(Buffer.from(d, 'hex')));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** [leaf index (0-based), tree size, path] */
const INCLUSION: [number, number, string[]][] = [
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [0, 1, []],
];
/** [size 1, size 2, path] */
const CONSISTENCY: [number, number, string[]][] = [
  [1, 1, []],
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [6, 7, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];

/** A tree grown leaf by leaf, keeping every complete node the way the sequencer stores them. */
function grow(leaves: Hash[]) {
  const f = new Frontier();
  const nodes = new Map<string, Hash>();
  for (const l of leaves) for (const n of f.push(l)) nodes.set(nodeKey(n), n.hash);
  return { frontier: f, node: (id: { level: number; idx: number }) => nodes.get(nodeKey(id)) };
}

const flip = (h: Hash, bit: number) => {
  const c = Buffer.from(h);
  c[0]! ^= 1 << bit;
  return c;
};

describe('RFC 6962 Merkle tree hash', () => {
  it('hashes the empty tree as SHA-256 of nothing, and a one-leaf tree as its leaf', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(rootOf([LEAVES[0]!]))).toBe(ROOTS[0]);
  });

  it('gives the published root for each of the trees of 1 to 8 leaves, recursively and incrementally', () => {
    const f = new Frontier();
    for (let n = 1; n <= 8; n++) {
      expect(hex(rootOf(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n - 1]);
      f.push(LEAVES[n - 1]!);
      expect(hex(f.root()), `frontier at size ${n}`).toBe(ROOTS[n - 1]);
      // A frontier rebuilt from its stored hashes extends the same way.
      expect(hex(new Frontier(f.size, f.hashes()).root())).toBe(ROOTS[n - 1]);
    }
  });

  it('builds the published inclusion proofs from stored nodes, and they verify', () => {
    for (const [m, n, path] of INCLUSION) {
      const t = grow(LEAVES.slice(0, n));
      const proof = assemble(inclusionPlan(m, n), t.node);
      expect(proof.map(hex), `leaf ${m} of ${n}`).toEqual(path);
      expect(verifyInclusion(m, n, LEAVES[m]!, proof, unhex(ROOTS[n - 1]!))).toBe(true);
    }
  });

  it('refuses corrupted inclusion proofs', () => {
    for (const [m, n, path] of INCLUSION.filter(([, , p]) => p.length > 0)) {
      const proof = path.map(unhex);
      const root = unhex(ROOTS[n - 1]!);
      const leaf = LEAVES[m]!;
      const bad: [string, boolean][] = [
        ['index - 1', verifyInclusion(m - 1, n, leaf, proof, root)],
        ['index + 1', verifyInclusion(m + 1, n, leaf, proof, root)],
        ['size * 2', verifyInclusion(m, n * 2, leaf, proof, root)],
        ['size / 2', verifyInclusion(m, Math.floor(n / 2), leaf, proof, root)],
        ['wrong leaf', verifyInclusion(m, n, leafHash('WrongLeaf'), proof, root)],
        ['empty root', verifyInclusion(m, n, leaf, proof, EMPTY_ROOT)],
        ['trailing root', verifyInclusion(m, n, leaf, [...proof, root], root)],
        ['preceding root', verifyInclusion(m, n, leaf, [root, ...proof], root)],
        ['removed component', verifyInclusion(m, n, leaf, proof.slice(0, -1), root)],
        ...proof.map((_, i): [string, boolean] => [`bit flipped in proof[${i}]`, verifyInclusion(m, n, leaf, proof.map((p, j) => (j === i ? flip(p, 3) : p)), root)]),
      ];
      expect(bad.filter(([, ok]) => ok).map(([d]) => d), `leaf ${m} of ${n}`).toEqual([]);
    }
  });

  it('builds the published consistency proofs from stored nodes, they verify, and corrupted ones do not', () => {
    for (const [m, n, path] of CONSISTENCY) {
      const t = grow(LEAVES.slice(0, n));
      const proof = assemble(consistencyPlan(m, n), t.node);
      expect(proof.map(hex), `${m} → ${n}`).toEqual(path);
      const r1 = unhex(ROOTS[m - 1]!);
      const r2 = unhex(ROOTS[n - 1]!);
      expect(verifyConsistency(m, n, r1, r2, proof)).toBe(true);
      if (proof.length === 0) continue;
      const bad: [string, boolean][] = [
        ['size1 - 1', verifyConsistency(m - 1, n, r1, r2, proof)],
        ['size1 + 1', verifyConsistency(m + 1, n, r1, r2, proof)],
        ['size2 * 2', verifyConsistency(m, n * 2, r1, r2, proof)],
        ['swapped roots', verifyConsistency(m, n, r2, r1, proof)],
        ['empty proof', verifyConsistency(m, n, r1, r2, [])],
        ['truncated', verifyConsistency(m, n, r1, r2, proof.slice(0, -1))],
        ['trailing root2', verifyConsistency(m, n, r1, r2, [...proof, r2])],
        ['preceding root1', verifyConsistency(m, n, r1, r2, [r1, ...proof])],
        ...proof.map((_, i): [string, boolean] => [`bit flipped in proof[${i}]`, verifyConsistency(m, n, r1, r2, proof.map((p, j) => (j === i ? flip(p, 4) : p)))]),
      ];
      expect(bad.filter(([, ok]) => ok).map(([d]) => d), `${m} → ${n}`).toEqual([]);
    }
  });

  it('keeps proofs from stored nodes valid for random trees, and the frontier equal to the recursive root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, b) => {
        const leaves = Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`));
        const t = grow(leaves);
        const root = rootOf(leaves);
        expect(t.frontier.root().equals(root)).toBe(true);
        const m = a % n;
        expect(verifyInclusion(m, n, leaves[m]!, assemble(inclusionPlan(m, n), t.node), root)).toBe(true);
        const s = (b % n) + 1;
        expect(verifyConsistency(s, n, rootOf(leaves.slice(0, s)), root, assemble(consistencyPlan(s, n), t.node))).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
