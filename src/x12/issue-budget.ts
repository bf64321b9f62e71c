/**
 * Which issues a reading keeps. A broken or hostile file can hold an issue every few bytes (a
 * million in 10 MB), so details stop at a cap (10,000 by default). What an acknowledgment's verdict
 * is read from is never dropped: past the cap an issue is still kept when it is the first of its
 * kind (level, severity and code) in its list — its transaction set's, group's or interchange's.
 * So a set whose only error comes after the cap is rejected (IK5 R) as it would be before it, a
 * group's AK905 and an interchange's TA1 codes stay whole, and the 999 of a parsed file
 * (`validateX12`) and of a streamed one (`validateX12Stream`) are the same at any size.
 *
 * Past the cap, memory grows with the number of envelopes and transaction sets (a few issues each,
 * of a few dozen kinds at most), which every reading keeps a summary of anyway.
 *
 * @example const budget = new IssueBudget(); if (budget.keeps(issue, tx.errors)) tx.errors.push(issue);
 */
import type { X12Issue } from './model.ts';

export const MAX_STORED_ISSUES = 10_000;

export class IssueBudget {
  private stored = 0;
  /** Per list, the kinds of issue kept in it so far. */
  private readonly kinds = new WeakMap<object, Set<string>>();
  /** The list of issues outside every interchange (junk after an IEA). */
  private readonly loose = {};

  constructor(private readonly max = MAX_STORED_ISSUES) {}

  /** Whether `issue`, bound for the list `into` (undefined: outside every envelope), is kept; counts it when it is. */
  keeps(issue: X12Issue, into: object | undefined): boolean {
    const list = into ?? this.loose;
    const kind = `${issue.level}|${issue.severity}|${issue.code}`;
    let kinds = this.kinds.get(list);
    if (this.stored >= this.max && kinds?.has(kind)) return false;
    if (!kinds) this.kinds.set(list, (kinds = new Set()));
    kinds.add(kind);
    this.stored++;
    return true;
  }
}
