/**
 * A PAS response Bundle back into a 278 response body, so the payer simulator can answer in X12
 * what a PAS answer says (and so the round trip 278 → PAS → 278 shows what the mapping keeps).
 * The skeleton (HL levels, parties, trace numbers) comes from a 278 body — the request being
 * answered, or the response the PAS answer was read from — and every review loop gets, from the
 * ClaimResponse: HCR (reviewAction code, number, reason, second opinion), REF*BB / REF*NT, DTP*472
 * (requested service date), DTP*007/036 (the authorized period), the authorized service (SV1 with
 * quantity and price), MSG (process notes), and AAA where the ClaimResponse has an error for the
 * loop. Pure.
 */
import { answer278, el, seg, type LoopAnswer } from '../translate/index.ts';
import type { Bundle } from '../translate/index.ts';
import type { Segment } from '../x12/types.ts';

type Json = Record<string, any>;

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';
const X = {
  reviewAction: `${PAS}extension-reviewAction`,
  reviewActionCode: `${PAS}extension-reviewActionCode`,
  itemTraceNumber: `${PAS}extension-itemTraceNumber`,
  authorizationNumber: `${PAS}extension-authorizationNumber`,
  administrationReferenceNumber: `${PAS}extension-administrationReferenceNumber`,
  itemRequestedServiceDate: `${PAS}extension-itemRequestedServiceDate`,
  itemPreAuthPeriod: `${PAS}extension-itemPreAuthPeriod`,
  itemAuthorizedDetail: `${PAS}extension-itemAuthorizedDetail`,
  errorElement: `${PAS}extension-errorElement`,
  errorFollowupAction: `${PAS}extension-errorFollowupAction`,
};
const QUALIFIER_BY_SYSTEM: Record<string, string> = {
  'http://www.ama-assn.org/go/cpt': 'HC',
  'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'HC',
  'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'HC',
  'http://hl7.org/fhir/sid/ndc': 'N4',
  'http://www.ada.org/cdt': 'AD',
};

const ext = (holder: Json | undefined, url: string): Json | undefined => (holder?.extension as Json[] | undefined)?.find((e) => e.url === url);
const sub = (holder: Json | undefined, url: string): Json | undefined => (holder?.extension as Json[] | undefined)?.find((e) => e.url === url);
const d8 = (date: string | undefined) => date?.slice(0, 10).replace(/-/g, '');

function review(adjudication: Json[] | undefined): Segment[] {
  const action = ext(adjudication?.[0], X.reviewAction);
  const code = sub(action, X.reviewActionCode)?.valueCodeableConcept?.coding?.[0]?.code as string | undefined;
  if (!code) return [];
  const number = sub(action, 'number')?.valueString;
  const reason = sub(action, 'reasonCode')?.valueCodeableConcept?.coding?.[0]?.code;
  const second = sub(action, 'secondSurgicalOpinionFlag')?.valueBoolean;
  return [seg('HCR', code, number, reason, second === undefined ? undefined : second ? 'Y' : 'N')];
}

function period(qualifierStart: string, qualifierEnd: string, p: { start?: string; end?: string } | undefined): Segment[] {
  if (!p) return [];
  return [...(p.start ? [seg('DTP', qualifierStart, 'D8', d8(p.start))] : []), ...(p.end ? [seg('DTP', qualifierEnd, 'D8', d8(p.end))] : [])];
}

function notes(cr: Json, numbers: number[] | undefined): Segment[] {
  return ((cr.processNote as Json[] | undefined) ?? []).filter((n) => numbers?.includes(n.number)).map((n) => seg('MSG', String(n.text).slice(0, 264)));
}

/** What was authorized for a line: its authorized detail, or (a modified line, PAS spec-36) its addItem. */
function authorized(cr: Json, item: Json): { product?: Json; modifiers: string[]; quantity?: number; price?: number } {
  const detail = ext(item, X.itemAuthorizedDetail);
  if (detail) {
    return {
      product: sub(detail, 'productOrServiceCode')?.valueCodeableConcept?.coding?.[0],
      modifiers: ((detail.extension as Json[] | undefined) ?? []).filter((e) => e.url === 'modifier').map((e) => e.valueCodeableConcept?.coding?.[0]?.code as string),
      quantity: sub(detail, 'quantity')?.valueQuantity?.value,
      price: sub(detail, 'unitPrice')?.valueMoney?.value,
    };
  }
  const added = ((cr.addItem as Json[] | undefined) ?? []).find((a) => (a.itemSequence as number[] | undefined)?.includes(item.itemSequence));
  return {
    product: added?.productOrService?.coding?.[0],
    modifiers: ((added?.modifier as Json[] | undefined) ?? []).map((m) => m.coding?.[0]?.code as string),
    quantity: added?.quantity?.value,
    price: added?.unitPrice?.value,
  };
}

