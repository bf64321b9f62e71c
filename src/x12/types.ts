/**
 * The shared shape of X12 data inside Priorgate. `x12/` reads and writes it; `translate/` builds and
 * reads it. Values are always the *unescaped* data (no delimiters), as strings.
 */

/** One data element: a simple value, or the components of a composite (C040, C022 ...). */
export type ElementValue = string | string[];

/**
 * A data element as it sits in a segment. Most elements hold one value; repeatable elements
 * (e.g. 271 EB03, HI composites do not repeat but some 5010 elements do) hold `{ repeats: [...] }`.
 */
export type Element = ElementValue | { repeats: ElementValue[] };

/** One segment: its tag (`HL`, `UM`, `NM1` ...) and its elements, position 1 at index 0. */
export interface Segment {
  tag: string;
  elements: Element[];
}
