/**
 * Control numbers for the acknowledgments `/payer/x12` answers with: the gateway's own sequence
 * (the one its outbound interchanges use), reserved up front for as many interchanges, groups and
 * sets as the answer can hold, so the (pure, synchronous) ack writer never invents ISA13 1.
 */
import type { Db } from '../db/client.ts';
import { nextControlNumbers } from '../db/queries/control-numbers.ts';
import type { ControlKind, ControlNumbers, ParseResult } from '../x12/index.ts';

/** The numbers reserved per kind, [at, end): plain data, for a worker thread to write the ack with. */
export type AckRanges = Record<ControlKind, { at: number; end: number }>;

export async function ackControlNumbers(db: Db, senderId: string, parsed: ParseResult): Promise<ControlNumbers & { ranges: AckRanges }> {
  // One more interchange than received: junk after the last IEA gets a TA1 of its own.
  const interchanges = parsed.interchanges.length + 1;
  const groups = Math.max(1, parsed.interchanges.reduce((n, ic) => n + ic.groups.length, 0));
  const wanted: Record<ControlKind, number> = { ISA: interchanges, GS: groups, ST: groups };
  const next = new Map<ControlKind, { at: number; end: number }>();
  for (const kind of ['ISA', 'GS', 'ST'] as const) {
    const first = await nextControlNumbers(db, senderId, kind, wanted[kind]);
    next.set(kind, { at: first, end: first + wanted[kind] });
  }
  const ranges = Object.fromEntries([...next].map(([k, r]) => [k, { ...r }])) as AckRanges;
  return {
    ranges,
    next(kind) {
      const r = next.get(kind)!;
      if (r.at >= r.end) throw new Error(`more ${kind} control numbers used than reserved`);
      return r.at++;
    },
  };
}
