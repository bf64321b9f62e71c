/**
 * 2000E/2000F review outcomes → ClaimResponse adjudication, item and addItem: HCR → reviewAction,
 * REF*BB/NT → authorization / administrative reference numbers, DTP → preAuthPeriod, issue,
 * requested, admission and discharge dates, 2010EA/2010F NM1 + PRV → authorized providers,
 * SV1/SV2/SV3/HSD/UM → authorized detail. Each mapping cites the X12 position it reads.
 */
import type { ClaimItem, CodeableConcept, Extension, Identifier } from '../fhir-types.ts';
import { ext } from '../bundle-index.ts';
import { CARE_TEAM_ROLE_SYSTEM, PROVIDER_CODE_SYSTEM, PROVIDER_CODE_TO_CARE_TEAM_ROLE, QUANTITY_QUALIFIER_UNIT, QUANTITY_UNITS_SYSTEM, UNIT_BASIS_UNIT } from '../codes/response.ts';
import { CERTIFIED, REVIEW_ACTION, YES_NO } from '../codes/review.ts';
import { HI_QUALIFIER_SYSTEM, PRODUCT_QUALIFIER, RESPONSE_DATE } from '../codes/service.ts';
import { CS, EXT } from '../codes/systems.ts';
import { comp, el, fhirDate, periodOf } from '../x12-util.ts';
import { authorizedPeriod } from './decision.ts';
import type { Level, Review } from './parse.ts';
import type { ResponseParties } from './parties.ts';

export type Json = Record<string, unknown>;

/**
 * The reviewAction extension: HCR02 number, HCR01 reviewActionCode, HCR03 reasonCode, HCR04
 * secondSurgicalOpinionFlag. Only the sub-extensions its StructureDefinition defines (the code
 * travels under the reviewActionCode extension's URL; its slice is merely *named* `code`).
 */
export function reviewAction(review: Review, fallbackNumber?: string): Extension {
  const number = review.number ?? fallbackNumber;
  const code = { coding: [{ system: CS.reviewAction, code: review.code, ...(REVIEW_ACTION[review.code] ? { display: REVIEW_ACTION[review.code] } : {}) }] };
  return {
    url: EXT.reviewAction,
    extension: [
      ...(number ? [{ url: 'number', valueString: number }] : []),
      { url: EXT.reviewActionCode, valueCodeableConcept: code },
      ...(review.reason ? [{ url: 'reasonCode', valueCodeableConcept: { coding: [{ system: CS.reviewDecisionReason, code: review.reason }] } }] : []),
      ...(review.secondOpinion !== undefined ? [{ url: 'secondSurgicalOpinionFlag', valueBoolean: review.secondOpinion }] : []),
    ],
  };
}

export function adjudication(review: Review, fallbackNumber?: string): Json[] {
  return [{ extension: [reviewAction(review, fallbackNumber)], category: { coding: [{ system: CS.adjudication, code: 'submitted' }] } }];
}

export function date(level: Level | undefined, qualifier: string): { format: string; value: string } | undefined {
  return level?.dates.find((d) => d.qualifier === qualifier);
}

/** SV101/SV202/SV301 composite → CodeableConcept (HC → HCPCS, N4 → NDC, AD → CDT); C003-8 range end. */
export function productOf(level: Level): { code?: CodeableConcept; modifiers: CodeableConcept[]; end?: CodeableConcept } {
  const sv = level.service;
  const proc = sv ? comp(sv, sv.tag === 'SV2' ? 2 : 1) : [];
  const system = Object.entries(PRODUCT_QUALIFIER).find(([, q]) => q === proc[0])?.[0];
  const coded = (code: string): CodeableConcept => ({ coding: [{ ...(system ? { system } : {}), code }] });
  if (proc[1]) {
    return {
      code: coded(proc[1]),
      modifiers: proc.slice(2, 6).filter(Boolean).map(coded),
      ...(proc[7] ? { end: coded(proc[7]) } : {}),
    };
  }
  // No procedure: the 2000F UM03 service type (element 1365) is what was reviewed.
  const serviceType = level.um ? el(level.um, 3) : '';
  return { ...(serviceType ? { code: { coding: [{ system: CS.serviceType, code: serviceType }] } } : {}), modifiers: [] };
}

/**
 * Authorized quantity: HSD01/HSD02 (qualifier 673 and count: PAS Quantity code), else SV104 / SV205
 * / SV306 with the SV103 / SV204 unit basis (355, not a 673 code: given as the unit's name so that
 * prof-2 holds and prof-3's code system is never misused). Price: SV102/SV203/SV302 charge ÷ quantity.
 */
