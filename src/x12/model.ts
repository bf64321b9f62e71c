/**
 * What the reader produces: interchanges → functional groups → transaction sets, each set with its
 * flat segments (ST..SE inclusive) and its loop tree, and every problem found as an `X12Issue`
 * carrying the X12 code that the 999 or TA1 reports.
 */
import type { Segment } from './types.ts';

export interface Delimiters {
  /** Data element separator (ISA position 4), `*` by default. */
  readonly element: string;
  /** Component element separator (ISA16), `:` by default. */
  readonly component: string;
  /** Repetition separator (ISA11), `^` by default. */
  readonly repetition: string;
  /** Segment terminator (the character after ISA16), `~` by default. */
  readonly segment: string;
}

export const DEFAULT_DELIMITERS: Delimiters = Object.freeze({ element: '*', component: ':', repetition: '^', segment: '~' });

/** A loop of the implementation guide: `{ id: '2000E', name: 'Patient Event Level', ... }`. */
export interface Loop {
  id: string;
  name: string;
  segments: Segment[];
  children: Loop[];
}

export type IssueLevel = 'interchange' | 'group' | 'transaction' | 'segment' | 'element';

/**
 * One problem, located as precisely as X12 allows. `code` is the value the acknowledgment carries
 * at that level: TA105 (interchange), AK905 (group), IK502 (transaction), IK304 (segment),
 * IK403 (element).
 */
export interface X12Issue {
  level: IssueLevel;
  code: string;
  severity: 'error' | 'warning';
  message: string;
  /** 1-based index of the segment in the whole input (ISA = 1). */
  segmentIndex?: number;
  interchangeControlNumber?: string;
  groupControlNumber?: string;
  setId?: string;
  transactionControlNumber?: string;
  /** Segment tag (IK301). */
  segmentId?: string;
  /** Position in the transaction set, ST = 1 (IK302). */
  segmentPosition?: number;
  /** Loop id (IK303), e.g. '2010A'. */
  loopId?: string;
  /** Element position in the segment (IK401-1). */
  elementPosition?: number;
  /** Component position in a composite (IK401-2). */
  componentPosition?: number;
  /** Repetition position of a repeating element (IK401-3). */
  repetitionPosition?: number;
  /** Data element reference number (IK402). */
  elementRef?: number;
  /** Copy of the bad value (IK404). */
  value?: string;
  /** A named envelope deviation (leniency.ts); a warning when the partner's configuration accepts it. */
  deviation?: string;
}

export interface Party {
  qualifier: string;
  id: string;
}

export interface TransactionSet {
  /** ST01: '278', '270', '271', '999' ... */
  setId: string;
  /** ST02. */
  controlNumber: string;
  /** ST03 when present, else the group's GS08. */
  version: string;
  /** ST03 exactly as received ('' when absent). */
  implementationConvention: string;
  /** Table used to group the loops ('278 request', '271' ...); undefined for unsupported sets. */
  specName?: string;
  /** ST..SE inclusive, in order; empty when the set was read in streaming mode. */
  segments: Segment[];
  /** HEADER pseudo-loop (ST, BHT / AK1), the detail loops, then TRAILER (AK9, SE). */
  loops: Loop[];
  errors: X12Issue[];
  /** Segment index (1-based, whole input) of ST. */
  startIndex: number;
  /** Number of segments from ST to SE inclusive as actually read. */
  segmentCount: number;
}

export interface FunctionalGroup {
  /** GS01: HI, HS, HB, FA. */
  functionalId: string;
  /** GS06. */
  controlNumber: string;
  /** GS08. */
  version: string;
  applicationSender: string;
  applicationReceiver: string;
  header: Segment;
  trailer?: Segment;
  transactions: TransactionSet[];
  errors: X12Issue[];
}

export interface Interchange {
  /** ISA13. */
  controlNumber: string;
  sender: Party;
  receiver: Party;
  /** ISA09 (YYMMDD) and ISA10 (HHMM). */
  date: string;
  time: string;
  /** ISA15: P production, T test. */
  usage: string;
  ackRequested: boolean;
  version: string;
  delimiters: Delimiters;
  header: Segment;
  trailer?: Segment;
  /** TA1 segments carried by this interchange (interchange acknowledgments). */
  ta1: Segment[];
  groups: FunctionalGroup[];
  errors: X12Issue[];
}

export interface ParseResult {
  interchanges: Interchange[];
  /** Every issue, in input order, whatever its level. */
  errors: X12Issue[];
  /** Number of segments read. */
  segmentCount: number;
  /** False when the input is not X12 at all (no ISA at its start). */
  isX12: boolean;
}
