/**
 * The payer simulator's utilization-management "brain": reads a 278 request body and writes the
 * 278 response body a UMO would send, decided by the last letter of the member id (CONTRACT.md):
 * A approve (A1), D deny (A3 + reason), P pend (A4, final approval later), R AAA reject (AAA03 72),
 * M modified (A6), T never answers, E HTTP 500 twice then approve, anything else approve.
 * Pure: the clock and authorization numbers come in as arguments.
 */
import { answer278, el, groupLoops, seg, type LoopAnswer } from '../translate/index.ts';
import type { Segment } from '../x12/types.ts';

export type SimBehaviour = 'approve' | 'deny' | 'pend' | 'reject' | 'modify' | 'timeout' | 'flaky';

const BY_LETTER: Record<string, SimBehaviour> = { A: 'approve', D: 'deny', P: 'pend', R: 'reject', M: 'modify', T: 'timeout', E: 'flaky' };

export function behaviourFor(memberId: string): SimBehaviour {
  return BY_LETTER[memberId.trim().slice(-1).toUpperCase()] ?? 'approve';
}

export interface RequestFacts {
  memberId: string;
  behaviour: SimBehaviour;
  /** 2000E TRN02, the request's patient-event trace number. */
  eventTrace: string;
  /** UM02 of 2000E: I initial, S revised, 3 cancel. */
  certificationType: string;
}

/** The member id is 2010C NM109 (the subscriber's). */
export function factsOf(body: Segment[]): RequestFacts {
  const tx = groupLoops(body);
  const subscriber = tx.loops.find((l) => l.level === '22');
  const nm1 = subscriber?.names.find((n) => el(n.nm1, 1) === 'IL')?.nm1;
  const event = tx.loops.find((l) => l.level === 'EV');
  const trn = event?.head.find((s) => s.tag === 'TRN');
  const um = event?.head.find((s) => s.tag === 'UM');
  const memberId = nm1 ? el(nm1, 9) : '';
  return { memberId, behaviour: behaviourFor(memberId), eventTrace: trn ? el(trn, 2) : '', certificationType: um ? el(um, 2) : 'I' };
}

function ccyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * Builds the 278 response body (BHT … before SE). `final` gives the pended request's eventual
 * approval (the asynchronous follow-up).
 */
export function respond278(body: Segment[], opts: { now: Date; authNumber: string; final?: boolean }): Segment[] {
  const facts = factsOf(body);
  const behaviour = opts.final ? 'approve' : facts.behaviour;
  const cancel = facts.certificationType === '3';
  const until = new Date(opts.now.getTime() + 90 * 86_400_000);
  // The authorized period: certification effective (007) and expiration (036) dates.
  const period = [seg('DTP', '007', 'D8', ccyymmdd(opts.now)), seg('DTP', '036', 'D8', ccyymmdd(until))];

  const answer = (loop: { level: string; id: string }): LoopAnswer | undefined => {
    if (behaviour === 'reject') {
      // 2010C AAA: the subscriber is not known (72 invalid/missing member id; C correct and resubmit).
      return loop.level === '22' ? { reject: [seg('AAA', 'N', '', '72', 'C')] } : undefined;
    }
    if (loop.level !== 'EV' && loop.level !== 'SS') return undefined;
    if (cancel) return { review: [seg('HCR', 'C')] };
    const auth = loop.level === 'SS' ? `${opts.authNumber}-${loop.id}` : opts.authNumber;
    switch (behaviour) {
      case 'deny':
        // HCR03 reason (code list 886): 0U, which the demo plan's companion guide (rules/payers/demo-payer.yaml) defines as not covered.
        return { review: [seg('HCR', 'A3', '', '0U'), seg('MSG', 'Requested service is not covered under the member plan')] };
      case 'pend':
        return { review: [seg('HCR', 'A4', '', '0V'), seg('REF', 'NT', `${opts.authNumber}P`)] };
      case 'modify':
        return { review: [seg('HCR', 'A6', auth), ...(loop.level === 'EV' ? [seg('REF', 'BB', opts.authNumber)] : []), ...period, ...(loop.level === 'SS' ? [seg('HSD', 'VS', '1')] : [])] };
      default:
        return { review: [seg('HCR', 'A1', auth), ...(loop.level === 'EV' ? [seg('REF', 'BB', opts.authNumber)] : []), ...period] };
    }
  };
  return answer278(body, { now: opts.now, answer });
}
