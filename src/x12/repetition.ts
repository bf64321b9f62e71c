/**
 * Interchanges whose repetition separator (ISA11) is also the component separator (ISA16). The
 * X279A1 TR3's own 271 examples do this (`^` for both), and so do real payers: `EB*1**1^33^35`.
 * The tokenizer can only split on the one character, so every such value arrives as components;
 * here each element is read by its definition in the dictionary:
 *
 * - a repeatable simple element (EB03, EQ01, HCR03) holds repetitions: `{ repeats: [...] }`;
 * - a composite that does not repeat holds components, as read;
 * - a repeatable composite (CTX01, DMG05) holding the character cannot be read either way with
 *   certainty: that is reported (TA1 027) instead of guessed.
 *
 * Nothing is ever cut to its first value.
 */
import { DICTIONARY } from './spec/dictionary.ts';
import type { Element, Segment } from './types.ts';

export interface SharedSeparatorProblem {
  /** Segment tag and element position (1-based) of the element that cannot be read. */
  tag: string;
  position: number;
}

/** Re-reads the elements of `seg` in place; returns the elements that stay ambiguous. */
export function resolveSharedSeparator(seg: Segment): SharedSeparatorProblem[] {
  const def = DICTIONARY[seg.tag];
  if (!def) return [];
  const problems: SharedSeparatorProblem[] = [];
  seg.elements.forEach((value: Element, i) => {
    if (!Array.isArray(value)) return;
    const spec = def.elements[i];
    if (!spec || (spec.repeat ?? 1) <= 1) return;
    if (spec.components) {
      problems.push({ tag: seg.tag, position: i + 1 });
      return;
    }
    seg.elements[i] = { repeats: value };
  });
  return problems;
}