/** The answer of one 2000F loop from its ClaimResponse.item. */
function lineAnswer(cr: Json, item: Json): Segment[] {
  const requested = ext(item, X.itemRequestedServiceDate);
  const { product, modifiers, quantity, price } = authorized(cr, item);
  const refs = [['BB', ext(item, X.authorizationNumber)?.valueString], ['NT', ext(item, X.administrationReferenceNumber)?.valueString]].filter(([, v]) => v) as [string, string][];
  return [
    ...review(item.adjudication),
    ...refs.map(([q, v]) => seg('REF', q, v)),
    ...(requested?.valuePeriod
      ? [seg('DTP', '472', 'RD8', `${d8(requested.valuePeriod.start)}-${d8(requested.valuePeriod.end)}`)]
      : requested?.valueDateTime ? [seg('DTP', '472', 'D8', d8(requested.valueDateTime))] : []),
    ...period('007', '036', ext(item, X.itemPreAuthPeriod)?.valuePeriod),
    ...(product
      ? [seg('SV1', [QUALIFIER_BY_SYSTEM[product.system] ?? 'HC', product.code, ...modifiers], price !== undefined ? String(Math.round(price * (quantity ?? 1) * 100) / 100) : undefined, quantity !== undefined ? 'UN' : undefined, quantity)]
      : []),
    ...notes(cr, item.noteNumber),
  ];
}

/** AAAs of the ClaimResponse errors whose PAS errorElement names `loopId`. */
function rejections(cr: Json, loopId: string): Segment[] {
  return ((cr.error as Json[] | undefined) ?? [])
    .filter((e) => sub(ext(e, X.errorElement), 'error')?.valueString === loopId)
    .map((e) => seg('AAA', 'N', '', e.code?.coding?.[0]?.code, ext(e, X.errorFollowupAction)?.valueCodeableConcept?.coding?.[0]?.code));
}

/**
 * @param skeleton a 278 body whose HL structure, parties and traces the answer echoes
 * @example const body = pasResponseTo278(pasResponse, requestBody, new Date());
 */
export function pasResponseTo278(bundle: Bundle, skeleton: Segment[], now: Date): Segment[] {
  const cr = (bundle.entry?.[0]?.resource ?? {}) as Json;
  const eventDates = new Set(skeleton.filter((s) => s.tag === 'DTP').map((s) => el(s, 1)));
  const items = (cr.item as Json[] | undefined) ?? [];
  const lineNotes = new Set(items.flatMap((i) => (i.noteNumber as number[] | undefined) ?? []));
  const eventNotes = ((cr.processNote as Json[] | undefined) ?? []).map((n) => n.number as number).filter((n) => !lineNotes.has(n));
  let line = 0;
  return answer278(skeleton, {
    now,
    answer: (loop): LoopAnswer | undefined => {
      const loopId = loop.level === 'EV' ? '2000E' : loop.level === 'SS' ? '2000F' : undefined;
      const aaa = rejections(cr, loopId ?? (loop.names[0]?.loopId || loop.loopId));
      if (aaa.length) return { reject: aaa };
      if (loop.level === 'EV') {
        return {
          review: [
            ...review(cr.adjudication),
            ...(cr.preAuthRef ? [seg('REF', 'BB', cr.preAuthRef)] : []),
            // The authorized period: as the event period (AAH) when that is how the case named it.
            ...(eventDates.has('AAH') && !eventDates.has('007') && cr.preAuthPeriod?.start && cr.preAuthPeriod?.end
              ? [cr.preAuthPeriod.start === cr.preAuthPeriod.end ? seg('DTP', 'AAH', 'D8', d8(cr.preAuthPeriod.start)) : seg('DTP', 'AAH', 'RD8', `${d8(cr.preAuthPeriod.start)}-${d8(cr.preAuthPeriod.end)}`)]
              : period('007', '036', cr.preAuthPeriod)),
            ...notes(cr, eventNotes),
          ],
        };
      }
      if (loop.level !== 'SS') return undefined;
      const trace = loop.head.find((s) => s.tag === 'TRN');
      const item = items.find((i) => ext(i, X.itemTraceNumber)?.valueIdentifier?.value === (trace ? el(trace, 2) : undefined)) ?? items[line];
      line++;
      return item ? { review: lineAnswer(cr, item) } : undefined;
    },
  }).flatMap((segment) => withPartyDetail(bundle, cr, segment));
}

/** After 2010C's NM1 the patient's DMG; after 2000E's echoed TRN the UMO's own traces (TRN*1). */
function withPartyDetail(bundle: Bundle, cr: Json, segment: Segment): Segment[] {
  if (segment.tag === 'NM1' && el(segment, 1) === 'IL') {
    const patient = (bundle.entry ?? []).find((e) => e.fullUrl === cr.patient?.reference || `${e.resource?.resourceType}/${e.resource?.id}` === cr.patient?.reference)?.resource as Json | undefined;
    const gender = ({ male: 'M', female: 'F', unknown: 'U' } as Record<string, string>)[patient?.gender];
    return patient?.birthDate ? [segment, seg('DMG', 'D8', d8(patient.birthDate), gender)] : [segment];
  }
  if (segment.tag === 'TRN' && el(segment, 1) === '2' && (cr.identifier as Json[] | undefined)?.some((i) => i.value === el(segment, 2))) {
    const own = ((cr.identifier as Json[]) ?? []).filter((i) => i.value !== el(segment, 2) && String(i.system ?? '').startsWith('urn:trnorg:'));
    return [segment, ...own.map((i) => seg('TRN', '1', i.value, String(i.system).slice('urn:trnorg:'.length)))];
  }
  return [segment];
}
