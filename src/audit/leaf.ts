/**
 * What the Merkle log commits to for each event: its leaf is the RFC 8785 canonical JSON of every
 * stored field, its insert id and its place in the log (`seq`) included, so an edited field, a row
 * moved to another place, or two rows swapped each change the leaf. Events from the old hash chain
 * keep their chain hashes inside the leaf. Pure.
 */
import canonicalizeModule from 'canonicalize';
import { hashedFields, type AuditFields } from './chain.ts';
import { leafHash, type Hash } from './merkle.ts';

// The package is CommonJS with an ESM-style `export default` in its typings; at run time the
// default import is the function itself.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** An audit event as stored, once sealed: the old chain's fields, its id, and the chain links of old events. */
export type SealedEvent = AuditFields & {
  id: number;
  /** The old hash chain's links (events from before the Merkle log); null otherwise. */
  prevHash: string | null;
  hash: string | null;
};

export const LEAF_VERSION = 'priorgate-audit-event/1';

export function leafData(e: SealedEvent): string {
  return canonicalize({
    v: LEAF_VERSION,
    id: e.id,
    ...hashedFields(e),
    ...(e.hash !== null ? { chain: { prevHash: e.prevHash, hash: e.hash } } : {}),
  })!;
}

export function eventLeafHash(e: SealedEvent): Hash {
  return leafHash(leafData(e));
}
