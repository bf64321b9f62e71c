/**
 * The payer simulator's utilization-management "brain": reads a 278 request body and writes the
 * 278 response body a UMO would send, decided by the last letter of the member id (CONTRACT.md):
 * A approve (A1), D deny (A3 + reason), P pend (A4, final approval later), R AAA reject (AAA03 72),
 * M modified (A6), T never answers, E HTTP 500 twice then approve, L pended then a 999 rejecting
 * it pushed later, anything else approve (or, with the simulator's reject share, an AAA 72/73/75
 * for that share of them). An update or cancel that quotes no number this payer issued: AAA 15.
 *
 * Its answers carry what real UMOs put in a 278 response, so the demo and the tests show every
 * PAS must-support element a payer's answer can fill: its own trace numbers (TRN01 1 with TRN04),
 * certification dates (DTP 102/007/036), authorization numbers (REF*BB), the authorized service
 * as authorized (SV1/SV2/SV3, HSD), the providers with their supplemental ids, addresses and
 * taxonomy (2010EA/2010F REF, N3/N4, PER, PRV); a modification at the event (HSD, admission and
 * discharge dates) and at the lines; and when it pends, what it needs and where to send it
 * (REF*NT, HI*LOI with a LOINC modifier and a questionnaire, PWK, the 2010EB contact and the
 * UMO's PER with its URL). Pure: the clock and authorization numbers come in as arguments.
 */
import { answer278, el, groupLoops, seg, type HlLoop, type LoopAnswer } from '../translate/index.ts';
import type { Segment } from '../x12/types.ts';

export type SimBehaviour = 'approve' | 'deny' | 'pend' | 'reject' | 'modify' | 'timeout' | 'flaky' | 'late-reject';

/** `L`: pended at once, then a 999 rejecting the 278 is pushed (a payer's late acknowledgment). */
const BY_LETTER: Record<string, SimBehaviour> = { A: 'approve', D: 'deny', P: 'pend', R: 'reject', M: 'modify', T: 'timeout', E: 'flaky', L: 'late-reject' };

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
  /** BHT02: 13 request, 01 cancellation. */
  purpose: string;
  /** 2000E REF*BB / REF*NT: the case an update or cancel names. */
  references: string[];
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
  const bht = tx.header.find((s) => s.tag === 'BHT');
  const references = (event?.head ?? []).filter((s) => s.tag === 'REF' && ['BB', 'NT'].includes(el(s, 1))).map((s) => el(s, 2));
  return { memberId, behaviour: behaviourFor(memberId), eventTrace: trn ? el(trn, 2) : '', certificationType: um ? el(um, 2) : 'I', purpose: bht ? el(bht, 2) : '13', references };
}

/**
 * An X12 update (UM02 S) or cancel (UM02 3, BHT02 01) changes a case: it must name one this payer
 * issued (`issued`; a PAS FHIR Claim links by Claim.related instead, so no check without it).
 */
function unlinked(facts: RequestFacts, issued: ReadonlySet<string> | undefined): boolean {
  if (!issued) return false;
  const revises = facts.certificationType === 'S' || facts.certificationType === '3' || facts.purpose === '01';
  return revises && !facts.references.some((r) => issued.has(r));
}

function ccyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/** The simulator's UMO: its trace-number originator (TRN03) and sub-department (TRN04). */
const UMO_TRACE_ID = '9999999999';
const UMO_DEPARTMENT = 'UMREVIEW';

export interface RespondOptions {
  now: Date;
  authNumber: string;
  /** The pended request's eventual approval (the asynchronous follow-up). */
  final?: boolean;
  /** Where the UMO asks for additional documentation to be sent (2010A PER UR). */
  attachmentsUrl?: string;
  /** Answer with this AAA03 at 2010C instead (the simulator's reject share). */
  rejectCode?: string;
  /** Numbers this payer issued: an update or cancel quoting none of them is refused (AAA 15). */
  issued?: ReadonlySet<string>;
}

