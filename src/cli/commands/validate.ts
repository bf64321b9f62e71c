/**
 * `priorgate validate FILE|- [--summary]`: X12 in → the 999 (or TA1) on stdout, or a one-line
 * verdict with --summary. JSON in (starts with `{`) → the FHIR validator plugged in by the caller.
 * Exit 0 accepted, 1 rejected, 2 unreadable (missing file, not X12, no FHIR validator, bad usage).
 * X12 is validated as a stream, so file size does not matter.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { validateX12Stream, type ValidationResult, type X12Issue } from '../../x12/index.ts';
import { usageOf } from '../help.ts';

export interface ValidateIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** FHIR Bundle validation, plugged in by the CLI entry point. */
  validateFhir?: (text: string) => Promise<{ accepted: boolean; outcome: unknown }>;
}

const USAGE = usageOf('validate');

export async function run(args: string[], io: ValidateIo): Promise<number> {
  const summary = args.includes('--summary');
  const rest = args.filter((a) => a !== '--summary');
  const file = rest[0];
  if (!file || rest.length > 1 || (file.startsWith('-') && file !== '-')) return fail(io, USAGE);
  let chunks: AsyncIterator<string | Buffer>;
  try {
    if (file !== '-' && !(await stat(file)).isFile()) return fail(io, `priorgate validate: ${file} is not a file`);
    const stream = file === '-' ? io.stdin : createReadStream(file);
    chunks = (stream as AsyncIterable<string | Buffer>)[Symbol.asyncIterator]();
  } catch (e) {
    return fail(io, `priorgate validate: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const head: (string | Buffer)[] = [];
    let first = '';
    while (first === '') {
      const next = await chunks.next();
      if (next.done) break;
      head.push(next.value);
      first = String(next.value).replace(/^[\s\ufeff]+/, '').slice(0, 1);
    }
    if (first === '{') return await fhir(await collect(head, chunks), io);
    const result = await validateX12Stream(replay(head, chunks), { lineBreak: '\n' });
    if (!result.isX12) return fail(io, `priorgate validate: ${file === '-' ? 'stdin' : file} is not X12 (no ISA at the start)`);
    io.stdout.write(summary ? `${verdict(result)}\n` : result.ack);
    return result.accepted ? 0 : 1;
  } catch (e) {
    return fail(io, `priorgate validate: cannot read ${file}: ${(e as Error).message}`);
  }
}

async function fhir(text: string, io: ValidateIo): Promise<number> {
  if (!io.validateFhir) return fail(io, 'FHIR validation not available');
  const { accepted, outcome } = await io.validateFhir(text);
  io.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  return accepted ? 0 : 1;
}

/** `accepted: 278 x1 (0 errors)` or `rejected: 3 errors, first: ...`. */
export function verdict(r: ValidationResult): string {
  const sets = Object.entries(r.counts).map(([id, n]) => `${id} x${n}`).join(', ') || 'no transaction sets';
  if (r.accepted) return `accepted: ${sets} (${r.errors.length} errors)`;
  const first = r.errors[0];
  return `rejected: ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}${first ? `, first: ${describe(first)}` : ''}`;
}

function describe(i: X12Issue): string {
  const where = [
    i.segmentId && i.segmentPosition !== undefined ? `${i.segmentId} at position ${i.segmentPosition}` : undefined,
    i.loopId ? `loop ${i.loopId}` : undefined,
    i.elementPosition !== undefined ? `element ${i.elementPosition}${i.componentPosition ? `-${i.componentPosition}` : ''}` : undefined,
    i.segmentIndex !== undefined ? `segment #${i.segmentIndex} of the file` : undefined,
  ].filter(Boolean);
  return `${i.message} [${i.level} code ${i.code}${where.length ? `; ${where.join(', ')}` : ''}]`;
}

async function* replay(head: (string | Buffer)[], rest: AsyncIterator<string | Buffer>): AsyncGenerator<string | Buffer> {
  yield* head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

async function collect(head: (string | Buffer)[], rest: AsyncIterator<string | Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of replay(head, rest)) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

function fail(io: ValidateIo, message: string): number {
  io.stderr.write(`${message}\n`);
  return 2;
}
