/**
 * `retention purge`: removes what is older than the retention period, after exporting it.
 *
 * 1. Refuses a cutoff younger than the retention minimum (6 years, HIPAA 45 CFR 164.316(b)(2);
 *    PRIORGATE_RETENTION_YEARS can only raise it) and an output folder that is not empty.
 * 2. In one transaction (a retention advisory lock keeps purges one at a time): locks the closed
 *    requests to remove, writes every row it will delete to NDJSON files (audit events, requests,
 *    their items, stored messages), writes manifest.json with each file's SHA-256 and row count and
 *    the new checkpoint, deletes exactly those rows, records a checkpoint (last purged event's seq
 *    and hash, manifest SHA-256) and appends a `retention.purge` audit event that confirms it.
 * 3. If anything fails, the transaction rolls back and the files written so far are removed.
 *
 * The audit log stays verifiable: only a sealed prefix is removed; the checkpoint is the Merkle root
 * over it (the tree's nodes are kept, they hold no content), confirmed by the purge's own event, and
 * `verifyAudit` starts there. The export carries each event's sealed leaf hash and the previous
 * checkpoint's tree frontier, so `retention check` re-builds the tree up to the new checkpoint from
 * the files alone.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appendAudit, EMPTY_ROOT, hex, PURGE_ACTION, treeAt } from '../audit/index.ts';
import { MIN_RETENTION_YEARS } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { sealedEventsPage } from '../db/queries/audit-log.ts';
import { withTransaction } from '../db/tx.ts';
import {
  auditPurgeRange,
  deletePurged,
  insertCheckpoint,
  latestCheckpoint,
  lockPurgeableRequests,
  lockRetention,
  messagesPage,
  requestItemsByIds,
  requestsByIdsOrdered,
} from '../db/queries/retention.ts';
import { AppError } from '../errors/index.ts';
import { ndjsonFile, type WrittenFile } from './ndjson-file.ts';

export const EXPORT_FORMAT = 'priorgate-retention-export/1';
export const MANIFEST = 'manifest.json';
const PAGE = 1000;

export interface PurgeOptions {
  cutoff: Date;
  outDir: string;
  retentionYears: number;
  actor: string;
  now?: Date;
  requestId?: string;
}

export interface Manifest {
  format: string;
  createdAt: string;
  cutoff: string;
  retentionYears: number;
  files: WrittenFile[];
  /**
   * `hash` is the Merkle root over the events up to `seq`; `base` the events before the tree's first
   * leaf; `previous.frontier` the tree's right edge at the previous checkpoint (hex, largest subtree
   * first), from which the exported events re-build the tree up to `hash`.
   */
  checkpoint: { seq: number; hash: string; base: number; previous: { seq: number; hash: string; frontier: string[] } };
}

export interface PurgeReport {
  outDir: string;
  manifestSha256: string;
  manifest: Manifest;
  deleted: { auditEvents: number; requests: number; requestItems: number; messages: number };
}

/** The youngest cutoff allowed at `now`: `years` calendar years earlier. */
export function latestAllowedCutoff(now: Date, years: number): Date {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d;
}

/** @throws AppError invalid when the cutoff is too young or the output folder is unusable */
export function checkPurgeRequest(o: Pick<PurgeOptions, 'cutoff' | 'outDir' | 'retentionYears' | 'now'>) {
  const years = Math.max(o.retentionYears, MIN_RETENTION_YEARS);
  const latest = latestAllowedCutoff(o.now ?? new Date(), years);
  if (Number.isNaN(o.cutoff.getTime())) throw new AppError('invalid', 'the cutoff is not a date (use --before YYYY-MM-DD)');
  if (o.cutoff > latest) {
    throw new AppError(
      'invalid',
      `refusing to purge before ${o.cutoff.toISOString().slice(0, 10)}: records must be kept ${years} years, so the cutoff must be ${latest.toISOString().slice(0, 10)} or earlier`,
    );
  }
  if (!path.isAbsolute(o.outDir)) throw new AppError('invalid', 'the output folder must be an absolute path');
  if (existsSync(o.outDir) && readdirSync(o.outDir).length > 0) throw new AppError('invalid', `the output folder ${o.outDir} is not empty: an export never overwrites files`);
}

