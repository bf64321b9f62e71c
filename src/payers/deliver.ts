/**
 * The delivery job (`payer.deliver`): translate the stored PAS request, write the 278 once (its
 * control numbers are stored before the first send, so every retry resends the same interchange and
 * the payer can de-duplicate), send it through the payer's connector, and record the answer.
 */
import type { Db } from '../db/client.ts';
import type { Job } from '../db/queries/jobs.ts';
import { latestMessage, requestById, saveMessage, transition, type RequestRow } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import type { Logger } from '../log/index.ts';
import { pasRequestTo278, TranslateError } from '../translate/index.ts';
import { recordAnswer } from '../workflow/answer.ts';
import type { RequestEvents } from '../workflow/events.ts';
import type { RequestState } from '../workflow/states.ts';
import type { JobOutcome } from '../workflow/worker.ts';
import { readPayerReply } from './reply.ts';
import type { Outbound, PayerConnector, SendResult } from './connector.ts';
import type { PayerRegistry, PayerRuntime } from './registry.ts';
import { envelope, partiesFor, translationFor, x12FormOf } from './x12-io.ts';
import { attachmentNotice, fittedPositions, queueAttachments, withNote } from './attach.ts';
import { priorNumbers } from './prior-numbers.ts';

export const OUTBOUND_278 = 'x12-278-request';
export const OUTBOUND_PAS = 'pas-request-out';

export interface DeliverDeps {
  db: Db;
  log: Logger;
  payers: PayerRegistry;
  events: RequestEvents;
  senderId: string;
  now?: () => Date;
}

/** States in which the request still waits for the payer's first answer. */
const AWAITING: RequestState[] = ['queued', 'sent', 'error', 'pended'];

async function outboundPayload(d: DeliverDeps, request: RequestRow, payer: PayerRuntime): Promise<{ payload: string; messageSet: string }> {
  const set = payer.config.connector === 'pas-fhir' ? OUTBOUND_PAS : OUTBOUND_278;
  const existing = await latestMessage(d.db, request.id, set);
  if (existing) return { payload: existing.payload, messageSet: set };
  const inbound = await latestMessage(d.db, request.id, 'pas-request');
  if (!inbound) throw new TranslateError('invalid', 'the stored request is missing', 'Bundle');
  const bundle = JSON.parse(inbound.payload) as Bundle;
  const now = d.now?.() ?? new Date();
  const prior = set === OUTBOUND_278 ? await priorNumbers(d.db, request) : undefined;
  return d.db.transaction(async (t) => {
    const tx = t as unknown as Db;
    let payload = inbound.payload;
    let controlNumber: string | null = null;
    let fitted: string[] = [];
    if (set === OUTBOUND_278) {
      const { segments } = pasRequestTo278(bundle as never, { now, ...translationFor(payer.config), ...(prior ? { prior } : {}) });
      const out = await envelope(tx, {
        ...partiesFor(payer.config, d.senderId),
        setId: '278',
        version: '005010X217',
        functionalId: 'HI',
        body: segments,
        usage: payer.config.usage,
        now,
        form: x12FormOf(payer.config),
      });
      payload = out.text;
      controlNumber = out.isa13;
      fitted = fittedPositions(out.fitted);
    }
    await saveMessage(tx, {
      orgId: request.orgId,
      requestId: request.id,
      direction: 'out',
      format: set === OUTBOUND_278 ? 'x12' : 'fhir',
      transactionSet: set,
      senderId: d.senderId,
      controlNumber,
      payload,
    });
    // The timeline says which values were changed to fit the payer (positions, never values).
    const detail = { payerId: payer.config.id, controlNumber, ...(fitted.length ? { fittedToPayer: fitted } : {}) };
    if (request.status === 'queued') await transition(tx, request.id, 'sent', { actor: 'system', detail });
    if (set === OUTBOUND_278) await queueAttachments(tx, { request, payer: payer.config, bundle, when: 'with-278' });
    return { payload, messageSet: set };
  });
}

/**
 * A delivery failed: say whether to retry; when no attempt is left (or a retry cannot help), move the
 * request to `error` if it is still in one of `from` (a late answer may have settled it meanwhile).
 */
export async function failDelivery(
  d: DeliverDeps,
  request: RequestRow,
  job: Job,
  f: { error: string; retryable: boolean; retryInMs?: number; from: RequestState[] },
): Promise<JobOutcome> {
  if (!f.retryable || job.attempts >= job.maxAttempts) {
    await d.db.transaction(async (t) => {
      const current = await requestById(t as unknown as Db, request.id);
      if (current && f.from.includes(current.status as RequestState)) {
        await transition(t as unknown as Db, request.id, 'error', { actor: 'system', detail: { error: f.error, attempts: job.attempts } });
      }
    });
    d.events.changed(request.id);
  }
  return { ok: false, error: f.error, retryable: f.retryable, ...(f.retryInMs !== undefined ? { retryInMs: f.retryInMs } : {}) };
}