export function amounts(level: Level): { quantity?: Json; unitPrice?: number; rate?: number } {
  const sv = level.service;
  const pos = sv?.tag === 'SV2' ? { charge: 3, unit: 4, qty: 5 } : sv?.tag === 'SV3' ? { charge: 2, unit: 0, qty: 6 } : { charge: 2, unit: 3, qty: 4 };
  const hsd = level.hsd;
  const hsdQualifier = hsd ? el(hsd, 1) : '';
  const hsdCount = hsd ? el(hsd, 2) : '';
  let quantity: Json | undefined;
  if (hsdCount) {
    quantity = {
      value: Number(hsdCount),
      unit: QUANTITY_QUALIFIER_UNIT[hsdQualifier] ?? 'units',
      ...(hsdQualifier ? { system: QUANTITY_UNITS_SYSTEM, code: hsdQualifier } : {}),
    };
  } else if (sv && el(sv, pos.qty)) {
    const basis = pos.unit ? el(sv, pos.unit) : '';
    quantity = { value: Number(el(sv, pos.qty)), unit: UNIT_BASIS_UNIT[basis] ?? 'units' };
  }
  const chargeText = sv ? el(sv, pos.charge) : '';
  const count = sv && el(sv, pos.qty) ? Number(el(sv, pos.qty)) : (quantity?.['value'] as number | undefined);
  const unitPrice = chargeText ? Number(chargeText) / (count && count > 0 ? count : 1) : undefined;
  // SV206 institutional unit rate.
  const rate = sv?.tag === 'SV2' && el(sv, 6) ? Number(el(sv, 6)) : undefined;
  return { ...(quantity ? { quantity } : {}), ...(unitPrice !== undefined ? { unitPrice } : {}), ...(rate !== undefined ? { rate } : {}) };
}

/**
 * SV201 revenue code (NUBC), SV209/SV210 (or SV120) nursing home status and level of care, SV111
 * EPSDT indicator (Y/N: epsdtIndicator).
 */
function institutional(level: Level): { revenue?: string; residential?: string; levelOfCare?: string; epsdt?: boolean } {
  const sv = level.service;
  if (sv?.tag === 'SV2') {
    return { ...(el(sv, 1) ? { revenue: el(sv, 1) } : {}), ...(el(sv, 9) ? { residential: el(sv, 9) } : {}), ...(el(sv, 10) ? { levelOfCare: el(sv, 10) } : {}) };
  }
  if (sv?.tag !== 'SV1') return {};
  const epsdt = YES_NO[el(sv, 11)];
  return { ...(el(sv, 20) ? { levelOfCare: el(sv, 20) } : {}), ...(epsdt !== undefined ? { epsdt } : {}) };
}

const coded = (system: string, code: string): CodeableConcept => ({ coding: [{ system, code }] });

/** itemAuthorizedDetail: what was authorized for a requested item, in its own terms. */
function authorizedDetail(level: Level, requestItem: ClaimItem | undefined, parties: ResponseParties): Extension | undefined {
  const { code, modifiers, end } = productOf(level);
  const { quantity, unitPrice, rate } = amounts(level);
  const { revenue, levelOfCare, epsdt } = institutional(level);
  const service = parties.echoRef(ext(requestItem, EXT.requestedService)?.valueReference);
  const requested = service ? { reference: service } : undefined;
  const parts: Extension[] = [
    ...(code ? [{ url: 'productOrServiceCode', valueCodeableConcept: code }] : []),
    ...(end ? [{ url: EXT.productOrServiceCodeEnd, valueCodeableConcept: end }] : []),
    ...modifiers.map((m) => ({ url: 'modifier', valueCodeableConcept: m })),
    ...(unitPrice !== undefined ? [{ url: 'unitPrice', valueMoney: { value: unitPrice, currency: 'USD' } }] : []),
    ...(quantity ? [{ url: 'quantity', valueQuantity: quantity }] : []),
    ...(epsdt !== undefined ? [{ url: EXT.epsdtIndicator, valueBoolean: epsdt }] : []),
    ...(levelOfCare ? [{ url: EXT.nursingHomeLevelOfCare, valueCodeableConcept: coded(CS.nursingHomeLevelOfCare, levelOfCare) }] : []),
    ...(revenue ? [{ url: EXT.revenueCode, valueCodeableConcept: coded(CS.revenue, revenue) }] : []),
    ...(rate !== undefined ? [{ url: EXT.revenueUnitRateLimit, valueDecimal: rate }] : []),
    // The service the authorization is for, as the request named it.
    ...(requested && (code || quantity) ? [{ url: EXT.requestedService, valueReference: requested }] : []),
  ];
  return parts.length ? { url: EXT.itemAuthorizedDetail, extension: parts } : undefined;
}

