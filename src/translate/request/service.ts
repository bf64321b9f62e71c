/** 2000F service line of the 278 request: TRN, UM, REF, DTP*472, SV1/SV2/SV3, HSD, PWK, MSG, 2010F. */
import type { Segment } from '../../x12/types.ts';
import type { ClaimItem, Quantity, Resource } from '../fhir-types.ts';
import { codeOf, codingOf, ext } from '../bundle-index.ts';
import {
  DEFAULT_UNIT_BASIS,
  HSD_MODULUS_UNIT,
  HSD_PERIOD_QUALIFIER,
  HSD_QUANTITY_QUALIFIER,
  PRODUCT_QUALIFIER,
  SERVICE_DATE_QUALIFIER,
  SERVICE_SEGMENT_BY_CLAIM_TYPE,
  X12_UNIT_CODES,
} from '../codes/service.ts';
import { CS, EXT } from '../codes/systems.ts';
import { fit } from '../errors.ts';
import { decimal, dtpValue, seg } from '../x12-util.ts';
import { itemCertificationType, itemRequestCategory, itemTrace } from './claim-info.ts';
import { infosOf, msgSegments, pwkSegments } from './clinical.ts';
import type { RequestContext } from './context.ts';
import { facility, refSegments } from './event.ts';
import { serviceProviders } from './providers.ts';

const NOT_A_PROCEDURE = new Set<string>([CS.serviceType, 'http://terminology.hl7.org/CodeSystem/data-absent-reason']);

/** SV101 / SV202 / SV301 composite: qualifier, code, up to four modifiers. */
function procedure(ctx: RequestContext, item: ClaimItem, where: string): string[] | undefined {
  const coding = codingOf(item.productOrService);
  if (!coding || (coding.system && NOT_A_PROCEDURE.has(coding.system))) return undefined;
  const qualifier = coding.system ? PRODUCT_QUALIFIER[coding.system] : undefined;
  if (!qualifier) {
    ctx.warn.add('unmapped-code', 'productOrService code system has no X12 product/service qualifier: no SV segment sent', `${where}.productOrService`);
    return undefined;
  }
  const modifiers = (item.modifier ?? []).map((m) => codeOf(m) ?? '').filter(Boolean).slice(0, 4);
  return [qualifier, coding.code, ...modifiers];
}

function charge(item: ClaimItem): string | undefined {
  const unit = item.unitPrice?.value;
  const qty = item.quantity?.value;
  return decimal(item.net?.value ?? (unit !== undefined && qty !== undefined ? unit * qty : unit));
}

function unitBasis(q: Quantity | undefined): string | undefined {
  if (q?.value === undefined) return undefined;
  return q.code && X12_UNIT_CODES.has(q.code) ? q.code : DEFAULT_UNIT_BASIS;
}

/** SV1 (professional), SV2 (institutional) or SV3 (dental), by Claim.type. */
function serviceSegment(ctx: RequestContext, item: ClaimItem, where: string): Segment[] {
  const proc = procedure(ctx, item, where);
  const revenue = codeOf(item.revenue);
  const kind = SERVICE_SEGMENT_BY_CLAIM_TYPE[codeOf(ctx.claim.type, CS.claimType) ?? ''] ?? 'SV1';
  const qty = decimal(item.quantity?.value);
  if (kind === 'SV2') {
    if (!proc && !revenue) return [];
    // SV206 unit rate (revenueUnitRateLimit), SV209 nursing home residential status, SV210 level of care.
    const rate = decimal(ext(item, EXT.revenueUnitRateLimit)?.valueDecimal);
    const residential = codeOf(ext(item, EXT.nursingHomeResidentialStatus)?.valueCodeableConcept);
    const levelOfCare = codeOf(ext(item, EXT.nursingHomeLevelOfCare)?.valueCodeableConcept);
    return [seg('SV2', revenue, proc, charge(item), unitBasis(item.quantity), qty, rate, '', '', residential, levelOfCare)];
  }
  if (!proc) return [];
  if (kind === 'SV3') return [seg('SV3', proc, charge(item), '', '', '', qty)];
  // SV120 nursing home level of care (element 1337).
  const levelOfCare = codeOf(ext(item, EXT.nursingHomeLevelOfCare)?.valueCodeableConcept);
  const tail = levelOfCare ? [...Array<string>(15).fill(''), levelOfCare] : [];
  return [seg('SV1', proc, charge(item), unitBasis(item.quantity), qty, ...tail)];
}

