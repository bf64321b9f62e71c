/**
 * 2000A UMO, 2000B requester, 2000C subscriber and 2000D dependent of the 278 request (the loop
 * bodies; HL segments are added by the caller).
 */
import type { Segment } from '../../x12/types.ts';
import type { Coverage, Resource } from '../fhir-types.ts';
import { codeOf, ext } from '../bundle-index.ts';
import { DEPENDENT_INSURED, GENDER_TO_X12, RELATIONSHIP_TO_X12, SUBSCRIBER_INS } from '../codes/demographics.ts';
import { MEMBER_ID_QUALIFIER, MEMBER_ID_TYPE, NM108_PREFERENCE } from '../codes/identifiers.ts';
import { CS, EXT } from '../codes/systems.ts';
import { fit, TranslateError } from '../errors.ts';
import { d8, seg } from '../x12-util.ts';
import type { RequestContext } from './context.ts';
import { addressSegments, idFor, nameOf, nm1, perSegment, prvSegment, resolveProvider } from './parties.ts';

export interface PayerOverride {
  id: string;
  name?: string;
  /** NM108 for the payer id; PI (payor identification) when absent. */
  idQualifier?: string;
}

/** 2010A: NM1*X3 from Claim.insurer; a configured payer id/name wins over the Organization's. */
export function umoLoop(ctx: RequestContext, payer: PayerOverride | undefined): Segment[] {
  const where = `${ctx.claimPath}.insurer`;
  const insurer = ctx.index.resolve(ctx.claim.insurer);
  if (!insurer && !payer) throw new TranslateError('invalid', 'Claim.insurer does not resolve to an Organization in the Bundle', where);
  const name = payer?.name ?? (insurer ? nameOf(insurer.resource).last : undefined);
  const id: [string, string] | undefined = payer
    ? [payer.idQualifier ?? 'PI', payer.id]
    : idFor(insurer?.resource.identifier, NM108_PREFERENCE.umo);
  if (!id) ctx.warn.add('missing-element', 'insurer has no identifier usable as NM108/NM109', where);
  return [nm1('X3', { entityType: '2', ...(name ? { last: name } : {}) }, id, ctx.warn, where)];
}

/** 2010B: NM1*1P from Claim.provider (Organization, Practitioner or PractitionerRole), N3/N4, PER, PRV. */
export function requesterLoop(ctx: RequestContext): Segment[] {
  const where = `${ctx.claimPath}.provider`;
  const provider = resolveProvider(ctx.index, ctx.claim.provider, ctx.warn, where);
  if (!provider) throw new TranslateError('invalid', 'Claim.provider does not resolve to a provider in the Bundle', where);
  const party = provider.party.resource;
  // NM108/NM109: the requester's own NPI or tax id, else the submitting organization's NPI.
  const id = idFor(party.identifier, NM108_PREFERENCE.provider) ?? (ctx.requesterNpi ? (['XX', ctx.requesterNpi] as [string, string]) : undefined);
  if (!id) ctx.warn.add('missing-element', 'requester has no NPI or tax id for NM108/NM109', where);
  return [
    nm1('1P', nameOf(party), id, ctx.warn, where),
    ...addressSegments(provider.location ?? party, ctx.warn, where),
    ...perSegment(provider.telecom ?? party.telecom, where),
    ...prvSegment('1P', provider.taxonomy),
  ];
}

export interface Membership {
  coverage?: Coverage;
  patient: Resource;
  /** FHIRPath of the patient / subscriber entries, for warnings. */
  patientPath: string;
  subscriber?: Resource;
  subscriberPath: string;
  /** INS02 for a dependent; undefined when the patient is the subscriber. */
  dependentRelationship?: string;
  memberId?: string;
  /** FHIRPath of the focal Coverage (member id, group number). */
  coveragePath: string;
}

