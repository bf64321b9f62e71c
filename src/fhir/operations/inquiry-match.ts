/**
 * `Claim/$inquire` matching, as the PAS IG describes it: a query by example that follows the X12 278
 * inquiry rules (OperationDefinition Claim-inquiry).
 *
 * - Required (spec-53): the member — the patient's member or subscriber id (Claim.patient's
 *   identifiers, the Coverage's subscriberId) — plus the ordering and/or rendering provider's NPI
 *   (the inquiry's Claim.provider, matched against the request's provider and care team).
 * - Every other criterion the example gives must match too, nothing is relaxed when it does not:
 *   the Claim identifier (the request's Claim identifier or trace number, or a number the payer gave
 *   it: REF-BB authorization, REF-NT administrative reference — spec-47), the authorization and
 *   administrative reference numbers the inquiry carries as extensions, the items' service codes,
 *   and the service dates.
 * - An inquiry that matches nothing answers with no result.
 * What was replaced is answered with the current response of its latest replacement (spec-47/48):
 * the caller resolves that.
 *
 * The same reading gives the keys stored with each request (`requestKeys`). Pure.
 */
import { findEntries, isObject, resolveReference, type Bundle, type Resource } from '../bundle.ts';
import { normalizeIdentifier } from '../../db/crypto/index.ts';

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';
const NPI = 'http://hl7.org/fhir/sid/us-npi';

export interface PasKeys {
  memberIds: string[];
  /** NPIs of the requesting, ordering and rendering providers (Claim.provider, careTeam). */
  providerIds: string[];
  /** Claim.identifier values. */
  identifiers: string[];
  /** authorizationNumber / administrationReferenceNumber (REF-BB / REF-NT) the Claim or its items carry. */
  refNumbers: string[];
  serviceDate: string | null;
  serviceEnd: string | null;
  /** The items' productOrService codes. */
  serviceCodes: string[];
}

/** What a stored request offers to match against. */
export interface StoredKeys {
  memberIds: string[];
  providerIds: string[];
  /** The request's Claim identifier, trace number, and the numbers the payer gave it (BB, NT). */
  numbers: string[];
  serviceDate: string | null;
  serviceEnd: string | null;
  serviceCodes: string[];
}

type Json = Record<string, any>;

const values = (ids: unknown): string[] => (Array.isArray(ids) ? ids.flatMap((i) => (isObject(i) && typeof i.value === 'string' && i.value ? [i.value] : [])) : []);
const npis = (r: Resource | undefined): string[] =>
  Array.isArray(r?.['identifier']) ? (r!['identifier'] as Json[]).filter((i) => i['system'] === NPI || i['type']?.coding?.some((c: Json) => c.code === 'NPI')).flatMap((i) => (i['value'] ? [i['value'] as string] : [])) : [];

/** A provider reference → its NPIs; a PractitionerRole's are its practitioner's and organization's. */
function providerNpis(bundle: Bundle, ref: unknown, base: string | undefined): string[] {
  const hit = resolveReference(bundle, ref as never, base)?.resource;
  if (!hit) return [];
  if (hit.resourceType !== 'PractitionerRole') return npis(hit);
  return [...npis(resolveReference(bundle, hit['practitioner'] as never, base)?.resource), ...npis(resolveReference(bundle, hit['organization'] as never, base)?.resource)];
}

function extValues(holder: Json | undefined, names: string[]): string[] {
  return ((holder?.['extension'] as Json[] | undefined) ?? []).filter((e) => names.some((n) => e['url'] === PAS + n) && typeof e['valueString'] === 'string').map((e) => e['valueString'] as string);
}

/** The keys of a PAS request or inquiry Bundle (the Claim first). */
export function pasKeys(bundle: Bundle): PasKeys {
  const first = bundle.entry?.[0];
  const claim = (first?.resource ?? {}) as Json;
  const base = first?.fullUrl;
  const patient = resolveReference(bundle, claim['patient'], base)?.resource;
  const coverages = findEntries<Resource & { subscriberId?: string }>(bundle, 'Coverage').map((e) => e.resource);
  const items = (claim['item'] as Json[] | undefined) ?? [];
  const dates = items.flatMap((i) => [i['servicedDate'], i['servicedPeriod']?.start, i['servicedPeriod']?.end]).filter((d): d is string => typeof d === 'string').map((d) => d.slice(0, 10)).sort();
  const numberNames = ['extension-authorizationNumber', 'extension-administrationReferenceNumber'];
  return {
    memberIds: [...new Set([...coverages.map((c) => c.subscriberId), ...values(patient?.['identifier'])].filter((m): m is string => typeof m === 'string' && m.trim() !== ''))],
    providerIds: [...new Set([claim['provider'], ...((claim['careTeam'] as Json[] | undefined) ?? []).map((m) => m['provider'])].flatMap((r) => providerNpis(bundle, r, base)))],
    identifiers: values(claim['identifier']),
    refNumbers: [...new Set([...extValues(claim, numberNames), ...items.flatMap((i) => extValues(i, numberNames))])],
    serviceDate: dates[0] ?? null,
    serviceEnd: dates.at(-1) ?? null,
    serviceCodes: [...new Set(items.flatMap((i) => ((i['productOrService']?.coding as Json[] | undefined) ?? []).flatMap((c) => (c['code'] ? [c['code'] as string] : []))))],
  };
}

/** The keys stored with a request for later inquiries (identifiers and dates, not clinical detail). */
export function requestKeys(bundle: Bundle): Record<string, unknown> {
  const k = pasKeys(bundle);
  return { memberIds: k.memberIds, providerIds: k.providerIds, serviceDate: k.serviceDate, serviceEnd: k.serviceEnd, serviceCodes: k.serviceCodes };
}

const overlaps = (a: string[], b: string[], norm: (s: string) => string = (s) => s) => {
  const set = new Set(b.map(norm));
  return a.some((x) => set.has(norm(x)));
};

/** Whether an inquiry's example matches a stored request, criterion by criterion. */
export function inquiryMatches(asked: PasKeys, stored: StoredKeys): boolean {
  if (!overlaps(asked.memberIds, stored.memberIds, normalizeIdentifier)) return false;
  if (!overlaps(asked.providerIds, stored.providerIds)) return false;
  const numbers = stored.numbers.filter(Boolean);
  if (asked.identifiers.length && !overlaps(asked.identifiers, numbers)) return false;
  if (asked.refNumbers.length && !overlaps(asked.refNumbers, numbers)) return false;
  if (asked.serviceCodes.length && stored.serviceCodes.length && !overlaps(asked.serviceCodes, stored.serviceCodes)) return false;
  if (asked.serviceDate && stored.serviceDate) {
    // Periods overlap: [asked.start, asked.end] ∩ [stored.start, stored.end] ≠ ∅.
    const askedEnd = asked.serviceEnd ?? asked.serviceDate;
    const storedEnd = stored.serviceEnd ?? stored.serviceDate;
    if (askedEnd < stored.serviceDate.slice(0, 10) || storedEnd.slice(0, 10) < asked.serviceDate) return false;
  }
  return true;
}
