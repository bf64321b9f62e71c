/**
 * Test-only X12 text helpers: a tiny serializer for golden files (`UM*HS*I*2*11:B`) and a tiny
 * splitter that reads the delimiters from ISA positions 3, 104 and 105. The real reader and writer
 * are the codec's (`src/x12`); these exist so translate tests do not depend on it.
 */
import { segmentsFromLines } from '../../../src/mappings/cases.ts';
import type { Element, Segment } from '../../../src/x12/types.ts';

function elementText(element: Element): string {
  if (typeof element === 'string') return element;
  if (Array.isArray(element)) return element.join(':');
  return element.repeats.map((r) => (Array.isArray(r) ? r.join(':') : r)).join('^');
}

/** One segment per line, `*` between elements, `:` between components, no terminator. */
export function toText(segments: Segment[]): string {
  return segments.map((s) => [s.tag, ...s.elements.map(elementText)].join('*')).join('\n');
}

/**
 * Golden text → segments (composites split on `:`), for hand-built 278 responses. A file whose
 * data holds a colon (a URL in PER) declares another separator, as a real sender picks ISA16:
 * a comment line `# component separator: >`.
 */
export function fromText(text: string): Segment[] {
  return segmentsFromLines(text);
}

export interface Interchange {
  /** Segments of each transaction set, ST and SE excluded. */
  transactions: Segment[][];
}

/** Splits raw X12 with the delimiters the ISA declares (element 3, component 104, segment 105). */
export function splitX12(raw: string): Interchange {
  const text = raw.replace(/^\uFEFF/, '');
  const elementSep = text[3] as string;
  const componentSep = text[104] as string;
  const segmentTerm = text[105] as string;
  const segments: Segment[] = text
    .split(segmentTerm)
    .map((s) => s.replace(/^[\r\n]+/, ''))
    .filter(Boolean)
    .map((s) => {
      const [tag, ...elements] = s.split(elementSep);
      return {
        tag: tag as string,
        elements: tag === 'ISA' ? elements : elements.map((e) => (e.includes(componentSep) ? e.split(componentSep) : e)),
      };
    });
  const transactions: Segment[][] = [];
  let current: Segment[] | undefined;
  for (const s of segments) {
    if (s.tag === 'ST') current = [];
    else if (s.tag === 'SE') {
      if (current) transactions.push(current);
      current = undefined;
    } else current?.push(s);
  }
  return { transactions };
}
