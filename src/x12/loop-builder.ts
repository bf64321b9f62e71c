/**
 * Groups the segments of one transaction set into the implementation guide's loops, driven only by
 * the compiled tables. O(1) work per segment: a stack of open loops, each with a cursor into its
 * item list and use counters; a segment is matched forward from the innermost loop outwards
 * (closing loops as it goes), HL segments are placed under the loop of the HL their HL02 names.
 *
 * It reports the structural IK3 codes as it goes (1 unrecognized, 2 unexpected, 3 required missing,
 * 4 loop over max, 5 segment over max use, 7 out of sequence), the HL hierarchy problems, and,
 * when validating, each placed segment's element problems.
 */
import { checkSegmentElements, firstValue, type ElementProblem } from './element-check.ts';
import type { Loop } from './model.ts';
import type { CompiledLoop, CompiledSegment, CompiledSpec } from './spec/compile.ts';
import type { Segment } from './types.ts';

export type RetainMode = 'transaction' | 'loops' | 'none';

export interface StructureProblem {
  level: 'segment' | 'element';
  code: string;
  message: string;
  segmentId: string;
  segmentPosition: number;
  loopId?: string;
  element?: ElementProblem;
}

export interface BuilderContext {
  retain: RetainMode;
  validate: boolean;
  report(p: StructureProblem): void;
  /** Streaming mode: a completed unit loop (HL level, or a child of the transaction root). */
  emitLoop?(loop: Loop, ancestors: readonly Loop[]): void;
}

interface Frame {
  loop: CompiledLoop;
  node?: Loop;
  pos: number;
  counts: Uint32Array;
  hlId?: string;
  hlLevel?: string;
  hlChild?: string;
  hlPosition: number;
  hasChild: boolean;
}

const TAG = /^[A-Z][A-Z0-9]{1,2}$/;

export class LoopBuilder {
  private readonly stack: Frame[];
  private readonly hlIds = new Set<string>();
  readonly header: Loop = { id: 'HEADER', name: 'Transaction Set Header', segments: [], children: [] };
  readonly trailer: Loop = { id: 'TRAILER', name: 'Transaction Set Trailer', segments: [], children: [] };
  readonly detail: Loop[] = [];
  private inDetail = false;
  private headerEmitted = false;

  constructor(private readonly spec: CompiledSpec, st: Segment, private readonly ctx: BuilderContext) {
    const root = spec.root;
    const counts = new Uint32Array(root.items.length);
    counts[0] = 1;
    this.stack = [{ loop: root, pos: 0, counts, hlPosition: 0, hasChild: false }];
    this.keep(this.stack[0]!, st);
    this.check(st, root.items[0]!.segment!, 1, undefined);
  }

  /** Places one segment (after ST; SE included). `position` counts from ST = 1. */
  add(seg: Segment, position: number): void {
    if (seg.tag === 'HL' && this.spec.spec.hierarchy) {
      // HL problems are reported against the loop the HL ends up opening.
      const problems: [number, number, string][] = [];
      if (!this.placeHl(seg, position, problems)) this.placeAny(seg, position);
      for (const [el, ref, message] of problems) this.hlProblem(position, el, ref, message, seg);
      return;
    }
    this.placeAny(seg, position);
  }

  private placeAny(seg: Segment, position: number): void {
    if (this.place(seg, position, true) || this.place(seg, position, false)) return;
    this.unmatched(seg, position);
  }

  /** Closes every open loop at SE (or where SE should have been) and returns the loop list. */
  finish(position: number, seMissing: boolean): Loop[] {
    this.close(0, position);
    const root = this.stack[0]!;
    this.missing(root, root.pos + 1, root.loop.items.length, position, seMissing ? 'SE' : undefined);
    if (this.ctx.retain === 'loops') {
      this.emitHeader();
      this.ctx.emitLoop?.(this.trailer, []);
    }
    return [this.header, ...this.detail, this.trailer];
  }

