/**
 * The resources a CoverageEligibilityResponse points at. With the request at hand they are the
 * request's own Patient, Coverage, insurer and provider, echoed under their fullUrls (the Coverage
 * with the plan and group the payer reported in Coverage.class). Without one (translating a bare
 * 271) they are built from the 271's 2100A, 2100B and 2100C/D names.
 */
import type { Bundle, BundleEntry, Coverage, Reference, Resource } from '../fhir-types.ts';
import { BundleIndex, type Located } from '../bundle-index.ts';
import { NM108_TO_SYSTEM } from '../codes/identifiers.ts';
import { X12_TO_GENDER } from '../codes/demographics.ts';
import { ECS } from './codes/members.ts';
import type { Member, Parsed271, Party } from './parse-271.ts';
import type { EligibilitySummary } from './summary.ts';

export interface RequestRefs {
  patient?: Located;
  coverage?: Located<Coverage>;
  insurer?: Located;
  provider?: Located;
}

/** What the request's CoverageEligibilityRequest points at. */
export function requestRefs(index: BundleIndex | undefined): RequestRefs {
  const cer = index?.entries[0]?.resource as (Resource & Record<string, any>) | undefined;
  if (!index || cer?.resourceType !== 'CoverageEligibilityRequest') return {};
  const insurance = (cer.insurance ?? []) as { focal?: boolean; coverage?: Reference }[];
  const chosen = insurance.find((i) => i.focal) ?? insurance[0];
  const out: RequestRefs = {};
  const set = (k: keyof RequestRefs, r: Located | undefined) => r && ((out as Record<string, Located>)[k] = r);
  set('patient', index.resolve(cer.patient));
  set('coverage', index.resolve<Coverage>(chosen?.coverage));
  set('insurer', index.resolve(cer.insurer));
  set('provider', index.resolve(cer.provider));
  return out;
}

/** Coverage.class from the payer's plan and group (coverage-class plan / group), replacing the request's. */
function withClasses(coverage: Coverage, s: EligibilitySummary): Coverage {
  const classes: NonNullable<Coverage['class']> = [];
  const plan = s.planNumber ?? s.planName;
  if (plan) classes.push({ type: { coding: [{ system: ECS.coverageClass, code: 'plan' }] }, value: plan, ...(s.planName ? { name: s.planName } : {}) });
  if (s.group) classes.push({ type: { coding: [{ system: ECS.coverageClass, code: 'group' }] }, value: s.group });
  const replaced = new Set(classes.map((c) => c.type!.coding![0]!.code));
  const kept = (coverage.class ?? []).filter((c) => !c.type?.coding?.some((x) => x.code && replaced.has(x.code)));
  const all = [...kept, ...classes];
  return { ...coverage, ...(all.length ? { class: all } : {}) };
}

function identifierOf(p: Party | undefined) {
  if (!p?.id) return undefined;
  const system = p.qualifier ? NM108_TO_SYSTEM[p.qualifier] : undefined;
  return [{ ...(system ? { system } : {}), value: p.id }];
}

function organization(p: Party | undefined): Resource {
  const identifier = identifierOf(p);
  return { resourceType: 'Organization', ...(identifier ? { identifier } : {}), ...(p?.name ? { name: p.name } : {}) } as Resource;
}

function patient(m: Member | undefined): Resource {
  const p = m?.party;
  return {
    resourceType: 'Patient',
    ...(p?.name ? { name: [{ family: p.name, ...(p.first ? { given: [p.first] } : {}) }] } : {}),
    ...(m?.gender && X12_TO_GENDER[m.gender] ? { gender: X12_TO_GENDER[m.gender] } : {}),
    ...(m?.birthDate ? { birthDate: m.birthDate } : {}),
  } as Resource;
}

export interface ResponseParties {
  entries: BundleEntry[];
  patient: Reference;
  insurer: Reference;
  requestor?: Reference;
  coverage?: Reference;
}

/**
 * @param ids fresh ids for resources built from the 271 (urn:uuid fullUrls)
 */
export function responseParties(refs: RequestRefs, parsed: Parsed271, summary: EligibilitySummary, ids: () => string): ResponseParties {
  const entries: BundleEntry[] = [];
  // An echoed resource keeps its fullUrl (or `Type/id` without one); a built one gets a urn:uuid.
  const add = (resource: Resource, fullUrl?: string): Reference => {
    if (fullUrl) {
      entries.push({ fullUrl, resource });
      return { reference: fullUrl };
    }
    if (resource.id) {
      entries.push({ resource });
      return { reference: `${resource.resourceType}/${resource.id}` };
    }
    const url = `urn:uuid:${ids()}`;
    entries.push({ fullUrl: url, resource });
    return { reference: url };
  };
  const echo = (hit: Located | undefined, build: () => Resource, change?: (r: Resource) => Resource): Reference => {
    const resource = hit ? hit.resource : build();
    return add(change ? change(resource) : resource, hit?.fullUrl);
  };

  const patientRef = echo(refs.patient, () => patient(parsed.dependent ?? parsed.subscriber));
  const insurerRef = echo(refs.insurer, () => organization(parsed.source));
  const requestor = refs.provider || parsed.receiver ? echo(refs.provider, () => organization(parsed.receiver)) : undefined;
  const memberId = parsed.subscriber?.party?.id;
  const coverage =
    refs.coverage || memberId
      ? echo(
          refs.coverage as Located | undefined,
          () => ({ resourceType: 'Coverage', status: 'active', ...(memberId ? { subscriberId: memberId } : {}), beneficiary: patientRef, payor: [insurerRef] }) as Resource,
          (c) => withClasses(c as Coverage, summary),
        )
      : undefined;
  return { entries, patient: patientRef, insurer: insurerRef, ...(requestor ? { requestor } : {}), ...(coverage ? { coverage } : {}) };
}
