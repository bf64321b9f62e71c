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
import { chooseDelimiters } from './sanitize.ts';
import { interchangeValues, writeX12, type GroupInput, type InterchangeInput } from './writer.ts';
import { ackControlNumber, ackDateTime, ackGroupId, ackPartyId, ackQualifier, ackSegmentId, ackSetId, printable } from './ack-values.ts';

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
  const numbers = oneCounter(opts.controlNumbers ?? new InMemoryControlNumbers());
  let accepted = summaries.length > 0;
  let kind: '999' | 'TA1' = '999';
  const out: { input: InterchangeInput; now: Date }[] = [];
  for (const s of summaries) {
    const ic = s.interchange;
    const received = ackDateTime(ic.date, ic.time);
    const now = opts.now ?? isaDate(received.date, received.time);
    const envelope = {
      sender: { qualifier: ackQualifier(ic.receiver.qualifier), id: ackPartyId(ic.receiver.id) },
      receiver: { qualifier: ackQualifier(ic.sender.qualifier), id: ackPartyId(ic.sender.id) },
      usage: (ic.usage === 'P' ? 'P' : 'T') as 'P' | 'T',
    };
    const envelopeErrors = s.issues.filter(isError);
    const envelopeWarnings = s.issues.filter((i) => !isError(i));
    const ta1Of = (status: 'A' | 'E' | 'R', note: string): Segment => ({
      tag: 'TA1',
      elements: [ackControlNumber(ic.controlNumber), received.date, received.time, status, /^\d{3}$/.test(note) ? note : '024'],
    });
    // Acknowledgments are never acknowledged with a 999 (X231A1): a group of 999s (FA) only gets
    // the interchange's TA1, rejecting when the 999s themselves are broken.
    const realGroups = s.groups.filter((g) => !g.synthetic && g.functionalId !== 'FA');
    const brokenAcks = s.groups.some((g) => g.functionalId === 'FA' && (g.issues.some(isError) || g.transactions.some((t) => t.issues.some(isError))));
    // An envelope error gets a rejecting TA1; so does a functional group a 999 cannot name (AK101
    // and AK102 are mandatory: a GS01 or GS06 that is not valid cannot be echoed). An interchange
    // without groups to acknowledge (one that only carries TA1s or 999s) gets TA1 A/000.
    const unnamed = realGroups.some((g) => !ackGroupId(g.functionalId, g.controlNumber));
    if (envelopeErrors.length > 0 || realGroups.length === 0 || unnamed) {
      kind = 'TA1';
      const rejected = envelopeErrors.length > 0 || brokenAcks || unnamed || s.groups.some((g) => g.synthetic);
      if (rejected) accepted = false;
      const note = envelopeErrors[0]?.code ?? (rejected ? '024' : envelopeWarnings[0]?.code ?? '000');
      out.push({ input: { ...envelope, ta1: [ta1Of(rejected ? 'R' : envelopeWarnings.length ? 'E' : 'A', note)], groups: [] }, now });
      continue;
    }
    const groups: GroupInput[] = [];
    for (const g of realGroups) {
      const { segments, groupAccepted } = ack999(g, envelopeWarnings.length > 0);
      accepted &&= groupAccepted;
      groups.push({
        functionalId: 'FA',
        applicationSender: ackPartyId(g.applicationReceiver),
        applicationReceiver: ackPartyId(g.applicationSender),
        version: '005010X231A1',
        transactions: [{ setId: '999', segments }],
      });
    }
    // Envelope deviations accepted anyway (a partner's named leniency, ISA11 = ISA16 read by the
    // tables) are warnings: TA1 E beside the 999s, whose AK9 then says E too.
    const ta1 = envelopeWarnings.length ? [ta1Of('E', envelopeWarnings[0]!.code)] : [];
    out.push({ input: { ...envelope, ta1, groups }, now });
  }
  const orphans = (opts.orphans ?? []).filter(isError);
  const last = summaries[summaries.length - 1]?.interchange;
  if (orphans.length > 0 && last) {
    accepted = false;
    const received = ackDateTime(last.date, last.time);
    const envelope = {
      sender: { qualifier: ackQualifier(last.receiver.qualifier), id: ackPartyId(last.receiver.id) },
      receiver: { qualifier: ackQualifier(last.sender.qualifier), id: ackPartyId(last.sender.id) },
      usage: (last.usage === 'P' ? 'P' : 'T') as 'P' | 'T',
    };
    // TA101 000000000: the junk belongs to no interchange, so none is blamed.
    const note = /^\d{3}$/.test(orphans[0]!.code) ? orphans[0]!.code : '024';
    const ta1: Segment = { tag: 'TA1', elements: ['000000000', received.date, received.time, 'R', note] };
    out.push({ input: { ...envelope, ta1: [ta1], groups: [] }, now: opts.now ?? isaDate(received.date, received.time) });
  }
  // One answer to several interchanges is one file: the same delimiters throughout (chosen from all
  // of its values), and control numbers that never repeat within it.
  const delimiters = chooseDelimiters(out.flatMap(({ input }) => [...interchangeValues(input)]));
  const ack = out.map(({ input, now }) => writeX12(input, { controlNumbers: numbers, now, delimiters, lineBreak: opts.lineBreak })).join('');
  return { ack, ackKind: kind, accepted };
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

