/**
 * What a pended 278 response asks the provider to send (PAS "Request for Additional Information"),
 * as the PAS response carries it:
 *
 * - each 2000E/2000F PWK (PWK01 report type → category, PWK02 transmission code → medium, PWK06
 *   attachment control number → identifier) and each 2000E/2000F `HI*LOI:<code>` (the LOINC
 *   attachment asked for → payload.contentString, the LOINC modifiers after it → contentModifier)
 *   becomes a PAS CommunicationRequest, from the insurer (requester) to the provider (sender),
 *   to be sent to the 2010EB additional patient information contact (recipient), linked to its
 *   line by serviceLineNumber; 2000E HI diagnoses → communicatedDiagnosis;
 * - when the UMO names a URL to send it to (2010A or 2010EB `PER … UR`), also a PAS Task (the CDex
 *   attachment request): PayerURL, one AttachmentsNeeded per code and line, and for LOINC 102089-0
 *   a QuestionnaireContext whose value is the TRN of that level (PAS ainfo-3: the DTR context id);
 *   REF*NT (the number to quote) → identifier, HCR03 → statusReason.
 */
import type { BundleIndex } from '../bundle-index.ts';
import type { Claim, CodeableConcept, Identifier, Reference, Resource } from '../fhir-types.ts';
import { NM108_TO_SYSTEM } from '../codes/identifiers.ts';
import {
  LOINC, LOINC_MODIFIERS, LOINC_QUESTIONNAIRE, LOINC_REQUEST_QUALIFIER, REPORT_TYPE_SYSTEM, TRANSMISSION_CODE_SYSTEM,
} from '../codes/response.ts';
import { CS, EXT, PROFILE } from '../codes/systems.ts';
import type { NameLoop } from '../hl.ts';
import { comp, el } from '../x12-util.ts';
import { contactOf } from './parties.ts';
import type { ResponseParties } from './parties.ts';
import type { Level, ParsedResponse } from './parse.ts';

export interface InfoContext {
  parsed: ParsedResponse;
  parties: ResponseParties;
  index?: BundleIndex;
  claim?: Claim;
  /** 2000F HL01 → the Claim item sequence it answers. */
  sequenceOf: (level: Level) => number | undefined;
  /** Every item sequence the response answers (event-level requests concern them all). */
  sequences: number[];
  patient: Reference;
  insurer: Reference;
  /** The requestor reference, when it names an Organization (CommunicationRequest.sender's target). */
  requestorOrganization?: Reference;
  diagnoses: CodeableConcept[];
  /** Identifier of the ClaimResponse, for a Task when the UMO gave no number of its own. */
  fallbackIdentifier?: Identifier;
}

interface Asked {
  code: string;
  modifiers: string[];
}

/** `HI*LOI:<code>*LOI:<modifier>…`: request codes, each with the modifier codes that follow it. */
function askedFor(level: Level): Asked[] {
  const asked: Asked[] = [];
  for (const hi of level.his) {
    hi.elements.forEach((_e, i) => {
      const [qualifier, code] = comp(hi, i + 1);
      if (qualifier !== LOINC_REQUEST_QUALIFIER || !code) return;
      if (LOINC_MODIFIERS.has(code) && asked.length) asked[asked.length - 1]!.modifiers.push(code);
      else asked.push({ code, modifiers: [] });
    });
  }
  return asked;
}

const loinc = (code: string): CodeableConcept => ({ coding: [{ system: LOINC, code }] });
const temp = (code: string): CodeableConcept => ({ coding: [{ system: CS.pasTemp, code }] });

/** The first `PER … UR` of the UMO (2010A) or of the contact (2010EB). */
function payerUrl(ctx: InfoContext, contacts: NameLoop[]): string | undefined {
  const loops = [ctx.parsed.parties['20'], ...contacts].filter((n): n is NameLoop => Boolean(n));
  for (const loop of loops) {
    const url = contactOf(loop.segments).telecom.find((t) => t.system === 'url')?.value;
    if (url) return url;
  }
  return undefined;
}

function nameIdentifier(name: NameLoop | undefined): Identifier | undefined {
  if (!name || !el(name.nm1, 9)) return undefined;
  const system = NM108_TO_SYSTEM[el(name.nm1, 8)];
  return { ...(system ? { system } : {}), value: el(name.nm1, 9) };
}

