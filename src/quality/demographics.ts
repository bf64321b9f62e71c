/**
 * Patient-matching errors: the same member id sent by an organization with a different name, birth
 * date or gender than before. Payers match members on these, so a mismatch becomes an AAA 73 (name)
 * or 75 (not found) days later. The demographics of each request are kept with its encrypted PHI
 * (`summary.demographics`, sealed), found again through the keyed member-id hash; nothing here is
 * ever logged.
 */
import { findEntries, resolveReference, type Bundle } from '../fhir/bundle.ts';
import { claimOf } from '../rules/index.ts';
import type { EligibilityRequestRead } from '../translate/index.ts';

export interface Demographics {
  /** The ids that identify this patient (not a shared subscriber id of a dependent). */
  memberIds: string[];
  /** FAMILY GIVEN, upper case, letters only. */
  name?: string;
  birthDate?: string;
  /** M or F; other values are not compared. */
  gender?: string;
}

export type Field = 'name' | 'birthDate' | 'gender';

/** Where each field sits in the request, for the warning's expression. */
export interface DemographicsAt extends Demographics {
  at: Record<Field, string>;
}

/** Letters only, upper case, accents folded: `Zoë  O'Neil` and `ZOE ONEIL` are one name. */
export function normalName(family?: string, given?: string): string | undefined {
  const fold = (s?: string) => (s ?? '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toUpperCase().replace(/[^A-Z]/g, '');
  const f = fold(family);
  const g = fold(given);
  return f || g ? `${f} ${g}`.trim() : undefined;
}

export function normalGender(g?: string): string | undefined {
  const v = g?.trim().toLowerCase();
  if (v === 'male' || v === 'm') return 'M';
  if (v === 'female' || v === 'f') return 'F';
  return undefined;
}

const day = (d?: string) => (d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : undefined);

type PatientLike = { identifier?: { value?: string }[]; name?: { family?: string; given?: string[] }[]; birthDate?: string; gender?: string };
type CoverageLike = { subscriberId?: string; relationship?: { coding?: { code?: string }[] }; beneficiary?: { reference?: string } };

/**
 * The patient of a PAS request: Claim.patient's identifiers, plus Coverage.subscriberId when the
 * patient is the subscriber (relationship `self`, or none given) — a dependent shares the
 * subscriber's id, so it is not theirs to be matched by.
 */
export function pasDemographics(bundle: Bundle): DemographicsAt | undefined {
  const claim = claimOf(bundle) as { patient?: { reference?: string } } | undefined;
  const found = resolveReference(bundle, claim?.patient, bundle.entry?.[0]?.fullUrl);
  if (!found || found.resource.resourceType !== 'Patient') return undefined;
  const p = found.resource as PatientLike;
  const coverage = findEntries<CoverageLike & { resourceType: string }>(bundle, 'Coverage')[0]?.resource;
  const relationship = coverage?.relationship?.coding?.map((c) => c.code) ?? [];
  const self = relationship.length === 0 || relationship.includes('self') || relationship.includes('18');
  const ids = [...(p.identifier ?? []).map((i) => i.value), ...(self ? [coverage?.subscriberId] : [])];
  const memberIds = [...new Set(ids.filter((v): v is string => typeof v === 'string' && v.trim() !== ''))];
  if (memberIds.length === 0) return undefined;
  const at = `Bundle.entry[${found.index}].resource`;
  return {
    memberIds,
    name: normalName(p.name?.[0]?.family, p.name?.[0]?.given?.[0]),
    birthDate: day(p.birthDate),
    gender: normalGender(p.gender),
    at: { name: `${at}.name[0]`, birthDate: `${at}.birthDate`, gender: `${at}.gender` },
  };
}

/** The subscriber of an eligibility inquiry (a dependent has no member id of their own: skipped). */
export function eligibilityDemographics(read: EligibilityRequestRead): DemographicsAt | undefined {
  const i = read.inquiry;
  if (!i || i.dependent || !i.subscriber.memberId.trim()) return undefined;
  const at = 'Bundle.entry[0].resource.patient';
  return {
    memberIds: [i.subscriber.memberId],
    name: normalName(i.subscriber.name?.last, i.subscriber.name?.first),
    birthDate: day(i.subscriber.birthDate),
    gender: normalGender(i.subscriber.gender),
    at: { name: at, birthDate: at, gender: at },
  };
}

/** The fields both sides state and that differ. */
export function differences(a: Demographics, b: Demographics): Field[] {
  return (['name', 'birthDate', 'gender'] as const).filter((f) => a[f] !== undefined && b[f] !== undefined && a[f] !== b[f]);
}

/** What is kept (sealed) with the request: the normalized values only. */
export function storedDemographics(d: Demographics): Demographics {
  return { memberIds: d.memberIds, ...(d.name ? { name: d.name } : {}), ...(d.birthDate ? { birthDate: d.birthDate } : {}), ...(d.gender ? { gender: d.gender } : {}) };
}

export function isDemographics(v: unknown): v is Demographics {
  return typeof v === 'object' && v !== null && Array.isArray((v as Demographics).memberIds);
}
