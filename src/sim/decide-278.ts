/**
 * The payer simulator's utilization-management "brain": reads a 278 request body and writes the
 * 278 response body a UMO would send, decided by the last letter of the member id (CONTRACT.md):
 * A approve (A1), D deny (A3 + reason), P pend (A4, final approval later), R AAA reject (AAA03 72),
 * M modified (A6), T never answers, E HTTP 500 twice then approve, anything else approve.
 * Pure: the clock and authorization numbers come in as arguments.
 */
import { groupLoops, type HlLoop } from '../translate/hl.ts';
import { el, seg } from '../translate/x12-util.ts';
import type { Segment } from '../x12/types.ts';

export type SimBehaviour = 'approve' | 'deny' | 'pend' | 'reject' | 'modify' | 'timeout' | 'flaky';

const BY_LETTER: Record<string, SimBehaviour> = { A: 'approve', D: 'deny', P: 'pend', R: 'reject', M: 'modify', T: 'timeout', E: 'flaky' };

export function behaviourFor(memberId: string): SimBehaviour {
  return BY_LETTER[memberId.trim().slice(-1).toUpperCase()] ?? 'approve';
}

/** HCR01 per behaviour; HCR03 (reason, element 306-related code list 886 subset) for denials. */
const DECISION: Record<SimBehaviour, { hcr01: string; reason?: string }> = {
  approve: { hcr01: 'A1' },
  flaky: { hcr01: 'A1' },
  deny: { hcr01: 'A3', reason: '0U' }, // 0U: additional information requested / not medically necessary per sim
  pend: { hcr01: 'A4', reason: '0V' }, // 0V: requires medical review
  modify: { hcr01: 'A6' },
  reject: { hcr01: '' },
  timeout: { hcr01: '' },
};

export interface RequestFacts {
  memberId: string;
  behaviour: SimBehaviour;
  /** 2000E TRN02, the request's patient-event trace number. */
  eventTrace: string;
  lineTraces: string[];
  /** UM02 of 2000E: I initial, S revised, 3 cancel. */
  certificationType: string;
}

/** The member id is 2010C NM109 (the subscriber), or 2010D when a dependent has its own id. */
export function factsOf(body: Segment[]): RequestFacts {
  const tx = groupLoops(body);
  const subscriber = tx.loops.find((l) => l.level === '22');
  const memberId = subscriber?.names.find((n) => el(n.nm1, 1) === 'IL')?.nm1;
  const event = tx.loops.find((l) => l.level === 'EV');
  const trn = event?.head.find((s) => s.tag === 'TRN');
  const um = event?.head.find((s) => s.tag === 'UM');
  const lines = tx.loops.filter((l) => l.level === 'SS');
  const id = memberId ? el(memberId, 9) : '';
  return {
    memberId: id,
    behaviour: behaviourFor(id),
    eventTrace: trn ? el(trn, 2) : '',
    lineTraces: lines.map((l) => {
      const t = l.head.find((s) => s.tag === 'TRN');
      return t ? el(t, 2) : '';
    }),
    certificationType: um ? el(um, 2) : 'I',
  };
}

function yyyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86_400_000);
}

/** Copies a loop's HL and its NM1 name loops (the response echoes the request's parties). */
function echoParties(loop: HlLoop): Segment[] {
  return loop.names.flatMap((n) => [n.nm1]);
}

/**
 * Builds the 278 response body (BHT … before SE). `final` forces the pended request's eventual
 * approval (the asynchronous follow-up).
 */
export function respond278(
  body: Segment[],
  opts: { now: Date; authNumber: string; final?: boolean; decision?: SimBehaviour },
): Segment[] {
  const tx = groupLoops(body);
  const facts = factsOf(body);
  const bht = tx.header.find((s) => s.tag === 'BHT');
  const behaviour = opts.final ? 'approve' : (opts.decision ?? facts.behaviour);
  const cancelled = facts.certificationType === '3';
  const out: Segment[] = [seg('BHT', '0007', '11', bht ? el(bht, 3) : facts.eventTrace, yyyymmdd(opts.now), opts.now.toISOString().slice(11, 16).replace(':', ''))];
  const period = ['RD8', `${yyyymmdd(opts.now)}-${yyyymmdd(addDays(opts.now, 90))}`];

  for (const loop of tx.loops) {
    out.push(seg('HL', loop.id, loop.parent, loop.level, loop.hasChildren ? '1' : '0'));
    if (loop.level === '22' && behaviour === 'reject') {
      // 2010C AAA: the subscriber is not known to the UMO (72 invalid/missing member id; C correct and resubmit).
      out.push(...echoParties(loop), seg('AAA', 'N', '', '72', 'C'));
      continue;
    }
    if (loop.level === 'EV' || loop.level === 'SS') {
      const trn = loop.head.find((s) => s.tag === 'TRN');
      if (trn) out.push(seg('TRN', '2', el(trn, 2), el(trn, 3), el(trn, 4)));
      if (behaviour === 'reject') {
        out.push(...echoParties(loop));
        continue;
      }
      const um = loop.head.find((s) => s.tag === 'UM');
      if (um) out.push({ tag: 'UM', elements: um.elements });
      const d = cancelled ? { hcr01: 'C' } : DECISION[behaviour];
      const certified = d.hcr01 === 'A1' || d.hcr01 === 'A6';
      const authNo = certified ? `${opts.authNumber}${loop.level === 'SS' ? `-${loop.id}` : ''}` : '';
      out.push(seg('HCR', d.hcr01, authNo, 'reason' in d ? d.reason : ''));
      if (certified && loop.level === 'EV') out.push(seg('REF', 'BB', opts.authNumber));
      if (certified) out.push(seg('DTP', 'AAH', period[0], period[1]));
      if (behaviour === 'modify' && loop.level === 'SS') out.push(seg('HSD', 'VS', '1'));
      if (behaviour === 'deny') out.push(seg('MSG', 'Requested service is not covered under the member plan'));
      out.push(...echoParties(loop));
      continue;
    }
    out.push(...echoParties(loop));
  }
  return out;
}
