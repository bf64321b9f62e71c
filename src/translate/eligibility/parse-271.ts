/**
 * A 005010X279A1 271 body (BHT … before SE) read into meaning: who answered (2100A, with its
 * contacts), for whom (2100B), and for every member it answers — each 2000C subscriber, and each
 * 2000D dependent with its own subscriber — the name, identifiers, addresses, demographics, INS
 * relationship, dates and every EB loop (2110C/D) with its HSD, REF, DTP, MSG, III and related
 * entities (2120C/D with address, contacts and provider detail), and every AAA with the loop it
 * sits in. Nothing the payer sent is dropped here; `to-fhir.ts` and `summary.ts` build on it.
 */
import type { Segment } from '../../x12/types.ts';
import { comp, el, fhirDate } from '../x12-util.ts';
import { loopId, readLevels, repeatsOf, type Level } from './levels.ts';

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
  /** DTP02: D8 or RD8. */
  format?: string;
  start?: string;
  end?: string;
}

export interface Address {
  lines: string[];
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
  /** N407 country subdivision. */
  subdivision?: string;
}

/** PER: contact function (PER01), name (PER02) and up to three numbers (PER03-08). */
export interface Contact {
  function: string;
  name?: string;
  numbers: { qualifier: string; value: string }[];
}

/** PRV: provider code (PRV01), reference qualifier (PRV02, PXC taxonomy) and id (PRV03). */
export interface ProviderInfo {
  code: string;
  qualifier?: string;
  id?: string;
}

export interface Party {
  entity: string;
  /** NM102: 1 person, 2 non-person. */
  entityType?: string;
  name: string;
  first?: string;
  middle?: string;
  suffix?: string;
  qualifier?: string;
  id?: string;
  refs: Ref[];
  address?: Address;
  contacts: Contact[];
  provider?: ProviderInfo;
}

export interface Entity extends Party {
  /** `Last, First` (display). */
  display: string;
}

/** HSD: quantity, frequency and duration of a benefit. */
export interface Delivery {
  quantityQualifier?: string;
  quantity?: number;
  unit?: string;
  sampleSelectionModulus?: number;
  periodQualifier?: string;
  periods?: number;
  pattern?: string;
  patternTime?: string;
}

/** III (2115C/D): additional information about a benefit, e.g. place of service. */
export interface AdditionalInfo {
  codeListQualifier?: string;
  code?: string;
  category?: string;
  text?: string;
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
  /** EB13 composite medical procedure: qualifier, code, modifiers. */
  procedure?: { qualifier: string; code: string; modifiers: string[] };
  /** EB14 composite diagnosis code pointer. */
  diagnosisPointers?: string[];
  messages: string[];
  refs: Ref[];
  dates: DateValue[];
  deliveries: Delivery[];
  additional: AdditionalInfo[];
  entities: Entity[];
}

/** INS: the member's relationship to the subscriber and the payer's maintenance notes. */
export interface Insured {
  /** INS01 Y subscriber, N dependent. */
  insured: string;
  /** INS02 individual relationship code (element 1069). */
  relationship: string;
  /** INS03 maintenance type (001 change) and INS04 reason (25 change in identifying data): the payer corrected what was sent. */
  maintenanceType?: string;
  maintenanceReason?: string;
  /** INS09 student status, INS10 handicap indicator, INS17 birth sequence number. */
  studentStatus?: string;
  handicapped?: string;
  birthSequence?: string;
}

/** MPI: military personnel information. */
export interface Military {
  informationStatus: string;
  employmentStatus: string;
  affiliation: string;
  description?: string;
  rank?: string;
  period?: DateValue;
}

export interface Member {
  loopId: string;
  /** HL01 of the member's level. */
  hlId: string;
  party?: Party;
  /** DMG01 format qualifier, DMG02 birth date, DMG03 gender. */
  birthDateFormat?: string;
  birthDate?: string;
  gender?: string;
  /** INS02 relationship to the subscriber. */
  relationship?: string;
  ins?: Insured;
  /** HI: diagnosis codes (qualifier and code). */
  diagnoses: { qualifier: string; code: string }[];
  military?: Military;
  /** TRN*2 (our trace echoed) and TRN*1 (the payer's own). */
  traces: { type: string; value: string; originator: string; subDepartment?: string }[];
  refs: Ref[];
  dates: DateValue[];
  benefits: Benefit[];
}

