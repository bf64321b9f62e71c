/**
 * Checks a retention export folder on its own (no database): every file's SHA-256 and row count
 * against manifest.json, and the exported audit events: each one against the leaf hash sealed for
 * it, in order, and all of them re-building the Merkle tree from the previous checkpoint's frontier
 * to the root the purge recorded as its checkpoint. Compare the manifest's SHA-256 printed here with the
 * checkpoint `priorgate audit verify` reports to tie the folder to the live trail.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { eventLeafHash, Frontier, hex, unhex } from '../audit/index.ts';
import { MANIFEST, type Manifest } from './purge.ts';

export interface ExportCheck {
  ok: boolean;
  manifestSha256: string;
  problems: string[];
}

async function hashFile(file: string): Promise<{ sha256: string; rows: number }> {
  const hash = createHash('sha256');
  let rows = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    for (const byte of chunk as Buffer) if (byte === 10) rows++;
  }
  return { sha256: hash.digest('hex'), rows };
}

export async function checkExport(dir: string): Promise<ExportCheck> {
  const text = readFileSync(path.join(dir, MANIFEST), 'utf8');
  const manifestSha256 = createHash('sha256').update(text).digest('hex');
  const manifest = JSON.parse(text) as Manifest;
  const problems: string[] = [];
  for (const f of manifest.files) {
    const got = await hashFile(path.join(dir, f.name)).catch(() => undefined);
    if (!got) problems.push(`${f.name}: missing`);
    else if (got.sha256 !== f.sha256) problems.push(`${f.name}: SHA-256 does not match the manifest`);
    else if (got.rows !== f.rows) problems.push(`${f.name}: ${got.rows} rows, the manifest says ${f.rows}`);
  }
  if (problems.length === 0 && manifest.files.some((f) => f.name === 'audit-events.ndjson' && f.rows > 0)) {
    const problem = await checkAuditEvents(path.join(dir, 'audit-events.ndjson'), manifest.checkpoint);
    if (problem) problems.push(`audit-events.ndjson: ${problem}`);
  }
  return { ok: problems.length === 0, manifestSha256, problems };
}

/** Re-builds the tree from the previous checkpoint over the exported events; the first problem, if any. */
async function checkAuditEvents(file: string, cp: Manifest['checkpoint']): Promise<string | undefined> {
  const previousSize = cp.previous.seq - cp.base;
  let tree: Frontier;
  try {
    tree = new Frontier(previousSize, cp.previous.frontier.map(unhex));
  } catch {
    return 'the manifest\'s previous checkpoint is not a tree frontier';
  }
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const e = JSON.parse(line);
    const expected = cp.base + tree.size + 1;
    if (e.seq !== expected) return e.seq > expected ? `event ${expected} is missing` : `event ${e.seq} is out of order`;
    if (typeof e.leaf !== 'string' || !eventLeafHash({ ...e, at: new Date(e.at) }).equals(unhex(e.leaf))) return `event ${e.seq} was altered`;
    tree.push(unhex(e.leaf));
  }
  if (cp.base + tree.size !== cp.seq || hex(tree.root()) !== cp.hash) return 'the exported events do not re-build the checkpoint\'s tree';
  return undefined;
}
