/**
 * A PAS response Bundle back into a 278 response body, so the payer simulator can answer in X12
 * what a PAS answer says (and so the round trip 278 → PAS → 278 shows what the mapping keeps:
 * test/fidelity/roundtrip.test.ts holds it to every position the X12 map enforces).
 * The skeleton (HL levels, parties, trace numbers) comes from a 278 body — the request being
 * answered, or the response the PAS answer was read from — and every review loop gets, from the
 * ClaimResponse: HCR (reviewAction code, number, reason, second opinion), REF*BB / REF*NT, DTP*472
 * (requested service date), DTP*102 (issue date), DTP*007/036 (the authorized period), DTP*435/096
 * (admission, discharge), the authorized service (SV1, SV2 or SV3 with quantity, price, revenue and
 * level of care; HSD with the quantity's X12 unit), HI*LOI and PWK (the CommunicationRequests), MSG
 * (process notes), and AAA where the ClaimResponse has an error for the loop; every name loop its
 * detail (pas-parties-to-278.ts). Pure.
 */
import {
  answer278, CS, el, EXT, QUANTITY_UNITS_SYSTEM, responseLoopId, seg, X12CS, type Bundle, type HlLoop, type LoopAnswer,
} from '../translate/index.ts';
import type { Segment } from '../x12/types.ts';
import { paperwork, requestedCodes, requestsFor } from './pas-info-to-278.ts';
import {
  authorizedProviders, codeIn, contactLoop, d8, extOf, matchName, patientLoop, providerLoop, requesterLoop, resolver, umoLoop,
} from './pas-parties-to-278.ts';

type Json = Record<string, any>;

const QUALIFIER_BY_SYSTEM: Record<string, string> = {
  'http://www.ama-assn.org/go/cpt': 'HC',
  'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'HC',
  'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets': 'HC',
  'http://hl7.org/fhir/sid/ndc': 'N4',
  'http://www.ada.org/cdt': 'AD',
};
/** Quantity.unit → unit basis (element 355) as SV103 (professional) and SV204 (institutional) allow it; else UN. */
const UNIT_TO_BASIS: Record<'SV1' | 'SV2', Record<string, string>> = { SV1: { minutes: 'MJ' }, SV2: { days: 'DA' } };
/** The X12 128 qualifier of an identifier (REF*NT on the ClaimResponse: the event's administrative reference). */
const REF_TYPE = X12CS('128');

const ext = extOf;
const sub = extOf;

function review(adjudication: Json[] | undefined): Segment[] {
  const action = ext(adjudication?.[0], EXT.reviewAction);
  const code = codeIn(sub(action, EXT.reviewActionCode)?.valueCodeableConcept);
  if (!code) return [];
  const number = sub(action, 'number')?.valueString;
  const reason = codeIn(sub(action, 'reasonCode')?.valueCodeableConcept);
  const second = sub(action, 'secondSurgicalOpinionFlag')?.valueBoolean;
  return [seg('HCR', code, number, reason, second === undefined ? undefined : second ? 'Y' : 'N')];
}

function period(qualifierStart: string, qualifierEnd: string, p: { start?: string; end?: string } | undefined): Segment[] {
  if (!p) return [];
  return [...(p.start ? [seg('DTP', qualifierStart, 'D8', d8(p.start))] : []), ...(p.end ? [seg('DTP', qualifierEnd, 'D8', d8(p.end))] : [])];
}

/** A date (D8) or a period (RD8, D8 when both ends are one day). */
function dated(qualifier: string, value: { start?: string; end?: string } | string | undefined): Segment[] {
  if (!value) return [];
  if (typeof value === 'string') return [seg('DTP', qualifier, 'D8', d8(value))];
  if (!value.start) return [];
  return [!value.end || value.end === value.start ? seg('DTP', qualifier, 'D8', d8(value.start)) : seg('DTP', qualifier, 'RD8', `${d8(value.start)}-${d8(value.end)}`)];
}

function notes(cr: Json, numbers: number[] | undefined): Segment[] {
  return ((cr.processNote as Json[] | undefined) ?? []).filter((n) => numbers?.includes(n.number)).map((n) => seg('MSG', String(n.text).slice(0, 264)));
}

interface Authorized {
  product?: Json;
  modifiers: string[];
  quantity?: Json;
  price?: number;
  /** What carries the service's other extensions: the itemAuthorizedDetail, or the addItem. */
  holder?: Json;
}

