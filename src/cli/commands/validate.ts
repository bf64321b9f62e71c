/**
 * `priorgate validate FILE|- [--summary] [--payer ID]`: X12 in → the 999 (or TA1) on stdout, or a
 * one-line verdict with --summary. JSON in (starts with `{`) → a PAS Bundle (request, inquiry,
 * response, inquiry response, or a saved `$inquire` Parameters) validated by the server's own
 * validator, an OperationOutcome on stdout (its last issue per Bundle says what it was validated
 * as). Exit 0 accepted, 1 rejected, 2 unreadable (missing file, not X12, not a PAS Bundle, bad
 * usage). X12 is validated as a stream, so file size does not matter. The X12 verdict is the
 * acknowledgment's own (x12 `ackAccepts`), the same one `POST /payer/x12` and the pre-send check
 * reach; `--payer` applies that payer's envelope leniency (`x12.leniency` in rules/payers), as
 * `POST /payer/x12` does for its deliveries.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { loadConfig } from '../../config/index.ts';
import { checkText } from '../../fhir/operations/text-check.ts';
import { MAX_ARRAY_ITEMS, MAX_STRING_LENGTH } from '../../fhir/operations/read-body.ts';
import { operationOutcome, type OutcomeIssue } from '../../fhir/outcome.ts';
import { validatePasText } from '../../fhir/validate/index.ts';
import { loadPayers } from '../../rules/payers.ts';
import { validateX12Stream, type ValidationResult, type X12Issue } from '../../x12/index.ts';
import { usageOf } from '../help.ts';

export interface ValidateIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** FHIR Bundle validation; by default the server's PAS validator (`validatePasText`). */
  validateFhir?: (text: string) => Promise<{ accepted: boolean; outcome: unknown }>;
  env?: NodeJS.ProcessEnv;
}

const USAGE = usageOf('validate');

export async function run(args: string[], io: ValidateIo): Promise<number> {
  const summary = args.includes('--summary');
  let rest = args.filter((a) => a !== '--summary');
  let lenient: readonly string[] = [];
  const p = rest.indexOf('--payer');
  if (p >= 0) {
    const id = rest[p + 1];
    if (!id) return fail(io, USAGE);
    rest = rest.filter((_, i) => i !== p && i !== p + 1);
    const config = loadConfig(io.env ?? process.env);
    const payer = loadPayers(`${config.rulesDir}/payers`).payers.find((x) => x.id === id);
    if (!payer) return fail(io, `priorgate validate: no payer "${id}" in ${config.rulesDir}/payers`);
    lenient = payer.x12?.leniency ?? [];
  }
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
    if (first === '{') return await fhir(await collect(head, chunks), io, summary);
    const result = await validateX12Stream(replay(head, chunks), { lineBreak: '\n', lenient });
    if (!result.isX12) return fail(io, `priorgate validate: ${file === '-' ? 'stdin' : file} is not X12 (no ISA at the start)`);
    io.stdout.write(summary ? `${verdict(result)}\n` : result.ack);
    return result.accepted ? 0 : 1;
  } catch (e) {
    return fail(io, `priorgate validate: cannot read ${file}: ${(e as Error).message}`);
  }
}

async function fhir(text: string, io: ValidateIo, summary: boolean): Promise<number> {
  if (io.validateFhir) {
    const { accepted, outcome } = await io.validateFhir(text);
    io.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
    return accepted ? 0 : 1;
  }
  // The edge checks `Claim/$submit` makes before any profile (unpaired surrogates, control
  // characters, sizes), each naming its element.
  const problems = textProblems(text);
  if (problems.length > 0) {
    io.stdout.write(`${JSON.stringify(operationOutcome(problems), null, 2)}\n`);
    return 1;
  }
  const v = validatePasText(text);
  if (v.status === 'unreadable') {
    io.stderr.write(`priorgate validate: ${v.outcome.issue[0]?.diagnostics}\n`);
    io.stdout.write(summary ? `unreadable: ${v.outcome.issue[0]?.diagnostics}\n` : `${JSON.stringify(v.outcome, null, 2)}\n`);
    return 2;
  }
  if (summary) {
    const errors = v.outcome.issue.filter((i) => i.severity === 'error');
    const what = v.outcome.issue.filter((i) => i.severity === 'information' && i.diagnostics.startsWith('validated as')).map((i) => i.diagnostics.replace(/^validated as an? /, '').replace(/ \(PAS 2\.2\.1\).*$/, ''));
    io.stdout.write(v.status === 'accepted' ? `accepted: ${what.join(', ')}\n` : `rejected: ${errors.length} error${errors.length === 1 ? '' : 's'}, first: ${errors[0]?.expression?.[0]}: ${errors[0]?.diagnostics}\n`);
  } else {
    io.stdout.write(`${JSON.stringify(v.outcome, null, 2)}\n`);
  }
  return v.status === 'accepted' ? 0 : 1;
}

function textProblems(text: string): OutcomeIssue[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return []; // validatePasText says it is not JSON
  }
  const root = typeof (body as { resourceType?: unknown })?.resourceType === 'string' ? String((body as { resourceType: string }).resourceType) : 'Bundle';
  return checkText(body, root, { maxString: MAX_STRING_LENGTH, maxArray: MAX_ARRAY_ITEMS }).map(({ tooLarge: _, ...issue }) => issue);
}

/** `accepted: 278 x1 (0 errors)`, `accepted: 271 x1 (0 errors, 1 warning: ...)` or `rejected: 3 errors, first: ...`. */
export function verdict(r: ValidationResult): string {
  const sets = Object.entries(r.counts).map(([id, n]) => `${id} x${n}`).join(', ') || 'no transaction sets';
  const errors = r.errors.filter((e) => e.severity === 'error');
  const warnings = r.errors.filter((e) => e.severity === 'warning');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const warned = warnings.length ? `, ${plural(warnings.length, 'warning')}: ${describe(warnings[0]!)}` : '';
  if (r.accepted) return `accepted: ${sets} (${plural(errors.length, 'error')}${warned})`;
  const first = errors[0] ?? r.errors[0];
  return `rejected: ${plural(errors.length, 'error')}${first ? `, first: ${describe(first)}` : ''}`;
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
