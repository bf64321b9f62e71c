/**
 * Validation: syntax, envelopes, HL hierarchy and duplicate interchanges, answered with the
 * acknowledgment a clearinghouse would send back (a 999, or a TA1 when the envelope itself is bad).
 */
import { ackAccepts, buildAcks, type AckOptions, type GroupSummary, type InterchangeSummary, type TxSummary } from './ack.ts';
import type { Interchange, ParseResult, Party, X12Issue } from './model.ts';
import { ReaderCore, type ReaderEvents } from './reader-core.ts';
import { parseX12, type StreamInput } from './reader.ts';
import { StringDecoder } from 'node:string_decoder';
import { firstValue } from './element-check.ts';

/** Seen (sender, ISA13) pairs: a Set of `qualifier/id/ISA13` keys (added to), or a callback returning true for a duplicate. */
export type SeenInterchanges = Set<string> | ((sender: Party, controlNumber: string) => boolean);

export interface ValidateOptions extends AckOptions {
  seen?: SeenInterchanges;
  /** Named envelope deviations this partner may send (leniency.ts): warnings in the ack, not errors. */
  lenient?: readonly string[];
}

export interface ValidationResult {
  accepted: boolean;
  errors: X12Issue[];
  /** The 999 or TA1 interchange(s) as X12 text; '' when the input is not X12 at all. */
  ack: string;
  ackKind: '999' | 'TA1';
  /** False when the input does not even start with an ISA. */
  isX12: boolean;
  /** Transaction sets read, by ST01 ('278' → 2). */
  counts: Record<string, number>;
}

/** The key a `Set` of seen interchanges holds. */
export function interchangeKey(sender: Party, controlNumber: string): string {
  return `${sender.qualifier}/${sender.id}/${controlNumber}`;
}

class Collector {
  readonly summaries: InterchangeSummary[] = [];
  readonly errors: X12Issue[] = [];
  readonly counts: Record<string, number> = {};
  private ic?: InterchangeSummary;
  private group?: GroupSummary;
  private txIssues: X12Issue[] = [];

  constructor(private readonly seen?: SeenInterchanges) {}

  readonly events: ReaderEvents = {
    interchange: (ic, phase) => {
      if (phase === 'end') {
        this.ic = undefined;
        return;
      }
      this.ic = { interchange: ic, issues: [], groups: [] };
      this.summaries.push(this.ic);
      this.checkDuplicate(ic);
    },
    group: (g, _ic, phase) => {
      if (phase === 'start') {
        this.group = {
          functionalId: g.functionalId, controlNumber: g.controlNumber, version: g.version,
          applicationSender: g.applicationSender, applicationReceiver: g.applicationReceiver,
          included: '', synthetic: g.header.elements.length === 0, transactions: [], issues: [],
        };
        this.ic?.groups.push(this.group);
      } else if (this.group) {
        this.group.included = g.trailer ? firstValue(g.trailer.elements[0]) : '';
      }
    },
    transaction: (tx) => {
      const summary: TxSummary = { setId: tx.setId, controlNumber: tx.controlNumber, convention: tx.implementationConvention, issues: this.txIssues };
      this.group?.transactions.push(summary);
      this.counts[tx.setId] = (this.counts[tx.setId] ?? 0) + 1;
      this.txIssues = [];
    },
    // What the reader keeps, and only that: a streamed 999 is the parsed one (issue-budget.ts).
    issue: (issue, kept) => {
      if (kept) this.add(issue);
    },
  };

  /** Problems outside every interchange (junk after an IEA): acknowledged by a TA1 of their own. */
  readonly orphans: X12Issue[] = [];

  add(issue: X12Issue): void {
    this.errors.push(issue);
    if (issue.level === 'interchange') {
      if (this.ic) this.ic.issues.push(issue);
      else this.orphans.push(issue);
    } else if (issue.level === 'group') this.group?.issues.push(issue);
    else this.txIssues.push(issue);
  }