/** What was authorized for a line: its authorized detail, or (a modified line, PAS spec-36) its addItem. */
function authorized(cr: Json, item: Json): Authorized {
  const detail = ext(item, EXT.itemAuthorizedDetail);
  if (detail) {
    return {
      product: sub(detail, 'productOrServiceCode')?.valueCodeableConcept?.coding?.[0],
      modifiers: ((detail.extension as Json[] | undefined) ?? []).filter((e) => e.url === 'modifier').map((e) => codeIn(e.valueCodeableConcept) as string),
      quantity: sub(detail, 'quantity')?.valueQuantity,
      price: sub(detail, 'unitPrice')?.valueMoney?.value,
      holder: detail,
    };
  }
  const added = addedFor(cr, item);
  return {
    product: added?.productOrService?.coding?.[0],
    modifiers: ((added?.modifier as Json[] | undefined) ?? []).map((m) => codeIn(m) as string),
    quantity: added?.quantity,
    price: added?.unitPrice?.value,
    holder: added,
  };
}

const addedFor = (cr: Json, item: Json): Json | undefined => ((cr.addItem as Json[] | undefined) ?? []).find((a) => (a.itemSequence as number[] | undefined)?.includes(item.itemSequence));

/**
 * SV1 (professional), SV2 (institutional: a revenue code) or SV3 (dental: a CDT code), then HSD
 * when the quantity is counted in an X12 673 unit. A service type (UM03, no procedure) has no SV.
 */
function service(a: Authorized): { sv: Segment[]; hsd: Segment[] } {
  const { product, modifiers, quantity, price, holder } = a;
  const qty = quantity?.value as number | undefined;
  const hsd = quantity?.system === QUANTITY_UNITS_SYSTEM && quantity.code && qty !== undefined ? [seg('HSD', quantity.code, String(qty))] : [];
  const revenue = codeIn(ext(holder, EXT.revenueCode)?.valueCodeableConcept);
  if ((!product || product.system === CS.serviceType) && !revenue) return { sv: [], hsd };
  const qualifier = product ? (QUALIFIER_BY_SYSTEM[product.system] ?? 'HC') : undefined;
  const procedure = product && product.system !== CS.serviceType ? [qualifier, product.code, ...modifiers] : undefined;
  const charge = price !== undefined ? String(Math.round(price * (qty ?? 1) * 100) / 100) : undefined;
  const basis = (tag: 'SV1' | 'SV2') => (qty === undefined ? undefined : (UNIT_TO_BASIS[tag][quantity?.unit] ?? 'UN'));
  const count = qty !== undefined ? String(qty) : undefined;
  const levelOfCare = codeIn(ext(holder, EXT.nursingHomeLevelOfCare)?.valueCodeableConcept);
  const epsdt = ext(holder, EXT.epsdtIndicator)?.valueBoolean as boolean | undefined;
  const yn = epsdt === undefined ? undefined : epsdt ? 'Y' : 'N';
  if (revenue) {
    const rate = ext(holder, EXT.revenueUnitRateLimit)?.valueDecimal as number | undefined;
    const residential = codeIn(ext(holder, EXT.nursingHomeResidentialStatus)?.valueCodeableConcept);
    return { sv: [seg('SV2', revenue, procedure, charge, basis('SV2'), count, rate === undefined ? undefined : String(rate), undefined, undefined, residential, levelOfCare)], hsd };
  }
  if (qualifier === 'AD') return { sv: [seg('SV3', procedure, charge, undefined, undefined, undefined, count)], hsd };
  const place = codeIn(holder?.locationCodeableConcept, CS.placeOfService);
  const sv1 = [procedure, charge, basis('SV1'), count, place, undefined, undefined, undefined, undefined, undefined, yn];
  return { sv: [seg('SV1', ...sv1, ...(levelOfCare ? [undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined, levelOfCare] : []))], hsd };
}

