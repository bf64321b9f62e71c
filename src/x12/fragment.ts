/**
 * One transaction set of a received interchange, as an interchange of its own: the received ISA
 * and GS (ISA fields padded back to their fixed widths), the set's segments, and trailers counting
 * one group and one set. With the received delimiters, so values read back unchanged. This is what
 * the gateway keeps per answered request: a 10 MB interchange of 5,000 answers is stored as 5,000
 * small messages, not 5,000 copies of itself.
 */
import type { FunctionalGroup, Interchange, TransactionSet } from './model.ts';
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