const fail = (d: DeliverDeps, request: RequestRow, job: Job, error: string, retryable: boolean) =>
  failDelivery(d, request, job, { error, retryable, from: ['queued', 'sent', 'pended'] });

type Fail = (d: DeliverDeps, request: RequestRow, job: Job, error: string, retryable: boolean) => Promise<JobOutcome>;
type Connected = PayerRuntime & { connector: PayerConnector };

/**
 * The request a delivery job is for and its payer, or the job's outcome when there is nothing to
 * send: the request is gone, has its answer already (not in `awaiting`), or its payer has no endpoint.
 */
export async function deliveryTarget(d: DeliverDeps, job: Job, awaiting: RequestState[], failWith: Fail): Promise<{ request: RequestRow; payer: Connected } | { outcome: JobOutcome }> {
  const request = job.requestId ? await requestById(d.db, job.requestId) : undefined;
  if (!request) return { outcome: { ok: false, error: 'request not found', retryable: false } };
  if (!awaiting.includes(request.status as RequestState)) return { outcome: { ok: true } };
  const payer = request.payerId ? d.payers.get(request.payerId) : undefined;
  if (!payer?.connector) return { outcome: await failWith(d, request, job, `payer ${request.payerId} has no endpoint`, false) };
  return { request, payer: payer as Connected };
}

/**
 * One send through the payer's circuit breaker and concurrency limit, the breaker told how it went.
 * Returns the payer's answer, or the job's outcome (circuit open: retry later; failed: `failWith`).
 */
export async function sendThroughPayer(
  d: DeliverDeps,
  target: { request: RequestRow; payer: Connected },
  job: Job,
  out: Outbound,
  failWith: Fail,
  log: { idKey: string; message: string },
): Promise<{ answer: Extract<SendResult, { ok: true }> } | { outcome: JobOutcome }> {
  const { request, payer } = target;
  const gate = payer.breaker.check();
  if (!gate.allowed) return { outcome: { ok: false, error: 'circuit open', retryable: true, retryInMs: gate.retryInMs } };
  const sent = await payer.limiter.run(() => payer.connector.send(out));
  if (!sent.ok) {
    payer.breaker.failure();
    d.log.warn({ [log.idKey]: request.id, payerId: payer.config.id, status: sent.status, error: sent.error }, log.message);
    return { outcome: await failWith(d, request, job, sent.error, sent.retryable) };
  }
  payer.breaker.success();
  return { answer: sent };
}

export function deliverHandler(d: DeliverDeps) {
  return async (job: Job): Promise<JobOutcome> => {
    const target = await deliveryTarget(d, job, AWAITING, fail);
    if ('outcome' in target) return target.outcome;
    const { request, payer } = target;

    let out;
    try {
      out = await outboundPayload(d, request, payer);
    } catch (e) {
      if (e instanceof TranslateError) return fail(d, request, job, `translation failed at ${e.expression}`, false);
      throw e;
    }
    const sent = await sendThroughPayer(d, target, job, { payload: out.payload, payloadType: '278-request', senderId: d.senderId }, fail, { idKey: 'authRequestId', message: 'payer delivery failed' });
    if ('outcome' in sent) return sent.outcome;
    const reply = await readPayerReply(d.db, { request, payer, body: sent.answer.body, contentType: sent.answer.contentType, now: d.now?.() ?? new Date() });
    if (reply.kind === 'unreadable') return fail(d, request, job, reply.error, false);
    const inbound = payer.config.connector === 'pas-fhir' ? undefined : await latestMessage(d.db, request.id, 'pas-request');
    const requestBundle = inbound ? (JSON.parse(inbound.payload) as Bundle) : undefined;
    if (reply.kind === 'accepted') {
      // A batch-style payer: its 999 accepts the 278, its answer comes later to /payer/x12 (the
      // request stays sent; $submit answers pended when its wait runs out).
      await d.db.transaction(async (t) => {
        const tx = t as unknown as Db;
        await saveMessage(tx, reply.message);
        // The payer has the 278: documents that follow it may leave.
        if (requestBundle) await queueAttachments(tx, { request, payer: payer.config, bundle: requestBundle, when: 'after-278' });
      });
      return { ok: true };
    }
    const recorded = await d.db.transaction(async (t) => {
      const tx = t as unknown as Db;
      const messageId = await saveMessage(tx, reply.message);
      const accepted = reply.summary.overall !== 'rejected';
      const answered = await recordAnswer(tx, {
        requestId: request.id,
        actor: `payer:${payer.config.id}`,
        // Documents that will not reach the payer electronically: the provider is told how to send them.
        responseBundle: accepted && requestBundle ? withNote(reply.bundle, attachmentNotice(payer.config, requestBundle)) : reply.bundle,
        summary: reply.summary,
        messageId,
        onlyFrom: AWAITING,
      });
      // Documents that follow the 278 leave once the payer has it (and has not refused it).
      if (answered?.changed && accepted && requestBundle) await queueAttachments(tx, { request, payer: payer.config, bundle: requestBundle, when: 'after-278' });
      return answered;
    });
    if (recorded?.changed) d.events.changed(request.id);
    return { ok: true };
  };
}
