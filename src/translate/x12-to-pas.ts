/**
 * Body of a 005010X217 278 response (BHT02 11) → PAS response Bundle: ClaimResponse first (PAS
 * spec-30), then the resources it references. Pure: clock and ids come in through `ctx`.
 */
import type { Segment } from '../x12/types.ts';
import type { Bundle, BundleEntry, Claim, ClaimItem, Reference, Resource } from './fhir-types.ts';
import { BundleIndex, codeOf, ext } from './bundle-index.ts';
import { REVIEW_ACTION, UNDECIDED } from './codes/review.ts';
import { CS, EXT, PROFILE } from './codes/systems.ts';
import { claimTrace, itemsToSend, itemTrace } from './request/claim-info.ts';
import { authorizedPeriod, combine } from './response/decision.ts';
import { adjudication, addItem, responseItem, type Json } from './response/items.ts';
import { parseResponse, traceValues, type Level, type ParsedResponse } from './response/parse.ts';
import { ResponseParties } from './response/parties.ts';
import { el } from './x12-util.ts';
import { responseErrors, type RequestView } from './response/rejections.ts';

export interface ResponseContext {
  /** The PAS request Bundle this 278 answers: gives item sequences, references and echoed resources. */
  request?: Bundle;
  now: Date;
  ids: () => string;
}

const ABSENT: Reference = { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };

/** 2000F loops ↔ the Claim items sent in the request: by TRN item trace, else in order when counts agree. */
function matchServices(services: Level[], sent: ClaimItem[], trace: string | undefined): Map<string, ClaimItem> {
  const matched = new Map<string, ClaimItem>();
  const used = new Set<ClaimItem>();
  for (const s of services) {
    const values = traceValues(s);
    const item = sent.find((i) => !used.has(i) && values.includes(itemTrace(i, trace)));
    if (item) {
      matched.set(s.hlId, item);
      used.add(item);
    }
  }
  const restServices = services.filter((s) => !matched.has(s.hlId));
  const restItems = sent.filter((i) => !used.has(i));
  if (restServices.length > 0 && restServices.length === restItems.length) {
    restServices.forEach((s, k) => matched.set(s.hlId, restItems[k] as ClaimItem));
  }
  return matched;
}

/**
 * ClaimResponse.outcome (PAS ClaimResponseOutcome: complete | error | partial): error when any AAA
 * came back; partial when some lines are decided and others still pended; complete otherwise —
 * including an all-pended answer, as the IG's pended example shows.
 */
function outcomeOf(parsed: ParsedResponse, codes: string[]): 'complete' | 'error' | 'partial' {
  if (parsed.rejections.length > 0) return 'error';
  const pended = codes.filter((c) => UNDECIDED.has(c)).length;
  return pended > 0 && pended < codes.length ? 'partial' : 'complete';
}

function claimTypeOf(claim: Claim | undefined, parsed: ParsedResponse): unknown {
  if (claim?.type) return claim.type;
  const tags = new Set(parsed.services.flatMap((s) => (s.service ? [s.service.tag] : [])));
  const code = tags.has('SV2') ? 'institutional' : tags.has('SV3') ? 'oral' : 'professional';
  return { coding: [{ system: CS.claimType, code }] };
}

/**
 * ClaimResponse.item / addItem from the 2000F loops: a line answering a sent Claim item echoes its
 * sequence (PAS spec-34); a line answering nothing the request asked becomes addItem.
 */
function answerLines(
  parsed: ParsedResponse,
  claim: Claim | undefined,
  sent: ClaimItem[],
  matched: Map<string, ClaimItem>,
  parties: ResponseParties,
  noteNumbers: (level: Level | undefined) => number[],
): { items: Json[]; added: Json[] } {
  const event = parsed.event;
  const items: Json[] = [];
  const added: Json[] = [];
  let nextNew = Math.max(0, ...(claim?.item ?? []).map((i) => i.sequence)) + 1;
  parsed.services.forEach((level, k) => {
    const item = matched.get(level.hlId);
    const numbers = noteNumbers(level);
    if (claim && !item) {
      const extra = addItem(level, nextNew++, parties);
      if (extra) added.push(extra);
      return;
    }
    const sequence = item?.sequence ?? k + 1;
    const traceIdentifier = item ? ext(item, EXT.itemTraceNumber)?.valueIdentifier : undefined;
    const modified = level.review?.code === 'A6';
    const out = responseItem({ level, sequence, ...(traceIdentifier ? { traceIdentifier } : {}), ...(event ? { event } : {}), noteNumbers: numbers }, parties, !modified);
    if (out) items.push(out);
    // PAS spec-36/37: a modified line is answered A6 on the item, with what was authorized in addItem.
    if (modified) {
      const detail = addItem(level, sequence, parties);
      if (detail) added.push(detail);
    }
  });
  // Sent lines the UMO did not answer one by one share the event-level outcome.
  const answered = new Set(matched.values());
  for (const item of sent.filter((i) => !answered.has(i))) {
    const level: Level = { hlId: '', traces: [], refs: {}, dates: [], messages: [], providers: [] };
    const out = event?.review ? responseItem({ level, sequence: item.sequence, ...(event ? { event } : {}), noteNumbers: [] }, parties, false) : undefined;
    if (out) items.push(out);
  }
  items.sort((a, b) => (a['itemSequence'] as number) - (b['itemSequence'] as number));

  return { items, added };
}

/**
 * @example
 * const bundle = x12ResponseToPas(segments, { request, now: new Date(), ids: () => randomUUID() });
 * const claimResponse = bundle.entry[0].resource; // outcome, item[].adjudication reviewAction, error[]
 */
