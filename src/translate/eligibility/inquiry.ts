/**
 * The eligibility inquiry as the 270 needs it, independent of where it came from (a FHIR
 * CoverageEligibilityRequest Bundle, a roster row) — and its 005010X279A1 270 body (BHT … the
 * segment before SE). Pure: the clock, the trace number and its originator come in as options.
 */
import type { Segment } from '../../x12/types.ts';
import { d8, seg } from '../x12-util.ts';
import { DEFAULT_SERVICE_TYPE } from './codes/service-types.ts';
import { INQUIRY_DATE_QUALIFIER } from './codes/members.ts';

export interface PersonName {
  last: string;
  first?: string;
  middle?: string;
  suffix?: string;
}

export interface EligibilityInquiry {
  /** 2100A information source (the payer): NM103 name, NM108 qualifier (PI, XV, …), NM109 id. */
  source: { name?: string; qualifier: string; id: string };
  /** 2100B information receiver (the provider): NM101 1P or FA, NM108 XX for an NPI. */
  receiver: { entity: string; person: boolean; name: PersonName; qualifier: string; id: string; taxonomy?: string };
  /** 2100C subscriber: NM109 member id (qualifier MI), name, DMG, REF*6P group. */
  subscriber: { memberId: string; name?: PersonName; birthDate?: string; gender?: string; groupNumber?: string };
  /** 2100D dependent, when the patient is not the subscriber; INS02 relationship (01, 19, 34). */
  dependent?: { name: PersonName; birthDate?: string; gender?: string; relationship?: string };
  /** DTP*291 as FHIR dates: one day, or a period. */
  serviceDate?: { start: string; end?: string };
  /** EQ01 service type codes (element 1365); 30 when empty. */
  serviceTypes: string[];
}

export interface Inquiry270Options {
  now: Date;
  /** 2000C/D TRN02 (1–50 characters): the payer echoes it in TRN*2 of the 271. */
  trace: string;
  /** TRN03: 10 characters, `1` + EIN or `9` + an identifier the sender assigns. */
  originator: string;
  /** BHT03; the trace when absent. */
  reference?: string;
}

/**
 * TRN03 originating company identifier for our own traces: `9` (identifier assigned by the sender)
 * followed by nine characters of the sender id, padded with zeros.
 * @example traceOriginator('PRIORGATE') // '9PRIORGATE'
 */
export function traceOriginator(senderId: string): string {
  return `9${senderId.replace(/[^A-Za-z0-9]/g, '').toUpperCase().padEnd(9, '0').slice(0, 9)}`;
}

/** X279A1 maximum lengths, applied by cutting (names are matched loosely by payers anyway). */
const MAX = { nm103: 60, nm104: 35, nm105: 25, nm107: 10 } as const;
const cut = (v: string | undefined, n: number) => (typeof v === 'string' ? v.slice(0, n) : undefined);

function personNm1(entity: string, name: PersonName | undefined, id?: [string, string]): Segment {
  return seg(
    'NM1', entity, '1',
    cut(name?.last, MAX.nm103), cut(name?.first, MAX.nm104), cut(name?.middle, MAX.nm105), '', cut(name?.suffix, MAX.nm107),
    id?.[0], id?.[1],
  );
}

function dates(i: EligibilityInquiry): Segment[] {
  const start = d8(i.serviceDate?.start);
  if (!start) return [];
  const end = d8(i.serviceDate?.end);
  return [end && end !== start ? seg('DTP', INQUIRY_DATE_QUALIFIER, 'RD8', `${start}-${end}`) : seg('DTP', INQUIRY_DATE_QUALIFIER, 'D8', start)];
}

function demographics(p: { birthDate?: string; gender?: string }): Segment[] {
  const dob = d8(p.birthDate);
  // DMG01/DMG02 travel together; a gender alone cannot be sent.
  return dob ? [seg('DMG', 'D8', dob, p.gender)] : [];
}

/** 2110C/D: one EQ per service type (X279A1 allows up to 99 EQ loops). */
function inquiries(i: EligibilityInquiry): Segment[] {
  const types = i.serviceTypes.length ? [...new Set(i.serviceTypes)] : [DEFAULT_SERVICE_TYPE];
  return types.slice(0, 99).map((t) => seg('EQ', t));
}

/**
 * @example
 * const { segments } = inquiryTo270(inquiry, { now: new Date(), trace: 'a1b2', originator: '9PRIORGATE' });
 */
export function inquiryTo270(i: EligibilityInquiry, opts: Inquiry270Options): { segments: Segment[]; trace: string } {
  const iso = opts.now.toISOString();
  const time = iso.slice(11, 16).replace(':', '');
  const trn = seg('TRN', '1', opts.trace, opts.originator);
  const r = i.receiver;
  const out: Segment[] = [
    // BHT01 0022 information source/receiver/subscriber/dependent structure; BHT02 13 request.
    seg('BHT', '0022', '13', opts.reference ?? opts.trace, d8(iso), time),
    // 2000A information source
    seg('HL', '1', '', '20', '1'),
    seg('NM1', 'PR', '2', cut(i.source.name, MAX.nm103), '', '', '', '', i.source.qualifier, i.source.id),
    // 2000B information receiver
    seg('HL', '2', '1', '21', '1'),
    r.person
      ? personNm1(r.entity, r.name, [r.qualifier, r.id])
      : seg('NM1', r.entity, '2', cut(r.name.last, MAX.nm103), '', '', '', '', r.qualifier, r.id),
    ...(r.taxonomy ? [seg('PRV', 'PE', 'PXC', r.taxonomy)] : []),
    // 2000C subscriber: the TRN, date and EQs sit at the patient's level (C, or D for a dependent).
    seg('HL', '3', '2', '22', i.dependent ? '1' : '0'),
    ...(i.dependent ? [] : [trn]),
    personNm1('IL', i.subscriber.name, ['MI', i.subscriber.memberId]),
    ...(i.subscriber.groupNumber ? [seg('REF', '6P', i.subscriber.groupNumber)] : []),
    ...demographics(i.subscriber),
  ];
  if (!i.dependent) {
    out.push(...dates(i), ...inquiries(i));
    return { segments: out, trace: opts.trace };
  }
  const d = i.dependent;
  out.push(
    seg('HL', '4', '3', '23', '0'),
    trn,
    personNm1('03', d.name),
    ...demographics(d),
    ...(d.relationship ? [seg('INS', 'N', d.relationship)] : []),
    ...dates(i),
    ...inquiries(i),
  );
  return { segments: out, trace: opts.trace };
}