/** Coverage (focal insurance) and who is subscriber and who is patient. */
export function membership(ctx: RequestContext): Membership {
  const patientHit = ctx.index.resolve(ctx.claim.patient);
  const patient = patientHit?.resource;
  if (!patientHit || !patient) throw new TranslateError('invalid', 'Claim.patient does not resolve to a Patient in the Bundle', `${ctx.claimPath}.patient`);
  const insurance = ctx.claim.insurance ?? [];
  const chosen = insurance.find((i) => i.focal) ?? insurance[0];
  const coverageHit = ctx.index.resolve<Coverage>(chosen?.coverage);
  const coverage = coverageHit?.resource;
  if (!coverage) ctx.warn.add('unresolved-reference', 'focal Claim.insurance.coverage is not in the Bundle', `${ctx.claimPath}.insurance`);
  const x12Rel = codeOf(coverage?.relationship, CS.relationship);
  const fhirRel = codeOf(coverage?.relationship, CS.subscriberRelationship);
  const relationship = x12Rel ?? (fhirRel ? RELATIONSHIP_TO_X12[fhirRel] : undefined);
  const isDependent = relationship !== undefined && relationship !== SUBSCRIBER_INS.relationship;
  const subscriberHit = isDependent ? ctx.index.resolve(coverage?.subscriber) : patientHit;
  const subscriber = subscriberHit?.resource;
  const pathOf = (index: number | undefined) => (index === undefined ? `${ctx.claimPath}.insurance` : `Bundle.entry[${index}].resource`);
  const memberId = coverage?.subscriberId ?? memberIdOf(subscriber);
  return {
    ...(coverage ? { coverage } : {}),
    patient,
    patientPath: pathOf(patientHit.index),
    ...(subscriber ? { subscriber } : {}),
    subscriberPath: pathOf(subscriberHit?.index),
    ...(isDependent ? { dependentRelationship: relationship } : {}),
    ...(memberId ? { memberId } : {}),
    coveragePath: coverageHit ? `Bundle.entry[${coverageHit.index}].resource` : `${ctx.claimPath}.insurance`,
  };
}

function memberIdOf(person: Resource | undefined): string | undefined {
  const ids = person?.identifier ?? [];
  const typed = ids.find((i) => i.type?.coding?.some((c) => c.code === MEMBER_ID_TYPE));
  return (typed ?? ids[0])?.value;
}

function demographics(person: Resource | undefined, ctx: RequestContext, where: string): Segment[] {
  if (!person) return [];
  // DMG01/DMG02 are required together in X217, so no birth date means no DMG.
  const dob = d8(person.birthDate);
  if (!dob) {
    ctx.warn.add('missing-element', 'birthDate missing: DMG not sent', `${where}.birthDate`);
    return [];
  }
  return [seg('DMG', 'D8', dob, person.gender ? GENDER_TO_X12[person.gender] : undefined)];
}

function military(person: Resource | undefined): string | undefined {
  return codeOf(ext(person, EXT.militaryStatus)?.valueCodeableConcept);
}

/** 2010C: NM1*IL, REF*6P group number, N3/N4, DMG, INS (INS08 military status, element 584). */
export function subscriberLoop(ctx: RequestContext, m: Membership): Segment[] {
  const person = m.subscriber;
  const where = m.subscriberPath;
  if (!m.memberId) ctx.warn.add('missing-element', 'no member id for NM109 (Coverage.subscriberId)', where);
  const group = fit('REF02', 50, (m.coverage?.class ?? []).find((c) => codeOf(c.type) === 'group')?.value, `${m.coveragePath}.class`);
  fit('NM109', 80, m.memberId, `${m.coveragePath}.subscriberId`);
  const mil = military(person);
  return [
    nm1('IL', person ? nameOf(person) : { entityType: '1' }, m.memberId ? [MEMBER_ID_QUALIFIER, m.memberId] : undefined, ctx.warn, where),
    ...(group ? [seg('REF', '6P', group)] : []),
    ...addressSegments(person, ctx.warn, where),
    ...(m.dependentRelationship ? [] : demographics(person, ctx, where)),
    ...(mil ? [seg('INS', SUBSCRIBER_INS.insured, SUBSCRIBER_INS.relationship, '', '', '', '', '', mil)] : []),
  ];
}

/** 2010D: NM1*QC, N3/N4, DMG, INS*N*<relationship>. */
export function dependentLoop(ctx: RequestContext, m: Membership): Segment[] {
  const where = m.patientPath;
  const mil = military(m.patient);
  return [
    nm1('QC', nameOf(m.patient), undefined, ctx.warn, where),
    ...addressSegments(m.patient, ctx.warn, where),
    ...demographics(m.patient, ctx, where),
    seg('INS', DEPENDENT_INSURED, m.dependentRelationship, '', '', '', '', '', mil),
  ];
}
