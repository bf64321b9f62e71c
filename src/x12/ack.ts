/**
 * Acknowledgments from collected issues: a TA1 for an interchange whose envelope is in error,
 * else one 999 per functional group (AK1, an AK2/IK3/IK4/IK5 loop per transaction set, AK9).
 * IK3 positions count from ST = 1; element problems of a segment go under one IK3 with code 8.
 */
import { InMemoryControlNumbers, type ControlNumbers } from './control-numbers.ts';
import type { Interchange, X12Issue } from './model.ts';
import type { Segment } from './types.ts';
import { firstValue } from './element-check.ts';
import { parseX12 } from './reader.ts';
import { writeX12, type GroupInput } from './writer.ts';

export interface TxSummary {
  setId: string;
  controlNumber: string;
  /** ST03 as received ('' when absent). */
  convention: string;
  issues: X12Issue[];
}

export interface GroupSummary {
  functionalId: string;
  controlNumber: string;
  version: string;
  applicationSender: string;
  applicationReceiver: string;
  /** GE01 as received. */
  included: string;
  synthetic: boolean;
  transactions: TxSummary[];
  issues: X12Issue[];
}

export interface InterchangeSummary {
  interchange: Interchange;
  issues: X12Issue[];
  groups: GroupSummary[];
}

export interface AckOptions {
  controlNumbers?: ControlNumbers;
  /** Envelope date of the acknowledgment; default: the received ISA09/ISA10 (keeps this pure). */
  now?: Date;
  /** Written after each segment terminator of the acknowledgment ('' by default). */
  lineBreak?: '' | '\n' | '\r\n';
  /** Problems outside every interchange (junk after an IEA): a TA1 of their own, blaming no interchange. */
  orphans?: X12Issue[];
}

export interface AckResult {
  ack: string;
  ackKind: '999' | 'TA1';
  accepted: boolean;
}

const isError = (i: X12Issue) => i.severity === 'error';

