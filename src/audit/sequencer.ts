/**
 * The sequencer: gives committed audit events their place in the log and seals them, a batch at a
 * time, into the Merkle tree with a signed tree head. Any process may run it; a transaction-scoped
 * advisory lock lets one at a time do a batch (a killed process's lock goes with its connection),
 * the others skip their turn. Appenders never wait for it: they insert and commit.
 *
 * A batch, in one transaction: take the lock; read the latest head and check its stored frontier
 * folds to its signed root; take the oldest unsealed events; number them after the tree's end;
 * hash them into leaves, store every complete node the leaves make; sign the new size and root;
 * store the head. An upgraded database's first batch is its old hash-chained events (chain checked).
 */
import type { CryptoKey } from 'jose';
import { allPublicKeys } from '../auth/index.ts';
import type { Db } from '../db/client.ts';
import {
  anythingToSeal,
  databaseNow,
  insertHead,
  insertNodes,
  legacyBounds,
  legacyChainHead,
  legacyPage,
  placeEvents,
  sealedWithoutChain,
  sequencerStart,
  storeSeal,
  unsealedEvents,
  type AuditEventRow,
  type HeadRow,
} from '../db/queries/audit-log.ts';
import { latestCheckpoint } from '../db/queries/retention.ts';
import { withTransaction } from '../db/tx.ts';
import { PriorgateError } from '../errors/index.ts';
import { chainChecker, type ChainBreak } from './chain.ts';
import { LOG_ID, openHead, signHead, type HeadSigner, type TreeHead } from './head.ts';
import { eventLeafHash, type SealedEvent } from './leaf.ts';
import { Frontier, hex, unhex } from './merkle.ts';

export interface SealDeps {
  db: Db;
  /** The key that signs tree heads (the gateway's current signing key). `sealBatch` asks for it inside its transaction, so there it must not use the database; `sealAll` resolves it first. */
  signer: () => HeadSigner | Promise<HeadSigner>;
  /** Events per batch (default 2000). */
  batchSize?: number;
}

export interface SealReport {
  headNo: number;
  treeSize: number;
  sealed: number;
  /** Per event: milliseconds from its insert to its seal (database clock); old-chain events excluded. */
  lagsMs: number[];
  sealedAt: Date;
}

/** The log cannot be extended: its stored state contradicts its signed heads. */
export class LogIntegrityError extends PriorgateError {
  override name = 'LogIntegrityError';
  constructor(message: string) {
    super('integrity', message);
  }
}

const asSealed = (e: AuditEventRow, seq: number): SealedEvent => ({ ...e, seq });

/** Verifies the latest head before the tree is extended from it (a head this process signed is trusted). */
function headGuard() {
  let keys: Map<string, CryptoKey> | undefined;
  let trusted: string | undefined;
  return {
    trust(jws: string) {
      trusted = jws;
    },
    async check(tx: Db, head: HeadRow) {
      if (head.jws === trusted) return;
      let opened = await openHead(head.jws, (kid) => keys?.get(kid));
      if (!opened.ok) {
        keys = await allPublicKeys(tx);
        opened = await openHead(head.jws, (kid) => keys?.get(kid));
      }
      if (!opened.ok) throw new LogIntegrityError(`tree head #${head.headNo} does not verify (${opened.reason}): sealing stopped; run priorgate audit verify`);
      let root: string | undefined;
      try {
        root = hex(new Frontier(head.treeSize, head.frontier.map(unhex)).root());
      } catch {
        root = undefined;
      }
      if (opened.head.headNo !== head.headNo || opened.head.treeSize !== head.treeSize || opened.head.rootHash !== head.rootHash || root !== head.rootHash) {
        throw new LogIntegrityError(`tree head #${head.headNo}'s stored tree does not match its signed root: sealing stopped; run priorgate audit verify`);
      }
      trusted = head.jws;
    },
  };
}
type HeadGuard = ReturnType<typeof headGuard>;

