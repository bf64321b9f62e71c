/**
 * A 005010X279A1 271 body (BHT … before SE) read into meaning: who answered, the member
 * (2100C/D), every EB loop (2110C/D) with its messages, references, dates and related entities,
 * and every AAA with the loop it sits in. No FHIR here; `to-fhir.ts` and `summary.ts` build on it.
 */
import type { Segment } from '../../x12/types.ts';
import { comp, el, fhirDate } from '../x12-util.ts';
import { levelOf, loopId, readLevels, repeatsOf, type Level } from './levels.ts';

export interface Rejection {
  /** 2000A, 2100A, 2100B, 2100C, 2110C, 2100D, 2110D. */
  loopId: string;
  /** AAA01 Y/N: whether the request was valid (informational). */
  valid: string;
  /** AAA03 reject reason (element 901). */
  reason: string;
  /** AAA04 follow-up action (element 889). */
  followUp?: string;
  /** Index of the EB loop the AAA belongs to (2110C/D only). */
  benefitIndex?: number;
}

export interface Ref {
  qualifier: string;
  value: string;
  description?: string;
}

export interface DateValue {
  qualifier: string;
  start?: string;
  end?: string;
}

export interface Entity {
  /** NM101 entity code, e.g. P3 primary care provider. */
  entity: string;
  name: string;
  qualifier?: string;
  id?: string;
}

export interface Benefit {
  loopId: string;
  /** EB01 … EB12 by meaning. */
  code: string;
  coverageLevel?: string;
  serviceTypes: string[];
  insuranceType?: string;
  planDescription?: string;
  period?: string;
  amount?: number;
  percent?: number;
  quantityQualifier?: string;
  quantity?: number;
  authorization?: string;
  network?: string;
  /** EB13 composite medical procedure: qualifier and code. */
  procedure?: { qualifier: string; code: string };
  messages: string[];
  refs: Ref[];
  dates: DateValue[];
  entities: Entity[];
}

export interface Party {
  entity: string;
  name: string;
  first?: string;
  qualifier?: string;
  id?: string;
}

export interface Member {
  loopId: string;
  party?: Party;
  birthDate?: string;
  gender?: string;
  /** INS02 relationship to the subscriber (2100D). */
  relationship?: string;
  /** TRN*2 (our trace echoed) and TRN*1 (the payer's own). */
  traces: { type: string; value: string; originator: string }[];
  refs: Ref[];
  dates: DateValue[];
  benefits: Benefit[];
}

export interface Parsed271 {
  /** BHT03. */
  reference: string;
  source?: Party;
  receiver?: Party;
  subscriber?: Member;
  dependent?: Member;
  rejections: Rejection[];
}

