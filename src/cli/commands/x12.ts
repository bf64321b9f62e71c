/**
 * `priorgate x12 pretty FILE|-`: one segment per line with its loop id and name (see prettyX12).
 * `priorgate x12 map [--set NAME] [--pending]`: the X12 ⇄ FHIR map (translate/map), one position per
 * line: set, loop, position, where it lands in (or comes from) FHIR, how, and why when it has no
 * home yet. `priorgate x12 map FILE|-`: every data-bearing element of a file, and where it landed:
 * `landed`, `pending` (a 278 response position issue 13 maps), `mapped` (a position with a home,
 * for sets written from FHIR), `dropped` or `no-home`.
 * Exit 0; 1 when a file has a dropped or homeless element; 2 when the input cannot be read.
 */
import { readFile } from 'node:fs/promises';
import { fidelityOf, MAP_SETS, positionLabel, X12_MAP, type MapEntry } from '../../translate/index.ts';
import { parseX12, prettyX12 } from '../../x12/index.ts';

export interface X12Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = 'usage: priorgate x12 pretty FILE|- | priorgate x12 map [FILE|-] [--set NAME] [--pending]';

async function readText(file: string, io: X12Io): Promise<string | undefined> {
  try {
    return file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8');
  } catch (e) {
    fail(io, `priorgate x12: cannot read ${file}: ${(e as Error).message}`);
    return undefined;
  }
}

export async function run(args: string[], io: X12Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'pretty') {
    const [file, ...extra] = rest;
    if (!file || extra.length > 0) return fail(io, USAGE);
    const text = await readText(file, io);
    if (text === undefined) return 2;
    const result = parseX12(text, { validate: false });
    if (!result.isX12) return fail(io, `priorgate x12: ${file === '-' ? 'stdin' : file} is not X12 (no ISA at the start)`);
    io.stdout.write(prettyX12(result));
    return 0;
  }
  if (sub === 'map') return map(rest, io);
  return fail(io, USAGE);
}

async function map(args: string[], io: X12Io): Promise<number> {
  let set: string | undefined;
  let pendingOnly = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--set') set = args[++i] ?? '';
    else if (args[i] === '--pending') pendingOnly = true;
    else positional.push(args[i]!);
  }
  if (set !== undefined && !(MAP_SETS as readonly string[]).includes(set)) return fail(io, `priorgate x12 map: --set takes one of ${MAP_SETS.map((s) => `"${s}"`).join(', ')}`);
  if (positional.length > 1) return fail(io, USAGE);
  const file = positional[0];
  if (!file) {
    const rows = X12_MAP.filter((e) => (!set || e.set === set) && (!pendingOnly || e.pending));
    io.stdout.write(`${['set', 'loop', 'position', 'fhir', 'as', 'note'].join('\t')}\n`);
    for (const e of rows) io.stdout.write(`${row(e)}\n`);
    return 0;
  }
  const text = await readText(file, io);
  if (text === undefined) return 2;
  if (!parseX12(text, { validate: false }).isX12) return fail(io, `priorgate x12: ${file === '-' ? 'stdin' : file} is not X12 (no ISA at the start)`);
  const report = fidelityOf(text);
  for (const f of report.findings.filter((x) => (!set || x.set === set) && (!pendingOnly || x.status === 'pending'))) {
    io.stdout.write(`${[f.status.padEnd(8), f.set, f.loop, f.position, JSON.stringify(f.value), f.entry?.fhir || f.entry?.pending || ''].join('\t')}\n`);
  }
  const c = report.counts;
  io.stdout.write(`# ${c.landed} landed, ${c.mapped} mapped, ${c.pending} pending (issue 13), ${c.dropped} dropped, ${c['no-home']} without a FHIR home\n`);
  return c.dropped + c['no-home'] > 0 ? 1 : 0;
}

function row(e: MapEntry): string {
  return [e.set, e.loop, positionLabel(e), e.fhir || '-', e.as, e.pending ? `PENDING ${e.pending}` : (e.note ?? '')].join('\t');
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
