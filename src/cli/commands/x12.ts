/**
 * `priorgate x12 pretty FILE|-`: one segment per line with its loop id and name (see prettyX12).
 * `priorgate x12 map [--set NAME] [--pending] [--markdown]`: the X12 ⇄ FHIR map (translate/map), one
 * position per line (TSV, or Markdown as in docs/x12-map.md): set, loop, position, where it lands
 * in (or comes from) FHIR, how, and why when it has no home yet. `priorgate x12 map FILE|-`: every data-bearing element of a file, and where it landed:
 * `landed`, `pending` (a 278 response position issue 14 maps), `outside-pas` (listed as having no
 * element in the PAS profiles, with why), `mapped` (a position with a home, for sets written from
 * FHIR), `dropped` or `no-home`.
 * Exit 0; 1 when a file has a dropped or homeless element; 2 when the input cannot be read.
 */
import { readFile } from 'node:fs/promises';
import { fidelityOf, MAP_SETS, positionLabel, X12_MAP, type MapEntry } from '../../translate/index.ts';
import { parseX12, prettyX12 } from '../../x12/index.ts';
import { usageOf } from '../help.ts';

export interface X12Io {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const USAGE = usageOf('x12');

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
  let markdown = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--set') set = args[++i] ?? '';
    else if (args[i] === '--pending') pendingOnly = true;
    else if (args[i] === '--markdown') markdown = true;
    else positional.push(args[i]!);
  }
  if (set !== undefined && !(MAP_SETS as readonly string[]).includes(set)) return fail(io, `priorgate x12 map: --set takes one of ${MAP_SETS.map((s) => `"${s}"`).join(', ')}`);
  if (positional.length > 1) return fail(io, USAGE);
  const file = positional[0];
  if (!file) {
    const rows = X12_MAP.filter((e) => (!set || e.set === set) && (!pendingOnly || e.pending));
    if (markdown) {
      io.stdout.write(markdownOf(rows));
      return 0;
    }
    io.stdout.write(`${['set', 'loop', 'position', 'fhir', 'as', 'note'].join('\t')}\n`);
    for (const e of rows) io.stdout.write(`${row(e)}\n`);
    return 0;
  }
  const text = await readText(file, io);
  if (text === undefined) return 2;
  if (!parseX12(text, { validate: false }).isX12) return fail(io, `priorgate x12: ${file === '-' ? 'stdin' : file} is not X12 (no ISA at the start)`);
  const report = fidelityOf(text);
  for (const f of report.findings.filter((x) => (!set || x.set === set) && (!pendingOnly || x.status === 'pending'))) {
    io.stdout.write(`${[f.status.padEnd(8), f.set, f.loop, f.position, shown(f.value), f.entry?.fhir || f.entry?.pending || f.entry?.outsidePas || ''].join('\t')}\n`);
  }
  const c = report.counts;
  io.stdout.write(`# ${c.landed} landed, ${c.mapped} mapped, ${c.pending} pending (issue 14), ${c['outside-pas']} outside PAS, ${c.dropped} dropped, ${c['no-home']} without a FHIR home\n`);
  return c.dropped + c['no-home'] > 0 ? 1 : 0;
}

/** Values longer than this are shown by their start and length (BDS03 carries a whole document). */
const SHOWN_MAX = 64;

/** A value as the report shows it: JSON, or its first characters and its length when long. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  if (typeof value !== 'string' || value.length <= SHOWN_MAX) return text;
  return `${JSON.stringify(value.slice(0, SHOWN_MAX - 16))}… (${value.length} characters)`;
}

const DIRECTION_TEXT: Record<string, string> = {
  '278 request': 'PAS request Bundle → 278 request: where each X12 element comes from',
  '278 response': '278 response → PAS response Bundle: where each X12 element lands (PENDING: issue 14 maps it; OUTSIDE PAS: no PAS element, and why)',
  '270': 'CoverageEligibilityRequest Bundle → 270: where each X12 element comes from',
  '271': '271 → CoverageEligibilityResponse Bundle: where each X12 element lands',
  '275': 'PAS request Bundle (and the answer to its 278) → 275: where each X12 element comes from',
  '999': "A payer's 999 → the request's errors: where each X12 element lands",
};

/** The map as Markdown (docs/x12-map.md is this output; a test keeps them equal). */
function markdownOf(rows: readonly MapEntry[]): string {
  const cell = (v: string) => v.replace(/\|/g, '\\|');
  const out = [
    '# X12 ⇄ FHIR map',
    '',
    'Generated by `npx priorgate x12 map --markdown` from `src/translate/map/` (the same table the fidelity',
    'suite enforces: `test/fidelity/map.test.ts`). FHIR paths are FHIRPath on the Bundle\'s resources; `.target`',
    'is the resource a Reference points at in the same Bundle. `as` says how the value appears (see',
    '`src/translate/map/types.ts`); `present` means the element is a qualifier whose meaning is carried by',
    'the FHIR element\'s system, type or place.',
    '',
  ];
  for (const set of MAP_SETS) {
    const mine = rows.filter((e) => e.set === set);
    if (!mine.length) continue;
    out.push(`## ${set}`, '', DIRECTION_TEXT[set] ?? '', '', '| loop | position | FHIR | as | note |', '|---|---|---|---|---|');
    for (const e of mine) out.push(`| ${e.loop} | ${cell(positionLabel(e))} | ${e.fhir ? `\`${cell(e.fhir)}\`` : '—'} | ${e.as} | ${cell(noteOf(e))} |`);
    out.push('');
  }
  return `${out.join('\n')}`;
}

function row(e: MapEntry): string {
  return [e.set, e.loop, positionLabel(e), e.fhir || '-', e.as, noteOf(e)].join('\t');
}

function noteOf(e: MapEntry): string {
  return e.pending ? `PENDING ${e.pending}` : e.outsidePas ? `OUTSIDE PAS ${e.outsidePas}` : (e.note ?? '');
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