  private placeHl(seg: Segment, position: number, problems: [number, number, string][]): boolean {
    const id = firstValue(seg.elements[0]);
    const parent = firstValue(seg.elements[1]);
    const level = firstValue(seg.elements[2]);
    const hierarchy = this.spec.spec.hierarchy!;
    if (id !== '' && this.hlIds.has(id)) problems.push([1, 628, `HL01 '${id}' is not unique in the transaction set`]);
    this.hlIds.add(id);
    let depth = 0;
    if (parent !== '') {
      depth = this.findHl(parent);
      if (depth < 0) {
        problems.push([2, 734, `HL02 '${parent}' does not name an open parent HL`]);
        return false;
      }
      const parentLevel = this.stack[depth]!.hlLevel ?? '';
      const allowed = hierarchy[level];
      if (allowed && !allowed.includes(parentLevel)) {
        problems.push([2, 734, `HL level ${level} cannot sit under level ${parentLevel} (allowed: ${allowed.join(', ') || 'none, it is a top level'})`]);
      }
    }
    const frame = this.stack[depth]!;
    const j = this.find(frame, seg, true);
    if (j < 0 || frame.loop.items[j]!.kind !== 'loop') return false;
    this.close(depth, position);
    this.enter(frame, j, seg, position);
    return true;
  }

  private findHl(id: string): number {
    for (let d = this.stack.length - 1; d > 0; d--) if (this.stack[d]!.hlId === id) return d;
    return -1;
  }

  private hlProblem(position: number, el: number, ref: number, message: string, seg: Segment): void {
    const value = firstValue(seg.elements[el - 1]) || undefined;
    this.ctx.report({
      level: 'element', code: 'I12', message, segmentId: 'HL', segmentPosition: position, loopId: this.loopId(this.top()),
      element: { elementPosition: el, elementRef: ref, code: 'I12', message, value },
    });
  }

  private place(seg: Segment, position: number, exact: boolean): boolean {
    for (let d = this.stack.length - 1; d >= 0; d--) {
      const frame = this.stack[d]!;
      const j = this.find(frame, seg, exact);
      if (j < 0) continue;
      this.close(d, position);
      const item = frame.loop.items[j]!;
      if (item.kind === 'loop') this.enter(frame, j, seg, position);
      else this.use(frame, j, seg, position);
      return true;
    }
    return false;
  }

  private find(frame: Frame, seg: Segment, exact: boolean): number {
    const list = frame.loop.byTag.get(seg.tag);
    if (!list) return -1;
    const from = frame.pos > 1 ? frame.pos : 1;
    for (const j of list) {
      if (j < from) continue;
      const item = frame.loop.items[j]!;
      if (!exact || !item.whenValues || item.whenValues.has(firstValue(seg.elements[item.whenElement - 1]))) return j;
    }
    return -1;
  }

  private use(frame: Frame, j: number, seg: Segment, position: number): void {
    const item = frame.loop.items[j]!;
    this.missing(frame, frame.pos + 1, j, position);
    frame.pos = j;
    if (++frame.counts[j]! > item.max) {
      this.problem('5', `${seg.tag} (${item.name}) exceeds its maximum use of ${item.max}`, seg.tag, position, this.loopId(frame));
    }
    this.keep(frame, seg);
    this.check(seg, item.segment!, position, this.loopId(frame));
  }

  private enter(parent: Frame, j: number, seg: Segment, position: number): void {
    const item = parent.loop.items[j]!;
    const loop = item.loop!;
    this.missing(parent, parent.pos + 1, j, position);
    parent.pos = j;
    if (++parent.counts[j]! > item.max) {
      this.problem('4', `loop ${loop.id} (${loop.name}) occurs more than ${item.max} times`, seg.tag, position, loop.id);
    }
    parent.hasChild = parent.hasChild || seg.tag === 'HL';
    const counts = new Uint32Array(loop.items.length);
    counts[0] = 1;
    const frame: Frame = { loop, pos: 0, counts, hlPosition: position, hasChild: false };
    if (seg.tag === 'HL') {
      frame.hlId = firstValue(seg.elements[0]);
      frame.hlLevel = firstValue(seg.elements[2]);
      frame.hlChild = firstValue(seg.elements[3]);
    }
    if (this.ctx.retain !== 'none') {
      frame.node = { id: loop.id, name: loop.name, segments: [seg], children: [] };
      if (this.stack.length === 1) {
        this.inDetail = true;
        if (this.ctx.retain === 'loops') this.emitHeader();
      }
      if (!(this.ctx.retain === 'loops' && loop.unit)) {
        const parentNode = parent.node;
        (parentNode ? parentNode.children : this.detail).push(frame.node);
      }
    } else if (this.stack.length === 1) this.inDetail = true;
    this.stack.push(frame);
    this.check(seg, loop.items[0]!.segment!, position, loop.id);
  }

