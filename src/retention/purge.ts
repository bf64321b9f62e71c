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
 * The audit chain stays verifiable: only a prefix is removed, the first remaining event links to
 * the checkpoint's hash, and `verifyAudit` starts there (see src/audit/index.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { appendAudit, GENESIS_HASH, PURGE_ACTION } from '../audit/index.ts';
import { MIN_RETENTION_YEARS } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import {
  auditEventsPage,
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
import { AppError } from '../http/errors.ts';
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
  checkpoint: { seq: number; hash: string; previous: { seq: number; hash: string } };
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
  const created: string[] = [];
  const open = (name: string) => {
    created.push(name);
    return ndjsonFile(o.outDir, name);
  };
  try {
    return await db.transaction(async (t) => {
      const tx = t as unknown as Db;
      await lockRetention(tx);
      const previous = (await latestCheckpoint(tx)) ?? { seq: 0, hash: GENESIS_HASH };
      const range = await auditPurgeRange(tx, o.cutoff);
      const requestIds = await lockPurgeableRequests(tx, o.cutoff);
      const files: WrittenFile[] = [];

      const audit = open('audit-events.ndjson');
      for (let after = range.after; after < range.upTo; ) {
        const page = await auditEventsPage(tx, after, range.upTo, PAGE);
        if (page.length === 0) break;
        for (const e of page) await audit.write(e);
        after = page[page.length - 1]!.seq;
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

      const checkpoint = { seq: range.upTo > range.after ? range.upTo : previous.seq, hash: range.hash ?? previous.hash, previous: { seq: previous.seq, hash: previous.hash } };
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
    });
  } catch (e) {
    for (const name of created) rmSync(path.join(o.outDir, name), { force: true });
    throw e;
  }
}
