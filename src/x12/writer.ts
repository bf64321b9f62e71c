/**
 * X12 writer. Escape policy (details in sanitize.ts and README.md): the writer picks delimiters
 * that occur nowhere in the data; any delimiter or control character still present in a value is
 * replaced by a space, lone surrogates by U+FFFD, and values are trimmed. It never produces a
 * file whose structure a value can change.
 *
 * Envelopes are exact: ISA is 106 characters (fixed widths, space padded), control numbers come
 * from the caller's `ControlNumbers`, SE01/GE01/IEA01 are counted, trailing empty elements and
 * trailing empty components are suppressed. Dates and times are written in UTC from `now`.
 */
import type { ControlNumbers } from './control-numbers.ts';
import type { Delimiters, Party } from './model.ts';
import { chooseDelimiters } from './sanitize.ts';
import { SegmentSerializer, X12WriteError } from './serializer.ts';
import type { Segment } from './types.ts';

export { SegmentSerializer, X12WriteError, type WriteErrorCode } from './serializer.ts';

export interface TransactionInput {
  /** ST01. */
  setId: string;
  /** The body between ST and SE, both excluded. */
  segments: Segment[];
}

export interface GroupInput {
  /** GS01: HI (278), HS (270), HB (271), FA (999). */
  functionalId: string;
  applicationSender: string;
  applicationReceiver: string;
  /** GS08 and ST03, e.g. 005010X217. */
  version: string;
  transactions: TransactionInput[];
}

export interface InterchangeInput {
  sender: Party;
  receiver: Party;
  /** ISA15. */
  usage: 'P' | 'T';
  /** ISA14; default false. */
  ackRequested?: boolean;
  /** ISA01/ISA02; default 00 and blanks. */
  authorization?: { qualifier: string; information: string };
  /** ISA03/ISA04; default 00 and blanks. */
  security?: { qualifier: string; information: string };
  /** TA1 segments (interchange acknowledgments), written before the groups. */
  ta1?: Segment[];
  groups: GroupInput[];
}

export interface WriteOptions {
  controlNumbers: ControlNumbers;
  now: Date;
  /** Force some or all delimiters; the others are chosen from the data. */
  delimiters?: Partial<Delimiters>;
  /** Written after each segment terminator ('' by default). */
  lineBreak?: '' | '\n' | '\r\n';
}

/** Every value an interchange will write, for delimiter choice. */
/** Every value an interchange will carry (what delimiters must avoid). */
export function* interchangeValues(ic: InterchangeInput): Generator<string> {
  yield ic.sender.id, ic.receiver.id, ic.sender.qualifier, ic.receiver.qualifier;
  if (ic.authorization) yield ic.authorization.information;
  if (ic.security) yield ic.security.information;
  const segs = (list: Segment[] | undefined) => list ?? [];
  for (const s of segs(ic.ta1)) yield* segmentValues(s);
  for (const g of ic.groups) {
    yield g.functionalId, g.applicationSender, g.applicationReceiver, g.version;
    for (const tx of g.transactions) {
      yield tx.setId;
      for (const s of tx.segments) yield* segmentValues(s);
    }
  }
}

function* segmentValues(s: Segment): Generator<string> {
  for (const el of s.elements) {
    if (typeof el === 'string') yield el;
    else if (Array.isArray(el)) yield* el;
    else for (const r of el.repeats) typeof r === 'string' ? yield r : yield* r;
  }
}

/**
 * Writes a whole interchange.
 *
 * @example
 * writeX12({ sender: { qualifier: 'ZZ', id: 'PRIORGATE' }, receiver: { qualifier: 'ZZ', id: 'PAYER' },
 *   usage: 'T', groups: [{ functionalId: 'HI', applicationSender: 'PRIORGATE', applicationReceiver: 'PAYER',
 *   version: '005010X217', transactions: [{ setId: '278', segments }] }] },
 *   { controlNumbers: new InMemoryControlNumbers(), now: new Date('2025-01-02T03:04:00Z') });
 */
export function writeX12(ic: InterchangeInput, opts: WriteOptions): string {
  const delimiters = chooseDelimiters(interchangeValues(ic), opts.delimiters);
  const out: string[] = [];
  const w = new X12StreamWriter((chunk) => out.push(chunk), ic, { ...opts, delimiters });
  for (const s of ic.ta1 ?? []) w.ta1(s);
  for (const g of ic.groups) {
    w.beginGroup(g);
    for (const tx of g.transactions) {
      w.beginTransaction(tx.setId);
      for (const s of tx.segments) w.segment(s);
      w.endTransaction();
    }
    w.endGroup();
  }
  w.end();
  return out.join('');
}

/**
 * One transaction set (ST..SE) as text, for golden tests and for callers that envelope elsewhere.
 * Delimiters default to `* : ^ ~`.
 */
