/**
 * Signed tree heads: after each sealed batch the sequencer signs the tree's size and root with the
 * gateway's signing key (ES384, the key that signs access tokens, src/auth/keys.ts). A head is a
 * compact JWS over the canonical JSON of the fields below; the database columns are a copy, and a
 * verifier trusts only what the signature covers. An external witness keeps these JWSs.
 */
import canonicalizeModule from 'canonicalize';
import { CompactSign, compactVerify, type CryptoKey } from 'jose';

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export const HEAD_TYPE = 'priorgate-tree-head+jws';
export const LOG_ID = 'priorgate-audit/1';

export interface TreeHead {
  log: typeof LOG_ID;
  /** 1, 2, 3, …: one per sealed batch. */
  headNo: number;
  /** Leaves in the tree (events sealed so far, counted from `base`). */
  treeSize: number;
  /** RFC 6962 Merkle tree hash, hex. */
  rootHash: string;
  /** Events before the tree's first leaf (purged before the database moved to the Merkle log). */
  base: number;
  /** ISO time the batch was sealed (database clock). */
  sealedAt: string;
  /** Only in head 1 of an upgraded database: the old hash chain as found when it was sealed. */
  legacy?: { events: number; chainHead: string; intact: boolean; broken?: string };
}

export interface HeadSigner {
  kid: string;
  key: CryptoKey;
}

export async function signHead(head: TreeHead, signer: HeadSigner): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalize(head)!)).setProtectedHeader({ alg: 'ES384', kid: signer.kid, typ: HEAD_TYPE }).sign(signer.key);
}

export type OpenedHead = { ok: true; head: TreeHead; kid: string } | { ok: false; reason: string };

/** Checks a head's signature against the gateway's keys (by `kid`) and returns what it signs. */
export async function openHead(jws: string, keyOf: (kid: string) => CryptoKey | undefined): Promise<OpenedHead> {
  const [encodedHeader] = jws.split('.');
  let kid: string | undefined;
  try {
    const header = JSON.parse(Buffer.from(encodedHeader ?? '', 'base64url').toString('utf8')) as { kid?: unknown; typ?: unknown; alg?: unknown };
    if (header.alg !== 'ES384' || header.typ !== HEAD_TYPE) return { ok: false, reason: 'it is not an ES384 tree head' };
    kid = typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return { ok: false, reason: 'its signature is not a JWS' };
  }
  const key = kid ? keyOf(kid) : undefined;
  if (!key) return { ok: false, reason: `it is signed by a key the gateway never had (kid ${kid ?? 'missing'})` };
  try {
    const { payload } = await compactVerify(jws, key, { algorithms: ['ES384'] });
    const head = JSON.parse(new TextDecoder().decode(payload)) as TreeHead;
    if (head.log !== LOG_ID) return { ok: false, reason: 'it is not a Priorgate audit tree head' };
    return { ok: true, head, kid: kid! };
  } catch {
    return { ok: false, reason: 'its signature does not verify' };
  }
}

/** The columns a stored head row must agree with its signed payload on. */
export function sameAsSigned(row: { headNo: number; treeSize: number; rootHash: string; base: number; sealedAt: Date }, head: TreeHead): boolean {
  return row.headNo === head.headNo && row.treeSize === head.treeSize && row.rootHash === head.rootHash && row.base === head.base && row.sealedAt.toISOString() === head.sealedAt;
}