/** The answer of one 2000F loop from its ClaimResponse.item. */
function lineAnswer(bundle: Bundle, cr: Json, item: Json): Segment[] {
  const requested = ext(item, EXT.itemRequestedServiceDate);
  const { sv, hsd } = service(authorized(cr, item));
  const admin = ext(item, EXT.administrationReferenceNumber)?.valueString as string | undefined;
  const refs = [['BB', ext(item, EXT.authorizationNumber)?.valueString], ['NT', admin]].filter(([, v]) => v) as [string, string][];
  const requests = requestsFor(bundle, item.itemSequence);
  return [
    ...review(item.adjudication),
    ...refs.map(([q, v]) => seg('REF', q, v)),
    ...dated('472', requested?.valuePeriod ?? requested?.valueDateTime),
    // (a line's admission and discharge dates are the event's: X217 has no line DTP*435/096)
    ...dated('102', ext(item, EXT.itemPreAuthIssueDate)?.valueDate),
    ...period('007', '036', ext(item, EXT.itemPreAuthPeriod)?.valuePeriod),
    ...sv,
    ...requestedCodes(requests),
    ...hsd,
    ...paperwork(requests, admin),
    ...notes(cr, item.noteNumber),
  ];
}

/** AAAs of the ClaimResponse errors whose PAS errorElement names `loopId`. */
function rejections(cr: Json, loopId: string): Segment[] {
  return ((cr.error as Json[] | undefined) ?? [])
    .filter((e) => sub(ext(e, EXT.errorElement), 'error')?.valueString === loopId)
    .map((e) => seg('AAA', 'N', '', codeIn(e.code), codeIn(ext(e, EXT.errorFollowupAction)?.valueCodeableConcept)));
}

/** The event's administrative reference number (REF*NT): a ClaimResponse identifier typed NT. */
const eventAdminReference = (cr: Json): string | undefined => ((cr.identifier as Json[] | undefined) ?? []).find((i) => codeIn(i.type, REF_TYPE) === 'NT')?.value;

/** 2000E: the event's review, numbers, dates, requests for information and notes; the UMO's own traces. */
function eventAnswer(bundle: Bundle, cr: Json, loop: HlLoop, eventDates: Set<string>, eventNotes: number[]): Segment[] {
  const admin = eventAdminReference(cr);
  const requests = requestsFor(bundle, undefined);
  // A stay's admission and discharge are the event's (X217 has no line DTP*435/096): the lines carry them.
  const lines = [...((cr.item as Json[] | undefined) ?? []), ...((cr.addItem as Json[] | undefined) ?? [])];
  const first = (url: string) => lines.map((l) => ext(l, url)).find(Boolean);
  const admission = first(EXT.admissionDates);
  // The issue date: at the event when that is where the case gave it.
  const issued = eventDates.has('102') ? first(EXT.itemPreAuthIssueDate)?.valueDate : undefined;
  // Likewise the quantity authorized for the event (HSD), when the case asked at the event.
  const quantity = loop.head.some((s) => s.tag === 'HSD') ? lines.map((l) => authorized(cr, l).quantity).find((q) => q?.system === QUANTITY_UNITS_SYSTEM) : undefined;
  return [
    ...review(cr.adjudication),
    ...(cr.preAuthRef ? [seg('REF', 'BB', cr.preAuthRef)] : []),
    ...(admin ? [seg('REF', 'NT', admin)] : []),
    // The authorized period: as the event period (AAH) when that is how the case named it.
    ...(eventDates.has('AAH') && !eventDates.has('007') && cr.preAuthPeriod?.start && cr.preAuthPeriod?.end ? dated('AAH', cr.preAuthPeriod) : period('007', '036', cr.preAuthPeriod)),
    ...dated('435', admission?.valuePeriod ?? admission?.valueDate),
    ...dated('096', first(EXT.dischargeDate)?.valueDate),
    ...dated('102', issued),
    ...requestedCodes(requests),
    ...(quantity ? [seg('HSD', quantity.code, String(quantity.value))] : []),
    ...paperwork(requests, admin),
    ...notes(cr, eventNotes),
  ];
}

/** TRN*1: the UMO's own trace numbers (urn:trnorg:<TRN03>), beside the echoed one. */
function ownTraces(cr: Json, loop: HlLoop): Segment[] {
  const echoed = loop.head.find((s) => s.tag === 'TRN');
  return ((cr.identifier as Json[] | undefined) ?? [])
    .filter((i) => i.value !== (echoed ? el(echoed, 2) : undefined) && String(i.system ?? '').startsWith('urn:trnorg:'))
    .map((i) => seg('TRN', '1', i.value, String(i.system).slice('urn:trnorg:'.length)));
}

/**
 * @param skeleton a 278 body whose HL structure, parties and traces the answer echoes
 * @example const body = pasResponseTo278(pasResponse, requestBody, new Date());
 */
