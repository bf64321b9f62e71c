/**
 * 271 body → Bundle with the CoverageEligibilityResponse first, then the resources it references
 * (the request's, echoed; or built from the 271 when there is no request). Also the answers the
 * gateway gives itself: queued (the payer has not answered yet) and error (the payer refused the
 * interchange, or it could not be delivered). Pure: clock and ids come in through `ctx`.
 */
import type { Segment } from '../../x12/types.ts';
import type { Bundle, Reference, Resource } from '../fhir-types.ts';
import { BundleIndex } from '../bundle-index.ts';
import { ECS } from './codes/members.ts';
import { benefitItems } from './fhir-benefits.ts';
import { responseErrors } from './fhir-errors.ts';
import { party, requestRefs, responseParties, role } from './fhir-parties.ts';
import { parse271All, patientOf, type Entity, type Member, type Parsed271 } from './parse-271.ts';
import { code, complex, X12_EXT } from './x12-extensions.ts';
import { EXT } from '../codes/systems.ts';
import { fhirDate } from '../x12-util.ts';
import { coveragePeriod, coverageStatus, summarize271, type EligibilitySummary } from './summary.ts';

export interface EligibilityResponseContext {
  /** The CoverageEligibilityRequest Bundle the 271 answers. */
  request?: Bundle;
  now: Date;
  ids: () => string;
  /** Our 270's 2000C/D TRN02: picks the member of a multi-member 271 that answers it. */
  trace?: string;
}

type Json = Record<string, any>;

/** The parts of the request the response repeats: purpose, serviced date, the request reference. */
function fromRequest(request: Bundle | undefined): Json {
  const first = request?.entry?.[0];
  const cer = first?.resource as Json | undefined;
  if (cer?.resourceType !== 'CoverageEligibilityRequest') return { purpose: ['validation'] };
  const reference = first?.fullUrl ?? (cer.id ? `CoverageEligibilityRequest/${cer.id}` : undefined);
  const identifier = (cer.identifier as Json[] | undefined)?.[0];
  return {
    purpose: Array.isArray(cer.purpose) && cer.purpose.length ? cer.purpose : ['validation'],
    ...(cer.servicedDate ? { servicedDate: cer.servicedDate } : cer.servicedPeriod ? { servicedPeriod: cer.servicedPeriod } : {}),
    request: { ...(reference ? { reference } : {}), ...(identifier ? { identifier } : {}) },
  };
}

function disposition(status: string, parsed: Parsed271): string {
  if (status === 'error') return 'The payer could not process the eligibility inquiry; see error';
  if (status === 'active') return 'Coverage is active';
  if (status === 'inactive') return 'Coverage is not active';
  return parsed.rejections.length ? 'The payer answered with errors; see error' : 'The payer did not state whether coverage is active';
}

function bundleOf(ctx: EligibilityResponseContext, responses: Resource[], rest: { fullUrl?: string; resource?: Resource }[], reference?: string): Bundle {
  return {
    resourceType: 'Bundle',
    id: ctx.ids(),
    ...(ctx.request?.identifier ? { identifier: ctx.request.identifier } : reference ? { identifier: { system: 'urn:x12:bht03', value: reference } } : {}),
    type: 'collection',
    timestamp: ctx.now.toISOString(),
    entry: [...responses.map((r) => ({ fullUrl: `urn:uuid:${r.id}`, resource: r })), ...rest],
  };
}

/** An X12 trace (TRN) as an Identifier: system `urn:trnorg:<TRN03>`, TRN04 in PAS identifierSubDepartment. */
function traceIdentifier(t: Member['traces'][number]): Json {
  return {
    ...(t.subDepartment ? { extension: [{ url: EXT.identifierSubDepartment, valueString: t.subDepartment }] } : {}),
    system: `urn:trnorg:${t.originator}`,
    value: t.value,
  };
}

