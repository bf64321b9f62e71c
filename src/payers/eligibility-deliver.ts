/**
 * The eligibility delivery job (`payer.eligibility`): translate the stored CoverageEligibilityRequest
 * Bundle into a 270, envelope it once with stored control numbers (a retry resends the same
 * interchange), send it over the payer's connector as CORE `X12_270_Request_005010X279A1`, and
 * record the 271 (or the 999/TA1 refusing it) as a CoverageEligibilityResponse.
 */
import { randomUUID } from 'node:crypto';
import type { Job } from '../db/queries/jobs.ts';
import { latestMessage, saveMessage, type RequestRow } from '../db/queries/requests.ts';
import { ELIGIBILITY_REQUEST_SET, recordEligibilityAnswer, transition } from '../requests/index.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { eligibility271ToFhir, eligibilityOutcomeBundle, inquiryTo270, readEligibilityRequest, traceOriginator, TranslateError, type EligibilityInquiry, type EligibilitySummary } from '../translate/index.ts';
import type { PayerConfig } from '../rules/payers.ts';
import type { RequestState } from '../workflow/states.ts';
import type { JobOutcome } from '../jobs/index.ts';
import { deliveryTarget, failDelivery, sendThroughPayer, translationFailure, type DeliverDeps } from './deliver.ts';
import { INBOUND_X12 } from './reply.ts';
import type { PayerRuntime } from './registry.ts';
import { bodyOf, envelope, partiesFor, x12FormOf } from './x12-io.ts';
import { elementText, parseX12, type Segment } from '../x12/index.ts';
import { withTransaction } from '../db/tx.ts';

export const OUTBOUND_270 = 'x12-270-request';

export type EligibilityReply =
  | { kind: '271'; body: Segment[]; senderId?: string; controlNumber?: string }
  | { kind: 'rejected'; code: string; reason: string; senderId?: string; controlNumber?: string }
  /** A batch-style payer acknowledged the 270 (999 or TA1 accepting it): its 271 comes to /payer/x12 later. */
  | { kind: 'accepted'; senderId?: string; controlNumber?: string }
  | { kind: 'unreadable'; error: string };

/**
 * What a payer answered to a 270: the 271 body, or the 999 / TA1 that refused our interchange (a
 * rejection to report, never a retry and never "not covered"). Shared with the batch engine.
 */
export function readEligibilityReply(text: string): EligibilityReply {
  const parsed = parseX12(text, { validate: false });
  const ic = parsed.interchanges[0];
  if (!parsed.isX12 || !ic) return { kind: 'unreadable', error: 'the payer answered with something that is not X12' };
  const from = { senderId: ic.sender.id.trim(), controlNumber: ic.controlNumber };
  for (const ta1 of ic.ta1) {
    // TA104 R: interchange rejected; TA105 the interchange note code.
    if (elementText(ta1.elements[3]) === 'R') return { kind: 'rejected', code: `TA1-${elementText(ta1.elements[4])}`, reason: `interchange rejected by the payer (TA105 ${elementText(ta1.elements[4])})`, ...from };
  }
  const sets = ic.groups.flatMap((g) => g.transactions);
  const tx = sets.find((t) => t.setId === '271');
  if (tx) return { kind: '271', body: bodyOf(tx), ...from };
  for (const ack of sets.filter((t) => t.setId === '999')) {
    const ik5 = ack.segments.find((s) => s.tag === 'IK5');
    const ak9 = ack.segments.find((s) => s.tag === 'AK9');
    // IK501 / AK901: A accepted, E accepted with errors, M/R/W/X rejected.
    const verdict = elementText(ik5?.elements[0]) || elementText(ak9?.elements[0]);
    if (['M', 'R', 'W', 'X'].includes(verdict)) return { kind: 'rejected', code: verdict, reason: `the payer's 999 rejected the 270 (${verdict})`, ...from };
  }
  if (sets.some((t) => t.setId === '999') || (ic.ta1.length > 0 && sets.length === 0)) return { kind: 'accepted', ...from };
  return { kind: 'unreadable', error: 'the payer answered without a 271' };
}

/** States in which the request still waits for the payer's answer. */
const AWAITING: RequestState[] = ['queued', 'sent', 'error'];

/**
 * The 270 body (BHT … before SE) asking `payer` about `inquiry`: the payer named as the information
 * source (2100A) as its configuration says. `$submit` checks it before storing a request; the job
 * writes it.
 */
export function inquiry270(inquiry: EligibilityInquiry, payer: PayerConfig, o: { now: Date; trace: string; senderId: string }): Segment[] {
  const x12 = payer.x12!;
  const asked = { ...inquiry, source: { name: payer.name, qualifier: x12.umoIdQualifier, id: x12.umoId } };
  return inquiryTo270(asked, { now: o.now, trace: o.trace, originator: traceOriginator(o.senderId) }).segments;
}

/**
 * The 270 interchange for a request: the stored one, or translated and stored (with its control
 * numbers) now. A request no 270 can carry (a TranslateError: the pre-send check refused a value)
 * is thrown as it is: no attempt can change that.
 */
