/**
 * Checks a retention export folder on its own (no database): every file's SHA-256 and row count
 * against manifest.json, and the exported audit events as a hash chain running from the previous
 * checkpoint to the one the purge recorded. Compare the manifest's SHA-256 printed here with the
 * checkpoint `priorgate audit verify` reports to tie the folder to the live trail.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chainChecker } from '../audit/chain.ts';
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
    const checker = chainChecker(manifest.checkpoint.previous);
    let last: { seq: number; hash: string } | undefined;
    const lines = createInterface({ input: createReadStream(path.join(dir, 'audit-events.ndjson')), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const e = JSON.parse(line);
      const broken = checker.check({ ...e, at: new Date(e.at) });
      if (broken) {
        problems.push(`audit-events.ndjson: ${broken.reason}`);
        break;
      }
      last = { seq: e.seq, hash: e.hash };
    }
    if (problems.length === 0 && (last?.seq !== manifest.checkpoint.seq || last?.hash !== manifest.checkpoint.hash)) {
      problems.push('audit-events.ndjson: the last exported event is not the checkpoint');
    }
  }
  return { ok: problems.length === 0, manifestSha256, problems };
}