  private checkDuplicate(ic: Interchange): void {
    if (!this.seen) return;
    const duplicate = typeof this.seen === 'function'
      ? this.seen(ic.sender, ic.controlNumber)
      : this.seen.has(interchangeKey(ic.sender, ic.controlNumber));
    if (typeof this.seen !== 'function') this.seen.add(interchangeKey(ic.sender, ic.controlNumber));
    if (duplicate) {
      const issue: X12Issue = {
        level: 'interchange', code: '025', severity: 'error', interchangeControlNumber: ic.controlNumber,
        message: `duplicate interchange control number ${ic.controlNumber} from ${ic.sender.qualifier}/${ic.sender.id}`,
      };
      ic.errors.push(issue);
      this.add(issue);
    }
  }
}

/**
 * Validates X12 text (or a `parseX12` result, which carries its issues: parse it with validation on,
 * the default, or element-level problems will be missing) and builds the acknowledgment. Never
 * throws on bad input.
 *
 * @example
 * const { accepted, ack, ackKind } = validateX12(text, { seen: seenInterchanges });
 */
export function validateX12(input: string | ParseResult, opts: ValidateOptions = {}): ValidationResult {
  const collector = new Collector(opts.seen);
  const result = typeof input === 'string' ? parseX12(input, { lenient: opts.lenient }) : input;
  replay(result, collector);
  return finish(result.isX12, collector, opts);
}

/**
 * The verdict alone, for checks that never send the acknowledgment (the pre-send checks): X12 that
 * reads with no issue at all (not even a warning), every interchange holding a group and every group
 * a transaction set, is what a 999 of all A's answers, so that is the verdict without writing and
 * re-reading one. Anything else is judged by `validateX12` from the same parse: the acknowledgment
 * decides. A test holds the two verdicts equal over the sample files and edge cases.
 */
export function x12Verdict(text: string): { accepted: boolean; errors: X12Issue[]; clean: boolean } {
  const parsed = parseX12(text);
  if (isClean(parsed)) return { accepted: true, errors: [], clean: true };
  const v = validateX12(parsed);
  return { accepted: v.accepted, errors: v.errors, clean: false };
}

/** Read with no issue at all, every interchange holding a group and every group a transaction set. */
export function isClean(parsed: ParseResult): boolean {
  return (
    parsed.isX12 &&
    parsed.errors.length === 0 &&
    parsed.interchanges.length > 0 &&
    parsed.interchanges.every((ic) => ic.ta1.length === 0 && ic.groups.length > 0 && ic.groups.every((g) => g.transactions.length > 0))
  );
}

/** Streaming validation: memory stays bounded by the issues found, whatever the input size. */
export async function validateX12Stream(input: StreamInput, opts: ValidateOptions & { encoding?: BufferEncoding } = {}): Promise<ValidationResult> {
  const collector = new Collector(opts.seen);
  const core = new ReaderCore(collector.events, { retain: 'none', validate: true, lenient: opts.lenient });
  const decoder = new StringDecoder(opts.encoding ?? 'utf8');
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    core.feed(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
  }
  core.feed(decoder.end());
  const result = core.end();
  return finish(result.isX12, collector, opts);
}

function replay(result: ParseResult, c: Collector): void {
  const attached = new Set<X12Issue>();
  for (const ic of result.interchanges) {
    c.events.interchange!(ic, 'start');
    for (const i of ic.errors) if (i.code !== '025') (attached.add(i), c.add(i));
    for (const g of ic.groups) {
      c.events.group!(g, ic, 'start');
      for (const i of g.errors) (attached.add(i), c.add(i));
      for (const tx of g.transactions) {
        for (const i of tx.errors) (attached.add(i), c.add(i));
        c.events.transaction!(tx, g, ic);
      }
      c.events.group!(g, ic, 'end');
    }
    c.events.interchange!(ic, 'end');
  }
  for (const i of result.errors) if (!attached.has(i) && i.code !== '025') c.add(i);
}

function finish(isX12: boolean, c: Collector, opts: AckOptions): ValidationResult {
  if (!isX12 || c.summaries.length === 0) {
    return { accepted: false, errors: c.errors, ack: '', ackKind: 'TA1', isX12, counts: c.counts };
  }
  const { ack, ackKind } = buildAcks(c.summaries, { ...opts, orphans: c.orphans });
  // The verdict is read off the acknowledgment itself, so the two can never disagree.
  return { accepted: ackAccepts(ack), errors: c.errors, ack, ackKind, isX12, counts: c.counts };
}
