/**
 * A human view of an X12 file: one segment per line, prefixed by its loop id and indented by loop
 * depth, the loop's name after its first segment. Envelope segments carry no loop id.
 *
 * @example
 * prettyX12(text)
 * // ISA*00*          *00*...
 * // GS*HI*...
 * // HEADER  ST*278*0001*005010X217
 * // 2000A   HL*1**20*1                          -- Utilization Management Organization (UMO) Level
 * // 2010A     NM1*X3*2*PAYER*****PI*12345      -- Utilization Management Organization (UMO) Name
 */
import type { Delimiters, Loop, ParseResult } from './model.ts';
import { parseX12 } from './reader.ts';
import type { Segment } from './types.ts';
import { SegmentSerializer } from './writer.ts';

export function prettyX12(input: string | ParseResult): string {
  const result = typeof input === 'string' ? parseX12(input, { validate: false }) : input;
  const lines: string[] = [];
  for (const ic of result.interchanges) {
    const shown = displayDelimiters(ic.delimiters);
    const s = new SegmentSerializer(shown);
    const text = (seg: Segment) => (seg.tag === 'ISA' ? isaText(seg, shown.element) : s.body(seg));
    lines.push(text(ic.header));
    for (const t of ic.ta1) lines.push(text(t));
    for (const g of ic.groups) {
      if (g.header.elements.length > 0) lines.push(text(g.header));
      for (const tx of g.transactions) {
        // The loop tree keeps the segment objects of tx.segments: map each back to its loop so the
        // lines come out in file order (a loop's own segments may follow its child loops, e.g. IK5).
        const where = new Map<Segment, { loop: Loop; depth: number; first: boolean }>();
        const walk = (loop: Loop, depth: number) => {
          loop.segments.forEach((seg, i) => where.set(seg, { loop, depth, first: i === 0 }));
          for (const child of loop.children) walk(child, depth + 1);
        };
        for (const loop of tx.loops) walk(loop, 0);
        for (const seg of tx.segments) {
          const at = where.get(seg);
          if (!at) {
            lines.push(`${''.padEnd(8)}${text(seg)}`);
            continue;
          }
          const line = `${at.loop.id.padEnd(8)}${'  '.repeat(at.depth)}${text(seg)}`;
          const named = at.first && at.loop.id !== 'HEADER' && at.loop.id !== 'TRAILER';
          lines.push(named ? `${line.padEnd(60)}  -- ${at.loop.name}` : line);
        }
      }
      if (g.trailer) lines.push(text(g.trailer));
    }
    if (ic.trailer) lines.push(text(ic.trailer));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The ISA as received (fixed widths restored for display). */
function isaText(seg: Segment, e: string): string {
  const widths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];
  return ['ISA', ...seg.elements.map((v, i) => String(v).padEnd(widths[i] ?? 0, ' '))].join(e);
}

const PRINTABLE = ['~', '*', ':', '^', '|', '>', '{', '}', '!', '`'];

/**
 * Delimiters to show segments with: the file's own, except where a role has none (pre-5010 files
 * have no repetition separator), shares its character with another (ISA11 = ISA16), or uses a
 * character a terminal does not show (newline, CR or 0x1D as segment terminator): those get an
 * unused printable one. Each segment is on its own line anyway.
 */
function displayDelimiters(d: Delimiters): Delimiters {
  const taken = new Set<string>();
  const keep = (ch: string) => {
    const ok = ch.length === 1 && ch.charCodeAt(0) > 32 && ch.charCodeAt(0) < 127 && !taken.has(ch);
    if (ok) taken.add(ch);
    return ok ? ch : undefined;
  };
  const free = () => {
    const ch = PRINTABLE.find((c) => !taken.has(c) && c !== d.element && c !== d.component && c !== d.segment && c !== d.repetition)!;
    taken.add(ch);
    return ch;
  };
  const element = keep(d.element);
  const component = keep(d.component);
  const repetition = keep(d.repetition);
  const segment = keep(d.segment);
  return { element: element ?? free(), component: component ?? free(), repetition: repetition ?? free(), segment: segment ?? free() };
}
