/**
 * The synchronous reading engine: text chunks in, envelope structure, typed loops and issues out.
 * It follows ISA/GS/ST...SE/GE/IEA as a small state machine, checks control numbers and counts,
 * and hands each transaction set's body to a LoopBuilder chosen from the spec tables. Everything
 * is event-driven so the same engine serves `parseX12` (keep everything), the streaming reader
 * (emit loops, keep nothing) and validation.
 */
import { IssueBudget } from './issue-budget.ts';
import { checkSegmentElements, firstValue } from './element-check.ts';
import { checkGs, checkIsa, checkSt } from './envelope-check.ts';
import { LoopBuilder, type RetainMode, type StructureProblem } from './loop-builder.ts';
import { DEFAULT_DELIMITERS, type Delimiters, type FunctionalGroup, type Interchange, type IssueLevel, type Loop, type ParseResult, type TransactionSet, type X12Issue } from './model.ts';
import { compile, dictionarySegment } from './spec/compile.ts';
import { selectSpec } from './spec/index.ts';
import { resolveSharedSeparator } from './repetition.ts';
import { Tokenizer } from './tokenizer.ts';
import type { Segment } from './types.ts';

export interface ReaderOptions {
  /** 'transaction' keeps every segment and loop; 'loops' emits unit loops and keeps none; 'none' keeps nothing. */
  retain: RetainMode;
  /** Run element-level validation (IK4) on every segment. */
  validate: boolean;
  /** Cap on issue details kept in result arrays (events still see all; issue-budget.ts keeps what a verdict needs past it). Default 10,000. */
  maxStoredIssues?: number;
  /** Named envelope deviations accepted as warnings (leniency.ts); strict when absent. */
  lenient?: readonly string[];
}

export interface LoopContext {
  interchange: Interchange;
  group: FunctionalGroup;
  transaction: TransactionSet;
  /** Open enclosing loops, outermost first (their segments so far; emitted children removed). */
  ancestors: readonly Loop[];
}

export interface ReaderEvents {
  interchange?(ic: Interchange, phase: 'start' | 'end'): void;
  group?(group: FunctionalGroup, ic: Interchange, phase: 'start' | 'end'): void;
  transaction?(tx: TransactionSet, group: FunctionalGroup, ic: Interchange): void;
  loop?(loop: Loop, ctx: LoopContext): void;
  /** Every issue found; `kept`: whether this reading keeps it (issue-budget.ts), as a collector of its own must. */
  issue?(issue: X12Issue, kept: boolean): void;
}

interface TxState {
  tx: TransactionSet;
  builder?: LoopBuilder;
  pendingSt?: Segment;
}

const text = (s: Segment, i: number) => firstValue(s.elements[i - 1]);

export class ReaderCore {
  readonly result: ParseResult = { interchanges: [], errors: [], segmentCount: 0, isX12: true };
  private readonly tokenizer: Tokenizer;
  private ic?: Interchange;
  private group?: FunctionalGroup;
  private tx?: TxState;
  private groupNumbers = new Set<string>();
  /** ISA11 = ISA16: repetitions are told from components by the element definitions. */
  private sharedSeparator = false;
  private txNumbers = new Set<string>();
  private txCount = 0;
  private index = 0;
  private readonly budget: IssueBudget;

  constructor(private readonly events: ReaderEvents, private readonly opts: ReaderOptions) {
    this.budget = new IssueBudget(opts.maxStoredIssues);
    this.tokenizer = new Tokenizer({
      segment: (seg, raw) => this.segment(seg, raw),
      fatal: (code, message, head) => {
        if (code === '022' && this.index === 0) this.result.isX12 = false;
        // An ISA too broken to tokenize is still an interchange to answer: a TA1 names it by the
        // ISA's fixed positions (ISA13 at 90, ISA09 at 70 ...), the only thing left to go by.
        const placeholder = head !== undefined && !this.ic && this.result.interchanges.length === 0;
        if (placeholder) {
          this.startIc(fixedIsa(head), DEFAULT_DELIMITERS);
          this.events.interchange?.(this.ic!, 'start');
        }
        this.issue('interchange', code, message);
        if (placeholder) this.endIc();
      },
    });
  }

  feed(chunk: string): void {
    this.tokenizer.feed(chunk);
  }

