/**
 * A CoverageEligibilityRequest Bundle (CoverageEligibilityRequest first, with its Patient,
 * Coverage, insurer and provider) → the EligibilityInquiry a 270 needs, with every problem as an
 * OperationOutcome issue whose expression names the element (`Bundle.entry[2].resource.subscriberId`).
 * Pure. Requests with error issues yield no inquiry.
 */
import type { OutcomeIssue } from '../../fhir/outcome.ts';
import { BundleIndex, codeOf, type Located } from '../bundle-index.ts';
import { isObject, objectsOf, textOf } from '../json-guards.ts';
import type { Coverage, HumanName, Identifier } from '../fhir-types.ts';
import { ECS, GENDER_TO_DMG, PURPOSES, RELATIONSHIP_TO_INS02, SELF_RELATIONSHIPS } from './codes/members.ts';
import { isServiceType } from './codes/service-types.ts';
import type { EligibilityInquiry, PersonName } from './inquiry.ts';
import { personName, providerParty } from './request-parties.ts';

type Json = Record<string, any>;

export interface EligibilityRequestRead {
  inquiry?: EligibilityInquiry;
  issues: OutcomeIssue[];
  /** The request identifier (CoverageEligibilityRequest.identifier, else Bundle.identifier): the idempotency key. */
  identifier?: { system?: string; value: string };
  /** The insurer Organization's identifier values (payer routing). */
  insurerIds: string[];
}

const CER = 'Bundle.entry[0].resource';
const DATE = /^\d{4}-\d{2}-\d{2}/;
const at = (hit: Located, element = '') => `Bundle.entry[${hit.index}].resource${element}`;

export class Issues {
  readonly list: OutcomeIssue[] = [];
  error(code: string, diagnostics: string, expression: string) {
    this.list.push({ severity: 'error', code, diagnostics, expression: [expression] });
  }
  warning(diagnostics: string, expression: string) {
    this.list.push({ severity: 'warning', code: 'incomplete', diagnostics, expression: [expression] });
  }
  get failed() {
    return this.list.some((i) => i.severity === 'error');
  }
}

function memberIdOf(c: Coverage): string | undefined {
  if (typeof c.subscriberId === 'string' && c.subscriberId) return c.subscriberId;
  return textOf(objectsOf(c.identifier).find((i) => objectsOf(isObject(i.type) ? i.type.coding : undefined).some((x) => x.code === 'MB'))?.value);
}

function serviceTypes(cer: Json, issues: Issues): string[] {
  const out: string[] = [];
  (Array.isArray(cer.item) ? (cer.item as unknown[]) : []).forEach((raw, k) => {
    const item = isObject(raw) ? raw : undefined;
    const codings = objectsOf(isObject(item?.category) ? item.category.coding : undefined) as { system?: string; code?: string }[];
    if (!item?.category) {
      if (item?.productOrService) issues.warning('items without a category are not sent: the 270 asks by service type', `${CER}.item[${k}].category`);
      return;
    }
    const code = textOf(codings.find((c) => c.system === ECS.serviceType)?.code) ?? textOf(codings.find((c) => typeof c.code === 'string' && isServiceType(c.code))?.code);
    if (!code || !isServiceType(code)) issues.error('code-invalid', 'the category is not an X12 service type code (https://codesystem.x12.org/005010/1365)', `${CER}.item[${k}].category`);
    else out.push(code);
  });
  return out;
}

function serviceDate(cer: Json, issues: Issues): { start: string; end?: string } | undefined {
  const period = isObject(cer.servicedPeriod) ? cer.servicedPeriod : undefined;
  const start = cer.servicedDate ?? period?.start;
  if (typeof start !== 'string' || !DATE.test(start)) {
    issues.error('required', 'servicedDate (or servicedPeriod.start) is required as a date', `${CER}.servicedDate`);
    return undefined;
  }
  const end = period?.end;
  return { start, ...(typeof end === 'string' && DATE.test(end) ? { end } : {}) };
}

function person(hit: Located, issues: Issues, requireName: boolean): { name?: PersonName; birthDate?: string; gender?: string } {
  const r = hit.resource;
  const name = personName(r.name as HumanName[] | undefined);
  if (!name && requireName) issues.error('required', 'a family name is required (2100C/D NM103)', at(hit, '.name'));
  if (r.birthDate !== undefined && (typeof r.birthDate !== 'string' || !DATE.test(r.birthDate))) issues.error('value', 'birthDate is not a date', at(hit, '.birthDate'));
  return {
    ...(name ? { name } : {}),
    ...(typeof r.birthDate === 'string' && DATE.test(r.birthDate) ? { birthDate: r.birthDate } : {}),
    ...(typeof r.gender === 'string' && Object.hasOwn(GENDER_TO_DMG, r.gender) ? { gender: GENDER_TO_DMG[r.gender] } : {}),
  };
}

function firstResource(bundle: unknown, issues: Issues): { index: BundleIndex; cer: Json } | undefined {
  const b = bundle as Json;
  if (b?.resourceType !== 'Bundle') {
    issues.error('invalid', 'the body is not a FHIR Bundle', 'Bundle');
    return undefined;
  }
  const first = Array.isArray(b.entry) && isObject(b.entry[0]) ? b.entry[0] : undefined;
  const cer = isObject(first?.resource) ? first.resource : undefined;
  if (cer?.resourceType !== 'CoverageEligibilityRequest') {
    issues.error('invalid', 'the first Bundle entry must be a CoverageEligibilityRequest', CER);
    return undefined;
  }
  return { index: new BundleIndex(b as never), cer };
}