export function buildAcks(summaries: InterchangeSummary[], opts: AckOptions = {}): AckResult {
  const numbers = opts.controlNumbers ?? new InMemoryControlNumbers();
  let accepted = summaries.length > 0;
  let kind: '999' | 'TA1' = '999';
  let ack = '';
  for (const s of summaries) {
    const ic = s.interchange;
    const now = opts.now ?? isaDate(ic.date, ic.time);
    const envelope = {
      sender: { qualifier: qualifier(ic.receiver.qualifier), id: (ic.receiver.id || 'UNKNOWN').slice(0, 15) },
      receiver: { qualifier: qualifier(ic.sender.qualifier), id: (ic.sender.id || 'UNKNOWN').slice(0, 15) },
      usage: (ic.usage === 'P' ? 'P' : 'T') as 'P' | 'T',
    };
    const envelopeErrors = s.issues.filter(isError);
    const envelopeWarnings = s.issues.filter((i) => !isError(i));
    // Acknowledgments are never acknowledged with a 999 (X231A1): a group of 999s (FA) only gets
    // the interchange's TA1, rejecting when the 999s themselves are broken.
    const realGroups = s.groups.filter((g) => !g.synthetic && g.functionalId !== 'FA');
    const brokenAcks = s.groups.some((g) => g.functionalId === 'FA' && (g.issues.some(isError) || g.transactions.some((t) => t.issues.some(isError))));
    // An envelope error gets a rejecting TA1; so does nothing else. An interchange without groups
    // to acknowledge (one that only carries TA1s or 999s) gets TA1 A/000.
    if (envelopeErrors.length > 0 || realGroups.length === 0) {
      kind = 'TA1';
      const rejected = envelopeErrors.length > 0 || brokenAcks || s.groups.some((g) => g.synthetic);
      if (rejected) accepted = false;
      const code = envelopeErrors[0]?.code ?? (rejected ? '024' : envelopeWarnings[0]?.code ?? '000');
      const ta1 = ta1Segment(ic, rejected ? 'R' : envelopeWarnings.length ? 'E' : 'A', code);
      ack += writeX12({ ...envelope, ta1: [ta1], groups: [] }, { controlNumbers: numbers, now, lineBreak: opts.lineBreak });
      continue;
    }
    const groups: GroupInput[] = [];
    for (const g of realGroups) {
      const { segments, groupAccepted } = ack999(g, envelopeWarnings.length > 0);
      accepted &&= groupAccepted;
      groups.push({
        functionalId: 'FA',
        applicationSender: g.applicationReceiver || 'UNKNOWN',
        applicationReceiver: g.applicationSender || 'UNKNOWN',
        version: '005010X231A1',
        transactions: [{ setId: '999', segments }],
      });
    }
    // Envelope deviations accepted anyway (a partner's named leniency, ISA11 = ISA16 read by the
    // tables) are warnings: TA1 E beside the 999s, whose AK9 then says E too.
    const ta1 = envelopeWarnings.length ? [ta1Segment(ic, 'E', envelopeWarnings[0]!.code)] : [];
    ack += writeX12({ ...envelope, ta1, groups }, { controlNumbers: numbers, now, lineBreak: opts.lineBreak });
  }
  const orphans = (opts.orphans ?? []).filter(isError);
  const last = summaries[summaries.length - 1]?.interchange;
  if (orphans.length > 0 && last) {
    accepted = false;
    const envelope = {
      sender: { qualifier: qualifier(last.receiver.qualifier), id: (last.receiver.id || 'UNKNOWN').slice(0, 15) },
      receiver: { qualifier: qualifier(last.sender.qualifier), id: (last.sender.id || 'UNKNOWN').slice(0, 15) },
      usage: (last.usage === 'P' ? 'P' : 'T') as 'P' | 'T',
    };
    // TA101 000000000: the junk belongs to no interchange, so none is blamed.
    const ta1: Segment = { tag: 'TA1', elements: ['000000000', validOr(last.date, /^\d{6}$/, '000101'), validOr(last.time, /^\d{4}$/, '0000'), 'R', orphans[0]!.code] };
    ack += writeX12({ ...envelope, ta1: [ta1], groups: [] }, { controlNumbers: numbers, now: opts.now ?? isaDate(last.date, last.time), lineBreak: opts.lineBreak });
  }
  return { ack, ackKind: kind, accepted };
}

function ta1Segment(ic: Interchange, status: 'A' | 'E' | 'R', code: string): Segment {
  return { tag: 'TA1', elements: [pad9(ic.controlNumber), validOr(ic.date, /^\d{6}$/, '000101'), validOr(ic.time, /^\d{4}$/, '0000'), status, code] };
}

/**
 * Whether an acknowledgment accepts what it acknowledges: every TA1 says A or E (TA104) and every
 * 999 group says A or E (AK901). The one reading of an acknowledgment used for every verdict.
 */
export function ackAccepts(ack: string): boolean {
  if (ack === '') return false;
  const parsed = parseX12(ack, { validate: false });
  let seen = 0;
  for (const ic of parsed.interchanges) {
    for (const t of ic.ta1) {
      seen++;
      if (!['A', 'E'].includes(firstValue(t.elements[3]))) return false;
    }
    for (const g of ic.groups) for (const tx of g.transactions) {
      for (const ak9 of tx.segments.filter((x) => x.tag === 'AK9')) {
        seen++;
        if (!['A', 'E'].includes(firstValue(ak9.elements[0]))) return false;
      }
    }
  }
  return seen > 0;
}

