/**
 * Building and reading `Segment`s (the shared shape from `x12/types.ts`) at the level of meaning:
 * no delimiters, no escaping, no envelopes — those are the codec's. Values are unescaped strings;
 * a composite is a string[].
 */
import type { Element, ElementValue, Segment } from '../x12/types.ts';

type Input = ElementValue | number | undefined | null;

function normalize(value: Input): ElementValue {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const comps = value.map((c) => c ?? '');
    while (comps.length > 0 && comps[comps.length - 1] === '') comps.pop();
    return comps.length === 0 ? '' : comps;
  }
  return value;
}

/**
 * A segment with trailing empty elements (and trailing empty components) removed, so the same
 * data always yields the same segment.
 * @example seg('UM', 'HS', 'I', '2', ['21', 'B']) // UM*HS*I*2*21:B
 */
export function seg(tag: string, ...elements: Input[]): Segment {
  const out: ElementValue[] = elements.map(normalize);
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return { tag, elements: out };
}

function first(element: Element | undefined): ElementValue | undefined {
  if (element === undefined) return undefined;
  if (typeof element === 'object' && !Array.isArray(element)) return element.repeats[0];
  return element;
}

/** Element `n` (1-based, as X12 numbers them) as a simple value; a composite yields its first component. */
export function el(segment: Segment, n: number): string {
  const value = first(segment.elements[n - 1]);
  if (value === undefined) return '';
  return Array.isArray(value) ? (value[0] ?? '') : value;
}

/** Element `n` as components (a simple value becomes a one-component composite). */
export function comp(segment: Segment, n: number): string[] {
  const value = first(segment.elements[n - 1]);
  if (value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** FHIR date or dateTime → CCYYMMDD (the date part as written; X12 dates carry no zone). */
export function d8(fhirDate: string | undefined): string | undefined {
  const m = fhirDate?.match(/^(\d{4})-(\d{2})-(\d{2})/);
  return m ? `${m[1]}${m[2]}${m[3]}` : undefined;
}

/** FHIR dateTime → HHMM as written (local time of the sender), or undefined without a time. */
export function hhmm(fhirDateTime: string | undefined): string | undefined {
  const m = fhirDateTime?.match(/T(\d{2}):(\d{2})/);
  return m ? `${m[1]}${m[2]}` : undefined;
}

/** CCYYMMDD → FHIR date. */
export function fhirDate(value: string): string | undefined {
  const m = value.match(/^(\d{4})(\d{2})(\d{2})$/);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/** A date or period as DTP02/DTP03 (D8 or RD8); undefined when there is no usable date. */
export function dtpValue(date?: string, period?: { start?: string; end?: string }): [string, string] | undefined {
  const single = d8(date);
  if (single) return ['D8', single];
  const start = d8(period?.start);
  const end = d8(period?.end);
  if (start && end) return start === end ? ['D8', start] : ['RD8', `${start}-${end}`];
  if (start ?? end) return ['D8', (start ?? end) as string];
  return undefined;
}

/** DTP02/DTP03 → FHIR Period (a D8 becomes a one-day period). */
export function periodOf(format: string, value: string): { start?: string; end?: string } | undefined {
  if (format === 'RD8') {
    const [a, b] = value.split('-');
    const start = a ? fhirDate(a) : undefined;
    const end = b ? fhirDate(b) : undefined;
    return start || end ? { ...(start ? { start } : {}), ...(end ? { end } : {}) } : undefined;
  }
  const day = fhirDate(value);
  return day ? { start: day, end: day } : undefined;
}

/** A JS number as an X12 decimal (R type): no exponent, no trailing zeros. */
export function decimal(value: number | undefined): string | undefined {
  if (value === undefined || !Number.isFinite(value)) return undefined;
  return String(Number(value.toFixed(2)));
}