export function readEligibilityRequest(bundle: unknown): EligibilityRequestRead {
  const issues = new Issues();
  const first = firstResource(bundle, issues);
  if (!first) return { issues: issues.list, insurerIds: [] };
  const { index, cer } = first;
  const bid = isObject((bundle as Json).identifier) ? ((bundle as Json).identifier as Identifier) : undefined;
  const cid = (objectsOf(cer.identifier) as Identifier[]).find((i) => typeof i.value === 'string' && i.value);
  const found = cid?.value ? cid : typeof bid?.value === 'string' && bid.value ? bid : undefined;
  const identifier = found?.value ? { ...(typeof found.system === 'string' && found.system ? { system: found.system } : {}), value: found.value } : undefined;
  if (!identifier) issues.error('required', 'CoverageEligibilityRequest.identifier or Bundle.identifier is required (it makes resubmission safe)', 'Bundle.identifier');
  if (cer.status !== 'active') issues.error(cer.status ? 'value' : 'required', 'status must be active', `${CER}.status`);
  const purposes = Array.isArray(cer.purpose) ? (cer.purpose as unknown[]) : [];
  if (purposes.length === 0) issues.error('required', 'purpose is required (benefits, validation, auth-requirements or discovery)', `${CER}.purpose`);
  purposes.forEach((p, k) => !PURPOSES.has(p as string) && issues.error('code-invalid', 'unknown purpose code', `${CER}.purpose[${k}]`));

  const patient = index.resolve(cer.patient);
  if (patient?.resource.resourceType !== 'Patient') issues.error('required', 'patient must reference a Patient in the Bundle', `${CER}.patient`);
  const insurer = index.resolve(cer.insurer);
  if (insurer?.resource.resourceType !== 'Organization') issues.error('required', 'insurer must reference an Organization in the Bundle', `${CER}.insurer`);
  const provider = providerParty(index, cer.provider, `${CER}.provider`, issues);
  const dates = serviceDate(cer, issues);
  const types = serviceTypes(cer, issues);

  const insurance = Array.isArray(cer.insurance) ? (cer.insurance as unknown[]).map((i) => (isObject(i) ? i : {})) : [];
  const k = Math.max(0, insurance.findIndex((i) => i.focal === true));
  const coverage = index.resolve<Coverage>(insurance[k]?.coverage);
  let memberId: string | undefined;
  if (coverage?.resource.resourceType !== 'Coverage') {
    issues.error('required', 'insurance.coverage must reference a Coverage in the Bundle', `${CER}.insurance[${k}].coverage`);
  } else {
    memberId = memberIdOf(coverage.resource);
    if (!memberId) issues.error('required', 'the Coverage has no member id (subscriberId)', at(coverage, '.subscriberId'));
    else if (memberId.length > 80) issues.error('value', 'the member id is longer than 80 characters (NM109)', at(coverage, '.subscriberId'));
  }
  const patientFacts = patient?.resource.resourceType === 'Patient' ? person(patient, issues, true) : {};
  const relationship = codeOf(coverage?.resource.relationship);
  const isDependent = relationship !== undefined && !SELF_RELATIONSHIPS.has(relationship);
  const subscriberHit = isDependent ? index.resolve(coverage?.resource.subscriber) : undefined;
  const subscriberFacts = subscriberHit ? person(subscriberHit, issues, false) : isDependent ? {} : patientFacts;
  if (patientFacts.name && !patientFacts.birthDate && patient) issues.warning('no birthDate: payers match members by id, name and date of birth', at(patient, '.birthDate'));
  const insurerIds = objectsOf(insurer?.resource.identifier).map((i) => textOf(i.value) ?? '').filter(Boolean);
  // Identifiers travel whole: one longer than its X12 element is refused here, not cut or sent.
  if (insurer && (insurerIds[0]?.length ?? 0) > 80) issues.error('value', 'the insurer identifier is longer than 80 characters (2100A NM109)', at(insurer, '.identifier'));
  const classes = (Array.isArray(coverage?.resource.class) ? (coverage.resource.class as unknown[]) : []).map((c) => (isObject(c) ? c : {}));
  const groupIndex = classes.findIndex((c) => codeOf(c.type) === 'group');
  const groupValue = groupIndex >= 0 ? textOf(classes[groupIndex]!.value) : undefined;
  if (coverage && groupIndex >= 0 && (groupValue?.length ?? 0) > 50) {
    issues.error('value', 'the group number is longer than 50 characters (2100C REF02)', at(coverage, `.class[${groupIndex}].value`));
  }
  if (issues.failed || !patient || !insurer || !provider || !dates || !memberId || !identifier) return { issues: issues.list, insurerIds, ...(identifier ? { identifier } : {}) };

  const group = groupValue;
  const insurerName = typeof insurer.resource.name === 'string' ? insurer.resource.name : undefined;
  const inquiry: EligibilityInquiry = {
    source: { ...(insurerName ? { name: insurerName } : {}), qualifier: 'PI', id: insurerIds[0] ?? '' },
    receiver: provider,
    subscriber: { memberId, ...subscriberFacts, ...(group ? { groupNumber: group } : {}) },
    ...(isDependent
      ? { dependent: { name: patientFacts.name!, ...(patientFacts.birthDate ? { birthDate: patientFacts.birthDate } : {}), ...(patientFacts.gender ? { gender: patientFacts.gender } : {}), ...(RELATIONSHIP_TO_INS02[relationship!] ? { relationship: RELATIONSHIP_TO_INS02[relationship!] } : {}) } }
      : {}),
    serviceDate: dates,
    serviceTypes: types,
  };
  return { inquiry, issues: issues.list, identifier, insurerIds };
}
