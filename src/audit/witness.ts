/**
 * Exporting signed tree heads to external witnesses: a file (appended, fsync'd; put it on another
 * disk or host) and a webhook (POSTed through the SSRF-guarded transport of src/net, so a witness URL
 * obeys the rest-hook rules: https unless allowlisted, no private or metadata addresses). Each
 * witness gets the newest head whenever the log has grown since its last one; a failed POST is
 * retried at the next turn. Heads are signed JWSs: a witness verifies them with the gateway's public
 * keys (`/.well-known/jwks.json`), no shared secret needed. One exporter per witness at a time
 * (advisory lock); the webhook's progress is kept in the database, the file's in the file itself.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { Db } from '../db/client.ts';
import { advanceWitness, latestHead, tryWitnessLock, witnessCursor, witnessFailed, type HeadRow } from '../db/queries/audit-log.ts';
import { withTransaction } from '../db/tx.ts';
import { guardedRequest, type Resolver, type TlsMaterial } from '../net/index.ts';
import { VERSION } from '../version.ts';
import { appendWitnessFile, type WitnessHead } from './witness-file.ts';

export function witnessHead(row: HeadRow): WitnessHead {
  return { headNo: row.headNo, treeSize: row.treeSize, rootHash: row.rootHash, sealedAt: row.sealedAt.toISOString(), kid: row.kid, jws: row.jws };
}

/** The head number on the last line of a witness file, reading only its tail. */
export function lastHeadInFile(file: string): number {
  if (!existsSync(file)) return 0;
  const size = statSync(file).size;
  const length = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n').filter((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const n = (JSON.parse(lines[i]!) as { headNo?: unknown }).headNo;
      if (typeof n === 'number') return n;
    } catch {
      // a torn last line (a crash mid-write): look at the one before
    }
  }
  return 0;
}

/** Appends the newest head to the file if the file does not have it yet. Returns the head appended. */
export async function exportHeadToFile(db: Db, file: string): Promise<WitnessHead | undefined> {
  return withTransaction(db, async (tx) => {
    if (!(await tryWitnessLock(tx, 'file'))) return undefined;
    const head = await latestHead(tx);
    if (!head || head.headNo <= lastHeadInFile(file)) return undefined;
    const w = witnessHead(head);
    appendWitnessFile(file, [w]);
    return w;
  });
}

export interface WebhookWitness {
  url: string;
  allowlist: readonly string[];
  resolve?: Resolver;
  tls?: TlsMaterial;
  timeoutMs?: number;
}

/** The POST body: the head and how to check it. */
export function witnessBody(h: WitnessHead, jwksUrl?: string) {
  return { type: 'priorgate.audit-tree-head', ...h, ...(jwksUrl ? { jwks: jwksUrl } : {}) };
}

/**
 * POSTs the newest head to the webhook if it has not had it. Returns what happened; the cursor moves
 * only on a 2xx, so nothing is skipped by a failure. No transaction is held over the POST (on the
 * embedded store it would stop every other writer); two instances may both send a head, which a
 * witness tells by its number.
 */
export async function exportHeadToWebhook(db: Db, w: WebhookWitness, jwksUrl?: string): Promise<{ sent?: number; error?: string }> {
  const head = await latestHead(db);
  if (!head || head.headNo <= (await witnessCursor(db, 'webhook'))) return {};
  const r = await guardedRequest({
    endpoint: w.url,
    allowlist: w.allowlist,
    resolve: w.resolve,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': `Priorgate/${VERSION}` },
    body: JSON.stringify(witnessBody(witnessHead(head), jwksUrl)),
    timeoutMs: w.timeoutMs ?? 10_000,
    maxResponseBytes: 16 * 1024,
    statusOnly: true,
    ...(w.tls ? { tls: w.tls } : {}),
  });
  const error = r.kind === 'response' ? (r.status >= 200 && r.status < 300 ? undefined : `HTTP ${r.status}`) : r.kind === 'refused' ? `refused: ${r.reason}` : r.error;
  if (error) {
    await witnessFailed(db, 'webhook', error);
    return { error };
  }
  await advanceWitness(db, 'webhook', head.headNo);
  return { sent: head.headNo };
}
