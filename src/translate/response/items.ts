/**
 * 2000E/2000F review outcomes → ClaimResponse adjudication, item and addItem: HCR → reviewAction,
 * REF*BB/NT → authorization / administrative reference numbers, DTP → preAuthPeriod, issue and
 * requested dates, 2010F NM1 → authorized provider, SV1/SV2/SV3/HSD/UM03 → authorized detail.
 */
import type { CodeableConcept, Extension, Identifier } from '../fhir-types.ts';
import { CERTIFIED, REVIEW_ACTION } from '../codes/review.ts';
import { PRODUCT_QUALIFIER, RESPONSE_DATE } from '../codes/service.ts';
import { CS, EXT } from '../codes/systems.ts';
import { comp, el, fhirDate, periodOf } from '../x12-util.ts';
import { authorizedPeriod } from './decision.ts';
import type { Level, Review } from './parse.ts';
import type { ResponseParties } from './parties.ts';

export type Json = Record<string, unknown>;

/** The reviewAction extension (number, reviewActionCode, reasonCode, secondSurgicalOpinionFlag). */
export function reviewAction(review: Review, fallbackNumber?: string): Extension {
  const number = review.number ?? fallbackNumber;
  const code = { coding: [{ system: CS.reviewAction, code: review.code, ...(REVIEW_ACTION[review.code] ? { display: REVIEW_ACTION[review.code] } : {}) }] };
  return {
    url: EXT.reviewAction,
    extension: [
      ...(number ? [{ url: 'number', valueString: number }] : []),
      { url: EXT.reviewActionCode, valueCodeableConcept: code },
      // The same code under the slice name `code`: the reviewAction extension's slicing is open,
      // and some PAS clients key on the slice name rather than the profile URL.
      { url: 'code', valueCodeableConcept: code },
      ...(review.reason ? [{ url: 'reasonCode', valueCodeableConcept: { coding: [{ system: CS.reviewDecisionReason, code: review.reason }] } }] : []),
      ...(review.secondOpinion !== undefined ? [{ url: 'secondSurgicalOpinionFlag', valueBoolean: review.secondOpinion }] : []),
    ],
  };
}

export function adjudication(review: Review, fallbackNumber?: string): Json[] {
  return [{ extension: [reviewAction(review, fallbackNumber)], category: { coding: [{ system: CS.adjudication, code: 'submitted' }] } }];
}

function date(level: Level, qualifier: string): { format: string; value: string } | undefined {
  return level.dates.find((d) => d.qualifier === qualifier);
}

/** SV101/SV202/SV301 composite → CodeableConcept (HC → HCPCS, N4 → NDC, AD → CDT). */
function productOf(level: Level): { code?: CodeableConcept; modifiers: CodeableConcept[] } {
  const sv = level.service;
  const proc = sv ? comp(sv, sv.tag === 'SV2' ? 2 : 1) : [];
  const system = Object.entries(PRODUCT_QUALIFIER).find(([, q]) => q === proc[0])?.[0];
  if (proc[1]) {
    return {
      code: { coding: [{ ...(system ? { system } : {}), code: proc[1] }] },
      modifiers: proc.slice(2, 6).filter(Boolean).map((m) => ({ coding: [{ ...(system ? { system } : {}), code: m }] })),
    };
  }
  const serviceType = level.um ? el(level.um, 3) : '';
  return { ...(serviceType ? { code: { coding: [{ system: CS.serviceType, code: serviceType }] } } : {}), modifiers: [] };
}

/** Authorized quantity and price: SV104 / SV205 / SV306, else HSD02; price = charge ÷ quantity. */
function amounts(level: Level): { quantity?: number; unitPrice?: number } {
  const sv = level.service;
  const pos = sv?.tag === 'SV2' ? { charge: 3, qty: 5 } : sv?.tag === 'SV3' ? { charge: 2, qty: 6 } : { charge: 2, qty: 4 };
  const qtyText = (sv && el(sv, pos.qty)) || (level.hsd ? el(level.hsd, 2) : '');
  const chargeText = sv ? el(sv, pos.charge) : '';
  const quantity = qtyText ? Number(qtyText) : undefined;
  const charge = chargeText ? Number(chargeText) : undefined;
  const unitPrice = charge !== undefined ? charge / (quantity && quantity > 0 ? quantity : 1) : undefined;
  return { ...(quantity !== undefined ? { quantity } : {}), ...(unitPrice !== undefined ? { unitPrice } : {}) };
}

function authorizedDetail(level: Level): Extension | undefined {
  const { code, modifiers } = productOf(level);
  const { quantity, unitPrice } = amounts(level);
  const parts: Extension[] = [
    ...(code ? [{ url: 'productOrServiceCode', valueCodeableConcept: code }] : []),
    ...modifiers.map((m) => ({ url: 'modifier', valueCodeableConcept: m })),
    ...(unitPrice !== undefined ? [{ url: 'unitPrice', valueMoney: { value: unitPrice, currency: 'USD' } }] : []),
    ...(quantity !== undefined ? [{ url: 'quantity', valueQuantity: { value: quantity } }] : []),
  ];
  return parts.length ? { url: EXT.itemAuthorizedDetail, extension: parts } : undefined;
}

