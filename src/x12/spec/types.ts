/**
 * Shapes of the implementation-guide tables. The tables are data: the loop builder, the validator
 * and the pretty printer read them; no segment has hand-written parsing code.
 *
 * Usage follows the TR3s: R required, S situational, N not used. X12 data types: AN string,
 * ID code, DT date, TM time, N0/N2 implied-decimal numeric, R decimal.
 */
export type Usage = 'R' | 'S' | 'N';
export type DataType = 'AN' | 'ID' | 'DT' | 'TM' | 'N0' | 'N2' | 'R';

export interface ElementSpec {
  /** X12 data element reference number (IK402), e.g. 98 for NM101. 0 for composites' own slot. */
  readonly ref: number;
  readonly name: string;
  readonly type: DataType;
  readonly min: number;
  readonly max: number;
  /** Default 'S'. */
  readonly usage?: Usage;
  /** Allowed code values (ID elements); absent means any value of the right length. */
  readonly codes?: readonly string[];
  /** Maximum repetitions (repeatable 5010 elements such as EB03, EQ01); default 1. */
  readonly repeat?: number;
  /** Present for composites (C003, C022 ...): the component definitions in order. */
  readonly components?: readonly ElementSpec[];
  /** The value's format follows the qualifier in the previous element (DTP03 by DTP02, DMG02 by DMG01). */
  readonly dateByQualifier?: boolean;
}

/** One segment of the X12 dictionary with its elements (position 1 at index 0). */
export interface SegmentSpec {
  readonly tag: string;
  readonly name: string;
  readonly elements: readonly ElementSpec[];
  /** X12 syntax notes: P0809 paired, R0203 at least one, C1110 conditional, E0207 exclusion, L list. */
  readonly rules?: readonly string[];
}

/** A segment is only matched when element `element` holds one of `values` (NM101 = 'X3' ...). */
export interface Qualifier {
  readonly element: number;
  readonly values: readonly string[];
}

/** One use of a segment inside a loop, as the TR3 lists it. */
export interface SegmentUse {
  readonly kind: 'segment';
  readonly tag: string;
  readonly name: string;
  readonly usage: Usage;
  readonly max: number;
  readonly when?: Qualifier;
  /** IG refinements of the dictionary elements, by position (1-based). */
  readonly overrides?: Readonly<Record<number, Partial<ElementSpec>>>;
}

/** A loop: `body[0]` is its trigger segment; the rest are segments and child loops in TR3 order. */
export interface LoopSpec {
  readonly kind: 'loop';
  readonly id: string;
  readonly name: string;
  readonly usage: Usage;
  readonly repeat: number;
  readonly body: readonly (SegmentUse | LoopSpec)[];
}

export interface TransactionSpec {
  /** ST01: '278', '270', '271', '999'. */
  readonly setId: string;
  /** Short name used in messages: '278 request', '271' ... */
  readonly name: string;
  /** GS08 / ST03 values this table implements. */
  readonly conventions: readonly string[];
  /** GS01 the set travels in. */
  readonly functionalId: string;
  /** The transaction set: body[0] is ST, the last item SE. Header segments sit before the first loop. */
  readonly root: LoopSpec;
  /** HL03 level → allowed parent HL03 levels ([] for a top level). Absent when the set has no HL. */
  readonly hierarchy?: Readonly<Record<string, readonly string[]>>;
  /** When several tables share ST01 and version, the one whose `select` accepts the second segment wins. */
  readonly select?: Qualifier & { readonly tag: string };
}

/** Builders that keep the tables short and readable. */
export function el(
  ref: number,
  name: string,
  type: DataType,
  min: number,
  max: number,
  extra: Partial<ElementSpec> = {},
): ElementSpec {
  return { ref, name, type, min, max, ...extra };
}

export function comp(ref: number, name: string, components: ElementSpec[], extra: Partial<ElementSpec> = {}): ElementSpec {
  return { ref, name, type: 'AN', min: 1, max: 1, components, ...extra };
}

export function seg(
  tag: string,
  name: string,
  usage: Usage,
  max: number,
  extra: { when?: [number, ...string[]]; el?: Record<number, Partial<ElementSpec>> } = {},
): SegmentUse {
  const when = extra.when ? { element: extra.when[0], values: extra.when.slice(1) as string[] } : undefined;
  const overrides: Record<number, Partial<ElementSpec>> = { ...(extra.el ?? {}) };
  // The qualifier values double as the element's code list in this use.
  if (when && !overrides[when.element]?.codes) {
    overrides[when.element] = { ...overrides[when.element], codes: when.values };
  }
  return { kind: 'segment', tag, name, usage, max, when, overrides };
}

export function loop(
  id: string,
  name: string,
  usage: Usage,
  repeat: number,
  body: (SegmentUse | LoopSpec)[],
): LoopSpec {
  return { kind: 'loop', id, name, usage, repeat, body };
}

/** "Greater than one" in the TR3s. */
export const MANY = 1_000_000_000;
