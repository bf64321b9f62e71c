/**
 * A 270 body (BHT … before SE) back into an EligibilityInquiry: what a payer (our simulator)
 * reads, and how the public sample 270s are checked against our own writer.
 */
import type { Segment } from '../../x12/types.ts';
import { el, fhirDate, periodOf } from '../x12-util.ts';
import type { EligibilityInquiry, PersonName } from './inquiry.ts';
import { levelOf, readLevels, type Level } from './levels.ts';

export interface Read270 {
  inquiry: EligibilityInquiry;
  /** BHT03. */
  reference: string;
  /** TRN*1 of the patient's level: the trace the 271 must echo as TRN*2. */
  trace?: { value: string; originator: string; division?: string };
}

function nameOf(nm1: Segment | undefined): PersonName | undefined {
  if (!nm1 || !el(nm1, 3)) return undefined;
  const opt = (n: number) => (el(nm1, n) ? { [n === 4 ? 'first' : n === 5 ? 'middle' : 'suffix']: el(nm1, n) } : {});
  return { last: el(nm1, 3), ...opt(4), ...opt(5), ...opt(7) };
}

function demographics(level: Level | undefined): { birthDate?: string; gender?: string } {
  const dmg = level?.name.find((s) => s.tag === 'DMG');
  const birthDate = dmg && el(dmg, 1) === 'D8' ? fhirDate(el(dmg, 2)) : undefined;
  return { ...(birthDate ? { birthDate } : {}), ...(dmg && el(dmg, 3) ? { gender: el(dmg, 3) } : {}) };
}

export function read270(body: Segment[]): Read270 {
  const { header, levels } = readLevels(body);
  const source = levelOf(levels, '20');
  const receiver = levelOf(levels, '21');
  const subscriber = levelOf(levels, '22');
  const dependent = levelOf(levels, '23');
  const patient = dependent ?? subscriber;
  const trn = [...(patient?.head ?? []), ...(subscriber?.head ?? [])].find((s) => s.tag === 'TRN' && el(s, 1) === '1');
  const dtp = patient?.name.find((s) => s.tag === 'DTP' && el(s, 1) === '291');
  const period = dtp ? periodOf(el(dtp, 2), el(dtp, 3)) : undefined;
  const rNm1 = receiver?.nm1;
  const prv = receiver?.name.find((s) => s.tag === 'PRV');
  const group = subscriber?.name.find((s) => s.tag === 'REF' && el(s, 1) === '6P');
  const ins = dependent?.name.find((s) => s.tag === 'INS');
  const inquiry: EligibilityInquiry = {
    source: { ...(source?.nm1 && el(source.nm1, 3) ? { name: el(source.nm1, 3) } : {}), qualifier: source?.nm1 ? el(source.nm1, 8) : '', id: source?.nm1 ? el(source.nm1, 9) : '' },
    receiver: {
      entity: rNm1 ? el(rNm1, 1) : '',
      person: rNm1 ? el(rNm1, 2) === '1' : false,
      name: nameOf(rNm1) ?? { last: '' },
      qualifier: rNm1 ? el(rNm1, 8) : '',
      id: rNm1 ? el(rNm1, 9) : '',
      ...(prv && el(prv, 3) ? { taxonomy: el(prv, 3) } : {}),
    },
    subscriber: {
      memberId: subscriber?.nm1 ? el(subscriber.nm1, 9) : '',
      ...(nameOf(subscriber?.nm1) ? { name: nameOf(subscriber?.nm1) } : {}),
      ...demographics(subscriber),
      ...(group ? { groupNumber: el(group, 2) } : {}),
    },
    ...(dependent
      ? { dependent: { name: nameOf(dependent.nm1) ?? { last: '' }, ...demographics(dependent), ...(ins ? { relationship: el(ins, 2) } : {}) } }
      : {}),
    ...(period?.start ? { serviceDate: { start: period.start, ...(period.end && period.end !== period.start ? { end: period.end } : {}) } } : {}),
    serviceTypes: (patient?.benefits ?? []).map((b) => el(b.head, 1)).filter(Boolean),
  };
  const bht = header.find((s) => s.tag === 'BHT');
  return {
    inquiry,
    reference: bht ? el(bht, 3) : '',
    ...(trn ? { trace: { value: el(trn, 2), originator: el(trn, 3), ...(el(trn, 4) ? { division: el(trn, 4) } : {}) } } : {}),
  };
}