  end(): ParseResult {
    this.tokenizer.end();
    if (this.tx) this.endTx(true);
    if (this.group) this.endGroup(true);
    if (this.ic) {
      this.issue('interchange', '023', `interchange ${this.ic.controlNumber} has no IEA trailer`);
      this.endIc();
    }
    return this.result;
  }

  private segment(seg: Segment, raw?: string): void {
    this.index++;
    this.result.segmentCount++;
    switch (seg.tag) {
      case 'ISA': return this.onIsa(seg, raw ?? '');
      case 'IEA': return this.onIea(seg);
      case 'GS': return this.onGs(seg);
      case 'GE': return this.onGe(seg);
      case 'ST': return this.onSt(seg);
      case 'SE': return this.onSe(seg);
      case 'TA1':
        if (this.ic && !this.group) {
          this.ic.ta1.push(seg);
          checkSegmentElements(seg, dictionarySegment('TA1')!, (p) => this.issue('interchange', '024', `invalid TA1: ${p.message}`));
          return;
        }
    }
    const state = this.tx;
    if (!state) {
      this.issue('interchange', '024', `segment ${seg.tag} is outside any transaction set`);
      return;
    }
    const tx = state.tx;
    tx.segmentCount++;
    if (this.sharedSeparator) this.resolveRepetitions(seg);
    if (this.opts.retain === 'transaction') tx.segments.push(seg);
    if (state.pendingSt) this.startBuilder(state, seg);
    state.builder?.add(seg, tx.segmentCount);
  }

  private onIsa(seg: Segment, raw: string): void {
    if (this.ic) {
      if (this.tx) this.endTx(true);
      if (this.group) this.endGroup(true);
      this.issue('interchange', '023', `interchange ${this.ic.controlNumber} has no IEA trailer`);
      this.endIc();
    }
    const d = this.tokenizer.delimiters ?? DEFAULT_DELIMITERS;
    this.startIc(seg, d);
    // Started before its issues are raised, so a streaming listener files them under this interchange.
    this.events.interchange?.(this.ic!, 'start');
    for (const p of checkIsa(raw, raw[3] ?? d.element)) this.issue('interchange', p.code, p.message, p.deviation ? { deviation: p.deviation } : {});
    if (raw[3] !== d.element) this.issue('interchange', '026', 'this interchange uses a different element separator than the first one in the input');
    else if (raw[raw.length - 1] !== d.component) this.issue('interchange', '027', 'this interchange uses a different component separator than the first one in the input');
    this.sharedSeparator = d.repetition !== '' && d.repetition === d.component;
    if (this.sharedSeparator) {
      this.issue('interchange', '027', `ISA11 repetition separator '${d.repetition}' is also the ISA16 component separator: repetitions are read by each element's definition`, { severity: 'warning' });
    }
  }

  private startIc(seg: Segment, d: Delimiters): void {
    const ic: Interchange = {
      controlNumber: text(seg, 13),
      sender: { qualifier: text(seg, 5), id: text(seg, 6) },
      receiver: { qualifier: text(seg, 7), id: text(seg, 8) },
      date: text(seg, 9),
      time: text(seg, 10),
      usage: text(seg, 15),
      ackRequested: text(seg, 14) === '1',
      version: text(seg, 12),
      delimiters: d,
      header: seg,
      ta1: [],
      groups: [],
      errors: [],
    };
    this.ic = ic;
    this.groupNumbers = new Set();
    this.result.interchanges.push(ic);
  }

  private onIea(seg: Segment): void {
    const ic = this.ic;
    if (!ic) return this.issue('interchange', '022', 'IEA without a matching ISA');
    if (this.tx) this.endTx(true);
    if (this.group) this.endGroup(true);
    ic.trailer = seg;
    if (text(seg, 1) !== String(ic.groups.length)) {
      this.issue('interchange', '021', `IEA01 says ${text(seg, 1) || '(blank)'} functional groups; the interchange has ${ic.groups.length}`);
    }
    if (text(seg, 2) !== ic.controlNumber) {
      this.issue('interchange', '001', `IEA02 '${text(seg, 2)}' does not match ISA13 '${ic.controlNumber}'`);
    }
    this.endIc();
  }

  private endIc(): void {
    const ic = this.ic!;
    this.ic = undefined;
    this.events.interchange?.(ic, 'end');
  }

