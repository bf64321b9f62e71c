/**
 * An NDJSON export file written row by row (constant memory), hashed as it is written: closing it
 * gives its SHA-256 and row count for the manifest. Files are created owner-only (0600): a
 * retention export holds PHI (stored messages).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface WrittenFile {
  name: string;
  sha256: string;
  rows: number;
  bytes: number;
}

export function ndjsonFile(dir: string, name: string) {
  const stream = createWriteStream(`${dir}/${name}`, { flags: 'wx', mode: 0o600 });
  const hash = createHash('sha256');
  let rows = 0;
  let bytes = 0;
  return {
    async write(row: unknown) {
      const line = `${JSON.stringify(row)}\n`;
      hash.update(line);
      rows++;
      bytes += Buffer.byteLength(line);
      if (!stream.write(line)) await once(stream, 'drain');
    },
    async close(): Promise<WrittenFile> {
      stream.end();
      await once(stream, 'finish');
      return { name, sha256: hash.digest('hex'), rows, bytes };
    },
    destroy() {
      stream.destroy();
    },
  };
}
