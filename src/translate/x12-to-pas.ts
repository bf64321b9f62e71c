/**
 * Body of a 005010X217 278 response (BHT02 11) → PAS response Bundle: ClaimResponse first (PAS
 * spec-30), then the resources it references. Pure: clock and ids come in through `ctx`.
 *
 * Where each X12 element goes is cited beside its mapping (here and in `response/`): nothing the
 * payer says that PAS has a home for is dropped — what was authorized (HCR, HSD, SV*, DTP), who may
 * provide it (2010EA/2010F NM1, PRV, REF, N3/N4, PER), what the payer asks for when it pends (PWK,
 * HI*LOI, REF*NT, the UMO's and the 2010EB contact's PER) and the envelope it came in (ISA/GS).
 */
import type { Segment } from '../x12/types.ts';
import type { Bundle, BundleEntry, Claim, ClaimItem, Extension, Identifier, Reference, Resource } from './fhir-types.ts';
import { BundleIndex, codeOf, ext } from './bundle-index.ts';
import { REVIEW_ACTION, UNDECIDED } from './codes/review.ts';
import { providerRefSystem } from './codes/response.ts';
import { CS, EXT, PROFILE, X12CS } from './codes/systems.ts';
import { claimTrace, itemsToSend, itemTrace } from './request/claim-info.ts';
import { additionalInformation } from './response/additional-info.ts';
import { authorizedPeriod, combine } from './response/decision.ts';
import { addItem, adjudication, authorizedProviders, diagnosesOf, responseItem, traceIdentifier, type Json } from './response/items.ts';
import { parseResponse, traceValues, type Level, type ParsedResponse } from './response/parse.ts';
import { ResponseParties } from './response/parties.ts';
import { responseErrors, type RequestView } from './response/rejections.ts';

/** ISA/GS of the interchange the 278 came in: PAS TransmissionIdentifiers. */
export interface ResponseEnvelope {
  /** GS02 application sender's code, GS03 application receiver's code. */
  applicationSender?: string;
  applicationReceiver?: string;
  /** ISA06 interchange sender id, ISA08 interchange receiver id. */
  interchangeSender?: string;
  interchangeReceiver?: string;
}

export interface ResponseContext {
  /** The PAS request Bundle this 278 answers: gives item sequences, references and echoed resources. */
  request?: Bundle;
  envelope?: ResponseEnvelope;
  now: Date;
  ids: () => string;
}

/** PAS spec-44: a response that cannot name its Claim says why (data-absent-reason). */
const ABSENT: Reference = { extension: [{ url: EXT.dataAbsentReason, valueCode: 'unknown' }] };

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

interface LineContext {
  parsed: ParsedResponse;
  claim: Claim | undefined;
  sent: ClaimItem[];
  matched: Map<string, ClaimItem>;
  parties: ResponseParties;
  noteNumbers: (level: Level | undefined) => number[];
  eventProviders: Extension[];
}

const emptyLevel = (): Level => ({ hlId: '', traces: [], refs: {}, dates: [], his: [], pwks: [], messages: [], providers: [], contacts: [] });

/**
 * ClaimResponse.item / addItem from the 2000F loops: a line answering a sent Claim item echoes its
 * sequence (PAS spec-34); a line answering nothing the request asked becomes addItem. A modified
 * answer (A6, at the line or at the event for the lines it answers) is given on the item, with what
 * was authorized in addItem (PAS spec-36/37).
 */