/**
 * 2010EA / 2010F providers → itemAuthorizedProvider: NM1 → provider (and NM101 → providerType),
 * PRV01 provider code → role, PRV03 taxonomy → qualification.
 */
export function authorizedProviders(names: Level['providers'], parties: ResponseParties): Extension[] {
  return names.map((p) => {
    const prv = p.segments.find((s) => s.tag === 'PRV');
    return {
      url: EXT.itemAuthorizedProvider,
      extension: [
        { url: 'provider', valueReference: { reference: parties.fromName(p, 'provider') } },
        { url: EXT.authorizedProviderType, valueCodeableConcept: coded(CS.entityIdentifier, el(p.nm1, 1)) },
        ...(prv && el(prv, 1) ? [{ url: 'role', valueCodeableConcept: roleOf(el(prv, 1)) }] : []),
        ...(prv && el(prv, 2) === 'PXC' && el(prv, 3) ? [{ url: 'qualification', valueCodeableConcept: coded(CS.nuccTaxonomy, el(prv, 3)) }] : []),
      ],
    };
  });
}

/** PRV01 → claim-careteamrole (the binding) with the X12 provider code beside it. */
function roleOf(code: string): CodeableConcept {
  return { coding: [{ system: CARE_TEAM_ROLE_SYSTEM, code: PROVIDER_CODE_TO_CARE_TEAM_ROLE[code] ?? 'other' }, { system: PROVIDER_CODE_SYSTEM, code }] };
}

/** 2000E HI diagnoses (ABK, ABF … with their code systems) → communicatedDiagnosis codes. */
export function diagnosesOf(level: Level | undefined): CodeableConcept[] {
  return (level?.his ?? []).flatMap((hi) =>
    hi.elements.flatMap((_e, i) => {
      const [qualifier, code] = comp(hi, i + 1);
      const system = qualifier ? HI_QUALIFIER_SYSTEM[qualifier] : undefined;
      return system && code ? [coded(system, code.length > 3 && system.includes('icd-10') ? `${code.slice(0, 3)}.${code.slice(3)}` : code)] : [];
    }),
  );
}

/** DTP*435 admission (D8 or RD8) and DTP*096 discharge: the line's, else the event's (a stay's dates are the event's). */
function stayDates(level: Level, event: Level | undefined): Extension[] {
  const admission = date(level, RESPONSE_DATE.admission) ?? date(event, RESPONSE_DATE.admission);
  const discharge = date(level, RESPONSE_DATE.discharge) ?? date(event, RESPONSE_DATE.discharge);
  const dischargeDay = discharge ? (periodOf(discharge.format, discharge.value)?.start ?? undefined) : undefined;
  return [
    ...(admission ? [{ url: EXT.admissionDates, valuePeriod: periodOf(admission.format, admission.value) ?? {} }] : []),
    ...(dischargeDay ? [{ url: EXT.dischargeDate, valueDate: dischargeDay }] : []),
  ];
}

export interface ItemInput {
  level: Level;
  sequence: number;
  /** The Claim item's own itemTraceNumber identifier, echoed as is. */
  traceIdentifier?: Identifier;
  /** Event-level outcome, applied when the line has none of its own. */
  event?: Level;
  noteNumbers: number[];
  requestItem?: ClaimItem;
  /** Event-level (2010EA) providers, authorized for every line the event answers. */
  eventProviders?: Extension[];
  /** 2000E HI diagnoses the UMO returned. */
  diagnoses?: CodeableConcept[];
}

/** The item's own review, or the event's when the line carries none (or there is no line). */
function reviewOf(input: ItemInput): Review | undefined {
  return input.level.review ?? input.event?.review;
}

