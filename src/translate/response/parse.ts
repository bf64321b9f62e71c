/**
 * Reading a 278 response body (BHT02 11) into the facts the mappings need: per level the trace
 * numbers, HCR review outcome, REF numbers, DTP dates, service detail and MSG texts; and every AAA
 * with the loop it sits in. Shared by `x12ResponseToPas` and `decisionOf`.
 */
import type { Segment } from '../../x12/types.ts';
import { groupLoops, type HlLoop, type NameLoop, type Transaction } from '../hl.ts';
import { HL_LEVEL } from '../codes/loops.ts';
import { RESPONSE_CONTACT_ENTITIES, TRANSPORT_ENTITIES } from '../codes/response.ts';
import { YES_NO } from '../codes/review.ts';
import { TranslateError } from '../errors.ts';
import { el } from '../x12-util.ts';

export interface Trace {
  /** TRN01: 1 assigned by the sender of this transaction (the UMO), 2 referenced (our own, echoed). */
  type: string;
  value: string;
  originator: string;
  subDepartment?: string;
}

export interface Review {
  /** HCR01 action code (element 306). */
  code: string;
  /** HCR02: the certification / review number. */
  number?: string;
  /** HCR03: decision reason (code source 886). */
  reason?: string;
  /** HCR04: second surgical opinion required. */
  secondOpinion?: boolean;
}

export interface Dated {
  qualifier: string;
  format: string;
  value: string;
}

export interface Rejection {
  /** IG loop the AAA sits in: 2000A, 2010A, 2010B, 2010C, 2000E, 2010EA, 2000F, 2010F … */
  loopId: string;
  hlId: string;
  /** AAA01 valid request indicator: Y or N. */
  valid: string;
  /** AAA03 reject reason (element 901). */
  reason: string;
  /** AAA04 follow-up action (element 889). */
  followUp?: string;
}

export interface Level {
  hlId: string;
  traces: Trace[];
  review?: Review;
  /** REF*BB (authorization number), REF*NT (administrative reference number). */
  refs: Record<string, string>;
  dates: Dated[];
  um?: Segment;
  /** SV1, SV2 or SV3. */
  service?: Segment;
  hsd?: Segment;
  /** HI: diagnoses at 2000E, requests for additional information (HI*LOI) at 2000F. */
  his: Segment[];
  /** PWK: documentation the UMO asks for (report type, how to send it, attachment control number). */
  pwks: Segment[];
  messages: string[];
  /** 2010EA patient event providers, 2010F service providers. */
  providers: NameLoop[];
  /** 2010EB additional patient information contact: where to send what the UMO asks for. */
  contacts: NameLoop[];
}

export interface ParsedResponse {
  tx: Transaction;
  /** BHT03 reference, BHT04/05 date and time. */
  reference: string;
  event?: Level;
  services: Level[];
  rejections: Rejection[];
  /** Name loops by HL level: 20 UMO, 21 requester, 22 subscriber, 23 dependent. */
  parties: Partial<Record<string, NameLoop>>;
}

function levelOf(loop: HlLoop): Level {
  const head = loop.head;
  const names = loop.names;
  const hcr = head.find((s) => s.tag === 'HCR');
  const refs: Record<string, string> = {};
  for (const r of head.filter((s) => s.tag === 'REF')) refs[el(r, 1)] ??= el(r, 2);
  const hcr04 = hcr ? el(hcr, 4) : '';
  return {
    hlId: loop.id,
    traces: head
      .filter((s) => s.tag === 'TRN')
      .map((t) => ({ type: el(t, 1), value: el(t, 2), originator: el(t, 3), ...(el(t, 4) ? { subDepartment: el(t, 4) } : {}) })),
    ...(hcr
      ? {
          review: {
            code: el(hcr, 1),
            ...(el(hcr, 2) ? { number: el(hcr, 2) } : {}),
            ...(el(hcr, 3) ? { reason: el(hcr, 3) } : {}),
            ...(hcr04 in YES_NO ? { secondOpinion: YES_NO[hcr04] as boolean } : {}),
          },
        }
      : {}),
    refs,
    dates: head.filter((s) => s.tag === 'DTP').map((d) => ({ qualifier: el(d, 1), format: el(d, 2), value: el(d, 3) })),
    ...optional('um', head.find((s) => s.tag === 'UM')),
    ...optional('service', head.find((s) => ['SV1', 'SV2', 'SV3'].includes(s.tag))),
    ...optional('hsd', head.find((s) => s.tag === 'HSD')),
    his: head.filter((s) => s.tag === 'HI'),
    pwks: head.filter((s) => s.tag === 'PWK'),
    messages: head.filter((s) => s.tag === 'MSG').map((m) => el(m, 1)),
    providers: names.filter((n) => responseLoopId(loop, n) !== '2010EB' && responseLoopId(loop, n) !== '2010EC'),
    contacts: names.filter((n) => responseLoopId(loop, n) === '2010EB'),
  };
}

