/** Small helpers for reading acknowledgments in tests. */
import { validateX12, type ValidateOptions } from '../../src/x12/index.ts';
import { rawInterchange, REQ278_LINES } from './fixtures.ts';

/** The 999 body from AK1 to AK9 (envelope and ST/SE stripped), one segment per entry. */
export function ackBody(text: string, opts: ValidateOptions = {}): string[] {
  const v = validateX12(text, opts);
  const segs = v.ack.split('~').map((s) => s.trim()).filter(Boolean);
  return segs.filter((s) => !/^(ISA|GS|ST|SE|GE|IEA)\*/.test(s));
}

/** A 278 request whose body lines went through `edit`. Positions: ST = 1, body line i = i + 2. */
export function req278With(edit: (lines: string[]) => void, opts: Parameters<typeof rawInterchange>[4] = {}): string {
  const lines = [...REQ278_LINES];
  edit(lines);
  return rawInterchange('278', 'HI', '005010X217', lines, opts);
}

/** Position (ST = 1) of the body line that starts with `prefix` (the n-th match, 0-based). */
export function positionOf(lines: string[], prefix: string, nth = 0): number {
  const hits = lines.map((l, i) => (l.startsWith(prefix) ? i : -1)).filter((i) => i >= 0);
  return hits[nth]! + 2;
}

export const ACCEPTED_278 = ['AK1*HI*1*005010X217', 'AK2*278*0001*005010X217', 'IK5*A', 'AK9*A*1*1*1'];

/** AK1 + AK2, the given notes, then a rejected IK5/AK9 for one 278. */
export function rejected278(notes: string[], ik5 = 'IK5*R*5'): string[] {
  return ['AK1*HI*1*005010X217', 'AK2*278*0001*005010X217', ...notes, ik5, 'AK9*R*1*1*0'];
}