export function writeTransaction(
  tx: TransactionInput,
  opts: { controlNumber: string | number; version: string; delimiters?: Partial<Delimiters>; lineBreak?: '' | '\n' | '\r\n' },
): string {
  const s = new SegmentSerializer({ element: '*', component: ':', repetition: '^', segment: '~', ...opts.delimiters }, opts.lineBreak);
  const ctl = formatSt(opts.controlNumber);
  let out = s.segment({ tag: 'ST', elements: [tx.setId, ctl, opts.version] });
  for (const seg of tx.segments) out += s.segment(seg);
  return out + s.segment({ tag: 'SE', elements: [String(tx.segments.length + 2), ctl] });
}

function formatSt(n: string | number): string {
  const s = String(n).padStart(4, '0');
  if (s.length > 9) throw new X12WriteError('CONTROL_NUMBER_RANGE', `ST02 '${s}' is longer than 9 characters`);
  return s;
}

function checkedNumber(kind: string, n: number, max: number): number {
  if (!Number.isInteger(n) || n < 1 || n > max) throw new X12WriteError('CONTROL_NUMBER_RANGE', `${kind} control number ${n} is outside 1..${max}`);
  return n;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * Streaming writer: segments go out in chunks as they are written, so a 1 GB interchange never sits
 * in memory. Delimiters must be given (there is no look-ahead to choose them); data is sanitized.
 */
export class X12StreamWriter {
  private readonly s: SegmentSerializer;
  private buf = '';
  private groups = 0;
  private txs = 0;
  private count = 0;
  private gsCtl = 0;
  private stCtl = '';
  private appSender = '';
  private version = '';
  private readonly isaCtl: string;
  private readonly ymd: string;
  private readonly hm: string;

  constructor(private readonly sink: (chunk: string) => void, private readonly ic: Omit<InterchangeInput, 'groups'>,
    private readonly opts: Omit<WriteOptions, 'delimiters'> & { delimiters: Delimiters }) {
    this.s = new SegmentSerializer(opts.delimiters, opts.lineBreak ?? '');
    const now = opts.now;
    this.ymd = `${now.getUTCFullYear()}${pad2(now.getUTCMonth() + 1)}${pad2(now.getUTCDate())}`;
    this.hm = `${pad2(now.getUTCHours())}${pad2(now.getUTCMinutes())}`;
    this.isaCtl = String(checkedNumber('ISA', opts.controlNumbers.next('ISA', ic.sender.id), 999_999_999)).padStart(9, '0');
    this.emit(this.isa());
  }

  private isa(): string {
    const d = this.opts.delimiters;
    const fixed = (name: string, v: string, width: number) => {
      const clean = this.s.value(v);
      if (clean.length > width) throw new X12WriteError('FIELD_TOO_LONG', `${name} '${clean}' is longer than ${width}`);
      return clean.padEnd(width, ' ');
    };
    const ic = this.ic;
    const fields = [
      fixed('ISA01', ic.authorization?.qualifier ?? '00', 2), fixed('ISA02', ic.authorization?.information ?? '', 10),
      fixed('ISA03', ic.security?.qualifier ?? '00', 2), fixed('ISA04', ic.security?.information ?? '', 10),
      fixed('ISA05', ic.sender.qualifier, 2), fixed('ISA06', ic.sender.id, 15),
      fixed('ISA07', ic.receiver.qualifier, 2), fixed('ISA08', ic.receiver.id, 15),
      this.ymd.slice(2), this.hm, d.repetition, '00501', this.isaCtl, ic.ackRequested ? '1' : '0', ic.usage, d.component,
    ];
    return ['ISA', ...fields].join(d.element) + d.segment + (this.opts.lineBreak ?? '');
  }

  ta1(seg: Segment): void {
    this.emit(this.s.segment(seg));
  }

  beginGroup(g: Omit<GroupInput, 'transactions'>): void {
    this.groups++;
    this.txs = 0;
    this.appSender = g.applicationSender;
    this.gsCtl = checkedNumber('GS', this.opts.controlNumbers.next('GS', g.applicationSender), 999_999_999);
    this.version = g.version;
    this.emit(this.s.segment({
      tag: 'GS',
      elements: [g.functionalId, g.applicationSender, g.applicationReceiver, this.ymd, this.hm, String(this.gsCtl), 'X', g.version],
    }));
  }

  beginTransaction(setId: string): void {
    this.txs++;
    this.count = 1;
    this.stCtl = formatSt(checkedNumber('ST', this.opts.controlNumbers.next('ST', this.appSender), 999_999_999));
    this.emit(this.s.segment({ tag: 'ST', elements: [setId, this.stCtl, this.version] }));
  }

  segment(seg: Segment): void {
    this.count++;
    this.emit(this.s.segment(seg));
  }

  endTransaction(): void {
    this.count++;
    this.emit(this.s.segment({ tag: 'SE', elements: [String(this.count), this.stCtl] }));
  }

  endGroup(): void {
    this.emit(this.s.segment({ tag: 'GE', elements: [String(this.txs), String(this.gsCtl)] }));
  }

  end(): void {
    this.emit(this.s.segment({ tag: 'IEA', elements: [String(this.groups), this.isaCtl] }));
    this.flush();
  }

  private emit(text: string): void {
    this.buf += text;
    if (this.buf.length >= 65_536) this.flush();
  }

  private flush(): void {
    if (this.buf.length > 0) this.sink(this.buf);
    this.buf = '';
  }
}
