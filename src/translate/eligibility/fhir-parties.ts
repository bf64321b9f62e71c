/**
 * The resources a CoverageEligibilityResponse points at. With the request at hand they are the
 * request's own Patient, Coverage, insurer and provider, echoed under their fullUrls (the Coverage
 * with the plan and group the payer reported, the insurer with the payer's contacts). Without one
 * (translating a bare 271) they are built from the 271: the insurer from 2100A (PER contacts in
 * Organization.contact), the provider from 2100B (REF identifiers, PRV as a PractitionerRole), the
 * patient from 2100D or 2100C and, for a dependent, the subscriber as a Patient of its own
 * (Coverage.subscriber) with Coverage.relationship from INS02: names, identifiers, addresses,
 * birth dates and genders, INS and MPI detail, member REFs and DTPs.
 */
import type { Bundle, BundleEntry, Coverage, Reference, Resource } from '../fhir-types.ts';
import { BundleIndex, type Located } from '../bundle-index.ts';
import { X12_TO_GENDER } from '../codes/demographics.ts';
import { X12CS } from '../codes/systems.ts';
import { ECS, GROUP_REF, PLAN_REF } from './codes/members.ts';
import type { Member, Parsed271, Party } from './parse-271.ts';
import type { EligibilitySummary } from './summary.ts';
import {
  X12_EXT, addressOf, code, coding, complex, dateExt, identifierOf, organizationContact, refIdentifier, str, telecomOf,
} from './x12-extensions.ts';

export interface RequestRefs {
  patient?: Located;
  coverage?: Located<Coverage>;
  insurer?: Located;
  provider?: Located;
}

type Json = Record<string, any>;

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

/**
 * Coverage.class from the payer's plan and group (coverage-class plan / group), replacing the
 * request's. `value` is the payer's plan number (REF*18) or group number (REF*6P/1L/IG) — never a
 * description; REF03 and the plan-level EB05 description go in `name`.
 */
function withClasses(coverage: Coverage, s: EligibilitySummary): Coverage {
  const classes: NonNullable<Coverage['class']> = [];
  if (s.planNumber) classes.push({ type: { coding: [{ system: ECS.coverageClass, code: 'plan' }] }, value: s.planNumber, ...(s.planName ? { name: s.planName } : {}) });
  if (s.group) classes.push({ type: { coding: [{ system: ECS.coverageClass, code: 'group' }] }, value: s.group, ...(s.groupName ? { name: s.groupName } : {}) });
  const replaced = new Set(classes.map((c) => c.type!.coding![0]!.code));
  const kept = (coverage.class ?? []).filter((c) => !c.type?.coding?.some((x) => x.code && replaced.has(x.code)));
  const all = [...kept, ...classes];
  return { ...coverage, ...(all.length ? { class: all } : {}) };
}

function organization(p: Party | undefined): Resource {
  const identifier = [identifierOf(p?.qualifier, p?.id), ...(p?.refs ?? []).map(refIdentifier)].filter(Boolean);
  const address = addressOf(p?.address);
  return {
    resourceType: 'Organization',
    ...(identifier.length ? { identifier } : {}),
    ...(p?.name ? { name: p.name } : {}),
    ...(address ? { address: [address] } : {}),
    ...(p?.contacts.length ? { contact: p.contacts.map(organizationContact) } : {}),
  } as Resource;
}

function humanName(p: Party): Json {
  return { family: p.name, ...(p.first || p.middle ? { given: [p.first ?? '', ...(p.middle ? [p.middle] : [])] } : {}), ...(p.suffix ? { suffix: [p.suffix] } : {}) };
}

/** A person or organization of a 2100B or 2120 loop (NM102 1 → Practitioner). */
export function party(p: Party): Resource {
  if (p.entityType !== '1') return organization(p);
  const identifier = [identifierOf(p.qualifier, p.id), ...p.refs.map(refIdentifier)].filter(Boolean);
  const address = addressOf(p.address);
  const contacts = p.contacts.map((c) => complex(X12_EXT.contact, [['function', code('366', c.function)], ['name', str(c.name)]]));
  return {
    resourceType: 'Practitioner',
    ...(contacts.length ? { extension: contacts } : {}),
    ...(identifier.length ? { identifier } : {}),
    name: [humanName(p)],
    ...(p.contacts.length ? { telecom: p.contacts.flatMap(telecomOf) } : {}),
    ...(address ? { address: [address] } : {}),
  } as Resource;
}

/** PRV as a PractitionerRole around the party: code PRV01 (X12 1221), specialty PRV03 (NUCC taxonomy when PRV02 is PXC). */
export function role(p: Party, partyRef: Reference, entityRole?: string): Resource {
  const prv = p.provider;
  const taxonomy = prv?.id ? [{ coding: [coding(prv.qualifier === 'PXC' ? 'http://nucc.org/provider-taxonomy' : X12CS('128'), prv.id)], ...(prv.qualifier ? { text: prv.qualifier } : {}) }] : [];
  return {
    resourceType: 'PractitionerRole',
    ...(p.entityType === '1' ? { practitioner: partyRef } : { organization: partyRef }),
    code: [...(entityRole ? [{ coding: [coding(X12CS('98'), entityRole)] }] : []), ...(prv ? [{ coding: [coding(X12CS('1221'), prv.code)] }] : [])],
    ...(taxonomy.length ? { specialty: taxonomy } : {}),
  } as Resource;
}

