/**
 * PAS request Bundle → body of a 005010X217 278 request (BHT … the segment before SE).
 * Pure: the clock comes in as `opts.now`, payer identity as `opts.payer`.
 */
import type { Segment } from '../x12/types.ts';
import type { Bundle, Claim } from './fhir-types.ts';
import { BundleIndex } from './bundle-index.ts';
import { HL_LEVEL } from './codes/loops.ts';
import { BHT02_PURPOSE, BHT06_BY_CATEGORY, CERTIFICATION_TYPE } from './codes/review.ts';
import { fit, TranslateError, Warnings, type TranslateWarning } from './errors.ts';
import { claimCertificationType, claimTrace, itemsToSend, traceOriginator } from './request/claim-info.ts';
import type { AttachmentRoute, PriorNumbers, RequestContext } from './request/context.ts';
import { eventLoop } from './request/event.ts';
import { dependentLoop, membership, requesterLoop, subscriberLoop, umoLoop, type PayerOverride } from './request/members.ts';
import { serviceLoop } from './request/service.ts';
import { assertCarriable } from './self-check.ts';
import { d8, el, hhmm, seg } from './x12-util.ts';

export interface PasRequestOptions {
  /** Used for BHT04/BHT05 when the Claim has no `created`. */
  now: Date;
  /** The payer as configured for routing: wins over Claim.insurer's identifiers in 2010A. */
  payer?: PayerOverride;
  /** For an update or cancel: the numbers of the payer's answer to the request it revises. */
  prior?: PriorNumbers;
  /** The payer's route for documents; PWK02 follows it (EL only when an X12 275 will carry them). */
  attachmentRoute?: AttachmentRoute;
  /**
   * The payer gets the whole PAS Bundle as an X12 275 and wants the 278 to announce it (spec-28):
   * 2000E PWK*OZ*EL***AC*<the Bundle's attachment control number>.
   */
  announceBundle?: boolean;
  /**
   * The NPI of the organization that submitted the request (its registration with the gateway):
   * 2010B NM108 XX / NM109 when the Bundle's requester has no NPI or tax id. PAS Requestor's
   * identifier is optional (conf-14: its omission is no error); X12 requires an id for the requester.
   */
  requesterNpi?: string;
  /**
   * 2000E TRN03 when the Claim names no originator (Claim.identifier.assigner, `urn:trnorg:`):
   * the gateway's own (`traceOriginator` of its X12 sender id), as the one relaying the trace.
   */
  originator?: string;
}

export interface PasRequestResult {
  /** BHT … last 2000F segment; the codec adds ST/SE and the envelopes. */
  segments: Segment[];
  /** 2000E TRN02: the patient event trace number the response will echo. */
  trace: string;
  warnings: TranslateWarning[];
}

/** BHT04/BHT05 from Claim.created as written (X12 carries local time, no zone), else `now` in UTC. */
function creation(claim: Claim, now: Date): [string, string] {
  const date = d8(claim.created);
  if (date) return [date, hhmm(claim.created) ?? '0000'];
  const iso = now.toISOString();
  return [d8(iso) as string, hhmm(iso) as string];
}

function firstClaim(bundle: Bundle): Claim {
  if (bundle?.resourceType !== 'Bundle') throw new TranslateError('invalid', 'input is not a FHIR Bundle', 'Bundle');
  const claim = bundle.entry?.[0]?.resource;
  // PAS spec-12: the first entry is the Claim.
  if (claim?.resourceType !== 'Claim') throw new TranslateError('invalid', 'the first Bundle entry is not a Claim', 'Bundle.entry[0].resource');
  return claim as Claim;
}

/** The Claim, its trace numbers and the caller's options, as every request mapping reads them. */
export function requestContext(bundle: Bundle, opts: Pick<PasRequestOptions, 'prior' | 'attachmentRoute' | 'announceBundle' | 'originator' | 'requesterNpi'> = {}): RequestContext {
  const claim = firstClaim(bundle);
  const warn = new Warnings();
  const claimPath = 'Bundle.entry[0].resource';
  const trace = fit('TRN02', 50, claimTrace(claim, bundle), `${claimPath}.identifier`);
  if (!trace) throw new TranslateError('invalid', 'neither Claim.identifier nor Bundle.identifier gives a trace number', `${claimPath}.identifier`);
  const originator = fit('TRN03', 10, traceOriginator(claim) ?? opts.originator, `${claimPath}.identifier`);
  if (!originator) warn.add('missing-element', 'no TRN03 originating company id (Claim.identifier.assigner or urn:trnorg: system)', `${claimPath}.identifier`);
  return {
    index: new BundleIndex(bundle),
    claim,
    claimPath,
    warn,
    trace,
    originator: originator ?? '',
    ...(opts.requesterNpi ? { requesterNpi: opts.requesterNpi } : {}),
    ...(opts.prior ? { prior: opts.prior } : {}),
    ...(opts.attachmentRoute ? { attachmentRoute: opts.attachmentRoute } : {}),
    ...(opts.announceBundle ? { announceBundle: true } : {}),
  };
}

/**
 * @example
 * const { segments, trace } = pasRequestTo278(bundle, { now: new Date(), payer: { id: 'DEMO01' } });
 */
export function pasRequestTo278(bundle: Bundle, opts: PasRequestOptions): PasRequestResult {
  const ctx = requestContext(bundle, opts);
  const { claim, trace, warn } = ctx;

  const items = itemsToSend(claim);
  const member = membership(ctx);
  const event = eventLoop(ctx, items);
  const category = el(event.find((s) => s.tag === 'UM') as Segment, 1);
  const reference = fit('BHT03', 50, bundle.identifier?.value, 'Bundle.identifier.value') ?? trace;
  if (!bundle.identifier?.value) warn.add('missing-element', 'Bundle.identifier missing: BHT03 uses the Claim trace', 'Bundle.identifier');

  // BHT02: 01 cancellation when the whole request is cancelled (Claim certificationType 3), else 13 request.
  const purpose = claimCertificationType(claim) === CERTIFICATION_TYPE.cancel ? BHT02_PURPOSE.cancellation : BHT02_PURPOSE.request;
  const segments: Segment[] = [seg('BHT', '0007', purpose, reference, ...creation(claim, opts.now), BHT06_BY_CATEGORY[category])];
  let hl = 0;
  const open = (parent: number | undefined, level: string, hasChildren: boolean): number => {
    hl += 1;
    segments.push(seg('HL', String(hl), parent === undefined ? '' : String(parent), level, hasChildren ? '1' : '0'));
    return hl;
  };
  const umo = open(undefined, HL_LEVEL.umo, true);
  segments.push(...umoLoop(ctx, opts.payer));
  const requester = open(umo, HL_LEVEL.requester, true);
  segments.push(...requesterLoop(ctx));
  let patientHl = open(requester, HL_LEVEL.subscriber, true);
  segments.push(...subscriberLoop(ctx, member));
  if (member.dependentRelationship) {
    patientHl = open(patientHl, HL_LEVEL.dependent, true);
    segments.push(...dependentLoop(ctx, member));
  }
  const eventHl = open(patientHl, HL_LEVEL.patientEvent, items.length > 0);
  segments.push(...event);
  for (const item of items) {
    open(eventHl, HL_LEVEL.service, false);
    segments.push(...serviceLoop(ctx, item, category));
  }
  // Codes and values the mappings pass through unchecked must still fit their X12 elements.
  assertCarriable('278', segments, ctx.claimPath);
  return { segments, trace, warnings: warn.list };
}
