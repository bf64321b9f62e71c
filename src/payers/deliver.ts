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
import { envelope, partiesFor } from './x12-io.ts';

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

/**
 * The payload to send: the one stored by the first attempt (same control numbers on every retry), or
 * a new one when staff resend the request as a new interchange (the job's `fresh` flag).
 */
async function outboundPayload(d: DeliverDeps, request: RequestRow, payer: PayerRuntime, fresh = false): Promise<{ payload: string; messageSet: string }> {
  const set = payer.config.connector === 'pas-fhir' ? OUTBOUND_PAS : OUTBOUND_278;
  const existing = fresh ? undefined : await latestMessage(d.db, request.id, set);
  if (existing) return { payload: existing.payload, messageSet: set };
  const inbound = await latestMessage(d.db, request.id, 'pas-request');
  if (!inbound) throw new TranslateError('invalid', 'the stored request is missing', 'Bundle');
  const bundle = JSON.parse(inbound.payload) as Bundle;
  const now = d.now?.() ?? new Date();
  return d.db.transaction(async (t) => {
    const tx = t as unknown as Db;
    let payload = inbound.payload;
    let controlNumber: string | null = null;
    if (set === OUTBOUND_278) {
      const x12 = payer.config.x12!;
      const { segments } = pasRequestTo278(bundle as never, { now, payer: { id: x12.umoId, idQualifier: x12.umoIdQualifier, name: payer.config.name } });
      const out = await envelope(tx, {
        ...partiesFor(payer.config, d.senderId),
        setId: '278',
        version: '005010X217',
        functionalId: 'HI',
        body: segments,
        usage: payer.config.usage,
        now,
      });
      payload = out.text;
      controlNumber = out.isa13;
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
    if (request.status === 'queued') await transition(tx, request.id, 'sent', { actor: 'system', detail: { payerId: payer.config.id, controlNumber } });
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
      out = await outboundPayload(d, request, payer, job.payload.fresh === true && job.attempts === 1);
    } catch (e) {
      if (e instanceof TranslateError) return fail(d, request, job, `translation failed at ${e.expression}`, false);
      throw e;
    }
    const sent = await sendThroughPayer(d, target, job, { payload: out.payload, payloadType: '278-request', senderId: d.senderId }, fail, { idKey: 'authRequestId', message: 'payer delivery failed' });
    if ('outcome' in sent) return sent.outcome;
    const reply = await readPayerReply(d.db, { request, payer, body: sent.answer.body, contentType: sent.answer.contentType, now: d.now?.() ?? new Date() });
    if (reply.kind === 'unreadable') return fail(d, request, job, reply.error, false);
    const recorded = await d.db.transaction(async (t) => {
      const tx = t as unknown as Db;
      const messageId = await saveMessage(tx, reply.message);
      return recordAnswer(tx, {
        requestId: request.id,
        actor: `payer:${payer.config.id}`,
        responseBundle: reply.bundle,
        summary: reply.summary,
        messageId,
        onlyFrom: AWAITING,
      });
    });
    if (recorded?.changed) d.events.changed(request.id);
    return { ok: true };
  };
}