export function x12ResponseToPas(segments: Segment[], ctx: ResponseContext): Bundle {
  const parsed = parseResponse(segments);
  const index = ctx.request ? new BundleIndex(ctx.request) : undefined;
  const first = index?.entries[0];
  const claim = first?.resource.resourceType === 'Claim' ? (first.resource as Claim) : undefined;
  const parties = new ResponseParties(index, ctx.ids);
  const event = parsed.event;
  const trace = claim && ctx.request ? claimTrace(claim, ctx.request) : undefined;
  const sent = claim ? itemsToSend(claim) : [];
  const matched = matchServices(parsed.services, sent, trace);

  // MSG → processNote, numbered in order; lines point at theirs with noteNumber.
  const notes: Json[] = [];
  const noteNumbers = (level: Level | undefined): number[] =>
    (level?.messages ?? []).map((text) => {
      notes.push({ number: notes.length + 1, type: 'display', text });
      return notes.length;
    });
  noteNumbers(event);

  const { items, added } = answerLines(parsed, claim, sent, matched, parties, noteNumbers);

  const itemCodes = items.map((i) => reviewCodeOf(i)).filter((c): c is string => Boolean(c));
  const overall = event?.review?.code ?? combine(itemCodes);
  const view: RequestView | undefined =
    index && claim
      ? { index, claim, itemIndexByHl: new Map([...matched].map(([hl, item]) => [hl, (claim.item ?? []).indexOf(item)])) }
      : undefined;
  const patientLoop = parsed.parties['23'] ?? parsed.parties['22'];
  const ref = (r: Reference | undefined, fallback: () => Reference): Reference => {
    const hit = index?.resolve(r);
    return hit ? { reference: parties.echo(hit) } : fallback();
  };
  const eventTrace = event?.traces.find((t) => t.type === '2') ?? event?.traces[0];
  // The IG examples answer with the Claim's own identifier; without an echoed TRN, the Claim's is still ours.
  const claimIds = (claim?.identifier ?? []).filter((i) => i.value);
  const echoed = eventTrace ? claimIds.filter((i) => i.value === eventTrace.value) : claimIds;
  const payerTraces = (event?.traces ?? []).filter((t) => t.type === '1').map((t) => ({ system: `urn:trnorg:${t.originator}`, value: t.value }));
  const identifier = [
    ...(echoed.length ? echoed : eventTrace?.type === '2' ? [{ system: `urn:trnorg:${eventTrace.originator}`, value: eventTrace.value }] : []),
    ...payerTraces,
  ];
  const preAuthRef = event?.review?.number ?? event?.refs['BB'];
  const preAuthPeriod = authorizedPeriod(event);
  const errors = responseErrors(parsed.rejections, view);
  const eventProviders = (event?.providers ?? []).map((p) => ({
    url: EXT.itemAuthorizedProvider,
    extension: [
      { url: 'provider', valueReference: { reference: parties.fromName(p, 'provider') } },
      { url: EXT.authorizedProviderType, valueCodeableConcept: { coding: [{ system: CS.entityIdentifier, code: el(p.nm1, 1) }] } },
    ],
  }));

  const id = ctx.ids();
  const claimResponse: Resource = {
    resourceType: 'ClaimResponse',
    id,
    meta: { profile: [PROFILE.claimResponse] },
    ...(eventProviders.length ? { extension: eventProviders } : {}),
    ...(identifier.length ? { identifier } : {}),
    status: 'active',
    type: claimTypeOf(claim, parsed),
    use: 'preauthorization',
    patient: ref(claim?.patient, () => (patientLoop ? { reference: parties.fromName(patientLoop, 'patient') } : ABSENT)),
    created: ctx.now.toISOString(),
    insurer: ref(claim?.insurer, () => (parsed.parties['20'] ? { reference: parties.fromName(parsed.parties['20'], 'insurer') } : ABSENT)),
    requestor: ref(claim?.provider, () => (parsed.parties['21'] ? { reference: parties.fromName(parsed.parties['21'], 'provider') } : ABSENT)),
    request: first && claim ? { reference: index!.referenceTo(first) } : eventTrace ? { identifier: { system: `urn:trnorg:${eventTrace.originator}`, value: eventTrace.value } } : ABSENT,
    outcome: outcomeOf(parsed, itemCodes.length ? itemCodes : overall ? [overall] : []),
    ...(overall && REVIEW_ACTION[overall] ? { disposition: REVIEW_ACTION[overall] } : {}),
    ...(preAuthRef ? { preAuthRef } : {}),
    ...(preAuthPeriod ? { preAuthPeriod } : {}),
    ...(items.length ? { item: items } : {}),
    ...(added.length ? { addItem: added } : {}),
    ...(event?.review ? { adjudication: adjudication(event.review, event.refs['BB']) } : {}),
    ...(notes.length ? { processNote: notes } : {}),
    ...(errors.length ? { error: errors } : {}),
  };
  const entry: BundleEntry[] = [{ fullUrl: `urn:uuid:${id}`, resource: claimResponse }, ...parties.entries];
  return {
    resourceType: 'Bundle',
    id: ctx.ids(),
    meta: { profile: [PROFILE.responseBundle] },
    identifier: ctx.request?.identifier ?? { value: parsed.reference },
    type: 'collection',
    timestamp: ctx.now.toISOString(),
    entry,
  };
}

/** The reviewActionCode of a ClaimResponse item built above. */
export function reviewCodeOf(item: Json): string | undefined {
  const adj = (item['adjudication'] as { extension?: { extension?: { url: string; valueCodeableConcept?: { coding?: { code?: string }[] } }[] }[] }[])[0];
  const action = adj?.extension?.[0]?.extension?.find((e) => e.url === EXT.reviewActionCode);
  return codeOf(action?.valueCodeableConcept);
}