function answerLines(c: LineContext): { items: Json[]; added: Json[] } {
  const event = c.parsed.event;
  const diagnoses = diagnosesOf(event);
  const items: Json[] = [];
  const added: Json[] = [];
  let nextNew = Math.max(0, ...(c.claim?.item ?? []).map((i) => i.sequence)) + 1;
  const answer = (level: Level, item: ClaimItem | undefined, sequence: number, numbers: number[]) => {
    const traceIdentifier = item ? ext(item, EXT.itemTraceNumber)?.valueIdentifier : undefined;
    const modified = (level.review ?? event?.review)?.code === 'A6';
    const out = responseItem(
      { level, sequence, ...(traceIdentifier ? { traceIdentifier } : {}), ...(event ? { event } : {}), noteNumbers: numbers, ...(item ? { requestItem: item } : {}), eventProviders: c.eventProviders, diagnoses },
      c.parties,
      !modified,
    );
    if (out) items.push(out);
    if (modified) {
      const detail = addItem({ level, itemSequence: sequence, parties: c.parties, ...(item ? { requestItem: item } : {}), ...(event ? { event } : {}), ...(traceIdentifier ? { traceIdentifier } : {}) });
      if (detail) added.push(detail);
    }
  };
  c.parsed.services.forEach((level, k) => {
    const item = c.matched.get(level.hlId);
    const numbers = c.noteNumbers(level);
    if (c.claim && !item) {
      const extra = addItem({ level, itemSequence: nextNew++, parties: c.parties, ...(event ? { event } : {}) });
      if (extra) added.push(extra);
      return;
    }
    answer(level, item, item?.sequence ?? k + 1, numbers);
  });
  // Sent lines the UMO did not answer one by one share the event-level outcome (and its HSD, dates).
  const answered = new Set(c.matched.values());
  if (event?.review) for (const item of c.sent.filter((i) => !answered.has(i))) answer(emptyLevel(), item, item.sequence, []);
  items.sort((a, b) => (a['itemSequence'] as number) - (b['itemSequence'] as number));
  return { items, added };
}

/** ISA/GS → TransmissionIdentifiers (the payer's side: sender codes are the payer's). */
function transmissionIdentifiers(envelope: ResponseEnvelope | undefined): Extension[] {
  if (!envelope?.applicationSender || !envelope.applicationReceiver) return [];
  const parts: [string, string | undefined][] = [
    ['applicationSenderCode', envelope.applicationSender],
    ['applicationReceiverCode', envelope.applicationReceiver],
    ['interchangeSenderID', envelope.interchangeSender],
    ['interchangeReceiverID', envelope.interchangeReceiver],
  ];
  return [{ url: EXT.transmissionIdentifiers, extension: parts.filter(([, v]) => v).map(([url, v]) => ({ url, valueString: (v as string).trim() })) }];
}

/**
 * ClaimResponse.identifier: the Claim's own identifier when the UMO echoes our TRN (TRN01 2),
 * every trace number the UMO assigned (TRN01 1: urn:trnorg:<TRN03>, TRN04 → subDepartment), and
 * the event's administrative reference number (REF*NT).
 */