/** One ClaimResponse.item; undefined when the line carries no review outcome (e.g. only an AAA). */
export function responseItem(input: ItemInput, parties: ResponseParties, withDetail: boolean): Json | undefined {
  const { level, event } = input;
  const review = reviewOf(input);
  if (!review) return undefined;
  const byEvent = !level.review;
  // 2000F DTP*007/036 (else, for a certified line, 2000E's) → preAuthPeriod.
  const ownPeriod = authorizedPeriod(level);
  const period = ownPeriod ?? (CERTIFIED.has(review.code) ? authorizedPeriod(event) : undefined);
  // DTP*102 certification issue date.
  const issued = date(level, RESPONSE_DATE.issue) ?? (byEvent ? date(event, RESPONSE_DATE.issue) : undefined);
  // DTP*472 the service date as requested.
  const requested = date(level, RESPONSE_DATE.service);
  const trace = input.traceIdentifier ?? (level.traces[0] ? traceIdentifier(level.traces[0]) : undefined);
  // What was authorized: the line's own detail, or the event's HSD when the event answers the line.
  // A line not (yet) certified restates the service under review: when the request is not at hand
  // to say what it is, the line's service is kept here rather than lost.
  const source = byEvent && event ? event : level;
  const detail = withDetail && (CERTIFIED.has(review.code) || (!input.requestItem && source.service)) ? authorizedDetail(source, input.requestItem, parties) : undefined;
  const refs = byEvent && event ? { ...event.refs, ...level.refs } : level.refs;
  const extension: Extension[] = [
    ...(trace ? [{ url: EXT.itemTraceNumber, valueIdentifier: trace }] : []),
    // REF*BB authorization number, REF*NT administrative reference (quote it when sending more).
    ...(refs['BB'] ? [{ url: EXT.authorizationNumber, valueString: refs['BB'] }] : []),
    ...(refs['NT'] ? [{ url: EXT.administrationReferenceNumber, valueString: refs['NT'] }] : []),
    ...(requested ? [requestedDate(requested)] : []),
    ...(issued && fhirDate(issued.value) ? [{ url: EXT.itemPreAuthIssueDate, valueDate: fhirDate(issued.value) as string }] : []),
    ...(period ? [{ url: EXT.itemPreAuthPeriod, valuePeriod: period }] : []),
    ...authorizedProviders(level.providers, parties),
    ...(input.eventProviders ?? []),
    ...(detail ? [detail] : []),
    ...stayDates(level, event),
    ...(input.diagnoses ?? []).map((d) => ({ url: EXT.communicatedDiagnosis, valueCodeableConcept: d })),
  ];
  return {
    ...(extension.length ? { extension } : {}),
    itemSequence: input.sequence,
    ...(input.noteNumbers.length ? { noteNumber: input.noteNumbers } : {}),
    adjudication: adjudication(review, refs['BB']),
  };
}

/** TRN → itemTraceNumber identifier: urn:trnorg:<TRN03> (PASIdentifier needs a system). */
export function traceIdentifier(t: { value: string; originator: string; subDepartment?: string }): Identifier {
  return {
    ...(t.subDepartment ? { extension: [{ url: EXT.identifierSubDepartment, valueString: t.subDepartment }] } : {}),
    system: `urn:trnorg:${t.originator || 'unknown'}`,
    value: t.value,
  };
}

function requestedDate(d: { format: string; value: string }): Extension {
  const period = periodOf(d.format, d.value);
  return d.format === 'RD8'
    ? { url: EXT.itemRequestedServiceDate, valuePeriod: period ?? {} }
    : { url: EXT.itemRequestedServiceDate, valueDateTime: period?.start ?? '' };
}

/** Request item extensions a modified or added service keeps unless the 278 says otherwise. */
const CARRIED = [EXT.epsdtIndicator, EXT.nursingHomeResidentialStatus, EXT.nursingHomeLevelOfCare, EXT.productOrServiceCodeEnd, EXT.revenueUnitRateLimit, EXT.requestedService];

/**
 * ClaimResponse.addItem for what was authorized instead of (A6, PAS spec-36/37) or beside the
 * requested items. From the 278: 2000F UM01/UM02 → requestType/certificationType, SV201 → revenue,
 * SV206 → revenueUnitRateLimit, SV209/SV210 → nursing home status and level of care, C003-8 →
 * productOrServiceCodeEnd, UM03 → category, DTP*435/096 → admission/discharge, DTP*102/007/036 →
 * issue date and period, DTP*472 → serviced, REF*BB/NT, 2010F NM1 → provider. A modified item keeps
 * what its request item said (EPSDT, nursing home, the requested service, location) unless the 278
 * changes it.
 */
