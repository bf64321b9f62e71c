/**
 * One segment to text with fixed delimiters, applying the escape policy (sanitize.ts) to every value
 * and suppressing trailing empty elements, components and repetitions.
 */
import type { Delimiters } from './model.ts';
import { delimiterProblem, forbiddenTable, sanitizeValue, type Forbidden } from './sanitize.ts';
import type { Element, ElementValue, Segment } from './types.ts';

export type WriteErrorCode = 'FIELD_TOO_LONG' | 'CONTROL_NUMBER_RANGE' | 'INVALID_DELIMITERS' | 'INVALID_SEGMENT_ID';

/** The interchange cannot be represented in X12 (not a data problem the escape policy can fix). */
export class X12WriteError extends Error {
  constructor(readonly code: WriteErrorCode, message: string) {
    super(message);
    this.name = 'X12WriteError';
  }
}

const TAG = /^[A-Z][A-Z0-9]{1,2}$/;

/** Serializes segments with fixed delimiters; the building block of every writer here. */
export class SegmentSerializer {
  private readonly t: Forbidden;
  private readonly end: string;
  /**
   * @param opts.received the delimiters of a received interchange (re-writing part of it): ISA11
   *   may name no repetition separator or the component separator (see `delimiterProblem`)
   */
  constructor(readonly delimiters: Delimiters, lineBreak = '', opts: { received?: boolean } = {}) {
    const problem = delimiterProblem(delimiters, opts);
    if (problem) throw new X12WriteError('INVALID_DELIMITERS', problem);
    this.t = forbiddenTable(delimiters);
    this.end = delimiters.segment + lineBreak;
  }

  /** `TAG*...~` with trailing empty elements and components suppressed. */
  segment(seg: Segment): string {
    if (!TAG.test(seg.tag)) throw new X12WriteError('INVALID_SEGMENT_ID', `'${seg.tag}' is not a segment identifier`);
    return this.body(seg) + this.end;
  }

  /** The segment without its terminator. */
  body(seg: Segment): string {
    const e = this.delimiters.element;
    let out = seg.tag;
    let gap = '';
    for (const el of seg.elements) {
      const v = this.element(el);
      if (v === '') gap += e;
      else {
        out += gap + e + v;
        gap = '';
      }
    }
    return out;
  }

  value(v: string): string {
    return sanitizeValue(v, this.t);
  }

  private element(el: Element): string {
    if (typeof el === 'string') return sanitizeValue(el, this.t);
    if (Array.isArray(el)) return this.composite(el);
    // Without a repetition separator the reader never splits repetitions; one that came from elsewhere cannot be written.
    if (this.delimiters.repetition === '' && el.repeats.length > 1) throw new X12WriteError('INVALID_DELIMITERS', 'the interchange names no repetition separator (ISA11) for a repeated element');
    return this.join(el.repeats.map((r) => this.elementValue(r)), this.delimiters.repetition);
  }

  private elementValue(v: ElementValue): string {
    return typeof v === 'string' ? sanitizeValue(v, this.t) : this.composite(v);
  }

  private composite(parts: string[]): string {
    return this.join(parts.map((p) => sanitizeValue(p, this.t)), this.delimiters.component);
  }

  /** Joins, dropping trailing empties. */
  private join(parts: string[], sep: string): string {
    let last = parts.length - 1;
    while (last >= 0 && parts[last] === '') last--;
    return last < 0 ? '' : parts.slice(0, last + 1).join(sep);
  }
}