/** A member (2100C/D) as a Patient: name, member REFs of a dependent, address, DMG, INS detail, MPI. */
function patient(m: Member | undefined, withRefs: boolean): Resource {
  const p = m?.party;
  const ins = m?.ins;
  const extension = [
    ...(ins ? [complex(X12_EXT.insured, [['insured', code('1073', ins.insured)], ['relationship', code('1069', ins.relationship)], ['maintenanceType', code('875', ins.maintenanceType)], ['maintenanceReason', code('1203', ins.maintenanceReason)], ['studentStatus', code('1220', ins.studentStatus)], ['handicapped', code('1073', ins.handicapped)], ['birthSequence', str(ins.birthSequence)]])] : []),
    ...(m?.military ? [complex(X12_EXT.military, [['informationStatus', code('1201', m.military.informationStatus)], ['employmentStatus', code('584', m.military.employmentStatus)], ['affiliation', code('1595', m.military.affiliation)], ['description', str(m.military.description)], ['rank', code('1596', m.military.rank)], ['period', m.military.period?.start ? { valuePeriod: { start: m.military.period.start, end: m.military.period.end } } : undefined]])] : []),
    ...(m?.diagnoses ?? []).map((d) => ({ url: X12_EXT.diagnosis, valueCoding: coding(X12CS('1270'), d.code, d.qualifier) })),
    ...(p?.provider ? [complex(X12_EXT.provider, [['code', code('1221', p.provider.code)], ['qualifier', code('128', p.provider.qualifier)], ['id', str(p.provider.id)]])] : []),
  ];
  const identifier = [...(withRefs ? [identifierOf(p?.qualifier, p?.id)] : []), ...(withRefs ? (p?.refs ?? []).map(refIdentifier) : [])].filter(Boolean);
  const address = addressOf(p?.address);
  return {
    resourceType: 'Patient',
    ...(extension.length ? { extension } : {}),
    ...(identifier.length ? { identifier } : {}),
    ...(p?.name ? { name: [humanName(p)] } : {}),
    ...(m?.gender && X12_TO_GENDER[m.gender] ? { gender: X12_TO_GENDER[m.gender] } : {}),
    ...(m?.birthDate ? { birthDate: m.birthDate } : {}),
    ...(address ? { address: [address] } : {}),
  } as Resource;
}

/** INS02 individual relationship code (element 1069) → subscriber-relationship. */
const INS02_TO_RELATIONSHIP: Record<string, string> = { '18': 'self', '01': 'spouse', '19': 'child', '53': 'common', '34': 'other', G8: 'other' };

function relationship(m: Member | undefined, dependent: boolean): Json {
  const x12 = m?.ins?.relationship ?? (dependent ? undefined : '18');
  const fhir = x12 ? (INS02_TO_RELATIONSHIP[x12] ?? 'other') : undefined;
  return fhir ? { coding: [coding('http://terminology.hl7.org/CodeSystem/subscriber-relationship', fhir), ...(x12 && m?.ins ? [coding(X12CS('1069'), x12)] : [])] } : { coding: [] };
}

export interface ResponseParties {
  entries: BundleEntry[];
  patient: Reference;
  insurer: Reference;
  requestor?: Reference;
  coverage?: Reference;
  /** Adds a resource built from the 271 (a benefit related entity), returning its reference. */
  add(resource: Resource): Reference;
}

/** Member REFs that are plan or group numbers go to Coverage.class; the others to Coverage.identifier. */
const isClassRef = (q: string) => (PLAN_REF as readonly string[]).includes(q) || (GROUP_REF as readonly string[]).includes(q);

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

  const { subscriber, dependent } = parsed;
  const member = dependent ?? subscriber;
  // A receiver-level rejection names no member: the patient is then absent, not an empty Patient.
  const patientRef = refs.patient || member ? echo(refs.patient, () => patient(member, Boolean(dependent))) : ({ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] } as Reference);
  // The insurer as the payer describes itself (2100A), its contacts added to an echoed one.
  const insurerRef = echo(refs.insurer, () => organization(parsed.source), (o) =>
    refs.insurer && parsed.source?.contacts.length ? ({ ...o, contact: [...((o as Json).contact ?? []), ...parsed.source.contacts.map(organizationContact)] } as Resource) : o,
  );
  let requestor: Reference | undefined;
  if (refs.provider) requestor = echo(refs.provider, () => organization(parsed.receiver));
  else if (parsed.receiver) {
    const who = add(party(parsed.receiver));
    requestor = parsed.receiver.provider ? add(role(parsed.receiver, who)) : who;
  }
  const subscriberRef = dependent && subscriber ? add(patient(subscriber, false)) : patientRef;
  const memberId = subscriber?.party?.id;
  const coverage =
    refs.coverage || memberId || subscriber
      ? echo(
          refs.coverage as Located | undefined,
          () => ({
            resourceType: 'Coverage',
            status: 'active',
            ...(memberId ? { subscriberId: memberId } : {}),
            subscriber: subscriberRef,
            beneficiary: patientRef,
            relationship: relationship(dependent ?? subscriber, Boolean(dependent)),
            payor: [insurerRef],
          }) as Resource,
          (c) => {
            const classed = withClasses(c as Coverage, summary) as Json;
            const other = (subscriber?.refs ?? []).filter((r) => !isClassRef(r.qualifier)).map(refIdentifier);
            const dates = [...(subscriber?.dates ?? []), ...(dependent?.dates ?? [])].map(dateExt);
            return {
              ...classed,
              ...(dates.length ? { extension: [...(classed.extension ?? []), ...dates] } : {}),
              ...(other.length ? { identifier: [...(classed.identifier ?? []), ...other] } : {}),
            } as Resource;
          },
        )
      : undefined;
  return { entries, patient: patientRef, insurer: insurerRef, ...(requestor ? { requestor } : {}), ...(coverage ? { coverage } : {}), add: (r) => add(r) };
}

export type { Bundle };