export function addItem(input: { level: Level; itemSequence: number; parties: ResponseParties; requestItem?: ClaimItem; event?: Level; traceIdentifier?: Identifier }): Json | undefined {
  const { level, parties, requestItem, event } = input;
  const review = level.review ?? event?.review;
  if (!review) return undefined;
  const own = level.review ? level : (event ?? level);
  const { code, modifiers, end } = productOf(own);
  const { quantity, unitPrice, rate } = amounts(own);
  const { revenue, residential, levelOfCare, epsdt } = institutional(own);
  const um = own.um;
  const category = um ? el(um, 3) : '';
  const issued = date(own, RESPONSE_DATE.issue);
  const served = date(own, RESPONSE_DATE.service);
  const period = authorizedPeriod(own);
  // The line's TRN, else (an item the event answers) the request item's own trace number.
  const trace = level.traces[0] ? traceIdentifier(level.traces[0]) : input.traceIdentifier;
  const fromX12: Extension[] = [
    ...(trace ? [{ url: EXT.itemTraceNumber, valueIdentifier: trace }] : []),
    ...(issued && fhirDate(issued.value) ? [{ url: EXT.itemPreAuthIssueDate, valueDate: fhirDate(issued.value) as string }] : []),
    ...(period ? [{ url: EXT.itemPreAuthPeriod, valuePeriod: period }] : []),
    ...(own.refs['BB'] ? [{ url: EXT.authorizationNumber, valueString: own.refs['BB'] }] : []),
    ...(own.refs['NT'] ? [{ url: EXT.administrationReferenceNumber, valueString: own.refs['NT'] }] : []),
    ...(epsdt !== undefined ? [{ url: EXT.epsdtIndicator, valueBoolean: epsdt }] : []),
    ...(residential ? [{ url: EXT.nursingHomeResidentialStatus, valueCodeableConcept: coded(CS.nursingHomeResidentialStatus, residential) }] : []),
    ...(levelOfCare ? [{ url: EXT.nursingHomeLevelOfCare, valueCodeableConcept: coded(CS.nursingHomeLevelOfCare, levelOfCare) }] : []),
    ...(end ? [{ url: EXT.productOrServiceCodeEnd, valueCodeableConcept: end }] : []),
    ...(revenue ? [{ url: EXT.revenueCode, valueCodeableConcept: coded(CS.revenue, revenue) }] : []),
    ...(rate !== undefined ? [{ url: EXT.revenueUnitRateLimit, valueDecimal: rate }] : []),
    ...(um && el(um, 1) ? [{ url: EXT.serviceItemRequestType, valueCodeableConcept: coded(CS.requestCategory, el(um, 1)) }] : []),
    ...(um && el(um, 2) ? [{ url: EXT.certificationType, valueCodeableConcept: coded(CS.certificationType, el(um, 2)) }] : []),
    ...(category ? [{ url: EXT.itemCategory, valueCodeableConcept: coded(CS.serviceType, category) }] : []),
    ...stayDates(own, event),
  ];
  const have = new Set(fromX12.map((e) => e.url));
  const carried = (requestItem?.extension ?? []).filter((e) => CARRIED.includes(e.url as never) && !have.has(e.url));
  const providerNames = level.providers.length ? level.providers : (event?.providers ?? []);
  const provider = providerNames.map((p) => ({
    extension: [{ url: EXT.authorizedProviderType, valueCodeableConcept: coded(CS.entityIdentifier, el(p.nm1, 1)) }],
    reference: parties.fromName(p, 'provider'),
  }));
  // A requested service the modified item points at travels with the response.
  for (const e of carried) if (e.valueReference) parties.echoRef(e.valueReference);
  const servicedPeriod = served ? periodOf(served.format, served.value) : undefined;
  const place = requestItem?.locationReference ? parties.echoRef(requestItem.locationReference) : undefined;
  // SV105 place of service, when the request item does not say where.
  const sv105 = own.service?.tag === 'SV1' ? el(own.service, 5) : '';
  const location = requestItem?.locationCodeableConcept
    ? { locationCodeableConcept: requestItem.locationCodeableConcept }
    : place
      ? { locationReference: { reference: place } }
      : sv105
        ? { locationCodeableConcept: coded(CS.placeOfService, sv105) }
        : {};
  const serviced = servicedPeriod
    ? servicedPeriod.start === servicedPeriod.end
      ? { servicedDate: servicedPeriod.start }
      : { servicedPeriod }
    : requestItem?.servicedDate
      ? { servicedDate: requestItem.servicedDate }
      : requestItem?.servicedPeriod
        ? { servicedPeriod: requestItem.servicedPeriod }
        : {};
  const extension = [...fromX12, ...carried];
  return {
    ...(extension.length ? { extension } : {}),
    itemSequence: [input.itemSequence],
    ...(provider.length ? { provider } : {}),
    // PAS spec-43: 'not-applicable' means no product or service code.
    productOrService: code ?? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-applicable' }] },
    ...(modifiers.length ? { modifier: modifiers } : {}),
    ...serviced,
    ...location,
    ...(quantity ? { quantity } : {}),
    ...(unitPrice !== undefined ? { unitPrice: { value: unitPrice, currency: 'USD' } } : {}),
    adjudication: adjudication(review, own.refs['BB']),
  };
}
