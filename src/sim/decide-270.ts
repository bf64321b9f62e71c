/**
 * The payer simulator's eligibility "brain": reads a 270 body and writes the 271 body a health
 * plan would send, decided by the last letter of the member id (CONTRACT.md): `I` inactive
 * coverage, `R` AAA 72 (invalid member id) at 2100C, anything else active with a realistic set of
 * EB loops — plan-level active coverage, deductibles and out-of-pocket maximums (individual and
 * family, in and out of network, with what remains), co-insurance, a co-pay and a message per
 * requested service type, and a primary care provider (2120C/D). A 270 with a 2000D dependent is
 * answered at the dependent level. Pure: the clock and the payer's trace come in as arguments.
 */
import { DEFAULT_SERVICE_TYPE, el, read270, seg, SERVICE_TYPES } from '../translate/index.ts';
import type { Segment } from '../x12/types.ts';

export type EligibilityBehaviour = 'active' | 'inactive' | 'reject' | 'late';

/** `I` inactive, `R` AAA 72, `L` late (the 270 is acknowledged now, the 271 pushed later), else active. */
export function eligibilityBehaviourFor(memberId: string): EligibilityBehaviour {
  const last = memberId.trim().slice(-1).toUpperCase();
  return last === 'I' ? 'inactive' : last === 'R' ? 'reject' : last === 'L' ? 'late' : 'active';
}

/** The subscriber's member id of a 270 (ST … SE or its body). */
export function memberOf270(segments: Segment[]): string {
  const body = segments[0]?.tag === 'ST' ? segments.slice(1, -1) : segments;
  return read270(body).inquiry.subscriber.memberId;
}

/** Per service type: co-pay per visit (EB06 27) and whether prior authorization applies (EB11). */
const COPAY: Record<string, { copay: number; auth?: boolean }> = {
  '98': { copay: 25 },
  UC: { copay: 50 },
  '86': { copay: 250 },
  '88': { copay: 10 },
  '33': { copay: 20, auth: true },
  MH: { copay: 30, auth: true },
  AL: { copay: 15 },
  '47': { copay: 150, auth: true },
};

const PLAN = { name: 'DEMO GOLD PPO', number: 'GOLDPPO01', group: 'GRP100200', groupName: 'DEMO EMPLOYER GROUP' };
const PCP = { last: 'WELBY', first: 'MARCUS', npi: '1234567893' };

function ccyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/** A stable small number from the member id: amounts differ between members, not between calls. */
function spread(memberId: string, modulo: number): number {
  let h = 7;
  for (const ch of memberId) h = (h * 31 + ch.charCodeAt(0)) % 100_003;
  return h % modulo;
}

function eb(...elements: (string | number | undefined)[]): Segment {
  return seg('EB', ...elements.map((e) => (typeof e === 'number' ? e.toFixed(2).replace(/\.00$/, '') : e)));
}

function activeLoops(memberId: string, serviceTypes: string[], year: number): Segment[] {
  const dedUsed = spread(memberId, 15) * 100;
  const oopUsed = dedUsed + spread(memberId, 20) * 50;
  const loops: Segment[] = [
    // 2110C/D EB*1: active coverage at plan level; its DTP gives the plan year.
    eb('1', 'FAM', '30', 'PR', PLAN.name),
    seg('DTP', '346', 'D8', `${year}0101`),
    eb('C', 'IND', '30', '', '', '23', 1500, '', '', '', '', 'Y'),
    eb('C', 'IND', '30', '', '', '29', 1500 - dedUsed, '', '', '', '', 'Y'),
    eb('C', 'FAM', '30', '', '', '23', 3000, '', '', '', '', 'Y'),
    eb('C', 'FAM', '30', '', '', '29', 3000 - dedUsed, '', '', '', '', 'Y'),
    eb('C', 'IND', '30', '', '', '23', 3000, '', '', '', '', 'N'),
    eb('G', 'IND', '30', '', '', '23', 6000, '', '', '', '', 'Y'),
    eb('G', 'IND', '30', '', '', '29', 6000 - oopUsed, '', '', '', '', 'Y'),
    eb('G', 'IND', '30', '', '', '23', 12000, '', '', '', '', 'N'),
    eb('A', 'IND', '30', '', '', '', '', '0.2', '', '', '', 'Y'),
    eb('A', 'IND', '30', '', '', '', '', '0.4', '', '', '', 'N'),
  ];
  for (const st of serviceTypes.filter((t) => t !== DEFAULT_SERVICE_TYPE)) {
    const rule = COPAY[st] ?? { copay: 35 };
    loops.push(
      eb('1', 'IND', st),
      eb('B', 'IND', st, '', '', '27', rule.copay, '', '', '', rule.auth ? 'Y' : 'N', 'Y'),
      seg('MSG', `${SERVICE_TYPES.get(st) ?? 'Service'}: co-pay applies per visit${rule.auth ? '; prior authorization required' : ''}`),
    );
  }
  loops.push(eb('L'), seg('LS', '2120'), seg('NM1', 'P3', '1', PCP.last, PCP.first, '', '', '', 'XX', PCP.npi), seg('LE', '2120'));
  return loops;
}

