/** The registry of implementation-guide tables and how a transaction set finds its table. */
import type { Segment } from '../types.ts';
import { X210_275 } from './x210-275.ts';
import { X316_275 } from './x316-275.ts';
import { X231_999 } from './x231-999.ts';
import { X217_REQUEST, X217_RESPONSE } from './x217-278.ts';
import { X279_270, X279_271 } from './x279-270-271.ts';
import type { TransactionSpec } from './types.ts';

export { DICTIONARY } from './dictionary.ts';
export type * from './types.ts';

export const SPECS: readonly TransactionSpec[] = [X217_REQUEST, X217_RESPONSE, X279_270, X279_271, X231_999, X210_275, X316_275];

/** Functional identifier (GS01) each supported set travels in. */
export const FUNCTIONAL_IDS: Readonly<Record<string, string>> = { '278': 'HI', '270': 'HS', '271': 'HB', '999': 'FA', '275': 'PI' };

/** Whether some table implements this set id (independent of version). */
export function isSupportedSet(setId: string): boolean {
  return SPECS.some((s) => s.setId === setId);
}

/**
 * The table for ST01 + convention (ST03, else GS08); `second` is the segment after ST, used when
 * two tables share both (278 request vs response, told apart by BHT02). Returns undefined when the
 * convention is not one we implement.
 */
export function selectSpec(setId: string, convention: string, second?: Segment): TransactionSpec | undefined {
  const candidates = SPECS.filter((s) => s.setId === setId && s.conventions.includes(convention));
  if (candidates.length <= 1) return candidates[0];
  for (const spec of candidates) {
    const sel = spec.select;
    if (!sel || !second || second.tag !== sel.tag) continue;
    const v = second.elements[sel.element - 1];
    const value = typeof v === 'string' ? v : '';
    if (sel.values.includes(value)) return spec;
  }
  return candidates[0];
}