export function pasResponseTo278(bundle: Bundle, skeleton: Segment[], now: Date): Segment[] {
  const cr = (bundle.entry?.[0]?.resource ?? {}) as Json;
  const resolve = resolver(bundle);
  const eventDates = new Set(skeleton.filter((s) => s.tag === 'DTP').map((s) => el(s, 1)));
  const items = (cr.item as Json[] | undefined) ?? [];
  const lineNotes = new Set(items.flatMap((i) => (i.noteNumber as number[] | undefined) ?? []));
  const eventNotes = ((cr.processNote as Json[] | undefined) ?? []).map((n) => n.number as number).filter((n) => !lineNotes.has(n));
  // The patient's loop: the dependent's when there is one.
  const patientLevel = skeleton.some((s) => s.tag === 'HL' && el(s, 3) === '23') ? '23' : '22';
  const recipients = (requestsFor(bundle, undefined)[0] ?? requestsAll(bundle)[0])?.recipient as Json[] | undefined;
  let line = 0;
  return answer278(skeleton, {
    now,
    answer: (loop): LoopAnswer | undefined => {
      const loopId = loop.level === 'EV' ? '2000E' : loop.level === 'SS' ? '2000F' : undefined;
      const aaa = rejections(cr, loopId ?? (loop.names[0]?.loopId || loop.loopId));
      if (aaa.length) return { reject: aaa };
      if (loop.level === '20') return { names: loop.names.flatMap((n) => umoLoop(n.nm1, resolve(cr.insurer))) };
      if (loop.level === '21') {
        const requestor = resolve(cr.requestor);
        return { names: loop.names.flatMap((n) => requesterLoop(n.nm1, requestor, requestor?.resourceType === 'PractitionerRole' ? requestor : undefined)) };
      }
      if (loop.level === '22' || loop.level === '23') {
        return { names: loop.names.flatMap((n) => (loop.level === patientLevel ? patientLoop(n.nm1, resolve(cr.patient)) : [n.nm1])) };
      }
      if (loop.level === 'EV') {
        return { review: eventAnswer(bundle, cr, loop, eventDates, eventNotes), traces: ownTraces(cr, loop), names: eventNames(loop, cr, resolve, recipients) };
      }
      if (loop.level !== 'SS') return undefined;
      const trace = loop.head.find((s) => s.tag === 'TRN');
      const item = items.find((i) => ext(i, EXT.itemTraceNumber)?.valueIdentifier?.value === (trace ? el(trace, 2) : undefined)) ?? items[line];
      line++;
      return item ? { review: lineAnswer(bundle, cr, item), names: providerNames(loop.names, authorizedProviders(item), resolve) } : undefined;
    },
  });
}

const requestsAll = (bundle: Bundle): Json[] => (bundle.entry ?? []).map((e) => e.resource as Json).filter((r) => r?.resourceType === 'CommunicationRequest');

/** 2010EA providers (the ClaimResponse's itemAuthorizedProvider), the 2010EB contact (the requests' recipient), 2010EC as echoed. */
function eventNames(loop: HlLoop, cr: Json, resolve: ReturnType<typeof resolver>, recipients: Json[] | undefined): Segment[] {
  const providers = loop.names.filter((n) => responseLoopId(loop, n) === '2010EA');
  const contacts = loop.names.filter((n) => responseLoopId(loop, n) === '2010EB');
  const targets = (recipients ?? []).map((r) => resolve(r));
  return loop.names.flatMap((n) => {
    const kind = responseLoopId(loop, n);
    if (kind === '2010EA') return providerNames([n], authorizedProviders(cr), resolve, providers.indexOf(n));
    if (kind === '2010EB') return contactLoop(n.nm1, matchName(n, contacts.indexOf(n), targets, (t) => t));
    return [n.nm1];
  });
}

/** 2010EA / 2010F: each provider NM1 with the detail of its itemAuthorizedProvider. */
function providerNames(names: HlLoop['names'], candidates: Json[], resolve: ReturnType<typeof resolver>, offset = 0): Segment[] {
  const provider = (a: Json) => resolve(ext(a, 'provider')?.valueReference);
  return names.flatMap((n, k) => {
    const authorized = matchName(n, offset + k, candidates, provider);
    return providerLoop(n.nm1, authorized ? provider(authorized) : undefined, authorized);
  });
}