function providers(level: Level, parties: ResponseParties): Extension[] {
  return level.providers.map((p) => ({
    url: EXT.itemAuthorizedProvider,
    extension: [
      { url: 'provider', valueReference: { reference: parties.fromName(p, 'provider') } },
      { url: EXT.authorizedProviderType, valueCodeableConcept: { coding: [{ system: CS.entityIdentifier, code: el(p.nm1, 1) }] } },
    ],
  }));
}

export interface ItemInput {
  level: Level;
  sequence: number;
  /** The Claim item's own itemTraceNumber identifier, echoed as is. */
  traceIdentifier?: Identifier;
  /** Event-level outcome, applied when the line has none of its own. */
  event?: Level;
  noteNumbers: number[];
}

/** One ClaimResponse.item; undefined when the line carries no review outcome (e.g. only an AAA). */
export function responseItem(input: ItemInput, parties: ResponseParties, withDetail: boolean): Json | undefined {
  const { level, event } = input;
  const review = level.review ?? event?.review;
  if (!review) return undefined;
  const ownPeriod = authorizedPeriod(level);
  const period = ownPeriod ?? (CERTIFIED.has(review.code) ? authorizedPeriod(event) : undefined);
  const issued = date(level, RESPONSE_DATE.issue) ?? (level.review ? undefined : event && date(event, RESPONSE_DATE.issue));
  const requested = date(level, RESPONSE_DATE.service);
  const trace = input.traceIdentifier ?? (level.traces[0] ? { value: level.traces[0].value } : undefined);
  const detail = withDetail ? authorizedDetail(level) : undefined;
  const extension: Extension[] = [
    ...(trace ? [{ url: EXT.itemTraceNumber, valueIdentifier: trace }] : []),
    ...(level.refs['BB'] ? [{ url: EXT.authorizationNumber, valueString: level.refs['BB'] }] : []),
    ...(level.refs['NT'] ? [{ url: EXT.administrationReferenceNumber, valueString: level.refs['NT'] }] : []),
    ...(requested ? [requestedDate(requested)] : []),
    ...(issued && fhirDate(issued.value) ? [{ url: EXT.itemPreAuthIssueDate, valueDate: fhirDate(issued.value) as string }] : []),
    ...(period ? [{ url: EXT.itemPreAuthPeriod, valuePeriod: period }] : []),
    ...providers(level, parties),
    ...(detail ? [detail] : []),
  ];
  return {
    ...(extension.length ? { extension } : {}),
    itemSequence: input.sequence,
    ...(input.noteNumbers.length ? { noteNumber: input.noteNumbers } : {}),
    adjudication: adjudication(review, level.refs['BB']),
  };
}

function requestedDate(d: { format: string; value: string }): Extension {
  const period = periodOf(d.format, d.value);
  return d.format === 'RD8'
    ? { url: EXT.itemRequestedServiceDate, valuePeriod: period ?? {} }
    : { url: EXT.itemRequestedServiceDate, valueDateTime: period?.start ?? '' };
}

/**
 * ClaimResponse.addItem for what was authorized instead of (A6, PAS spec-36/37) or beside the
 * requested items: SV201 → revenueCode, UM03 → itemCategory, DTP*435/096 → admission/discharge.
 */
export function addItem(level: Level, itemSequence: number, parties: ResponseParties): Json | undefined {
  const review = level.review;
  if (!review) return undefined;
  const { code, modifiers } = productOf(level);
  const { quantity, unitPrice } = amounts(level);
  const revenue = level.service?.tag === 'SV2' ? el(level.service, 1) : '';
  const category = level.um ? el(level.um, 3) : '';
  const admission = date(level, RESPONSE_DATE.admission);
  const discharge = date(level, RESPONSE_DATE.discharge);
  const period = authorizedPeriod(level);
  const extension: Extension[] = [
    ...(level.traces[0] ? [{ url: EXT.itemTraceNumber, valueIdentifier: { value: level.traces[0].value } }] : []),
    ...(revenue ? [{ url: EXT.revenueCode, valueCodeableConcept: { coding: [{ system: CS.revenue, code: revenue }] } }] : []),
    ...(category ? [{ url: EXT.itemCategory, valueCodeableConcept: { coding: [{ system: CS.serviceType, code: category }] } }] : []),
    ...(admission ? [{ url: EXT.admissionDates, valuePeriod: periodOf(admission.format, admission.value) ?? {} }] : []),
    ...(discharge && fhirDate(discharge.value) ? [{ url: EXT.dischargeDate, valueDate: fhirDate(discharge.value) as string }] : []),
    ...(period ? [{ url: EXT.itemPreAuthPeriod, valuePeriod: period }] : []),
  ];
  const provider = level.providers.map((p) => ({
    extension: [{ url: EXT.authorizedProviderType, valueCodeableConcept: { coding: [{ system: CS.entityIdentifier, code: el(p.nm1, 1) }] } }],
    reference: parties.fromName(p, 'provider'),
  }));
  return {
    ...(extension.length ? { extension } : {}),
    itemSequence: [itemSequence],
    ...(provider.length ? { provider } : {}),
    productOrService: code ?? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-applicable' }] },
    ...(modifiers.length ? { modifier: modifiers } : {}),
    ...(quantity !== undefined ? { quantity: { value: quantity } } : {}),
    ...(unitPrice !== undefined ? { unitPrice: { value: unitPrice, currency: 'USD' } } : {}),
    adjudication: adjudication(review, level.refs['BB']),
  };
}