/** The requested line's service segment and HSD, answered as authorized (or reduced, for A6). */
function authorizedService(loop: HlLoop, reduce: boolean): Segment[] {
  const out: Segment[] = [];
  for (const s of loop.head) {
    if (!['SV1', 'SV2', 'SV3', 'HSD'].includes(s.tag)) continue;
    const elements = [...s.elements];
    // Quantity: SV104, SV205, SV306, HSD02. A modification authorizes one less (at least one).
    const at = s.tag === 'SV1' ? 3 : s.tag === 'SV2' ? 4 : s.tag === 'SV3' ? 5 : 1;
    const qty = Number(elements[at] ?? '');
    if (reduce && Number.isFinite(qty) && qty > 1) elements[at] = String(qty - 1);
    out.push({ tag: s.tag, elements });
  }
  return out;
}

/**
 * The line's providers as the UMO writes them: NM1, REF, N3, N4 and PRV of the request's 2010F
 * loops (PER is not a response segment at 2010F), plus the carrier-assigned id (REF*ZH).
 */
function providerLoops(loop: HlLoop, withCarrierId: boolean): Segment[] {
  return loop.names.flatMap((n) => [
    n.nm1,
    ...(withCarrierId ? [seg('REF', 'ZH', `SIMPRV${el(n.nm1, 9).slice(-4)}`)] : []),
    ...n.segments.filter((s) => ['REF', 'N3', 'N4', 'PRV'].includes(s.tag)),
  ]);
}

/** The request's diagnoses (2000E HI), which the UMO returns with its decision. */
function diagnoses(loop: HlLoop): Segment[] {
  return loop.head.filter((s) => s.tag === 'HI');
}

function serviceDate(loop: HlLoop): Segment[] {
  return loop.head.filter((s) => s.tag === 'DTP' && el(s, 1) === '472');
}

/**
 * Builds the 278 response body (BHT … before SE).
 * @example respond278(requestBody, { now, authNumber: 'SIM1000' }) // HCR*A1*SIM1000 on every review loop …
 */
