/**
 * Reading the PAS Claim the way the 278 needs it: which items to send, each item's request
 * category / certification type / trace, the claim-level trace and its originator.
 */
import type { Bundle, Claim, ClaimItem } from '../fhir-types.ts';
import { codeOf, ext } from '../bundle-index.ts';
import { CERTIFICATION_TYPE } from '../codes/review.ts';
import { CS, EXT, PROFILE } from '../codes/systems.ts';

/** A PAS Claim update: it points at the Claim it revises (PAS spec-65) or claims the update profile. */
export function isUpdate(claim: Claim): boolean {
  const related = Array.isArray(claim.related) ? claim.related : [];
  const profiles = Array.isArray(claim.meta?.profile) ? claim.meta.profile : [];
  return related.some((r) => r?.claim) || profiles.some((p) => typeof p === 'string' && p.startsWith(PROFILE.claimUpdate));
}

/** Claim-level certificationType (PAS: code 3 on the Claim cancels the whole request). */
export function claimCertificationType(claim: Claim): string | undefined {
  return codeOf(ext(claim, EXT.certificationType)?.valueCodeableConcept);
}

export function isCancelled(item: ClaimItem): boolean {
  return ext({ extension: item.modifierExtension ?? [] }, EXT.infoCancelled)?.valueBoolean === true;
}

/** 2000F UM02: the item's certificationType; a cancelled item is always 3 (PAS spec-70, prof-7). */
export function itemCertificationType(item: ClaimItem): string {
  if (isCancelled(item)) return CERTIFICATION_TYPE.cancel;
  return codeOf(ext(item, EXT.certificationType)?.valueCodeableConcept) ?? CERTIFICATION_TYPE.initial;
}

/** 2000F UM01: the item's serviceItemRequestType. */
export function itemRequestCategory(item: ClaimItem): string | undefined {
  return codeOf(ext(item, EXT.serviceItemRequestType)?.valueCodeableConcept);
}

/**
 * The items that travel in 2000F loops. A whole-request cancel sends none; an update sends only
 * the items flagged added/changed (PAS: "from an X12 perspective, only those items … being added,
 * modified, or cancelled need to be present"); a new request sends all.
 */
export function itemsToSend(claim: Claim): ClaimItem[] {
  const items = claim.item ?? [];
  if (claimCertificationType(claim) === CERTIFICATION_TYPE.cancel) return [];
  if (!isUpdate(claim)) return items;
  const flagged = items.filter((i) => ext(i, EXT.infoChanged) || isCancelled(i));
  return flagged.length > 0 ? flagged : items;
}

/** 2000E TRN02: the patient event trace number (Claim.identifier, else Bundle.identifier). */
export function claimTrace(claim: Claim, bundle: Bundle): string | undefined {
  return (claim.identifier ?? []).find((i) => i.value)?.value ?? bundle.identifier?.value;
}

/**
 * 2000E/2000F TRN03: the originating company id. PAS puts it in Claim.identifier.assigner and
 * asks for `urn:trnorg:<TRN03>` as the identifier system.
 */
export function traceOriginator(claim: Claim): string | undefined {
  for (const id of claim.identifier ?? []) {
    const assigned = id.assigner?.identifier?.value;
    if (assigned) return assigned;
    const m = id.system?.match(/^urn:trnorg:(.+)$/);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/** 2000E TRN04: PAS identifierSubDepartment on the traced identifier. */
export function traceSubDepartment(claim: Claim): string | undefined {
  for (const id of claim.identifier ?? []) {
    const sub = ext(id, EXT.identifierSubDepartment)?.valueString;
    if (sub) return sub;
  }
  return undefined;
}

/**
 * 2000F TRN02: the item's itemTraceNumber, else `<claim trace>-<sequence>`, which is unique within
 * the request and lets the response be matched back without the extension.
 */
export function itemTrace(item: ClaimItem, trace: string | undefined): string {
  const own = ext(item, EXT.itemTraceNumber)?.valueIdentifier?.value;
  if (own) return own;
  // Derived, so ours to shape: the claim trace is shortened to keep TRN02 within its 50 characters.
  const suffix = `-${item.sequence}`;
  return trace ? `${trace.slice(0, 50 - suffix.length)}${suffix}` : String(item.sequence);
}

/**
 * 2000E UM01 when no item says: AR for an institutional claim with an admission, SC for a
 * consultation (service type 3), HS otherwise.
 */
export function derivedRequestCategory(claim: Claim): string {
  const institutional = codeOf(claim.type, CS.claimType) === 'institutional';
  const admission = (claim.supportingInfo ?? []).some((s) => codeOf(s.category, CS.pasTemp) === 'admissionDates');
  if (institutional && (admission || ext(claim, EXT.claimEncounter))) return 'AR';
  if ((claim.item ?? []).some((i) => codeOf(i.category, CS.serviceType) === '3')) return 'SC';
  return 'HS';
}