/** AK1 .. AK9 for one functional group. */
export function ack999(g: GroupSummary, envelopeWarned = false): { segments: Segment[]; groupAccepted: boolean } {
  const segments: Segment[] = [{ tag: 'AK1', elements: [g.functionalId, g.controlNumber, g.version] }];
  let acceptedSets = 0;
  let warned = false;
  for (const tx of g.transactions) {
    segments.push({ tag: 'AK2', elements: [tx.setId, tx.controlNumber, tx.convention] });
    segments.push(...segmentNotes(tx.issues));
    const txCodes = codes(tx.issues.filter((i) => i.level === 'transaction' && isError(i)));
    const segErrors = tx.issues.some((i) => (i.level === 'segment' || i.level === 'element') && isError(i));
    if (segErrors && !txCodes.includes('5')) txCodes.push('5');
    const status = txCodes.length > 0 ? 'R' : tx.issues.length > 0 ? 'E' : 'A';
    if (status !== 'R') acceptedSets++;
    if (status === 'E') warned = true;
    segments.push({ tag: 'IK5', elements: [status, ...txCodes.slice(0, 5)] });
  }
  const groupCodes = codes(g.issues.filter(isError)).slice(0, 5);
  const received = g.transactions.length;
  const status = groupCodes.length > 0 || acceptedSets === 0 ? 'R' : acceptedSets < received ? 'P' : warned || envelopeWarned ? 'E' : 'A';
  const included = /^\d{1,6}$/.test(g.included) ? g.included : String(received);
  segments.push({ tag: 'AK9', elements: [status, included, String(received), String(acceptedSets), ...groupCodes] });
  return { segments, groupAccepted: status === 'A' || status === 'E' };
}

/** IK3 (and IK4) segments, ordered by segment position. */
function segmentNotes(issues: X12Issue[]): Segment[] {
  const byPosition = new Map<number, X12Issue[]>();
  for (const i of issues) {
    if ((i.level !== 'segment' && i.level !== 'element') || i.segmentPosition === undefined) continue;
    const list = byPosition.get(i.segmentPosition) ?? [];
    list.push(i);
    byPosition.set(i.segmentPosition, list);
  }
  const out: Segment[] = [];
  for (const position of [...byPosition.keys()].sort((a, b) => a - b)) {
    const list = byPosition.get(position)!;
    for (const i of list.filter((x) => x.level === 'segment')) {
      out.push({ tag: 'IK3', elements: [i.segmentId ?? '', String(position), i.loopId ?? '', i.code] });
    }
    const elements = list.filter((x) => x.level === 'element').sort((a, b) => (a.elementPosition ?? 0) - (b.elementPosition ?? 0));
    if (elements.length === 0) continue;
    out.push({ tag: 'IK3', elements: [elements[0]!.segmentId ?? '', String(position), elements[0]!.loopId ?? '', '8'] });
    for (const e of elements) {
      out.push({
        tag: 'IK4',
        elements: [
          [String(e.elementPosition ?? 1), e.componentPosition ? String(e.componentPosition) : '', e.repetitionPosition ? String(e.repetitionPosition) : ''],
          e.elementRef ? String(e.elementRef) : '',
          e.code,
          e.code === '1' || e.value === undefined ? '' : e.value.slice(0, 99),
        ],
      });
    }
  }
  return out;
}

function codes(issues: X12Issue[]): string[] {
  return [...new Set(issues.map((i) => i.code))];
}

function isaDate(date: string, time: string): Date {
  if (!/^\d{6}$/.test(date) || !/^\d{4}$/.test(time)) return new Date(Date.UTC(2000, 0, 1));
  const n = (s: string, a: number) => Number(s.slice(a, a + 2));
  return new Date(Date.UTC(2000 + n(date, 0), n(date, 2) - 1, n(date, 4), n(time, 0), n(time, 2)));
}

function qualifier(q: string): string {
  return /^[A-Z0-9]{2}$/.test(q) ? q : 'ZZ';
}

function pad9(v: string): string {
  return /^\d{1,9}$/.test(v) ? v.padStart(9, '0') : '000000000';
}

function validOr(v: string, re: RegExp, fallback: string): string {
  return re.test(v) ? v : fallback;
}