  private onGs(seg: Segment): void {
    if (this.tx) this.endTx(true);
    if (this.group) this.endGroup(true);
    const ic = this.ensureIc('GS');
    const group: FunctionalGroup = {
      functionalId: text(seg, 1),
      controlNumber: text(seg, 6),
      version: text(seg, 8),
      applicationSender: text(seg, 2),
      applicationReceiver: text(seg, 3),
      header: seg,
      transactions: [],
      errors: [],
    };
    this.group = group;
    this.txNumbers = new Set();
    this.txCount = 0;
    ic.groups.push(group);
    // Started before its issues are raised, so a streaming listener files them under this group.
    this.events.group?.(group, ic, 'start');
    const problems = checkGs(seg);
    for (const p of problems.interchange) this.issue('interchange', p.code, p.message);
    for (const p of problems.group) this.issue('group', p.code, p.message);
    if (this.groupNumbers.has(group.controlNumber)) {
      this.issue('group', '19', `GS06 ${group.controlNumber} is not unique within the interchange`);
    }
    this.groupNumbers.add(group.controlNumber);
  }

  private onGe(seg: Segment): void {
    const group = this.group;
    if (!group) return this.issue('interchange', '024', 'GE without a matching GS');
    if (this.tx) this.endTx(true);
    group.trailer = seg;
    if (text(seg, 1) !== String(this.txCount)) {
      this.issue('group', '5', `GE01 says ${text(seg, 1) || '(blank)'} transaction sets; the group has ${this.txCount}`);
    }
    if (text(seg, 2) !== group.controlNumber) {
      this.issue('group', '4', `GE02 '${text(seg, 2)}' does not match GS06 '${group.controlNumber}'`);
    }
    this.endGroup(false);
  }

  private endGroup(missingGe: boolean): void {
    if (missingGe) this.issue('group', '3', `functional group ${this.group!.controlNumber} has no GE trailer`);
    const group = this.group!;
    this.group = undefined;
    this.events.group?.(group, this.ic ?? this.ensureIc('GE'), 'end');
  }

  private onSt(seg: Segment): void {
    if (this.tx) this.endTx(true);
    const group = this.ensureGroup();
    const setId = text(seg, 1);
    const st03 = text(seg, 3);
    const tx: TransactionSet = {
      setId,
      controlNumber: text(seg, 2),
      version: st03 || group.version,
      implementationConvention: st03,
      segments: this.opts.retain === 'transaction' ? [seg] : [],
      loops: [],
      errors: [],
      startIndex: this.index,
      segmentCount: 1,
    };
    this.tx = { tx, pendingSt: seg };
    this.txCount++;
    const { problems, tables } = checkSt(tx, group.functionalId, this.txNumbers);
    for (const p of problems) this.issue('transaction', p.code, p.message);
    if (!tables) this.tx.pendingSt = undefined;
    this.txNumbers.add(tx.controlNumber);
  }

  /** Repeatable elements read as repetitions; an ambiguous one (a repeatable composite) is refused. */
  private resolveRepetitions(seg: Segment): void {
    for (const p of resolveSharedSeparator(seg)) {
      this.issue('interchange', '027', `${p.tag}${String(p.position).padStart(2, '0')} is a repeatable composite and ISA11 equals ISA16: its repetitions cannot be told from its components`);
    }
  }

  private startBuilder(state: TxState, second: Segment | undefined): void {
    const st = state.pendingSt!;
    state.pendingSt = undefined;
    const spec = selectSpec(state.tx.setId, state.tx.version, second);
    if (!spec) return;
    state.tx.specName = spec.name;
    const tx = state.tx;
    const ic = this.ic;
    const group = this.group;
    state.builder = new LoopBuilder(compile(spec), st, {
      retain: this.opts.retain,
      validate: this.opts.validate,
      report: (p) => this.structureIssue(tx, p),
      emitLoop: (loop, ancestors) => {
        if (ic && group) this.events.loop?.(loop, { interchange: ic, group, transaction: tx, ancestors });
      },
    });
  }

