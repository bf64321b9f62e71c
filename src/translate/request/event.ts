/** 2000E patient event of the 278 request: TRN, UM, REF, DTP, HI, CRC, CL1, CR6, PWK, MSG, 2010EA. */
import type { Segment } from '../../x12/types.ts';
import type { ClaimItem } from '../fhir-types.ts';
import { codeOf, codingOf, ext } from '../bundle-index.ts';
import { CERTIFICATION_TYPE, PRIORITY_TO_LEVEL_OF_SERVICE } from '../codes/review.ts';
import { ACCIDENT_DATE_QUALIFIER, EVENT_DATE_QUALIFIER, FACILITY_QUALIFIER } from '../codes/service.ts';
import { CS, EXT } from '../codes/systems.ts';
import { fit } from '../errors.ts';
import { dtpValue, seg } from '../x12-util.ts';
import {
  claimCertificationType,
  derivedRequestCategory,
  isUpdate,
  itemCertificationType,
  itemRequestCategory,
  traceSubDepartment,
} from './claim-info.ts';
import { bundlePwk, cl1Segment, cr6Segment, crcSegments, hiSegment, infosOf, msgSegments, pwkSegments } from './clinical.ts';
import type { RequestContext } from './context.ts';
import { eventProviders } from './providers.ts';

/** UM04 composite: facility type code and its qualifier (B place of service, A bill type). */
export function facility(item: ClaimItem | undefined): string[] | undefined {
  const coding = codingOf(item?.locationCodeableConcept);
  const qualifier = coding?.system ? FACILITY_QUALIFIER[coding.system] : undefined;
  return coding && qualifier ? [coding.code, qualifier] : undefined;
}

/**
 * 2000E UM02. The Claim's own certificationType wins (3 cancels the whole request); an update is
 * S (revised); otherwise the items' common type, I when they differ.
 */
function eventCertificationType(ctx: RequestContext, items: ClaimItem[]): string {
  const own = claimCertificationType(ctx.claim);
  if (own) return own;
  if (isUpdate(ctx.claim)) return CERTIFICATION_TYPE.revised;
  const types = new Set(items.map(itemCertificationType));
  return types.size === 1 ? [...types][0]! : CERTIFICATION_TYPE.initial;
}

/** UM05 related causes (C024): accident type (element 1362) and the state it happened in. */
function relatedCauses(ctx: RequestContext): string[] | undefined {
  const accident = ctx.claim.accident;
  const type = codeOf(accident?.type);
  return type ? [type, '', '', accident?.locationAddress?.state ?? ''] : undefined;
}

export function umEvent(ctx: RequestContext, items: ClaimItem[]): Segment {
  const all = ctx.claim.item ?? [];
  const lead = items[0] ?? all[0];
  // 2000E UM01 request category: PAS carries it per item (serviceItemRequestType, bound to 2000E UM01).
  const category = (lead && itemRequestCategory(lead)) ?? derivedRequestCategory(ctx.claim);
  // 2000E UM03 service type: the lead item's category (element 1365).
  const serviceType = codeOf(lead?.category, CS.serviceType);
  // 2000E UM06 level of service (element 1338) from the PAS levelOfServiceCode extension.
  const level =
    codeOf(ext(ctx.claim, EXT.levelOfServiceCode)?.valueCodeableConcept) ??
    PRIORITY_TO_LEVEL_OF_SERVICE[codeOf(ctx.claim['priority'] as { coding?: { code?: string }[] } | undefined) ?? ''];
  return seg('UM', category, eventCertificationType(ctx, items), serviceType, facility(lead), relatedCauses(ctx), level);
}

/** 2000E REF*BB previous authorization number, REF*NT administrative reference number. */
export function refSegments(holder: { extension?: { url: string; valueString?: string }[] }, where: string): Segment[] {
  const auth = fit('REF02', 50, ext(holder, EXT.authorizationNumber)?.valueString, `${where}.extension`);
  const admin = fit('REF02', 50, ext(holder, EXT.administrationReferenceNumber)?.valueString, `${where}.extension`);
  return [...(auth ? [seg('REF', 'BB', auth)] : []), ...(admin ? [seg('REF', 'NT', admin)] : [])];
}

/** 2000E DTP: accident (439), then event (AAH), admission (435), discharge (096) from supportingInfo. */
function eventDates(ctx: RequestContext): Segment[] {
  const out: Segment[] = [];
  const accident = dtpValue(ctx.claim.accident?.date);
  if (accident) out.push(seg('DTP', ACCIDENT_DATE_QUALIFIER, ...accident));
  for (const [category, qualifier] of Object.entries(EVENT_DATE_QUALIFIER)) {
    for (const info of infosOf(ctx, category)) {
      const value = dtpValue(info.timingDate, info.timingPeriod);
      if (value) out.push(seg('DTP', qualifier, ...value));
    }
  }
  return out;
}

/** supportingInfo sequences that some sent item points at: those go to that item's 2000F instead. */
function itemInfoSequences(items: ClaimItem[]): Set<number> {
  return new Set(items.flatMap((i) => i.informationSequence ?? []));
}

/**
 * 2000E REF*BB / REF*NT of an update or cancel: the Claim's own extensions win; otherwise the
 * numbers of the payer's answer to the prior request, so the payer finds the case it changes.
 */
function eventRefs(ctx: RequestContext): Segment[] {
  const own = refSegments(ctx.claim, ctx.claimPath);
  const revises = isUpdate(ctx.claim) || claimCertificationType(ctx.claim) === CERTIFICATION_TYPE.cancel;
  if (own.length > 0 || !revises) return own;
  const prior = ctx.prior;
  const refs = [
    ...(prior?.authNumber ? [seg('REF', 'BB', fit('REF02', 50, prior.authNumber, ctx.claimPath))] : []),
    ...(prior?.adminReference ? [seg('REF', 'NT', fit('REF02', 50, prior.adminReference, ctx.claimPath))] : []),
  ];
  if (refs.length === 0) {
    ctx.warn.add('missing-element', 'update or cancel without the prior authorization or administrative reference number (REF*BB/REF*NT)', ctx.claimPath);
  }
  return refs;
}

export function eventLoop(ctx: RequestContext, items: ClaimItem[]): Segment[] {
  const itemOwned = itemInfoSequences(items);
  const claimLevel = (category: string) => infosOf(ctx, category).filter((s) => !itemOwned.has(s.sequence));
  const refs = eventRefs(ctx);
  const pwks = pwkSegments(ctx, claimLevel('additionalInformation'));
  return [
    seg('TRN', '1', ctx.trace, ctx.originator, fit('TRN04', 50, traceSubDepartment(ctx.claim), `${ctx.claimPath}.identifier`)),
    umEvent(ctx, items),
    ...refs,
    ...eventDates(ctx),
    ...hiSegment(ctx),
    ...crcSegments(ctx),
    ...cl1Segment(ctx),
    ...cr6Segment(ctx),
    ...pwks,
    ...bundlePwk(ctx, pwks),
    ...msgSegments(ctx, claimLevel('freeFormMessage')),
    ...eventProviders(ctx),
  ];
}
