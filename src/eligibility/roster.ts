/**
 * Reading a roster CSV (`member_id,first_name,last_name,birth_date[,service_type]`, columns in any
 * order, extra columns ignored) as a stream, one record per line: a bad line is reported with its
 * line number and the rest proceeds. A field may be quoted (a comma inside a name) but may not run
 * over a line break: a broken quote then costs one line, not the rest of the file.
 */
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse/sync';
import { AppError } from '../errors/index.ts';
import { forbiddenCharacter } from '../http/text-guard.ts';
import { isServiceType } from '../translate/index.ts';

export interface RosterRow {
  /** 1-based line of the roster (the header is line 1). */
  line: number;
  memberId: string;
  firstName?: string;
  lastName: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  serviceType?: string;
}

export interface RosterProblem {
  line: number;
  memberId?: string;
  message: string;
}

export type RosterItem = { kind: 'row'; row: RosterRow } | { kind: 'problem'; problem: RosterProblem };

/** The roster as a whole cannot be read (no header, a missing column); messages name columns, never values. */
export class RosterError extends AppError {
  override name = 'RosterError';
  constructor(message: string) {
    super('invalid', message);
  }
}

const REQUIRED = ['member_id', 'last_name', 'birth_date'] as const;
const KNOWN = ['member_id', 'first_name', 'last_name', 'birth_date', 'service_type'] as const;
type Column = (typeof KNOWN)[number];
/** NM109 is at most 80 characters; letters, digits and - . _ keep it clear of every X12 delimiter. */
const MEMBER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** The key a roster row is known by in the results: member and service type. */
export function rosterKey(memberId: string, serviceType?: string): string {
  return `${memberId.trim().toUpperCase()}|${(serviceType ?? '').trim().toUpperCase()}`;
}

function fields(text: string): string[] {
  // Fast path for the common unquoted line; csv-parse for quoted ones.
  if (!text.includes('"')) return text.split(',').map((f) => f.trim());
  const [record] = parse(text, { trim: true, relax_column_count: true }) as string[][];
  return record ?? [];
}

/** 19800203 or 1980-02-03 → 1980-02-03 when it is a real date between 1900 and `today`. */
export function rosterDate(value: string, today: string): string | undefined {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value);
  if (!m) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso || iso < '1900-01-01' || iso > today) return undefined;
  return iso;
}

function header(text: string): Map<Column, number> {
  const names = fields(text.replace(/^\uFEFF/, '')).map((n) => n.toLowerCase());
  const columns = new Map<Column, number>();
  names.forEach((n, i) => (KNOWN as readonly string[]).includes(n) && !columns.has(n as Column) && columns.set(n as Column, i));
  const missing = REQUIRED.filter((c) => !columns.has(c));
  if (missing.length) throw new RosterError(`line 1: the header lacks ${missing.join(', ')} (expected member_id,first_name,last_name,birth_date[,service_type])`);
  return columns;
}

function validate(line: number, values: string[], columns: Map<Column, number>, today: string): RosterItem {
  const get = (c: Column) => (columns.has(c) ? (values[columns.get(c)!] ?? '').trim() : '');
  const memberId = get('member_id');
  const problem = (message: string): RosterItem => ({ kind: 'problem', problem: { line, ...(memberId ? { memberId } : {}), message } });
  if (!memberId) return problem('member_id is empty');
  // Control characters and unpaired surrogates are never roster data (and never reach a 270).
  const bad = values.map((v) => forbiddenCharacter(v)).find(Boolean);
  if (bad) return problem(`the line holds the character ${bad}, which is not accepted`);
  if (!MEMBER_ID.test(memberId)) return problem('member_id must be 1-80 letters, digits, dots, dashes or underscores');
  const lastName = get('last_name');
  if (!lastName) return problem('last_name is empty');
  const birthDate = rosterDate(get('birth_date'), today);
  if (!birthDate) return problem(`birth_date "${get('birth_date')}" is not a date (YYYY-MM-DD) between 1900 and today`);
  const serviceType = get('service_type').toUpperCase();
  if (serviceType && !isServiceType(serviceType)) return problem(`service_type "${serviceType}" is not an X12 service type code`);
  const firstName = get('first_name');
  return { kind: 'row', row: { line, memberId, ...(firstName ? { firstName } : {}), lastName, birthDate, ...(serviceType ? { serviceType } : {}) } };
}

/**
 * The roster's rows and problems, in file order, read line by line.
 * @param today YYYY-MM-DD: birth dates after it are refused
 */
export async function* readRoster(input: NodeJS.ReadableStream, today: string): AsyncGenerator<RosterItem> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let columns: Map<Column, number> | undefined;
  for await (const text of lines) {
    n++;
    if (!columns) {
      columns = header(text);
      continue;
    }
    if (text.trim() === '') continue;
    let values: string[];
    try {
      values = fields(text);
    } catch (e) {
      yield { kind: 'problem', problem: { line: n, message: `not a CSV record (${(e as Error).message.split(':')[0]})` } };
      continue;
    }
    yield validate(n, values, columns, today);
  }
  if (!columns) throw new RosterError('the roster is empty: no header line');
}

/** Data lines of a roster file (for progress): counted in chunks, never read whole. */
export async function countLines(input: NodeJS.ReadableStream): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of input) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
    if (buf.length) last = buf[buf.length - 1]!;
  }
  return Math.max(0, lines + (last === 10 ? 0 : 1) - 1);
}
