/**
 * What rule evaluation reads from a PAS request Bundle: service lines, provider NPIs, urgency and
 * the patient's state. Pure; tolerant of missing parts (validation happens before rules).
 */
import { findEntries, resolveReference, type Bundle, type Resource } from '../fhir/bundle.ts';

const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
const POS_SYSTEM_TAIL = 'place-of-service-codes/Place_of_Service_Code_Set';

type Coding = { system?: string; code?: string; display?: string };
export interface ClaimItem {
  sequence?: number;
  productOrService?: { coding?: Coding[] };
  locationCodeableConcept?: { coding?: Coding[] };
  quantity?: { value?: number };
  [key: string]: unknown;
}

export interface ServiceLine {
  index: number;
  sequence: number;
  codings: Coding[];
  placeOfService?: string;
  item: ClaimItem;
}

interface ClaimLike extends Resource {
  item?: ClaimItem[];
  provider?: { reference?: string };
  careTeam?: { provider?: { reference?: string } }[];
  patient?: { reference?: string };
  priority?: { coding?: Coding[] };
}

export function claimOf(bundle: Bundle): ClaimLike | undefined {
  const first = bundle.entry?.[0]?.resource;
  return first?.resourceType === 'Claim' ? (first as ClaimLike) : (findEntries<ClaimLike>(bundle, 'Claim')[0]?.resource);
}

export function serviceLines(bundle: Bundle): ServiceLine[] {
  return (claimOf(bundle)?.item ?? []).map((item, index) => ({
    index,
    sequence: item.sequence ?? index + 1,
    codings: (item.productOrService?.coding ?? []).filter((c) => typeof c.code === 'string'),
    placeOfService: (item.locationCodeableConcept?.coding ?? []).find((c) => !c.system || c.system.endsWith(POS_SYSTEM_TAIL))?.code,
    item,
  }));
}

function npisOf(r: Resource | undefined): string[] {
  return ((r?.identifier ?? []) as { system?: string; value?: string }[]).filter((i) => i.system === NPI_SYSTEM && i.value).map((i) => i.value!);
}

/** NPIs of Claim.provider and the care team (PractitionerRole → its practitioner and organization). */
export function providerNpis(bundle: Bundle): string[] {
  const claim = claimOf(bundle);
  const fullUrl = bundle.entry?.[0]?.fullUrl;
  const refs = [claim?.provider, ...(claim?.careTeam ?? []).map((c) => c.provider)];
  const out = new Set<string>();
  for (const ref of refs) {
    const found = resolveReference(bundle, ref, fullUrl);
    if (!found) continue;
    npisOf(found.resource).forEach((n) => out.add(n));
    if (found.resource.resourceType === 'PractitionerRole') {
      for (const key of ['practitioner', 'organization']) {
        npisOf(resolveReference(bundle, found.resource[key] as { reference?: string }, found.fullUrl)?.resource).forEach((n) => out.add(n));
      }
    }
  }
  return [...out];
}

/** `expedited` when Claim.priority is `stat` (as workflow/prior-auth.ts reads it), else `standard`. */
export function urgencyOf(bundle: Bundle): 'expedited' | 'standard' {
  return claimOf(bundle)?.priority?.coding?.some((c) => c.code === 'stat') ? 'expedited' : 'standard';
}

export function patientOf(bundle: Bundle): Resource | undefined {
  return resolveReference(bundle, claimOf(bundle)?.patient, bundle.entry?.[0]?.fullUrl)?.resource;
}

/** The patient's home state (first address with a two-letter state). */
export function patientState(bundle: Bundle): string | undefined {
  const addresses = (patientOf(bundle)?.address ?? []) as { state?: string }[];
  const state = addresses.map((a) => a.state?.trim().toUpperCase()).find((s) => s && /^[A-Z]{2}$/.test(s));
  return state;
}

/** Every resource in the Bundle (documentation may already have been sent with the request). */
export function bundleResources(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is Resource => !!r && typeof r.resourceType === 'string');
}
