/**
 * Turns the readable tables into the indexed form the loop builder walks: per loop, its items in
 * TR3 order, an index from segment tag to item positions, and each segment use's effective
 * elements (dictionary definition with the IG overrides applied). Compiled once per table.
 */
import { DICTIONARY } from './dictionary.ts';
import type { ElementSpec, LoopSpec, SegmentUse, TransactionSpec, Usage } from './types.ts';

export interface CompiledSegment {
  readonly tag: string;
  readonly name: string;
  readonly elements: readonly ElementSpec[];
  readonly rules: readonly string[];
}

export interface CompiledItem {
  readonly index: number;
  readonly kind: 'segment' | 'loop';
  readonly tag: string;
  readonly name: string;
  readonly usage: Usage;
  /** Max use for a segment, repeat for a loop. */
  readonly max: number;
  readonly whenElement: number;
  readonly whenValues?: ReadonlySet<string>;
  readonly segment?: CompiledSegment;
  readonly loop?: CompiledLoop;
}

export interface CompiledLoop {
  readonly id: string;
  readonly name: string;
  readonly items: readonly CompiledItem[];
  readonly byTag: ReadonlyMap<string, readonly number[]>;
  /** Emitted and detached in streaming mode: HL-triggered loops and the root's children. */
  readonly unit: boolean;
}

export interface CompiledSpec {
  readonly spec: TransactionSpec;
  readonly root: CompiledLoop;
  /** Every tag used anywhere in the table. */
  readonly tags: ReadonlySet<string>;
}

const cache = new WeakMap<TransactionSpec, CompiledSpec>();

export function compile(spec: TransactionSpec): CompiledSpec {
  let compiled = cache.get(spec);
  if (!compiled) {
    const tags = new Set<string>();
    const loops = new Map<LoopSpec, CompiledLoop>();
    const root = compileLoop(spec.root, true, tags, loops);
    compiled = { spec, root, tags };
    cache.set(spec, compiled);
  }
  return compiled;
}

function compileLoop(loop: LoopSpec, isRoot: boolean, tags: Set<string>, done: Map<LoopSpec, CompiledLoop>): CompiledLoop {
  const known = done.get(loop);
  if (known) return known;
  const items: CompiledItem[] = [];
  const byTag = new Map<string, number[]>();
  const trigger = loop.body[0] as SegmentUse;
  const compiled: CompiledLoop = { id: loop.id, name: loop.name, items, byTag, unit: isRoot || trigger.tag === 'HL' };
  done.set(loop, compiled);
  loop.body.forEach((entry, index) => {
    const use = entry.kind === 'segment' ? entry : (entry.body[0] as SegmentUse);
    tags.add(use.tag);
    const item: CompiledItem = {
      index,
      kind: entry.kind,
      tag: use.tag,
      name: entry.name,
      usage: entry.usage,
      max: entry.kind === 'segment' ? entry.max : entry.repeat,
      whenElement: use.when?.element ?? 0,
      whenValues: use.when ? new Set(use.when.values) : undefined,
      segment: entry.kind === 'segment' ? compileSegment(entry) : undefined,
      loop: entry.kind === 'loop' ? compileLoop(entry, false, tags, done) : undefined,
    };
    items.push(item);
    const list = byTag.get(use.tag) ?? [];
    list.push(index);
    byTag.set(use.tag, list);
  });
  // A loop's child that marks a root-level unit keeps the flag; children of the root are units.
  if (isRoot) {
    for (const item of items) if (item.loop) (item.loop as { unit: boolean }).unit = true;
  }
  return compiled;
}

function compileSegment(use: SegmentUse): CompiledSegment {
  const base = DICTIONARY[use.tag];
  if (!base) throw new Error(`x12 spec: segment ${use.tag} is not in the dictionary`);
  const overrides = use.overrides ?? {};
  const elements = base.elements.map((e, i) => {
    const o = overrides[i + 1];
    return o ? { ...e, ...o } : e;
  });
  return { tag: use.tag, name: use.name, elements, rules: base.rules ?? [] };
}

/** The effective definition of a segment outside any table (envelope segments, TA1). */
export function dictionarySegment(tag: string): CompiledSegment | undefined {
  const base = DICTIONARY[tag];
  return base && { tag, name: base.name, elements: base.elements, rules: base.rules ?? [] };
}