export interface Parsed271 {
  /** BHT03. */
  reference: string;
  /** BHT02 (11 response, 06 confirmation), BHT04 date, BHT05 time. */
  purpose?: string;
  date?: string;
  time?: string;
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

function refOf(s: Segment): Ref {
  return { qualifier: el(s, 1), value: el(s, 2), ...(el(s, 3) ? { description: el(s, 3) } : {}) };
}

/** DTP02 D8 or RD8 → FHIR dates. */
function dateOf(s: Segment): DateValue {
  const [a, b] = el(s, 3).split('-');
  const start = a ? fhirDate(a) : undefined;
  const end = el(s, 2) === 'RD8' && b ? fhirDate(b) : start;
  return { qualifier: el(s, 1), format: el(s, 2), ...(start ? { start } : {}), ...(end ? { end } : {}) };
}

function contactOf(s: Segment): Contact {
  const numbers: Contact['numbers'] = [];
  for (const n of [3, 5, 7]) if (el(s, n + 1)) numbers.push({ qualifier: el(s, n), value: el(s, n + 1) });
  return { function: el(s, 1), ...(el(s, 2) ? { name: el(s, 2) } : {}), numbers };
}

function providerOf(s: Segment | undefined): ProviderInfo | undefined {
  return s ? { code: el(s, 1), ...(el(s, 2) ? { qualifier: el(s, 2) } : {}), ...(el(s, 3) ? { id: el(s, 3) } : {}) } : undefined;
}

function addressOf(segments: Segment[]): Address | undefined {
  const n3 = segments.find((s) => s.tag === 'N3');
  const n4 = segments.find((s) => s.tag === 'N4');
  if (!n3 && !n4) return undefined;
  const set = (k: keyof Address, v: string) => (v ? { [k]: v } : {});
  return {
    lines: n3 ? [el(n3, 1), el(n3, 2)].filter(Boolean) : [],
    ...(n4 ? { ...set('city', el(n4, 1)), ...set('state', el(n4, 2)), ...set('postalCode', el(n4, 3)), ...set('country', el(n4, 4)), ...set('subdivision', el(n4, 7)) } : {}),
  } as Address;
}

function partyOf(nm1: Segment | undefined, segments: Segment[] = []): Party | undefined {
  if (!nm1) return undefined;
  const address = addressOf(segments);
  const provider = providerOf(segments.find((s) => s.tag === 'PRV'));
  const opt = (k: keyof Party, n: number) => (el(nm1, n) ? { [k]: el(nm1, n) } : {});
  return {
    entity: el(nm1, 1),
    ...opt('entityType', 2),
    name: el(nm1, 3),
    ...opt('first', 4),
    ...opt('middle', 5),
    ...opt('suffix', 7),
    ...(el(nm1, 8) ? { qualifier: el(nm1, 8), id: el(nm1, 9) } : {}),
    refs: segments.filter((s) => s.tag === 'REF').map(refOf),
    ...(address ? { address } : {}),
    contacts: segments.filter((s) => s.tag === 'PER').map(contactOf),
    ...(provider ? { provider } : {}),
  };
}

function rejectionsIn(segments: Segment[], where: string, benefitIndex?: number): Rejection[] {
  return segments
    .filter((s) => s.tag === 'AAA')
    .map((s) => ({ loopId: where, valid: el(s, 1), reason: el(s, 3), ...(el(s, 4) ? { followUp: el(s, 4) } : {}), ...(benefitIndex !== undefined ? { benefitIndex } : {}) }));
}

function deliveryOf(s: Segment): Delivery {
  const out: Delivery = {};
  const text: [keyof Delivery, number][] = [['quantityQualifier', 1], ['unit', 3], ['periodQualifier', 5], ['pattern', 7], ['patternTime', 8]];
  for (const [k, n] of text) if (el(s, n)) (out as Record<string, string>)[k] = el(s, n);
  const numbers: [keyof Delivery, number][] = [['quantity', 2], ['sampleSelectionModulus', 4], ['periods', 6]];
  for (const [k, n] of numbers) {
    const v = num(el(s, n));
    if (v !== undefined) (out as Record<string, number>)[k] = v;
  }
  return out;
}

function additionalOf(s: Segment): AdditionalInfo {
  const out: AdditionalInfo = {};
  const keys: [keyof AdditionalInfo, number][] = [['codeListQualifier', 1], ['code', 2], ['category', 3], ['text', 4]];
  for (const [k, n] of keys) if (el(s, n)) out[k] = el(s, n);
  return out;
}

/** One EB loop; built field by field (a batch reads a 271 per member, so this stays allocation-light). */
function benefitOf(level: Level, b: Level['benefits'][number]): Benefit {
  const eb = b.head;
  const out: Benefit = {
    loopId: loopId(level, '2110'), code: el(eb, 1), serviceTypes: repeatsOf(eb, 3),
    messages: [], refs: [], dates: [], deliveries: [], additional: [], entities: [],
  };
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
    if (proc[1]) out.procedure = { qualifier: proc[0] ?? '', code: proc[1], modifiers: proc.slice(2, 6).filter(Boolean) };
  }
  if (eb.elements.length >= 14) {
    const pointers = comp(eb, 14).filter(Boolean);
    if (pointers.length) out.diagnosisPointers = pointers;
  }
  for (const s of b.segments) {
    if (s.tag === 'MSG') {
      const m = el(s, 1);
      if (m) out.messages.push(m);
    } else if (s.tag === 'REF') out.refs.push(refOf(s));
    else if (s.tag === 'DTP') out.dates.push(dateOf(s));
    else if (s.tag === 'HSD') out.deliveries.push(deliveryOf(s));
    else if (s.tag === 'III') out.additional.push(additionalOf(s));
  }
  for (const e of b.entities) {
    if (e.nm1.tag !== 'NM1') continue;
    const p = partyOf(e.nm1, e.segments)!;
    out.entities.push({ ...p, display: p.first ? `${p.name}, ${p.first}` : p.name });
  }
  return out;
}