/**
 * The response's own name loop ids at 2000E (X217 response: 2010EA providers, 2010EB the additional
 * patient information contact, 2010EC transport), told apart by NM101; other levels keep theirs.
 */
export function responseLoopId(loop: HlLoop, name: NameLoop): string {
  if (loop.level !== HL_LEVEL.patientEvent) return name.loopId;
  const entity = el(name.nm1, 1);
  if (RESPONSE_CONTACT_ENTITIES.has(entity)) return '2010EB';
  if (TRANSPORT_ENTITIES.has(entity)) return '2010EC';
  return '2010EA';
}

function optional<K extends string>(key: K, value: Segment | undefined): Partial<Record<K, Segment>> {
  return value ? ({ [key]: value } as Record<K, Segment>) : {};
}

function rejectionsOf(loop: HlLoop): Rejection[] {
  const read = (s: Segment, loopId: string): Rejection => ({
    loopId,
    hlId: loop.id,
    valid: el(s, 1),
    reason: el(s, 3),
    ...(el(s, 4) ? { followUp: el(s, 4) } : {}),
  });
  return [
    ...loop.head.filter((s) => s.tag === 'AAA').map((s) => read(s, loop.loopId)),
    ...loop.names.flatMap((n) => n.segments.filter((s) => s.tag === 'AAA').map((s) => read(s, responseLoopId(loop, n)))),
  ];
}

export function parseResponse(segments: Segment[]): ParsedResponse {
  const tx = groupLoops(segments);
  const bht = tx.header.find((s) => s.tag === 'BHT');
  if (!bht) throw new TranslateError('invalid', '278 response has no BHT segment', 'BHT');
  // BHT02 11 = response; 13 would be a request sent the wrong way.
  if (el(bht, 2) !== '11') throw new TranslateError('invalid', 'BHT02 is not 11 (response)', 'BHT02');
  const eventLoop = tx.loops.find((l) => l.level === HL_LEVEL.patientEvent);
  const event = eventLoop ? levelOf(eventLoop) : undefined;
  // PWK at the subscriber or dependent level asks for patient documentation: the event's request.
  const patientPwks = tx.loops.filter((l) => l.level === HL_LEVEL.subscriber || l.level === HL_LEVEL.dependent).flatMap((l) => l.head.filter((s) => s.tag === 'PWK'));
  if (event && patientPwks.length) event.pwks.unshift(...patientPwks);
  const parties: Partial<Record<string, NameLoop>> = {};
  for (const loop of tx.loops) {
    const name = loop.names[0];
    if (name && [HL_LEVEL.umo, HL_LEVEL.requester, HL_LEVEL.subscriber, HL_LEVEL.dependent].includes(loop.level as never)) {
      parties[loop.level] ??= name;
    }
  }
  return {
    tx,
    reference: el(bht, 3),
    ...(event ? { event } : {}),
    services: tx.loops.filter((l) => l.level === HL_LEVEL.service).map(levelOf),
    rejections: tx.loops.flatMap(rejectionsOf),
    parties,
  };
}

/** The trace numbers of a level, own echoes (TRN01 2) first. */
export function traceValues(level: Level | undefined): string[] {
  const traces = level?.traces ?? [];
  return [...traces.filter((t) => t.type === '2'), ...traces.filter((t) => t.type !== '2')].map((t) => t.value);
}