/** One member's answer: the CoverageEligibilityResponse, its resources and the summary. */
function responseOf(parsed: Parsed271, ctx: EligibilityResponseContext): { response: Resource; entries: { fullUrl?: string; resource?: Resource }[]; summary: EligibilitySummary } {
  const index = ctx.request ? new BundleIndex(ctx.request) : undefined;
  const refs = requestRefs(index);
  const cer = index?.entries[0]?.resource as Json | undefined;
  const requested = (cer?.item as Json[] | undefined)?.find((i) => i.category)?.category?.coding?.find((c: Json) => c.system === ECS.serviceType)?.code;
  const summary = summarize271(parsed, requested);
  const parties = responseParties(refs, parsed, summary, ctx.ids);
  const member = patientOf(parsed);
  const inforce = coverageStatus(member);
  const period = coveragePeriod(member);
  // A 2120C/D entity as a PractitionerRole (its NM101 role, PRV specialty) around a Practitioner or Organization; each once.
  const entities = new Map<object, { reference: string }>();
  const entity = (e: Entity) => {
    let ref = entities.get(e);
    if (!ref) {
      const who = parties.add(party(e));
      ref = parties.add(role(e, who, e.entity)) as { reference: string };
      entities.set(e, ref);
    }
    return ref;
  };
  const items = benefitItems(member?.benefits ?? [], entity);
  const errors = responseErrors(parsed, refs, (cer?.item as Json[] | undefined) ?? []);
  const payerTraces = (member?.traces ?? []).filter((t) => t.type === '1' && t.value);
  const echoed = (member?.traces ?? []).find((t) => t.type === '2' && t.value);
  const insurance =
    inforce !== undefined || items.length
      ? [{
          coverage: parties.coverage ?? ({ display: 'coverage' } as Reference),
          ...(inforce !== undefined ? { inforce: inforce === 'active' } : {}),
          ...(period ? { benefitPeriod: period } : {}),
          ...(items.length ? { item: items } : {}),
        }]
      : [];
  const transaction = complex(X12_EXT.transaction, [
    ['purpose', code('353', parsed.purpose)],
    ['date', parsed.date ? { valueDate: fhirDate(parsed.date) } : undefined],
    ['time', parsed.time ? { valueTime: `${parsed.time.slice(0, 2)}:${parsed.time.slice(2, 4)}:${parsed.time.length >= 6 ? parsed.time.slice(4, 6) : '00'}` } : undefined],
  ]);
  const response: Resource = {
    resourceType: 'CoverageEligibilityResponse',
    id: ctx.ids(),
    extension: [transaction as never],
    ...(payerTraces.length ? { identifier: payerTraces.map(traceIdentifier) } : {}),
    status: 'active',
    ...fromRequest(ctx.request),
    patient: parties.patient,
    created: ctx.now.toISOString(),
    ...(parties.requestor ? { requestor: parties.requestor } : {}),
    outcome: errors.length ? 'error' : 'complete',
    disposition: disposition(summary.status, parsed),
    insurer: parties.insurer,
    ...(insurance.length ? { insurance } : {}),
    ...(errors.length ? { error: errors } : {}),
  };
  // Without a request to point at: our own trace echoed (TRN*2), else the BHT03 reference.
  if (!(response as Json).request) {
    (response as Json).request = { identifier: echoed ? traceIdentifier(echoed) : { system: 'urn:x12:bht03', value: parsed.reference } };
  }
  return { response, entries: parties.entries, summary };
}

/** The member of a multi-member 271 that answers our trace, else the first. */
function chosen(all: Parsed271[], trace: string | undefined): Parsed271 {
  const answers = (p: Parsed271) => (patientOf(p)?.traces ?? []).some((t) => t.type === '2' && t.value === trace);
  return (trace ? all.find(answers) : undefined) ?? all[0]!;
}

/**
 * @example
 * const { bundle, summary } = eligibility271ToFhir(body, { request, now: new Date(), ids: randomUUID });
 * bundle.entry[0].resource.insurance[0].inforce // true for active coverage
 */
export function eligibility271ToFhir(body: Segment[], ctx: EligibilityResponseContext): { bundle: Bundle; summary: EligibilitySummary } {
  const parsed = chosen(parse271All(body), ctx.trace);
  const { response, entries, summary } = responseOf(parsed, ctx);
  return { bundle: bundleOf(ctx, [response], entries, parsed.reference), summary };
}

/**
 * Every member a 271 answers (a batch 271 carries many subscribers): one Bundle, a
 * CoverageEligibilityResponse per member first, then the resources they reference.
 */
export function eligibility271ToFhirAll(body: Segment[], ctx: EligibilityResponseContext): Bundle {
  const all = parse271All(body).map((p) => responseOf(p, ctx));
  return bundleOf(ctx, all.map((a) => a.response), all.flatMap((a) => a.entries), parse271All(body)[0]?.reference);
}

/**
 * The gateway's own answer when no 271 came back: `queued` (not answered yet) or `error` (the
 * payer refused the interchange with a 999/TA1, or delivery failed). Never an "inactive".
 */
export function eligibilityOutcomeBundle(
  ctx: EligibilityResponseContext,
  outcome: { kind: 'queued' | 'error'; reason: string; code?: string; system?: string; errors?: Record<string, unknown>[] },
): Bundle {
  const index = ctx.request ? new BundleIndex(ctx.request) : undefined;
  const refs = requestRefs(index);
  const ref = (hit: { resource: Resource; fullUrl?: string } | undefined): Reference =>
    hit ? { reference: hit.fullUrl ?? `${hit.resource.resourceType}/${hit.resource.id}` } : { display: 'unknown' };
  const response: Resource = {
    resourceType: 'CoverageEligibilityResponse',
    id: ctx.ids(),
    status: 'active',
    ...fromRequest(ctx.request),
    patient: ref(refs.patient),
    created: ctx.now.toISOString(),
    ...(refs.provider ? { requestor: ref(refs.provider) } : {}),
    outcome: outcome.kind,
    disposition: outcome.reason,
    insurer: ref(refs.insurer),
    ...(outcome.kind === 'error'
      ? { error: outcome.errors?.length ? outcome.errors : [{ code: { coding: [{ system: outcome.system ?? 'https://codesystem.x12.org/005010/999', code: outcome.code ?? 'delivery' }], text: outcome.reason } }] }
      : {}),
  };
  return bundleOf(ctx, [response], []);
}
