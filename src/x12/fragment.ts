/**
 * One transaction set of a received interchange, as an interchange of its own: the received ISA
 * and GS (ISA fields padded back to their fixed widths), the set's segments, and trailers counting
 * one group and one set. With the received delimiters, so values read back unchanged. This is what
 * the gateway keeps per answered request: a 10 MB interchange of 5,000 answers is stored as 5,000
 * small messages, not 5,000 copies of itself.
 */
import type { FunctionalGroup, Interchange, TransactionSet } from './model.ts';
import type { Element, Segment } from './types.ts';
import { SegmentSerializer } from './serializer.ts';

/** ISA01 … ISA16 widths. */
const ISA_WIDTHS = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

export function singleSetInterchange(ic: Interchange, group: FunctionalGroup, tx: TransactionSet): string {
  // The received delimiters as the reader found them: a 004010 ISA11 (no repetition separator) or
  // ISA11 = ISA16 is written back as it came, not refused.
  const s = new SegmentSerializer(ic.delimiters, '', { received: true });
  const d = ic.delimiters;
  const isa = ['ISA', ...ISA_WIDTHS.map((w, i) => String(ic.header.elements[i] ?? '').padEnd(w).slice(0, w))].join(d.element) + d.segment;
  return (
    isa +
    s.segment(group.header) +
    tx.segments.map((seg) => s.segment(seg)).join('') +
    s.segment({ tag: 'GE', elements: ['1', group.controlNumber] }) +
    s.segment({ tag: 'IEA', elements: ['1', ic.controlNumber] })
  );
}

/**
 * The set cut down to one branch of its HL tree: the segments before the first HL, the level
 * `hlId` with its ancestors and descendants (each with its segments up to the next HL), and the SE
 * with the new count. Other branches are left out — in a 271 answering several members, the other
 * members (other patients). HL numbers stay as received: every kept HL02 still names a kept level.
 * Unchanged when no HL01 is `hlId`.
 */
export function hlBranch(tx: TransactionSet, hlId: string): TransactionSet {
  const first = tx.segments.findIndex((s) => s.tag === 'HL');
  const se = tx.segments.map((s) => s.tag).lastIndexOf('SE');
  if (first < 0 || se < first) return tx;
  const levels: { id: string; parent: string; segments: Segment[] }[] = [];
  for (const seg of tx.segments.slice(first, se)) {
    if (seg.tag === 'HL') levels.push({ id: text(seg.elements[0]), parent: text(seg.elements[1]), segments: [] });
    levels.at(-1)!.segments.push(seg);
  }
  const byId = new Map(levels.map((l) => [l.id, l]));
  if (!byId.has(hlId)) return tx;
  const kept = new Set<string>();
  for (let at = byId.get(hlId); at && !kept.has(at.id); at = byId.get(at.parent)) kept.add(at.id);
  // Descendants: levels come after their parents, so one pass in order finds them all.
  const below = new Set([hlId]);
  for (const l of levels) if (below.has(l.parent)) below.add(l.id);
  const body = [...tx.segments.slice(0, first), ...levels.filter((l) => kept.has(l.id) || below.has(l.id)).flatMap((l) => l.segments)];
  const trailer = tx.segments[se]!;
  return { ...tx, segments: [...body, { ...trailer, elements: [String(body.length + 1), ...trailer.elements.slice(1)] }] };
}

function text(e: Element | undefined): string {
  return typeof e === 'string' ? e : '';
}