function communicationRequests(ctx: InfoContext, level: Level, sequence: number | undefined, recipient: Reference[]): string[] {
  const asked = askedFor(level);
  const count = Math.max(asked.length, level.pwks.length);
  const refs: string[] = [];
  for (let i = 0; i < count; i++) {
    const pwk = level.pwks[i];
    const what = asked[i];
    // PWK05 AC: PWK06 is the attachment control number the provider quotes when sending; without
    // one, the level's REF*NT or the UMO's trace number identifies the request (PAS requires one).
    const umoTrace = level.traces.find((t) => t.type === '1');
    const control: Identifier | undefined =
      pwk && el(pwk, 5) === 'AC' && el(pwk, 6)
        ? { value: el(pwk, 6) }
        : level.refs['NT']
          ? { value: level.refs['NT'] }
          : umoTrace
            ? { system: `urn:trnorg:${umoTrace.originator}`, value: umoTrace.value }
            : ctx.fallbackIdentifier;
    // The diagnoses and LOINC modifiers the payload is about; none, no `extension` (FHIR JSON has no empty arrays).
    const described = what
      ? [
          ...ctx.diagnoses.map((d) => ({ url: EXT.communicatedDiagnosis, valueCodeableConcept: d })),
          ...what.modifiers.map((m) => ({ url: EXT.contentModifier, valueCodeableConcept: loinc(m) })),
        ]
      : [];
    const resource: Resource = {
      resourceType: 'CommunicationRequest',
      meta: { profile: [PROFILE.communicationRequest] },
      ...(sequence !== undefined ? { extension: [{ url: EXT.serviceLineNumber, valuePositiveInt: sequence }] } : {}),
      ...(control ? { identifier: [control] } : {}),
      status: 'active',
      ...(pwk && el(pwk, 1) ? { category: [{ coding: [{ system: REPORT_TYPE_SYSTEM, code: el(pwk, 1) }] }] } : {}),
      ...(pwk && el(pwk, 2) ? { medium: [{ coding: [{ system: TRANSMISSION_CODE_SYSTEM, code: el(pwk, 2) }] }] } : {}),
      subject: ctx.patient,
      ...(what
        ? {
            payload: [
              {
                ...(described.length ? { extension: described } : {}),
                contentString: what.code,
              },
            ],
          }
        : {}),
      requester: ctx.insurer,
      recipient,
      // PWK07: what the UMO describes it wants.
      ...(pwk && el(pwk, 7) ? { note: [{ text: el(pwk, 7) }] } : {}),
      ...(ctx.requestorOrganization ? { sender: ctx.requestorOrganization } : {}),
    };
    refs.push(ctx.parties.add(resource));
  }
  return refs;
}

/** The Task: only when the UMO said where to send (PER UR), since PAS Task needs its PayerURL. */
function attachmentTask(ctx: InfoContext, levels: { level: Level; sequences: number[] }[], url: string): void {
  const inputs: Record<string, unknown>[] = [{ type: temp('payer-url'), valueUrl: url }];
  let questionnaire = false;
  for (const { level, sequences } of levels) {
    const trace = level.traces.find((t) => t.type === '1') ?? level.traces[0];
    for (const what of askedFor(level)) {
      for (const sequence of sequences) {
        const line = { url: EXT.serviceLineNumber, valuePositiveInt: sequence };
        if (what.code === LOINC_QUESTIONNAIRE) {
          questionnaire = true;
          // PAS ainfo-3: the TRN at the level of the 102089-0 request is the DTR context id.
          if (trace) inputs.push({ extension: [line], type: temp('questionnaire-context'), valueString: trace.value });
        } else {
          inputs.push({
            extension: [line, ...what.modifiers.map((m) => ({ url: EXT.contentModifier, valueCodeableConcept: loinc(m) }))],
            type: temp('attachments-needed'),
            valueCodeableConcept: loinc(what.code),
          });
        }
      }
    }
  }
  if (inputs.length < 2) return;
  const event = ctx.parsed.event;
  const pending = [event, ...ctx.parsed.services].find((l) => l?.refs['NT']);
  const umoTrace = event?.traces.find((t) => t.type === '1');
  const identifier: Identifier | undefined = pending
    ? { value: pending.refs['NT'] as string }
    : umoTrace
      ? { system: `urn:trnorg:${umoTrace.originator}`, value: umoTrace.value }
      : ctx.fallbackIdentifier;
  const reason = [event, ...ctx.parsed.services].find((l) => l?.review?.reason)?.review?.reason;
  const owner = nameIdentifier(ctx.parsed.parties['21']);
  const requester = nameIdentifier(ctx.parsed.parties['20']);
  const claim = ctx.index && ctx.claim ? ctx.index.entries[0] : undefined;
  if (!identifier || !claim) return;
  ctx.parties.add({
    resourceType: 'Task',
    meta: { profile: [PROFILE.task] },
    identifier: [identifier],
    status: 'requested',
    ...(reason ? { statusReason: { coding: [{ system: CS.reviewDecisionReason, code: reason }] } } : {}),
    intent: 'order',
    code: temp(questionnaire ? 'attachment-request-questionnaire' : 'attachment-request-code'),
    for: ctx.patient,
    ...(requester ? { requester: { identifier: requester } } : {}),
    ...(owner ? { owner: { identifier: owner } } : {}),
    reasonCode: temp('priorAuthorization'),
    // The Claim the information is for travels with the response (PAS spec-45).
    reasonReference: { reference: ctx.parties.echo(claim) },
    input: inputs,
  });
}

/**
 * Adds the CommunicationRequests (and the Task) for everything the UMO asked for; returns the
 * references ClaimResponse.communicationRequest lists.
 */
export function additionalInformation(ctx: InfoContext): Reference[] {
  const event = ctx.parsed.event;
  const contacts = event?.contacts ?? [];
  const recipient = contacts.length ? contacts.map((c) => ({ reference: ctx.parties.fromName(c, 'contact') })) : [ctx.insurer];
  const levels: { level: Level; sequences: number[] }[] = [];
  const refs: string[] = [];
  if (event) {
    refs.push(...communicationRequests(ctx, event, undefined, recipient));
    levels.push({ level: event, sequences: ctx.sequences });
  }
  for (const level of ctx.parsed.services) {
    const sequence = ctx.sequenceOf(level);
    refs.push(...communicationRequests(ctx, level, sequence, recipient));
    if (sequence !== undefined) levels.push({ level, sequences: [sequence] });
  }
  const url = payerUrl(ctx, contacts);
  if (url && levels.some(({ level }) => askedFor(level).length)) attachmentTask(ctx, levels, url);
  return refs.map((reference) => ({ reference }));
}