function num(value: string): number | undefined {
  if (value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function partyOf(nm1: Segment | undefined): Party | undefined {
  if (!nm1) return undefined;
  return {
    entity: el(nm1, 1),
    name: el(nm1, 3),
    ...(el(nm1, 4) ? { first: el(nm1, 4) } : {}),
    ...(el(nm1, 8) ? { qualifier: el(nm1, 8), id: el(nm1, 9) } : {}),
  };
}

function refOf(s: Segment): Ref {
  return { qualifier: el(s, 1), value: el(s, 2), ...(el(s, 3) ? { description: el(s, 3) } : {}) };
}

/** DTP02 D8 or RD8 → FHIR dates. */
function dateOf(s: Segment): DateValue {
  const [a, b] = el(s, 3).split('-');
  const start = a ? fhirDate(a) : undefined;
  const end = el(s, 2) === 'RD8' && b ? fhirDate(b) : start;
  return { qualifier: el(s, 1), ...(start ? { start } : {}), ...(end ? { end } : {}) };
}

function rejectionsIn(segments: Segment[], where: string, benefitIndex?: number): Rejection[] {
  return segments
    .filter((s) => s.tag === 'AAA')
    .map((s) => ({ loopId: where, valid: el(s, 1), reason: el(s, 3), ...(el(s, 4) ? { followUp: el(s, 4) } : {}), ...(benefitIndex !== undefined ? { benefitIndex } : {}) }));
}

/** One EB loop; built field by field (a batch reads a 271 per member, so this stays allocation-light). */
function benefitOf(level: Level, b: Level['benefits'][number]): Benefit {
  const eb = b.head;
  const out: Benefit = { loopId: loopId(level, '2110'), code: el(eb, 1), serviceTypes: repeatsOf(eb, 3), messages: [], refs: [], dates: [], entities: [] };
  const text: [keyof Benefit, number][] = [['coverageLevel', 2], ['insuranceType', 4], ['planDescription', 5], ['period', 6], ['quantityQualifier', 9], ['authorization', 11], ['network', 12]];
  for (const [key, n] of text) {
    const v = el(eb, n);
    if (v) (out as unknown as Record<string, string>)[key] = v;
  }
  const amount = num(el(eb, 7));
  if (amount !== undefined) out.amount = amount;
  const percent = num(el(eb, 8));
  if (percent !== undefined) out.percent = percent;
  const quantity = num(el(eb, 10));
  if (quantity !== undefined) out.quantity = quantity;
  if (eb.elements.length >= 13) {
    const proc = comp(eb, 13);
    if (proc[1]) out.procedure = { qualifier: proc[0] ?? '', code: proc[1] };
  }
  for (const s of b.segments) {
    if (s.tag === 'MSG') {
      const m = el(s, 1);
      if (m) out.messages.push(m);
    } else if (s.tag === 'REF') out.refs.push(refOf(s));
    else if (s.tag === 'DTP') out.dates.push(dateOf(s));
  }
  for (const e of b.entities) {
    if (e.nm1.tag !== 'NM1') continue;
    const p = partyOf(e.nm1)!;
    out.entities.push({ entity: p.entity, name: p.first ? `${p.name}, ${p.first}` : p.name, ...(p.qualifier ? { qualifier: p.qualifier, id: p.id } : {}) });
  }
  return out;
}

function memberOf(level: Level | undefined): Member | undefined {
  if (!level) return undefined;
  const dmg = level.name.find((s) => s.tag === 'DMG');
  const ins = level.name.find((s) => s.tag === 'INS');
  const birthDate = dmg && el(dmg, 1) === 'D8' ? fhirDate(el(dmg, 2)) : undefined;
  const party = partyOf(level.nm1);
  return {
    loopId: loopId(level, '2100'),
    ...(party ? { party } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(dmg && el(dmg, 3) ? { gender: el(dmg, 3) } : {}),
    ...(ins ? { relationship: el(ins, 2) } : {}),
    traces: level.head.filter((s) => s.tag === 'TRN').map((s) => ({ type: el(s, 1), value: el(s, 2), originator: el(s, 3) })),
    refs: level.name.filter((s) => s.tag === 'REF').map(refOf),
    dates: level.name.filter((s) => s.tag === 'DTP').map(dateOf),
    benefits: level.benefits.map((b) => benefitOf(level, b)),
  };
}

/** Every AAA of the transaction, with the loop it sits in. */
function allRejections(levels: Level[]): Rejection[] {
  return levels.flatMap((level) => [
    ...rejectionsIn(level.head, loopId(level, '2000')),
    ...rejectionsIn(level.name, loopId(level, '2100')),
    ...level.benefits.flatMap((b, k) => rejectionsIn(b.segments, loopId(level, '2110'), k)),
  ]);
}

export function parse271(body: Segment[]): Parsed271 {
  const { header, levels } = readLevels(body);
  const bht = header.find((s) => s.tag === 'BHT');
  const source = partyOf(levelOf(levels, '20')?.nm1);
  const receiver = partyOf(levelOf(levels, '21')?.nm1);
  const subscriber = memberOf(levelOf(levels, '22'));
  const dependent = memberOf(levelOf(levels, '23'));
  return {
    reference: bht ? el(bht, 3) : '',
    ...(source ? { source } : {}),
    ...(receiver ? { receiver } : {}),
    ...(subscriber ? { subscriber } : {}),
    ...(dependent ? { dependent } : {}),
    rejections: allRejections(levels),
  };
}

/** The member the answer is about: the dependent when there is one. */
export function patientOf(p: Parsed271): Member | undefined {
  return p.dependent ?? p.subscriber;
}