function identifiersOf(event: Level | undefined, claim: Claim | undefined): Identifier[] {
  const eventTrace = event?.traces.find((t) => t.type === '2') ?? event?.traces[0];
  const claimIds = (claim?.identifier ?? []).filter((i) => i.value);
  const echoed = eventTrace ? claimIds.filter((i) => i.value === eventTrace.value) : claimIds;
  const own = echoed.length ? echoed : eventTrace?.type === '2' ? [traceIdentifier(eventTrace)] : [];
  const payer = (event?.traces ?? []).filter((t) => t.type === '1').map(traceIdentifier);
  // 2000E REF*NT: the administrative reference number the UMO gives the review (quoted when
  // sending what it asks for), typed by its X12 128 qualifier.
  const admin = event?.refs['NT'];
  const reference: Identifier[] = admin ? [{ type: { coding: [{ system: X12CS('128'), code: 'NT' }] }, system: providerRefSystem('NT'), value: admin }] : [];
  return [...own, ...payer, ...reference];
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

  // MSG → processNote, numbered in order; lines point at theirs with noteNumber. A text the payer
  // repeats (the same reason in 2000E and in each 2000F) is one note, which every line points at.
  const notes: Json[] = [];
  const numberOf = new Map<string, number>();
  const noteNumbers = (level: Level | undefined): number[] => [
    ...new Set(
      (level?.messages ?? []).map((text) => {
        let n = numberOf.get(text);
        if (n === undefined) {
          notes.push({ number: (n = notes.length + 1), type: 'display', text });
          numberOf.set(text, n);
        }
        return n;
      }),
    ),
  ];
  noteNumbers(event);

  const patientLoop = parsed.parties['23'] ?? parsed.parties['22'];
  const ref = (r: Reference | undefined, fallback: () => Reference): Reference => {
    const echoed = parties.echoRef(r);
    return echoed ? { reference: echoed } : fallback();
  };
  const patient = ref(claim?.patient, () => (patientLoop ? { reference: parties.fromName(patientLoop, 'patient') } : ABSENT));
  const insurer = ref(claim?.insurer, () => (parsed.parties['20'] ? { reference: parties.fromName(parsed.parties['20'], 'insurer') } : ABSENT));
  const requestor = ref(claim?.provider, () => (parsed.parties['21'] ? { reference: parties.fromName(parsed.parties['21'], 'provider') } : ABSENT));

  // 2010EA patient event providers: authorized for the whole event, so for every line it answers
  // (ClaimResponse.item, the extension's context) and, as PAS Claim Response slices it, at the root.
  const eventProviders = authorizedProviders(event?.providers ?? [], parties);
  const { items, added } = answerLines({ parsed, claim, sent, matched, parties, noteNumbers, eventProviders });

  const itemCodes = items.map((i) => reviewCodeOf(i)).filter((c): c is string => Boolean(c));
  const overall = event?.review?.code ?? combine(itemCodes);
  const view: RequestView | undefined =
    index && claim
      ? { index, claim, itemIndexByHl: new Map([...matched].map(([hl, item]) => [hl, (claim.item ?? []).indexOf(item)])) }
      : undefined;
  const eventTrace = event?.traces.find((t) => t.type === '2') ?? event?.traces[0];
  const identifier = identifiersOf(event, claim);
  // HCR02 (else 2000E REF*BB) is the authorization number; DTP*007/036 (else AAH) its period.
  const preAuthRef = event?.review?.number ?? event?.refs['BB'];
  const preAuthPeriod = authorizedPeriod(event);
  const errors = responseErrors(parsed.rejections, view);
  const requestorResource = index?.resolve(claim?.provider)?.resource;
  const communicationRequest = additionalInformation({
    parsed,
    parties,
    ...(index ? { index } : {}),
    ...(claim ? { claim } : {}),
    // Without the request a line's sequence is its place among the answered lines (as its item's).
    sequenceOf: (level) => matched.get(level.hlId)?.sequence ?? (claim ? undefined : answeredSequence(items, parsed.services.indexOf(level) + 1)),
    sequences: items.map((i) => i['itemSequence'] as number),
    patient,
    insurer,
    ...(requestorResource?.resourceType === 'Organization' ? { requestorOrganization: requestor } : {}),
    diagnoses: diagnosesOf(event),
    ...(identifier[0] ? { fallbackIdentifier: identifier[0] } : {}),
  });

  const extension = [...transmissionIdentifiers(ctx.envelope), ...eventProviders];
  const id = ctx.ids();
  const claimResponse: Resource = {
    resourceType: 'ClaimResponse',
    id,
    meta: { profile: [PROFILE.claimResponse] },
    ...(extension.length ? { extension } : {}),
    ...(identifier.length ? { identifier } : {}),
    status: 'active',
    type: claimTypeOf(claim, parsed),
    use: 'preauthorization',
    patient,
    created: ctx.now.toISOString(),
    insurer,
    requestor,
    request: first && claim ? { reference: index!.referenceTo(first) } : eventTrace ? { identifier: traceIdentifier(eventTrace) } : ABSENT,
    outcome: outcomeOf(parsed, itemCodes.length ? itemCodes : overall ? [overall] : []),
    ...(overall && REVIEW_ACTION[overall] ? { disposition: REVIEW_ACTION[overall] } : {}),
    ...(preAuthRef ? { preAuthRef } : {}),
    ...(preAuthPeriod ? { preAuthPeriod } : {}),
    ...(items.length ? { item: items } : {}),
    ...(added.length ? { addItem: added } : {}),
    ...(event?.review ? { adjudication: adjudication(event.review, event.refs['BB']) } : {}),
    ...(notes.length ? { processNote: notes } : {}),
    ...(communicationRequest.length ? { communicationRequest } : {}),
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

/** The sequence when an item answers it. */
function answeredSequence(items: Json[], sequence: number): number | undefined {
  return items.some((i) => i['itemSequence'] === sequence) ? sequence : undefined;
}

/** The reviewActionCode of a ClaimResponse item built above. */
export function reviewCodeOf(item: Json): string | undefined {
  const adj = (item['adjudication'] as { extension?: { extension?: { url: string; valueCodeableConcept?: { coding?: { code?: string }[] } }[] }[] }[])[0];
  const action = adj?.extension?.[0]?.extension?.find((e) => e.url === EXT.reviewActionCode);
  return codeOf(action?.valueCodeableConcept);
}
