/**
 * AAA (request validation) at any level → ClaimResponse.error. An AAA says the UMO could not
 * process (part of) the request — it is never a denial: no reviewAction comes from it.
 * AAA03 → error.code (element 901), AAA04 → errorFollowupAction (element 889), the loop the AAA
 * sits in → errorElement, and, with the request at hand, the FHIR element it is about → errorPath.
 */
import type { Claim, Coverage, Extension, Reference } from '../fhir-types.ts';
import type { BundleIndex } from '../bundle-index.ts';
import { CS, EXT } from '../codes/systems.ts';
import type { Json } from './items.ts';
import type { Rejection } from './parse.ts';

export interface RequestView {
  index: BundleIndex;
  claim: Claim;
  /** 2000F HL01 → index of the Claim.item it answers. */
  itemIndexByHl: Map<string, number>;
}

function entryPath(view: RequestView, ref: Reference | undefined): string | undefined {
  const hit = view.index.resolve(ref);
  return hit ? `Bundle.entry[${hit.index}].resource` : undefined;
}

/** Which FHIR element of the request an AAA in a given loop is about. */
function errorPath(view: RequestView, r: Rejection): string | undefined {
  const claim = 'Bundle.entry[0].resource';
  const coverage = view.index.resolve<Coverage>((view.claim.insurance ?? []).find((i) => i.focal)?.coverage ?? view.claim.insurance?.[0]?.coverage);
  switch (r.loopId) {
    case '2000A':
    case '2010A':
      return entryPath(view, view.claim.insurer);
    case '2000B':
    case '2010B':
      return entryPath(view, view.claim.provider);
    case '2000C':
    case '2010C':
      return entryPath(view, coverage?.resource.subscriber ?? view.claim.patient) ?? entryPath(view, view.claim.patient);
    case '2000D':
    case '2010D':
      return entryPath(view, view.claim.patient);
    case '2000E':
      return claim;
    case '2010EA':
    case '2010EB':
    case '2010EC':
      return `${claim}.careTeam`;
    case '2000F':
    case '2010F': {
      const i = view.itemIndexByHl.get(r.hlId);
      return i === undefined ? `${claim}.item` : `${claim}.item[${i}]`;
    }
    default:
      return undefined;
  }
}

export function responseErrors(rejections: Rejection[], view: RequestView | undefined): Json[] {
  return rejections.map((r) => {
    const path = view ? errorPath(view, r) : undefined;
    const extension: Extension[] = [
      { url: EXT.errorElement, extension: [{ url: 'error', valueString: r.loopId }] },
      ...(path ? [{ url: EXT.errorPath, valueString: path }] : []),
      ...(r.followUp ? [{ url: EXT.errorFollowupAction, valueCodeableConcept: { coding: [{ system: CS.followUpAction, code: r.followUp }] } }] : []),
    ];
    return { extension, code: { coding: [{ system: CS.rejectReason, code: r.reason }] } };
  });
}