/** Seals the events of a database upgraded from the hash chain: they become the tree's first leaves. */
async function sealLegacy(tx: Db, signerOf: SealDeps['signer']): Promise<SealReport | undefined> {
  const bounds = await legacyBounds(tx);
  if (!bounds) return undefined;
  if ((await sealedWithoutChain(tx)) > 0) throw new LogIntegrityError('sealed events exist but no signed tree head does: the heads were removed; sealing stopped; run priorgate audit verify');
  const cp = await latestCheckpoint(tx);
  const base = bounds.lo - 1;
  const checker = chainChecker(cp && cp.seq === base ? cp : undefined);
  let broken: ChainBreak | undefined;
  const frontier = new Frontier();
  for (let after = base; ; ) {
    const page = await legacyPage(tx, after, 1000);
    const nodes: { level: number; idx: number; hash: string }[] = [];
    for (const e of page) {
      broken ??= checker.check({ ...e, seq: e.seq!, prevHash: e.prevHash ?? '', hash: e.hash ?? '' });
      for (const n of frontier.push(eventLeafHash(asSealed(e, e.seq!)))) nodes.push({ level: n.level, idx: n.idx, hash: hex(n.hash) });
    }
    await insertNodes(tx, nodes);
    if (page.length < 1000) break;
    after = page[page.length - 1]!.seq!;
  }
  const chainHead = await legacyChainHead(tx);
  broken ??= checker.finish(chainHead);
  const sealedAt = await databaseNow(tx);
  const head: TreeHead = {
    log: LOG_ID,
    headNo: 1,
    treeSize: frontier.size,
    rootHash: hex(frontier.root()),
    base,
    sealedAt: sealedAt.toISOString(),
    legacy: { events: frontier.size, chainHead: chainHead?.hash ?? '', intact: !broken, ...(broken ? { broken: `event ${broken.seq}: ${broken.reason}` } : {}) },
  };
  const signer = await signerOf();
  const jws = await signHead(head, signer);
  await insertHead(tx, { headNo: 1, treeSize: head.treeSize, rootHash: head.rootHash, base, sealedAt, kid: signer.kid, jws, frontier: frontier.hashes().map(hex) });
  return { headNo: 1, treeSize: head.treeSize, sealed: frontier.size, lagsMs: [], sealedAt };
}

/**
 * Seals one batch. Returns undefined when another process holds the sequencer (it is sealing), a
 * report with `sealed: 0` when nothing was waiting.
 * @throws LogIntegrityError when the stored log contradicts its signed heads (nothing is sealed)
 */
export function sealBatch(deps: SealDeps, guard: HeadGuard = headGuard()): Promise<SealReport | undefined> {
  return withTransaction(deps.db, async (tx) => {
    const start = await sequencerStart(tx);
    if (!start.locked) return undefined;
    const last = start.head;
    if (!last) {
      const legacy = await sealLegacy(tx, deps.signer);
      if (legacy) return legacy;
    } else {
      await guard.check(tx, last);
      if (start.maxSeq !== last.base + last.treeSize) {
        throw new LogIntegrityError(`the log holds sealed events beyond tree head #${last.headNo} (a head was removed or rolled back): sealing stopped; run priorgate audit verify`);
      }
    }
    const base = last?.base ?? 0;
    const frontier = last ? new Frontier(last.treeSize, last.frontier.map(unhex)) : new Frontier();
    const batch = await unsealedEvents(tx, deps.batchSize ?? 2000);
    if (batch.length === 0) return { headNo: last?.headNo ?? 0, treeSize: frontier.size, sealed: 0, lagsMs: [], sealedAt: new Date() };
    const places: { id: number; seq: number }[] = [];
    const nodes: { level: number; idx: number; hash: string }[] = [];
    for (const e of batch) {
      const seq = base + frontier.size + 1;
      places.push({ id: e.id, seq });
      for (const n of frontier.push(eventLeafHash(asSealed(e, seq)))) nodes.push({ level: n.level, idx: n.idx, hash: hex(n.hash) });
    }
    const sealedAt = await placeEvents(tx, places);
    const signer = await deps.signer();
    const headNo = (last?.headNo ?? 0) + 1;
    const head: TreeHead = { log: LOG_ID, headNo, treeSize: frontier.size, rootHash: hex(frontier.root()), base, sealedAt: sealedAt.toISOString() };
    const jws = await signHead(head, signer);
    await storeSeal(tx, nodes, { headNo, treeSize: head.treeSize, rootHash: head.rootHash, base, sealedAt, kid: signer.kid, jws, frontier: frontier.hashes().map(hex) });
    guard.trust(jws);
    return { headNo, treeSize: head.treeSize, sealed: batch.length, lagsMs: batch.map((e) => Math.max(0, sealedAt.getTime() - e.loggedAt.getTime())), sealedAt };
  });
}

/**
 * Seals until nothing is waiting (or another process holds the sequencer). Returns the batches
 * sealed. The signer is asked for once, only when there is something to seal, and outside any
 * transaction (it may read the key from the database: the embedded store has one connection).
 */
export async function sealAll(deps: SealDeps, onBatch?: (r: SealReport) => void): Promise<SealReport[]> {
  const guard = headGuard();
  const done: SealReport[] = [];
  let signer: HeadSigner | undefined;
  for (let busy = false; ; ) {
    // Idle, a cheap look first (no transaction); right after a batch, straight to the next one.
    if (!busy && !(await anythingToSeal(deps.db))) return done;
    signer ??= await deps.signer();
    const key = signer;
    const r = await sealBatch({ ...deps, signer: () => key }, guard);
    if (!r || r.sealed === 0) return done;
    done.push(r);
    onBatch?.(r);
    busy = true;
  }
}
