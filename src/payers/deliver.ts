/**
 * The delivery job (`payer.deliver`): send the stored outbound message — the 278 `$submit` wrote
 * once when it accepted the request (its control numbers stored before the first send, so every
 * retry resends the same interchange and the payer can de-duplicate), or the PAS request itself for
 * a PAS FHIR payer — through the payer's connector, and record the answer. Requests accepted
 * without a 278 are translated here first.
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
import { withTransaction } from '../db/tx.ts';
import type { PayerConfig } from '../rules/payers.ts';
import type { PayerOverride } from '../translate/index.ts';
import type { Segment } from '../x12/index.ts';

export const OUTBOUND_278 = 'x12-278-request';
export const OUTBOUND_PAS = 'pas-request-out';

export interface DeliverDeps {
  db: Db;
  log: Logger;
  payers: PayerRegistry;
  events: RequestEvents;
  senderId: string;
  now?: () => Date;
  /** Told of every call to a payer: how long it took and how it ended (interface health). */
  observer?: (call: PayerCall) => void;
}

export interface PayerCall {
  payerId: string;
  /** The CORE payload type sent: 278-request, 270-request. */
  kind: string;
  ok: boolean;
  /** ok | timeout | network | http-5xx | http-4xx | core-error | error */
  outcome: string;
  ms: number;
  at: Date;
}

/** How a send ended, in one word (metrics labels, the health page). */
export function callOutcome(sent: SendResult): string {
  if (sent.ok) return 'ok';
  if (sent.status !== undefined) return sent.status >= 500 ? 'http-5xx' : 'http-4xx';
  if (sent.error.startsWith('no answer within')) return 'timeout';
  if (sent.error.startsWith('connection failed')) return 'network';
  if (sent.error.startsWith('CORE error')) return 'core-error';
  return 'error';
}

/** States in which the request still waits for the payer's first answer. */
const AWAITING: RequestState[] = ['queued', 'sent', 'error', 'pended'];

/** The 2010A payer override `pasRequestTo278` takes for a payer reached by X12. */
export function x12Payer(payer: PayerConfig): PayerOverride | undefined {
  const x12 = payer.connector === 'pas-fhir' ? undefined : payer.x12;
  return x12 && { id: x12.umoId, idQualifier: x12.umoIdQualifier, name: payer.name };
}

/**
 * Writes the 278 for a request once, in the caller's transaction: the translated body enveloped
 * with freshly reserved control numbers, stored as the outbound message every attempt resends.
 * `$submit` calls it while accepting the request (from the Bundle it parsed and translated); the
 * delivery job only for requests accepted without it.
 */
export async function write278(tx: Db, r: { request: RequestRow; payer: PayerConfig; senderId: string; body: Segment[]; now: Date }): Promise<{ payload: string; controlNumber: string }> {
  const out = await envelope(tx, {
    ...partiesFor(r.payer, r.senderId),
    setId: '278',
    version: '005010X217',
    functionalId: 'HI',
    body: r.body,
    usage: r.payer.usage,
    now: r.now,
  });
  await saveMessage(tx, {
    orgId: r.request.orgId,
    requestId: r.request.id,
    direction: 'out',
    format: 'x12',
    transactionSet: OUTBOUND_278,
    senderId: r.senderId,
    controlNumber: out.isa13,
    payload: out.text,
  });
  return { payload: out.text, controlNumber: out.isa13 };
}

/** `queued` → `sent` when the first attempt goes out. */
async function markSent(tx: Db, request: RequestRow, payer: PayerRuntime, controlNumber: string | null): Promise<void> {
  if (request.status === 'queued') await transition(tx, request.id, 'sent', { actor: 'system', detail: { payerId: payer.config.id, controlNumber } });
}

async function outboundPayload(d: DeliverDeps, request: RequestRow, payer: PayerRuntime): Promise<{ payload: string; messageSet: string }> {
  const set = payer.config.connector === 'pas-fhir' ? OUTBOUND_PAS : OUTBOUND_278;
  const existing = await latestMessage(d.db, request.id, set);
  if (existing) {
    // Written when the request was accepted (or by an earlier attempt): sent as it is.
    if (request.status === 'queued') await withTransaction(d.db, (tx) => markSent(tx, request, payer, existing.controlNumber));
    return { payload: existing.payload, messageSet: set };
  }
  const inbound = await latestMessage(d.db, request.id, 'pas-request');
  if (!inbound) throw new TranslateError('invalid', 'the stored request is missing', 'Bundle');
  const now = d.now?.() ?? new Date();
  return withTransaction(d.db, async (tx) => {
    if (set === OUTBOUND_278) {
      const bundle = JSON.parse(inbound.payload) as Bundle;
      const { segments } = pasRequestTo278(bundle as never, { now, payer: x12Payer(payer.config) });
      const out = await write278(tx, { request, payer: payer.config, senderId: d.senderId, body: segments, now });
      await markSent(tx, request, payer, out.controlNumber);
      return { payload: out.payload, messageSet: set };
    }
    await saveMessage(tx, {
      orgId: request.orgId,
      requestId: request.id,
      direction: 'out',
      format: 'fhir',
      transactionSet: set,
      senderId: d.senderId,
      controlNumber: null,
      payload: inbound.payload,
    });
    await markSent(tx, request, payer, null);
    return { payload: inbound.payload, messageSet: set };
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
    await withTransaction(d.db, async (t) => {
      const current = await requestById(t, request.id);
      if (current && f.from.includes(current.status as RequestState)) {
        await transition(t, request.id, 'error', { actor: 'system', detail: { error: f.error, attempts: job.attempts } });
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
  const sent = await payer.limiter.run(async () => {
    const at = d.now?.() ?? new Date();
    const started = performance.now();
    const result = await payer.connector.send(out);
    d.observer?.({ payerId: payer.config.id, kind: out.payloadType, ok: result.ok, outcome: callOutcome(result), ms: Math.round(performance.now() - started), at });
    return result;
  });
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
    const recorded = await withTransaction(d.db, async (tx) => {
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