export function respond278(body: Segment[], opts: RespondOptions): Segment[] {
  const facts = factsOf(body);
  // A revision that names no case this payer knows: AAA 15 (required application data missing) at 2000E.
  if (!opts.final && unlinked(facts, opts.issued)) {
    return answer278(body, { now: opts.now, answer: (loop) => (loop.level === 'EV' ? { reject: [seg('AAA', 'N', '', '15', 'C')] } : undefined) });
  }
  const behaviour = opts.final ? 'approve' : opts.rejectCode ? 'reject' : facts.behaviour === 'late-reject' ? 'pend' : facts.behaviour;
  const cancel = facts.certificationType === '3';
  const today = ccyymmdd(opts.now);
  const until = ccyymmdd(new Date(opts.now.getTime() + 90 * 86_400_000));
  // Certification issue (102), effective (007) and expiration (036) dates.
  const certified = [seg('DTP', '102', 'D8', today), seg('DTP', '007', 'D8', today), seg('DTP', '036', 'D8', until)];
  const traces = (loop: HlLoop) => [seg('TRN', '1', `${opts.authNumber}-${loop.id}`, UMO_TRACE_ID, UMO_DEPARTMENT)];
  // The final push goes to the gateway's /payer/x12, which validates it: keep to the response tables.
  const rich = !opts.final;

  const answer = (loop: HlLoop): LoopAnswer | undefined => {
    if (behaviour === 'reject') {
      // 2010C AAA: the subscriber is not known (72 invalid/missing member id, 73 invalid/missing
      // name, 75 not found; C correct and resubmit).
      return loop.level === '22' ? { reject: [seg('AAA', 'N', '', opts.rejectCode ?? '72', 'C')] } : undefined;
    }
    if (loop.level === '20' && behaviour === 'pend' && !cancel) {
      // 2010A PER: the UMO's intake, by phone and where to send documentation.
      const umo = loop.names[0]?.nm1;
      return umo ? { names: [umo, seg('PER', 'IC', 'UM INTAKE', 'TE', '8005550100', ...(opts.attachmentsUrl ? ['UR', opts.attachmentsUrl] : []))] } : undefined;
    }
    if (loop.level !== 'EV' && loop.level !== 'SS') return undefined;
    // A whole-request cancel (2000E UM02 3), or a line an update cancels (2000F UM02 3): confirmed.
    const um = loop.head.find((s) => s.tag === 'UM');
    if (cancel || (loop.level === 'SS' && um && el(um, 2) === '3')) return { review: [seg('HCR', 'C')] };
    const event = loop.level === 'EV';
    const auth = event ? opts.authNumber : `${opts.authNumber}-${loop.id}`;
    switch (behaviour) {
      case 'deny':
        // HCR03 reason (code list 886): 0U, which the demo plan's companion guide (rules/payers/demo-payer.yaml) defines as not covered.
        return { review: [seg('HCR', 'A3', '', '0U'), seg('DTP', '102', 'D8', today), seg('MSG', 'Requested service is not covered under the member plan')] };
      case 'pend':
        if (event) {
          // 2010EB: where the additional information goes, and who to call.
          return {
            // REF*NT: the case's administrative reference, which an update or cancel must quote.
            review: [seg('HCR', 'A4', '', '0V'), seg('REF', 'NT', `${opts.authNumber}P`), ...diagnoses(loop)],
            names: [
              ...loop.names.map((n) => n.nm1),
              seg('NM1', 'X3', '2', 'UM CLINICAL REVIEW'),
              seg('N3', 'PO BOX 1000'),
              seg('N4', 'BALTIMORE', 'MD', '212010000'),
              seg('PER', 'IC', 'NURSE REVIEWER', 'TE', '8005550199', 'FX', '8005550198'),
            ],
          };
        }
        // The line: the number to quote (REF*NT), what to send (HI*LOI: clinical notes from the last
        // three months, and the DTR questionnaire whose context is this level's TRN), how (PWK).
        return {
          traces: traces(loop),
          review: [
            seg('HCR', 'A4', '', '0V'),
            seg('REF', 'NT', `${opts.authNumber}P`),
            seg('HI', ['LOI', '18776-5'], ['LOI', '18804-5'], ['LOI', '102089-0']),
            seg('PWK', '09', 'EL', '', '', 'AC', `${opts.authNumber}ATT`),
            seg('MSG', 'Additional clinical information is needed'),
          ],
        };
      case 'modify':
        if (event) {
          // The whole stay modified: fewer days (HSD), the admission and discharge it allows.
          return {
            traces: traces(loop),
            review: [
              seg('HCR', 'A6', auth),
              seg('REF', 'BB', opts.authNumber),
              seg('DTP', '435', 'D8', today),
              seg('DTP', '096', 'D8', ccyymmdd(new Date(opts.now.getTime() + 5 * 86_400_000))),
              ...certified,
              ...diagnoses(loop),
              seg('HSD', 'DY', '5'),
              seg('MSG', 'Authorized for fewer units than requested'),
            ],
            ...(rich ? { names: providerLoops(loop, false) } : {}),
          };
        }
        return {
          traces: traces(loop),
          // REF*NT: the reference of the outcome as asked (disallowed), beside the authorization as given.
          review: [seg('HCR', 'A6', auth), seg('REF', 'BB', auth), seg('REF', 'NT', `${auth}N`), ...serviceDate(loop), ...certified, ...authorizedService(loop, true)],
          ...(rich ? { names: providerLoops(loop, true) } : {}),
        };
      default:
        return {
          traces: traces(loop),
          review: [
            seg('HCR', 'A1', auth),
            ...(event ? [seg('REF', 'BB', opts.authNumber)] : [seg('REF', 'BB', auth)]),
            ...(event ? [] : serviceDate(loop)),
            ...certified,
            ...(event ? diagnoses(loop) : authorizedService(loop, false)),
          ],
          ...(rich && !event ? { names: providerLoops(loop, true) } : {}),
        };
    }
  };
  return answer278(body, { now: opts.now, answer });
}