  /** Pops every frame above `depth`, reporting what each left missing. */
  private close(depth: number, position: number): void {
    while (this.stack.length - 1 > depth) {
      const frame = this.stack.pop()!;
      this.missing(frame, frame.pos + 1, frame.loop.items.length, position);
      if (frame.hlChild !== undefined && frame.hlChild !== '' && (frame.hlChild === '1') !== frame.hasChild) {
        const message = frame.hasChild
          ? `HL04 is ${frame.hlChild} but child levels follow HL ${frame.hlId}`
          : `HL04 is 1 but no child level follows HL ${frame.hlId}`;
        this.ctx.report({
          level: 'element', code: 'I12', message, segmentId: 'HL', segmentPosition: frame.hlPosition, loopId: frame.loop.id,
          element: { elementPosition: 4, elementRef: 736, code: 'I12', message, value: frame.hlChild },
        });
      }
      if (frame.node && this.ctx.retain === 'loops' && frame.loop.unit) {
        this.ctx.emitLoop?.(frame.node, this.ancestors());
      }
    }
  }

  private ancestors(): Loop[] {
    const out: Loop[] = [];
    for (const f of this.stack) if (f.node) out.push(f.node);
    return out;
  }

  private missing(frame: Frame, from: number, to: number, position: number, skipTag?: string): void {
    for (let i = from; i < to; i++) {
      const item = frame.loop.items[i]!;
      if (item.usage !== 'R' || frame.counts[i] !== 0 || item.tag === skipTag) continue;
      const loopId = item.kind === 'loop' ? item.loop!.id : this.loopId(frame);
      const what = item.kind === 'loop' ? `loop ${item.loop!.id} (${item.name})` : `segment ${item.tag} (${item.name})`;
      this.problem('3', `required ${what} is missing`, item.tag, position, loopId);
    }
  }

  private unmatched(seg: Segment, position: number): void {
    const frame = this.top();
    const loopId = this.loopId(frame);
    if (!TAG.test(seg.tag)) {
      this.problem('1', `'${seg.tag}' is not a segment identifier`, seg.tag.slice(0, 3) || '?', position, loopId);
    } else if (!this.spec.tags.has(seg.tag)) {
      this.problem('2', `segment ${seg.tag} is not defined for ${this.spec.spec.name}`, seg.tag, position, loopId);
    } else if (frame.loop.byTag.has(seg.tag)) {
      this.problem('7', `segment ${seg.tag} is out of sequence in loop ${frame.loop.id}`, seg.tag, position, loopId);
    } else {
      this.problem('2', `segment ${seg.tag} is not expected in loop ${frame.loop.id}`, seg.tag, position, loopId);
    }
    this.keep(frame, seg);
  }

  private keep(frame: Frame, seg: Segment): void {
    if (this.ctx.retain === 'none') return;
    if (frame.node) frame.node.segments.push(seg);
    else (this.inDetail ? this.trailer : this.header).segments.push(seg);
  }

  private emitHeader(): void {
    if (this.headerEmitted) return;
    this.headerEmitted = true;
    this.ctx.emitLoop?.(this.header, []);
  }

  private check(seg: Segment, def: CompiledSegment, position: number, loopId: string | undefined): void {
    if (!this.ctx.validate) return;
    checkSegmentElements(seg, def, (element) => {
      this.ctx.report({ level: 'element', code: element.code, message: element.message, segmentId: seg.tag, segmentPosition: position, loopId, element });
    });
  }

  private problem(code: string, message: string, segmentId: string, position: number, loopId: string | undefined): void {
    this.ctx.report({ level: 'segment', code, message, segmentId, segmentPosition: position, loopId });
  }

  private top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  private loopId(frame: Frame): string | undefined {
    return frame === this.stack[0] ? undefined : frame.loop.id;
  }
}