function inactiveLoops(year: number): Segment[] {
  return [eb('6', 'IND', '30', 'PR', PLAN.name), seg('DTP', '347', 'D8', `${year - 1}1231`), seg('MSG', 'Coverage terminated at the end of the prior plan year')];
}

function nameOf(nm1: Segment | undefined, fallbackEntity: string): Segment {
  if (!nm1) return seg('NM1', fallbackEntity, '1');
  return nm1;
}

/**
 * Builds the 271 body (BHT … before SE) for a 270 body.
 * @param opts.trace the payer's own TRN*1 trace number
 */
export function respond271(body: Segment[], opts: { now: Date; trace: string }): Segment[] {
  const { inquiry, reference, trace } = read270(body);
  const behaviour = eligibilityBehaviourFor(inquiry.subscriber.memberId);
  const year = opts.now.getUTCFullYear();
  const requestNames = body.filter((s) => s.tag === 'NM1');
  const sourceNm1 = requestNames.find((s) => el(s, 1) === 'PR') ?? seg('NM1', 'PR', '2', 'DEMO HEALTH PLAN', '', '', '', '', 'PI', '99999');
  const receiverNm1 = requestNames.find((s) => ['1P', 'FA', '80', 'GP', '2B', '36', 'P5', 'PR'].includes(el(s, 1)) && s !== sourceNm1);
  const dependent = Boolean(inquiry.dependent);
  const echoed = trace ? [seg('TRN', '2', trace.value, trace.originator, trace.division)] : [];
  const own = seg('TRN', '1', opts.trace, '9DEMOPAYER');
  const dmg = (p: { birthDate?: string; gender?: string }) => (p.birthDate ? [seg('DMG', 'D8', p.birthDate.replace(/-/g, ''), p.gender)] : []);
  const planDates = [seg('DTP', '346', 'D8', `${year}0101`), seg('DTP', '347', 'D8', `${year}1231`)];
  const refs = [seg('REF', '18', PLAN.number, PLAN.name), seg('REF', '6P', PLAN.group, PLAN.groupName)];
  const answer = behaviour === 'inactive' ? inactiveLoops(year) : activeLoops(inquiry.subscriber.memberId, inquiry.serviceTypes, year);

  const out: Segment[] = [
    seg('BHT', '0022', '11', reference, ccyymmdd(opts.now), opts.now.toISOString().slice(11, 16).replace(':', '')),
    seg('HL', '1', '', '20', '1'),
    sourceNm1,
    seg('HL', '2', '1', '21', '1'),
    nameOf(receiverNm1, '1P'),
    seg('HL', '3', '2', '22', dependent && behaviour !== 'reject' ? '1' : '0'),
    ...(dependent ? [] : [...echoed, own]),
    nameOf(requestNames.find((s) => el(s, 1) === 'IL'), 'IL'),
  ];
  if (behaviour === 'reject') {
    // 2100C AAA: 72 invalid/missing subscriber id; C please correct and resubmit. No EB loops.
    out.push(seg('AAA', 'N', '', '72', 'C'));
    return out;
  }
  out.push(...refs, ...dmg(inquiry.subscriber), ...(behaviour === 'inactive' ? [seg('DTP', '346', 'D8', `${year - 1}0101`), seg('DTP', '347', 'D8', `${year - 1}1231`)] : planDates));
  if (!dependent) return [...out, ...answer];
  const d = inquiry.dependent!;
  out.push(
    seg('HL', '4', '3', '23', '0'),
    ...echoed,
    own,
    nameOf(requestNames.find((s) => el(s, 1) === '03'), '03'),
    ...dmg(d),
    seg('INS', 'N', d.relationship ?? '19'),
    ...(behaviour === 'inactive' ? [seg('DTP', '347', 'D8', `${year - 1}1231`)] : planDates),
    ...answer,
  );
  return out;
}