/**
 * AK1 .. AK9 for one functional group (the group must be nameable: `ackGroupId`). Counts agree:
 * AK903 is the sets received, AK904 the sets accepted (IK5 A or E), and AK901 follows from them
 * (A, E, P, R). A group rejected for its own envelope (AK905 codes: GE01 count, GE02, GS08 ...)
 * accepts none of its sets: AK904 is 0, and only sets with findings of their own get an AK2 loop,
 * so no IK5 says "accepted" under an AK9 that says none were.
 */
export function ack999(g: GroupSummary, envelopeWarned = false): { segments: Segment[]; groupAccepted: boolean } {
  const id = ackGroupId(g.functionalId, g.controlNumber)!;
  const version = printable(g.version, 1, 12);
  const segments: Segment[] = [{ tag: 'AK1', elements: [id.functionalId, id.controlNumber, ...(version ? [version] : [])] }];
  const groupCodes = codes(g.issues.filter(isError)).slice(0, 5);
  let acceptedSets = 0;
  let warned = false;
  for (const tx of g.transactions) {
    const txCodes = codes(tx.issues.filter((i) => i.level === 'transaction' && isError(i)));
    const segErrors = tx.issues.some((i) => (i.level === 'segment' || i.level === 'element') && isError(i));
    if (segErrors && !txCodes.includes('5')) txCodes.push('5');
    const status = txCodes.length > 0 ? 'R' : tx.issues.length > 0 ? 'E' : 'A';
    if (status !== 'R') acceptedSets++;
    if (status === 'E') warned = true;
    const named = ackSetId(tx.setId, tx.controlNumber, id.functionalId);
    if (!named || (groupCodes.length > 0 && status === 'A')) continue;
    const convention = printable(tx.convention, 1, 35);
    segments.push({ tag: 'AK2', elements: [named.setId, named.controlNumber, ...(convention ? [convention] : [])] });
    segments.push(...segmentNotes(tx.issues));
    segments.push({ tag: 'IK5', elements: [status, ...txCodes.slice(0, 5)] });
  }
  const received = g.transactions.length;
  if (groupCodes.length > 0) acceptedSets = 0;
  const status = groupCodes.length > 0 || acceptedSets === 0 ? 'R' : acceptedSets < received ? 'P' : warned || envelopeWarned ? 'E' : 'A';
  const included = /^\d{1,6}$/.test(g.included) ? String(Number(g.included)) : String(received);
  segments.push({ tag: 'AK9', elements: [status, included, String(received), String(acceptedSets), ...groupCodes] });
  return { segments, groupAccepted: status === 'A' || status === 'E' };
}

/**
 * IK3 (and IK4) segments, ordered by segment position. A segment whose id is not one (IK301 is
 * mandatory) gets no IK3: its set is still rejected with IK502 5. IK404 echoes the bad value only
 * when it is printable and fits (1..99); IK303 only when it is a loop id that fits.
 */
function segmentNotes(issues: X12Issue[]): Segment[] {
  const byPosition = new Map<number, X12Issue[]>();
  for (const i of issues) {
    if ((i.level !== 'segment' && i.level !== 'element') || i.segmentPosition === undefined) continue;
    const list = byPosition.get(i.segmentPosition) ?? [];
    list.push(i);
    byPosition.set(i.segmentPosition, list);
  }
  const out: Segment[] = [];
  const ik3 = (i: X12Issue, position: number, code: string): Segment | undefined => {
    const tag = ackSegmentId(i.segmentId);
    return tag ? { tag: 'IK3', elements: [tag, String(position), printable(i.loopId, 1, 6) ?? '', code] } : undefined;
  };
  for (const position of [...byPosition.keys()].sort((a, b) => a - b)) {
    const list = byPosition.get(position)!;
    for (const i of list.filter((x) => x.level === 'segment')) {
      const s = ik3(i, position, i.code);
      if (s) out.push(s);
    }
    const elements = list.filter((x) => x.level === 'element').sort((a, b) => (a.elementPosition ?? 0) - (b.elementPosition ?? 0));
    const head = elements[0] && ik3(elements[0], position, '8');
    if (!head) continue;
    out.push(head);
    for (const e of elements) {
      out.push({
        tag: 'IK4',
        elements: [
          [String(e.elementPosition ?? 1), e.componentPosition ? String(e.componentPosition) : '', e.repetitionPosition ? String(e.repetitionPosition) : ''],
          e.elementRef && e.elementRef < 10_000 ? String(e.elementRef) : '',
          e.code,
          e.code === '1' ? '' : (printable(e.value, 1, 99) ?? ''),
        ],
      });
    }
  }
  return out;
}

function codes(issues: X12Issue[]): string[] {
  return [...new Set(issues.map((i) => i.code))];
}

/**
 * Every number of one acknowledgment from one counter per kind: the writer asks for GS and ST
 * numbers by application sender and for ISA numbers by interchange sender, and the received ids may
 * differ between groups or interchanges, which would repeat a GS06 or an ISA13 within the answer.
 */
function oneCounter(numbers: ControlNumbers): ControlNumbers {
  return { next: (kind) => numbers.next(kind, 'ACK') };
}

/** The acknowledgment's own envelope date when the caller gives none: the (valid) received one. */
function isaDate(date: string, time: string): Date {
  const n = (s: string, a: number) => Number(s.slice(a, a + 2));
  return new Date(Date.UTC(2000 + n(date, 0), n(date, 2) - 1, n(date, 4), n(time, 0), n(time, 2)));
}