export async function purgeBefore(db: Db, o: PurgeOptions): Promise<PurgeReport> {
  checkPurgeRequest(o);
  const now = o.now ?? new Date();
  mkdirSync(o.outDir, { recursive: true, mode: 0o700 });
  // Each run of the transaction writes its own files; a run that fails removes them (the
  // transaction runner may run it again after a deadlock).
  return withTransaction(db, async (tx) => {
    const created: string[] = [];
    const open = (name: string) => {
      created.push(name);
      return ndjsonFile(o.outDir, name);
    };
    try {
      await lockRetention(tx);
      const range = await auditPurgeRange(tx, o.cutoff);
      const previousCp = await latestCheckpoint(tx);
      const base = (await treeAt(tx, range.after))?.base ?? 0;
      const previousSeq = previousCp?.seq ?? range.after;
      const previousTree = await treeAt(tx, previousSeq);
      const tree = range.upTo > range.after ? await treeAt(tx, range.upTo) : previousTree;
      if (range.upTo > range.after && (!tree || !previousTree)) {
        throw new AppError('conflict', 'the audit log is not sealed yet (no signed tree head covers these events): start the gateway once, then purge');
      }
      const previous = { seq: previousSeq, hash: previousCp?.hash ?? previousTree?.root ?? hex(EMPTY_ROOT), frontier: previousTree?.frontier ?? [] };
      const requestIds = await lockPurgeableRequests(tx, o.cutoff);
      const files: WrittenFile[] = [];

      const audit = open('audit-events.ndjson');
      for (let after = range.after; after < range.upTo; ) {
        const page = await sealedEventsPage(tx, after, base, PAGE, range.upTo);
        if (page.length === 0) break;
        for (const e of page) await audit.write(e);
        after = page[page.length - 1]!.seq!;
      }
      files.push(await audit.close());

      const reqs = open('requests.ndjson');
      const items = open('request-items.ndjson');
      for (let i = 0; i < requestIds.length; i += PAGE) {
        const chunk = requestIds.slice(i, i + PAGE);
        for (const r of await requestsByIdsOrdered(tx, chunk)) await reqs.write(r);
        for (const r of await requestItemsByIds(tx, chunk)) await items.write(r);
      }
      files.push(await reqs.close(), await items.close());

      const msgs = open('messages.ndjson');
      for (let after = 0; ; ) {
        const page = await messagesPage(tx, o.cutoff, after, PAGE);
        for (const m of page) await msgs.write(m);
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.seq;
      }
      files.push(await msgs.close());

      const purging = range.upTo > range.after;
      const checkpoint = {
        seq: purging ? range.upTo : previous.seq,
        hash: purging ? tree!.root : previous.hash,
        base,
        previous,
      };
      const manifest: Manifest = { format: EXPORT_FORMAT, createdAt: now.toISOString(), cutoff: o.cutoff.toISOString(), retentionYears: o.retentionYears, files, checkpoint };
      const text = `${JSON.stringify(manifest, null, 2)}\n`;
      const manifestSha256 = createHash('sha256').update(text).digest('hex');
      created.push(MANIFEST);
      writeFileSync(path.join(o.outDir, MANIFEST), text, { flag: 'wx', mode: 0o600 });

      const deleted = await deletePurged(tx, o.cutoff, requestIds, range.upTo);
      const expected = Object.fromEntries(files.map((f) => [f.name, f.rows]));
      if (
        deleted.auditEvents !== expected['audit-events.ndjson'] ||
        deleted.requests !== expected['requests.ndjson'] ||
        deleted.requestItems !== expected['request-items.ndjson'] ||
        deleted.messages !== expected['messages.ndjson']
      ) {
        throw new Error('the data changed while it was being exported; nothing was deleted (run the purge again)');
      }
      await insertCheckpoint(tx, { seq: checkpoint.seq, hash: checkpoint.hash, cutoff: o.cutoff, manifestSha256, at: now });
      await appendAudit(tx, {
        actor: o.actor,
        action: PURGE_ACTION,
        entityType: 'audit_checkpoint',
        entityId: String(checkpoint.seq),
        requestId: o.requestId ?? null,
        detail: { cutoff: o.cutoff.toISOString(), checkpointSeq: checkpoint.seq, checkpointHash: checkpoint.hash, manifestSha256, previousCheckpointSeq: previous.seq, deleted },
      });
      return { outDir: o.outDir, manifestSha256, manifest, deleted };
    } catch (e) {
      for (const name of created) rmSync(path.join(o.outDir, name), { force: true });
      throw e;
    }
  });
}
