/**
 * `priorgate x12 pretty FILE|-`: one segment per line with its loop id and name (see prettyX12).
 * Exit 0, or 2 when the input cannot be read or is not X12.
 */
import { readFile } from 'node:fs/promises';
import { parseX12, prettyX12 } from '../../x12/index.ts';
import { usageOf } from '../help.ts';

export interface X12Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = usageOf('x12');

export async function run(args: string[], io: X12Io): Promise<number> {
  const [sub, file, ...extra] = args;
  if (sub !== 'pretty' || !file || extra.length > 0) return fail(io, USAGE);
  let text: string;
  try {
    text = file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8');
  } catch (e) {
    return fail(io, `priorgate x12: cannot read ${file}: ${(e as Error).message}`);
  }
  const result = parseX12(text, { validate: false });
  if (!result.isX12) return fail(io, `priorgate x12: ${file === '-' ? 'stdin' : file} is not X12 (no ISA at the start)`);
  io.stdout.write(prettyX12(result));
  return 0;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<string | Buffer>) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

function fail(io: X12Io, message: string): number {
  io.stderr.write(`${message}\n`);
  return 2;
}