function insuredOf(s: Segment | undefined): Insured | undefined {
  if (!s) return undefined;
  const opt = (k: keyof Insured, n: number) => (el(s, n) ? { [k]: el(s, n) } : {});
  return {
    insured: el(s, 1),
    relationship: el(s, 2),
    ...opt('maintenanceType', 3),
    ...opt('maintenanceReason', 4),
    ...opt('studentStatus', 9),
    ...opt('handicapped', 10),
    ...opt('birthSequence', 17),
  };
}

function militaryOf(s: Segment | undefined): Military | undefined {
  if (!s) return undefined;
  return {
    informationStatus: el(s, 1),
    employmentStatus: el(s, 2),
    affiliation: el(s, 3),
    ...(el(s, 4) ? { description: el(s, 4) } : {}),
    ...(el(s, 5) ? { rank: el(s, 5) } : {}),
    ...(el(s, 7) ? { period: dateOf({ tag: 'DTP', elements: ['', el(s, 6), el(s, 7)] }) } : {}),
  };
}

function memberOf(level: Level | undefined): Member | undefined {
  if (!level) return undefined;
  const dmg = level.name.find((s) => s.tag === 'DMG');
  const ins = insuredOf(level.name.find((s) => s.tag === 'INS'));
  const birthDate = dmg && el(dmg, 1) === 'D8' ? fhirDate(el(dmg, 2)) : undefined;
  const party = partyOf(level.nm1, level.name);
  const military = militaryOf(level.name.find((s) => s.tag === 'MPI'));
  const diagnoses = level.name
    .filter((s) => s.tag === 'HI')
    .flatMap((s) => s.elements.map((_, k) => comp(s, k + 1)))
    .filter((c) => c[1])
    .map((c) => ({ qualifier: c[0] ?? '', code: c[1]! }));
  return {
    loopId: loopId(level, '2100'),
    hlId: level.id,
    ...(party ? { party } : {}),
    ...(dmg && el(dmg, 1) ? { birthDateFormat: el(dmg, 1) } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(dmg && el(dmg, 3) ? { gender: el(dmg, 3) } : {}),
    ...(ins ? { relationship: ins.relationship, ins } : {}),
    diagnoses,
    ...(military ? { military } : {}),
    traces: level.head
      .filter((s) => s.tag === 'TRN')
      .map((s) => ({ type: el(s, 1), value: el(s, 2), originator: el(s, 3), ...(el(s, 4) ? { subDepartment: el(s, 4) } : {}) })),
    refs: party?.refs ?? [],
    dates: level.name.filter((s) => s.tag === 'DTP').map(dateOf),
    benefits: level.benefits.map((b) => benefitOf(level, b)),
  };
}

/** The AAAs of one level, in the loops they sit in. */
function rejectionsOf(level: Level | undefined): Rejection[] {
  if (!level) return [];
  return [
    ...rejectionsIn(level.head, loopId(level, '2000')),
    ...rejectionsIn(level.name, loopId(level, '2100')),
    ...level.benefits.flatMap((b, k) => rejectionsIn(b.segments, loopId(level, '2110'), k)),
  ];
}

/**
 * Every member a 271 answers, each with its own source, receiver and (for a dependent) subscriber:
 * one entry per 2000C without dependents and per 2000D. A 271 rejected above the members (AAA at
 * 2000A/2100A/2100B) gives one entry without members.
 */
export function parse271All(body: Segment[]): Parsed271[] {
  const { header, levels } = readLevels(body);
  const bht = header.find((s) => s.tag === 'BHT');
  const byId = new Map(levels.map((l) => [l.id, l]));
  const up = (l: Level | undefined, code: string): Level | undefined => {
    for (let x = l; x; x = byId.get(x.parent)) if (x.code === code) return x;
    return undefined;
  };
  const head = {
    reference: bht ? el(bht, 3) : '',
    ...(bht && el(bht, 2) ? { purpose: el(bht, 2) } : {}),
    ...(bht && el(bht, 4) ? { date: el(bht, 4) } : {}),
    ...(bht && el(bht, 5) ? { time: el(bht, 5) } : {}),
  };
  const leaves = levels.filter((l) => (l.code === '22' && !levels.some((c) => c.code === '23' && c.parent === l.id)) || l.code === '23');
  const answer = (leaf: Level | undefined, source: Level | undefined, receiver: Level | undefined): Parsed271 => {
    const subscriberLevel = leaf?.code === '23' ? up(byId.get(leaf.parent), '22') : leaf;
    const dependentLevel = leaf?.code === '23' ? leaf : undefined;
    const src = partyOf(source?.nm1, source?.name);
    const rec = partyOf(receiver?.nm1, receiver?.name);
    const subscriber = memberOf(subscriberLevel);
    const dependent = memberOf(dependentLevel);
    return {
      ...head,
      ...(src ? { source: src } : {}),
      ...(rec ? { receiver: rec } : {}),
      ...(subscriber ? { subscriber } : {}),
      ...(dependent ? { dependent } : {}),
      rejections: [...rejectionsOf(source), ...rejectionsOf(receiver), ...rejectionsOf(subscriberLevel), ...rejectionsOf(dependentLevel)],
    };
  };
  if (leaves.length === 0) {
    const source = levels.find((l) => l.code === '20');
    const receiver = levels.find((l) => l.code === '21');
    return [answer(undefined, source, receiver)];
  }
  return leaves.map((leaf) => answer(leaf, up(leaf, '20'), up(leaf, '21')));
}

/** The first member's answer (a real-time 271 answers one member). */
export function parse271(body: Segment[]): Parsed271 {
  return parse271All(body)[0]!;
}

/** The member the answer is about: the dependent when there is one. */
export function patientOf(p: Parsed271): Member | undefined {
  return p.dependent ?? p.subscriber;
}
