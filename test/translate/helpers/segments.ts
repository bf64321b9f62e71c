/** Small assertions over Segment[] for translate tests. */
import type { Segment } from '../../../src/x12/types.ts';
import { toText } from './x12-text.ts';

/** The text of every segment with a tag, in order. */
export function lines(segments: Segment[], tag: string): string[] {
  return toText(segments.filter((s) => s.tag === tag)).split('\n').filter(Boolean);
}

/** HL01/HL02/HL03/HL04 of every HL, e.g. ['1//20/1', '2/1/21/1', …]. */
export function hlShape(segments: Segment[]): string[] {
  return lines(segments, 'HL').map((l) => l.split('*').slice(1).join('/'));
}

/** Deterministic ids for response mapping: id-1, id-2 … */
export function counter(): () => string {
  let n = 0;
  return () => `id-${++n}`;
}
