/**
 * A request's current PAS response, as `$inquire` returns it: a PAS Inquiry Response Bundle (its
 * identifier the inquiry's, as in the IG's example) whose ClaimResponse claims the PAS Claim Inquiry
 * Response profile. Asked by another organization than the one that submitted it (PAS spec-52), its
 * link to that organization's Claim is withheld: a data-absent-reason `masked` (spec-44).
 */
import type { Bundle } from '../bundle.ts';

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';

export function inquiryResponse(current: Bundle, inquiry: Bundle, opts: { otherOrganization: boolean }): Bundle {
  const copy = structuredClone(current);
  const cr = copy.entry?.[0]?.resource as Record<string, unknown> | undefined;
  if (cr?.['resourceType'] === 'ClaimResponse') {
    cr['meta'] = { ...(cr['meta'] as object), profile: [`${PAS}profile-claiminquiryresponse`] };
    if (opts.otherOrganization) cr['request'] = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }] };
  }
  return {
    ...copy,
    meta: { ...copy.meta, profile: [`${PAS}profile-pas-inquiry-response-bundle`] },
    ...(inquiry.identifier ? { identifier: inquiry.identifier } : {}),
  };
}