  private onSe(seg: Segment): void {
    const state = this.tx;
    if (!state) return this.issue('interchange', '024', 'SE without a matching ST');
    const tx = state.tx;
    tx.segmentCount++;
    if (this.opts.retain === 'transaction') tx.segments.push(seg);
    if (state.pendingSt) this.startBuilder(state, undefined);
    state.builder?.add(seg, tx.segmentCount);
    if (text(seg, 1) !== String(tx.segmentCount)) {
      this.issue('transaction', '4', `SE01 says ${text(seg, 1) || '(blank)'} segments; the set has ${tx.segmentCount}`);
    }
    if (text(seg, 2) !== tx.controlNumber) {
      this.issue('transaction', '3', `SE02 '${text(seg, 2)}' does not match ST02 '${tx.controlNumber}'`);
    }
    this.endTx(false);
  }

  private endTx(missingSe: boolean): void {
    const state = this.tx!;
    const tx = state.tx;
    if (missingSe) this.issue('transaction', '2', `transaction set ${tx.setId} ${tx.controlNumber} has no SE trailer`);
    if (state.pendingSt) this.startBuilder(state, undefined);
    const loops = state.builder?.finish(tx.segmentCount + (missingSe ? 1 : 0), missingSe);
    if (loops && this.opts.retain === 'transaction') tx.loops = loops;
    this.tx = undefined;
    const group = this.group ?? this.ensureGroup();
    if (this.opts.retain === 'transaction') group.transactions.push(tx);
    this.events.transaction?.(tx, group, this.ic ?? this.ensureIc('ST'));
  }

  private ensureIc(tag: string): Interchange {
    if (this.ic) return this.ic;
    this.issue('interchange', '024', `${tag} outside an interchange`);
    this.onIsa({ tag: 'ISA', elements: [] }, '');
    return this.ic!;
  }

  private ensureGroup(): FunctionalGroup {
    if (this.group) return this.group;
    this.issue('interchange', '024', 'transaction set outside a functional group');
    this.onGs({ tag: 'GS', elements: [] });
    return this.group!;
  }

  private structureIssue(tx: TransactionSet, p: StructureProblem): void {
    const e = p.element;
    // ST03 absent: the 004010 habit; GS08 still names the guide (tx.version falls back to it).
    const st03Missing = p.segmentId === 'ST' && e?.elementPosition === 3 && p.code === '1';
    this.issue(p.level, p.code, p.message, {
      ...(st03Missing ? { deviation: 'st03-missing' } : {}),
      segmentIndex: tx.startIndex + p.segmentPosition - 1,
      segmentId: p.segmentId,
      segmentPosition: p.segmentPosition,
      loopId: p.loopId,
      elementPosition: e?.elementPosition,
      componentPosition: e?.componentPosition,
      repetitionPosition: e?.repetitionPosition,
      elementRef: e?.elementRef,
      value: e?.value,
    });
  }

  private issue(level: IssueLevel, code: string, message: string, extra: Partial<X12Issue> = {}): void {
    const tx = level === 'interchange' || level === 'group' ? undefined : this.tx?.tx;
    const issue: X12Issue = {
      level,
      code,
      severity: 'error',
      message,
      segmentIndex: this.index || undefined,
      interchangeControlNumber: this.ic?.controlNumber,
      groupControlNumber: level === 'interchange' ? undefined : this.group?.controlNumber,
      setId: tx?.setId,
      transactionControlNumber: tx?.controlNumber,
    };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (issue as unknown as Record<string, unknown>)[k] = v;
    if (issue.deviation && this.opts.lenient?.includes(issue.deviation)) issue.severity = 'warning';
    const target = tx ?? (level === 'group' ? this.group : this.ic);
    const kept = this.budget.keeps(issue, target?.errors);
    if (kept) {
      this.result.errors.push(issue);
      target?.errors.push(issue);
    }
    this.events.issue?.(issue, kept);
  }
}

/** An ISA read by its fixed positions (ISA01 at 4 … ISA16 at 104), for an ISA no separator splits. */
function fixedIsa(head: string): Segment {
  const spans: [number, number][] = [[4, 6], [7, 17], [18, 20], [21, 31], [32, 34], [35, 50], [51, 53], [54, 69], [70, 76], [77, 81], [82, 83], [84, 89], [90, 99], [100, 101], [102, 103], [104, 105]];
  return { tag: 'ISA', elements: spans.map(([a, b]) => head.slice(a, b).trim()) };
}
