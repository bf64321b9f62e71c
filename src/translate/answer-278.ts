/**
 * Building a 278 response body that answers a 278 request body: the response echoes the request's
 * HL structure, parties and trace numbers (X217 §1.4: the UMO returns the requester's TRN in
 * 2000E/2000F with TRN01 = 2), and each review loop gets the caller's answer. Used by the payer
 * simulator and by the gateway's own "pended" answer when the payer does not reply in time.
 */
import type { Segment } from '../x12/types.ts';
import { groupLoops, type HlLoop } from './hl.ts';
import { el, seg } from './x12-util.ts';

export type LoopAnswer =
  /**
   * Segments after TRN (and the echoed UM) in a 2000E/2000F loop: HCR, REF, DTP, HSD, MSG …;
   * `traces`, the UMO's own TRNs after the echoed one; `names`, the loop's name loops as the UMO
   * writes them (NM1 and what follows) instead of the echoed NM1s.
   */
  | { review: Segment[]; traces?: Segment[]; names?: Segment[] }
  /** AAA segments for the loop; the review loops of a rejected request carry no HCR. */
  | { reject: Segment[] }
  /** A level the UMO does not review (2000A-2000D): its name loops as the UMO writes them. */
  | { names: Segment[] };

export interface AnswerOptions {
  now: Date;
  /** Decides each loop. Loops without an answer are echoed as they came. */
  answer: (loop: HlLoop) => LoopAnswer | undefined;
}

function ccyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

export function answer278(requestBody: Segment[], opts: AnswerOptions): Segment[] {
  const tx = groupLoops(requestBody);
  const bht = tx.header.find((s) => s.tag === 'BHT');
  // BHT02 11 = response; BHT03 echoes the request's reference identification.
  const out: Segment[] = [seg('BHT', '0007', '11', bht ? el(bht, 3) : '', ccyymmdd(opts.now), opts.now.toISOString().slice(11, 16).replace(':', ''))];
  // A UMO that rejects a level (AAA) answers nothing below it (X217: the levels under a rejected
  // 2000A-2000C are not sent back).
  const stopped = new Set<string>();
  for (const loop of tx.loops) {
    if (stopped.has(loop.parent)) {
      stopped.add(loop.id);
      continue;
    }
    const a = opts.answer(loop);
    const rejectsHere = Boolean(a && 'reject' in a) && loop.level !== 'EV' && loop.level !== 'SS';
    if (rejectsHere) stopped.add(loop.id);
    out.push(seg('HL', loop.id, loop.parent, loop.level, loop.hasChildren && !rejectsHere ? '1' : '0'));
    const review = loop.level === 'EV' || loop.level === 'SS';
    if (review) {
      const trn = loop.head.find((s) => s.tag === 'TRN');
      if (trn) out.push(seg('TRN', '2', el(trn, 2), el(trn, 3), el(trn, 4)));
      if (a && 'traces' in a && a.traces) out.push(...a.traces);
    }
    if (a && 'reject' in a) {
      // AAA sits before the name loops at 2000E/F, inside the name loop at 2010A-C (X217).
      if (review) out.push(...a.reject, ...loop.names.map((n) => n.nm1));
      else out.push(...loop.names.map((n) => n.nm1), ...a.reject);
      continue;
    }
    if (review) {
      const um = loop.head.find((s) => s.tag === 'UM');
      if (um) out.push({ tag: 'UM', elements: um.elements });
      if (a && 'review' in a) out.push(...a.review);
    }
    out.push(...(a && 'names' in a && a.names ? a.names : loop.names.map((n) => n.nm1)));
  }
  return out;
}

/** The gateway's own answer when the payer has not decided within the sync wait: A4 pended. */
export function pendedAnswer(requestBody: Segment[], now: Date): Segment[] {
  return answer278(requestBody, {
    now,
    answer: (loop) => (loop.level === 'EV' || loop.level === 'SS' ? { review: [seg('HCR', 'A4')] } : undefined),
  });
}