interface TimingRepeat {
  frequency?: number;
  period?: number;
  periodUnit?: string;
  boundsDuration?: { value?: number; code?: string; unit?: string };
}

/**
 * HSD from the requested service (ServiceRequest/DeviceRequest … quantity and occurrenceTiming),
 * or from the item quantity when no SV segment carries it: HSD01/02 quantity, HSD03/04 how many
 * per day/week/month, HSD05/06 for how long, HSD07/08 PAS calendar and delivery patterns.
 */
function hsdSegment(ctx: RequestContext, item: ClaimItem, hasService: boolean, where: string): Segment[] {
  const requested: Resource | undefined = ctx.index.resolve(ext(item, EXT.requestedService)?.valueReference)?.resource;
  const quantity = (requested?.['quantityQuantity'] ?? requested?.['quantity']) as Quantity | undefined;
  const timing = requested?.['occurrenceTiming'] as { repeat?: TimingRepeat; extension?: [] } | undefined;
  const q = quantity ?? (hasService ? undefined : item.quantity);
  const repeat = timing?.repeat;
  if (q?.value === undefined && !repeat) return [];
  const unitKey = [q?.code, q?.unit?.toLowerCase()].find((k) => k && HSD_QUANTITY_QUALIFIER[k]);
  if (q?.value !== undefined && !unitKey) ctx.warn.add('unmapped-code', 'requested quantity unit has no HSD01 qualifier: sent as FL (units)', where);
  const qualifier = q?.value !== undefined ? (unitKey ? HSD_QUANTITY_QUALIFIER[unitKey] : 'FL') : undefined;
  const perUnit = repeat?.periodUnit && repeat.frequency !== undefined && (repeat.period ?? 1) === 1 ? HSD_MODULUS_UNIT[repeat.periodUnit] : undefined;
  const bounds = repeat?.boundsDuration;
  const boundsUnit = bounds?.code ?? bounds?.unit;
  const periodQualifier = boundsUnit ? HSD_PERIOD_QUALIFIER[boundsUnit] : undefined;
  const calendar = codeOf(ext(timing ?? requested, EXT.timingCalendarPattern)?.valueCodeableConcept);
  const delivery = codeOf(ext(timing ?? requested, EXT.timingDeliveryPattern)?.valueCodeableConcept);
  return [
    seg(
      'HSD',
      qualifier,
      decimal(q?.value),
      perUnit,
      perUnit ? decimal(repeat?.frequency) : undefined,
      periodQualifier,
      periodQualifier ? decimal(bounds?.value) : undefined,
      calendar,
      delivery,
    ),
  ];
}

/** 2000F REF*BB: the item's own number, else (an update or cancel) the line's number in the prior answer. */
function itemRefs(ctx: RequestContext, item: ClaimItem, where: string): Segment[] {
  const own = refSegments(item, where);
  if (own.length > 0) return own;
  const prior = ctx.prior?.itemAuthNumbers?.[item.sequence];
  return prior ? [seg('REF', 'BB', fit('REF02', 50, prior, `${where}.sequence`))] : [];
}

export function serviceLoop(ctx: RequestContext, item: ClaimItem, eventCategory: string): Segment[] {
  const where = `${ctx.claimPath}.item[${(ctx.claim.item ?? []).indexOf(item)}]`;
  const service = serviceSegment(ctx, item, where);
  const date = dtpValue(item.servicedDate, item.servicedPeriod);
  const seqs = item.informationSequence ?? [];
  return [
    seg('TRN', '1', fit('TRN02', 50, itemTrace(item, ctx.trace), `${where}.extension`), ctx.originator),
    // 2000F UM01 category, UM02 certification type, UM03 service type (item.category), UM04 facility.
    seg('UM', itemRequestCategory(item) ?? eventCategory, itemCertificationType(item), codeOf(item.category, CS.serviceType), facility(item)),
    ...itemRefs(ctx, item, where),
    ...(date ? [seg('DTP', SERVICE_DATE_QUALIFIER, ...date)] : []),
    ...service,
    ...hsdSegment(ctx, item, service.length > 0, where),
    ...(seqs.length ? pwkSegments(ctx, infosOf(ctx, 'additionalInformation', seqs)) : []),
    ...(seqs.length ? msgSegments(ctx, infosOf(ctx, 'freeFormMessage', seqs)) : []),
    ...serviceProviders(ctx, item),
  ];
}
