/**
 * The name loops of a 278 response written from the parties of a PAS response: after each NM1 the
 * loop's detail as the PAS resources carry it, in the X217 order of each loop —
 * 2010A PER (the UMO's contact); 2010B REF, PRV; 2010C/2010D REF, N3, N4, DMG, INS;
 * 2010EA/2010F REF, N3, N4, PER, PRV; 2010EB N3, N4, PER. Pure.
 */
import {
  CS, EXT, PER_TO_TELECOM, PROVIDER_CODE_SYSTEM, X12CS, el, seg, type Bundle, type NameLoop,
} from '../translate/index.ts';
import type { Segment } from '../x12/types.ts';

type Json = Record<string, any>;

/** ContactPoint.system → PER communication number qualifier (element 365): the first X12 code for it. */
const TELECOM_TO_PER: Record<string, string> = Object.fromEntries(Object.entries(PER_TO_TELECOM).reverse().map(([q, s]) => [s, q]));
const GENDER_TO_DMG: Record<string, string> = { male: 'M', female: 'F', unknown: 'U' };
const REF_128 = X12CS('128');
/** REF repeats at most 7 times in 2010EA / 2010F (9 in 2010B-D). */
const REF_MAX = 7;

export const d8 = (date: string | undefined) => date?.slice(0, 10).replace(/-/g, '');
export const codeIn = (concept: Json | undefined, system?: string): string | undefined =>
  ((concept?.coding as Json[] | undefined) ?? []).find((c) => !system || c.system === system)?.code;
export const extOf = (holder: Json | undefined, url: string): Json | undefined => (holder?.extension as Json[] | undefined)?.find((e) => e.url === url);
export const extsOf = (holder: Json | undefined, url: string): Json[] => ((holder?.extension as Json[] | undefined) ?? []).filter((e) => e.url === url);

/** A Bundle's resources by fullUrl and by `Type/id` (nested Bundles aside). */
export function resolver(bundle: Bundle): (ref: Json | undefined) => Json | undefined {
  const byKey = new Map<string, Json>();
  for (const e of bundle.entry ?? []) {
    const r = e.resource as Json | undefined;
    if (!r) continue;
    if (e.fullUrl) byKey.set(e.fullUrl, r);
    if (r.id) byKey.set(`${r.resourceType}/${r.id}`, r);
  }
  return (ref) => {
    const key = ref?.reference as string | undefined;
    return key ? (byKey.get(key) ?? byKey.get(key.split('/').slice(-2).join('/'))) : undefined;
  };
}

/** REF supplemental identifiers: Identifier.type coded in X12 128 (REF01), value (REF02), type text (REF03). */
function refs(resource: Json | undefined): Segment[] {
  return ((resource?.identifier as Json[] | undefined) ?? []).flatMap((i) => {
    const q = codeIn(i.type, REF_128);
    return q && i.value ? [seg('REF', q, i.value, i.type?.text)] : [];
  }).slice(0, REF_MAX);
}

/**
 * Address → N3 (two lines), N4: city, then the state as N402 for a US or Canadian address and as
 * N407 country subdivision otherwise (X12 allows one of the two), ZIP, N404 country when not the US.
 */
function address(resource: Json | undefined): Segment[] {
  const a = (resource?.address as Json[] | undefined)?.[0];
  if (!a) return [];
  const lines = (a.line as string[] | undefined) ?? [];
  const domestic = !a.country || a.country === 'US' || a.country === 'CA';
  return [
    ...(lines.length ? [seg('N3', lines[0], lines[1])] : []),
    ...(a.city || a.state || a.postalCode
      ? [seg('N4', a.city, domestic ? a.state : undefined, a.postalCode, a.country === 'US' ? undefined : a.country, undefined, undefined, domestic ? undefined : a.state)]
      : []),
  ];
}

/** PER*IC: an Organization's contact (name and numbers), else the resource's own telecom; three numbers at most. */
function contact(resource: Json | undefined): Segment[] {
  const person = (resource?.contact as Json[] | undefined)?.[0];
  const telecom = ((person?.telecom ?? resource?.telecom) as Json[] | undefined) ?? [];
  const numbers = telecom.filter((t) => TELECOM_TO_PER[t.system] && t.value).slice(0, 3).flatMap((t) => [TELECOM_TO_PER[t.system], t.value]);
  const name = person?.name?.text;
  return numbers.length || name ? [seg('PER', 'IC', name, ...numbers)] : [];
}

/** PRV: provider code (the X12 code beside the care team role) and NUCC taxonomy. */
function providerInfo(role: Json | undefined, qualification: Json | undefined): Segment[] {
  const code = codeIn(role, PROVIDER_CODE_SYSTEM);
  const taxonomy = codeIn(qualification, CS.nuccTaxonomy);
  return code ? [seg('PRV', code, taxonomy ? 'PXC' : undefined, taxonomy)] : [];
}

/** 2010C/2010D: the patient's supplemental ids, address and demographics. */
export function patientLoop(nm1: Segment, patient: Json | undefined): Segment[] {
  const gender = GENDER_TO_DMG[patient?.gender];
  return [nm1, ...refs(patient), ...address(patient), ...(patient?.birthDate ? [seg('DMG', 'D8', d8(patient.birthDate), gender)] : [])];
}

/** 2010A: the UMO's contacts. */
export function umoLoop(nm1: Segment, insurer: Json | undefined): Segment[] {
  return [nm1, ...contact(insurer)];
}

/** 2010B: the requester's supplemental ids and provider information (PractitionerRole code and specialty). */
export function requesterLoop(nm1: Segment, requestor: Json | undefined, role: Json | undefined): Segment[] {
  const code = codeIn(role?.code?.[0], PROVIDER_CODE_SYSTEM);
  const taxonomy = codeIn(role?.specialty?.[0], CS.nuccTaxonomy);
  return [nm1, ...refs(requestor), ...(code ? [seg('PRV', code, taxonomy ? 'PXC' : undefined, taxonomy)] : [])];
}

/** 2010EB: where to send what the UMO asks for. */
export function contactLoop(nm1: Segment, recipient: Json | undefined): Segment[] {
  return [nm1, ...address(recipient), ...contact(recipient)];
}

/**
 * 2010EA / 2010F: a provider from its itemAuthorizedProvider extension (provider, role,
 * qualification) or, for a modified line, from addItem.provider.
 */
export function providerLoop(nm1: Segment, provider: Json | undefined, authorized: Json | undefined): Segment[] {
  return [nm1, ...refs(provider), ...address(provider), ...contact(provider), ...providerInfo(extOf(authorized, 'role')?.valueCodeableConcept, extOf(authorized, 'qualification')?.valueCodeableConcept)];
}

/**
 * The candidate whose resource carries the NM1's identifier (NM109), else the one at the same
 * place among the loop's names.
 */
export function matchName<T>(name: NameLoop, at: number, candidates: T[], resourceOf: (c: T) => Json | undefined): T | undefined {
  const id = el(name.nm1, 9);
  return (id ? candidates.find((c) => ((resourceOf(c)?.identifier as Json[] | undefined) ?? []).some((i) => i.value === id)) : undefined) ?? candidates[at];
}

/** The itemAuthorizedProvider extensions of a holder (ClaimResponse or item). */
export const authorizedProviders = (holder: Json | undefined): Json[] => extsOf(holder, EXT.itemAuthorizedProvider);