async function outbound270(d: DeliverDeps, request: RequestRow, payer: PayerRuntime): Promise<string | { error: string }> {
  const existing = await latestMessage(d.db, request.id, OUTBOUND_270);
  if (existing) return existing.payload;
  const inbound = await latestMessage(d.db, request.id, ELIGIBILITY_REQUEST_SET);
  const read = inbound ? readEligibilityRequest(JSON.parse(inbound.payload)) : undefined;
  if (!read?.inquiry) return { error: 'the stored eligibility request cannot be translated' };
  const now = d.now?.() ?? new Date();
  const segments = inquiry270(read.inquiry, payer.config, { now, trace: request.traceNumber ?? request.id, senderId: d.senderId });
  return withTransaction(d.db, async (tx) => {
    const out = await envelope(tx, {
      ...partiesFor(payer.config, d.senderId),
      setId: '270',
      version: '005010X279A1',
      functionalId: 'HS',
      body: segments,
      usage: payer.config.usage,
      now,
      form: x12FormOf(payer.config),
    });
    await saveMessage(tx, { orgId: request.orgId, requestId: request.id, direction: 'out', format: 'x12', transactionSet: OUTBOUND_270, senderId: d.senderId, controlNumber: out.isa13, payload: out.text });
    if (request.status === 'queued') await transition(tx, request.id, 'sent', { actor: 'system', detail: { payerId: payer.config.id, controlNumber: out.isa13 } });
    return out.text;
  });
}

const fail = (d: DeliverDeps, request: RequestRow, job: Job, error: string, retryable: boolean) =>
  failDelivery(d, request, job, { error, retryable, from: ['queued', 'sent'] });

async function record(d: DeliverDeps, request: RequestRow, payer: PayerRuntime, reply: { body: string; bundle: Bundle; summary: EligibilitySummary; senderId?: string; controlNumber?: string }) {
  const recorded = await withTransaction(d.db, async (tx) => {
    const messageId = await saveMessage(tx, {
      orgId: request.orgId,
      requestId: request.id,
      direction: 'in',
      format: 'x12',
      transactionSet: INBOUND_X12,
      senderId: reply.senderId ?? null,
      controlNumber: reply.controlNumber ?? null,
      payload: reply.body,
    });
    return recordEligibilityAnswer(tx, { requestId: request.id, actor: `payer:${payer.config.id}`, responseBundle: reply.bundle, summary: reply.summary, messageId, onlyFrom: AWAITING });
  });
  if (recorded?.changed) d.events.changed(request.id);
}

export function eligibilityDeliverHandler(d: DeliverDeps) {
  return async (job: Job): Promise<JobOutcome> => {
    const target = await deliveryTarget(d, job, AWAITING, fail);
    if ('outcome' in target) return target.outcome;
    const { request, payer } = target;
    if (!payer.config.x12) return fail(d, request, job, `payer ${payer.config.id} takes no X12 270`, false);

    let payload;
    try {
      payload = await outbound270(d, request, payer);
    } catch (e) {
      // Deterministic: the same request fails the same way on every attempt. Not retried; the
      // request moves to error with the job's end (failDelivery).
      if (e instanceof TranslateError) return fail(d, request, job, translationFailure('270', e), false);
      throw e;
    }
    if (typeof payload !== 'string') return fail(d, request, job, payload.error, false);
    const sent = await sendThroughPayer(d, target, job, { payload, payloadType: '270-request', senderId: d.senderId }, fail, { idKey: 'eligibilityRequestId', message: 'payer eligibility delivery failed' });
    if ('outcome' in sent) return sent.outcome;

    const reply = readEligibilityReply(sent.answer.body);
    if (reply.kind === 'unreadable') return fail(d, request, job, reply.error, false);
    if (reply.kind === 'accepted') {
      // Nothing to record but the acknowledgment: the request stays sent until the 271 arrives.
      await withTransaction(d.db, (tx) => saveMessage(tx, {
        orgId: request.orgId, requestId: request.id, direction: 'in', format: 'x12', transactionSet: INBOUND_X12,
        senderId: reply.senderId ?? null, controlNumber: reply.controlNumber ?? null, payload: sent.answer.body,
      }));
      return { ok: true };
    }
    const stored = await latestMessage(d.db, request.id, ELIGIBILITY_REQUEST_SET);
    const ctx = { request: stored ? (JSON.parse(stored.payload) as never) : undefined, now: d.now?.() ?? new Date(), ids: randomUUID };
    const common = { body: sent.answer.body, ...(reply.senderId ? { senderId: reply.senderId } : {}), ...(reply.controlNumber ? { controlNumber: reply.controlNumber } : {}) };
    if (reply.kind === 'rejected') {
      const bundle = eligibilityOutcomeBundle(ctx, { kind: 'error', reason: reply.reason, code: reply.code });
      const summary: EligibilitySummary = { status: 'error', errors: [{ loopId: 'interchange', code: reply.code, description: reply.reason }] };
      await record(d, request, payer, { ...common, bundle: bundle as unknown as Bundle, summary });
      return { ok: true };
    }
    const { bundle, summary } = eligibility271ToFhir(reply.body, ctx);
    await record(d, request, payer, { ...common, bundle: bundle as unknown as Bundle, summary });
    return { ok: true };
  };
}
