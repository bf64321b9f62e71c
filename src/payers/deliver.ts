/**
 * The delivery job (`payer.deliver`): send the stored outbound message — the 278 `$submit` wrote
 * once when it accepted the request (its control numbers stored before the first send, so every
 * retry resends the same interchange and the payer can de-duplicate), or the PAS request itself for
 * a PAS FHIR payer — through the payer's connector, and record the answer. Requests accepted
 * without a 278 are translated here first.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../db/client.ts';
import { completeJob, completeJobStatement, endJob, type Job } from '../db/queries/jobs.ts';
import { findOrganization } from '../db/queries/clients.ts';
import { batchMessage, latestMessage, lockRequest, messageExists, requestById, saveMessage, type RequestRow } from '../db/queries/requests.ts';
import { recordAnswer, transition, transitionFrom } from '../requests/index.ts';
import type { Bundle } from '../fhir/bundle.ts';
import type { Logger } from '../log/index.ts';
import { pasRequestTo278, TranslateError } from '../translate/index.ts';
import type { RequestEvents } from '../workflow/events.ts';
import type { RequestState } from '../workflow/states.ts';
import type { JobOutcome } from '../jobs/index.ts';
import { readPayerReply, storedBundle } from './reply.ts';
import type { Outbound, PayerConnector, SendResult } from './connector.ts';
import type { PayerRegistry, PayerRuntime } from './registry.ts';
import { envelope, partiesFor, requestOptionsFor, reserveEnvelope, x12FormOf, type EnvelopeNumbers } from './x12-io.ts';
import { attachmentNotice, fittedPositions, queueAttachments, withNote } from './attach.ts';
import { priorNumbers } from './prior-numbers.ts';
import { withTransaction } from '../db/tx.ts';
import { batchAudit } from '../audit/index.ts';
import { Batch, batched } from '../db/batch.ts';
import type { PayerConfig } from '../rules/payers.ts';
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

/** Is this payer reached by X12 (a 278 is written for it), not by PAS FHIR? */
export function sendsX12(payer: PayerConfig): boolean {
  return payer.connector !== 'pas-fhir' && Boolean(payer.x12);
}

/**
 * Writes the 278 for a request once, in the caller's transaction: the translated body — quoting
 * the payer's numbers for the case when the request updates or cancels an earlier one (REF*BB,
 * REF*NT) — fitted to the payer's character set and delimiters, enveloped with freshly reserved
 * control numbers, stored as the outbound message every attempt resends; the documents that go
 * with the 278 as a 275 are queued with it. `$submit` calls it while accepting the request (with
 * the body it translated to check the request); the delivery job only for requests accepted
 * without it. What had to be changed to fit the payer is audited (positions, never values).
 */
export async function write278(
  tx: Db,
  r: { request: RequestRow; payer: PayerConfig; senderId: string; bundle: Bundle; body?: Segment[]; now: Date; requesterNpi?: string | null; numbers?: EnvelopeNumbers },
  /** The caller's batch: the 278 and its audit event go out with the transaction's other writes. */
  batch?: Batch,
): Promise<{ payload: string; controlNumber: string; fitted: string[] }> {
  const prior = r.request.priorRequestId ? await priorNumbers(tx, r.request) : undefined;
  const options = { now: r.now, ...requestOptionsFor(r.payer, r.senderId, r.requesterNpi), ...(prior ? { prior } : {}) };
  const body = r.body && !prior ? r.body : pasRequestTo278(r.bundle as never, options).segments;
  const out = await envelope(tx, {
    ...partiesFor(r.payer, r.senderId),
    setId: '278',
    version: '005010X217',
    functionalId: 'HI',
    body,
    usage: r.payer.usage,
    now: r.now,
    form: x12FormOf(r.payer),
    ...(r.numbers ? { numbers: r.numbers } : {}),
  });
  const fitted = fittedPositions(out.fitted);
  await batched(tx, batch, (b) => {
    batchMessage(b, {
      orgId: r.request.orgId,
      requestId: r.request.id,
      direction: 'out',
      format: 'x12',
      transactionSet: OUTBOUND_278,
      senderId: r.senderId,
      controlNumber: out.isa13,
      payload: out.text,
    });
    if (fitted.length) {
      batchAudit(b, { actor: 'system', action: 'request.fit', orgId: r.request.orgId, entityType: 'request', entityId: r.request.id, detail: { payerId: r.payer.id, controlNumber: out.isa13, fittedToPayer: fitted } });
    }
  });
  await queueAttachments(tx, { request: r.request, payer: r.payer, bundle: r.bundle, when: 'with-278' });
  return { payload: out.text, controlNumber: out.isa13, fitted };
}

/** The control numbers of a request's 278, taken before the transaction that writes it opens (`reserveEnvelope`). */
export function reserve278(db: Db, payer: PayerConfig, senderId: string): Promise<EnvelopeNumbers> {
  return reserveEnvelope(db, partiesFor(payer, senderId).from.id);
}

/** `queued` → `sent` when the first attempt goes out. */
async function markSent(tx: Tx, request: RequestRow, payer: PayerRuntime, controlNumber: string | null): Promise<void> {
  if (request.status === 'queued') await transition(tx, request.id, 'sent', { actor: 'system', detail: { payerId: payer.config.id, controlNumber } });
}

/**
 * The payload to send: the one stored at acceptance or by the first attempt (same control numbers
 * on every retry), or a new one when staff resend the request as a new interchange (the job's
 * `fresh` flag). A request held for review has none stored: its 278 is written here, from the
 * latest stored request Bundle (what staff approved), when the approved request is first sent.
 */
async function outboundPayload(d: DeliverDeps, request: RequestRow, payer: PayerRuntime, fresh = false): Promise<{ payload: string; messageSet: string }> {
  const x12 = sendsX12(payer.config);
  const set = x12 ? OUTBOUND_278 : OUTBOUND_PAS;
  const existing = fresh ? undefined : await latestMessage(d.db, request.id, set);
  if (existing) {
    // Written when the request was accepted (or by an earlier attempt): sent as it is.
    if (request.status === 'queued') await withTransaction(d.db, (tx) => markSent(tx, request, payer, existing.controlNumber));
    return { payload: existing.payload, messageSet: set };
  }
  const inbound = await latestMessage(d.db, request.id, 'pas-request');
  if (!inbound) throw new TranslateError('invalid', 'the stored request is missing', 'Bundle');
  const now = d.now?.() ?? new Date();
  const requesterNpi = x12 ? (await findOrganization(d.db, request.orgId))?.npi : undefined;
  return withTransaction(d.db, async (tx) => {
    if (x12) {
      const bundle = JSON.parse(inbound.payload) as Bundle;
      const out = await write278(tx, { request, payer: payer.config, senderId: d.senderId, bundle, now, requesterNpi });
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
 * A delivery failed: say whether to retry. When no attempt is left (or a retry cannot help), the job
 * ends (`dead`) and the request moves to `error` if it is still in one of `from` (a late answer may
 * have settled it meanwhile), audited, in one transaction: no request is left waiting on a job that
 * will never run again, and none is in error with its job still due. An attempt that no longer holds
 * the job (another claim took it) changes neither: that claim's attempt decides.
 */
export async function failDelivery(
  d: DeliverDeps,
  request: RequestRow,
  job: Job,
  f: { error: string; retryable: boolean; retryInMs?: number; from: RequestState[] },
): Promise<JobOutcome> {
  if (f.retryable && job.attempts < job.maxAttempts) {
    return { ok: false, error: f.error, retryable: true, ...(f.retryInMs !== undefined ? { retryInMs: f.retryInMs } : {}) };
  }
  await withTransaction(d.db, async (t) => {
    if (!(await endJob(t, job, f.error))) return;
    const current = await lockRequest(t, request.id);
    if (current && f.from.includes(current.status as RequestState)) {
      await transition(t, request.id, 'error', { actor: 'system', detail: { error: f.error, attempts: job.attempts } }, current);
    }
  });
  d.events.changed(request.id);
  return { ok: false, error: f.error, retryable: f.retryable, ended: true };
}

/**
 * What a job records (its error, the audit event of the move to error) when a request cannot be
 * translated: the transaction set, the element and the rule, never a value (TranslateError's
 * messages name elements only).
 */
export function translationFailure(setId: string, e: TranslateError): string {
  return `the ${setId} cannot be written${e.expression ? ` (${e.expression})` : ''}: ${e.message}`;
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
    d.log.warn({ [log.idKey]: request.id, payerId: payer.config.id, status: sent.status, reason: sent.error }, log.message);
    return { outcome: await failWith(d, request, job, sent.error, sent.retryable) };
  }
  payer.breaker.success();
  return { answer: sent };
}

/**
 * What the process that accepted a request already holds when it runs the first delivery attempt
 * itself (`Worker.run` right after the acceptance commit): the request row, the interchange it
 * wrote and the request Bundle. Nothing of it is read back; `answered` is filled in with what the
 * attempt recorded, so `$submit` answers without reading that back either.
 */
export interface PreparedDelivery {
  request: RequestRow;
  payload: string;
  /** The 278's ISA13, as write278 returned it. */
  controlNumber: string;
  bundle: Bundle;
  answered?: { request: RequestRow; responseText: string };
}

export function deliverHandler(d: DeliverDeps) {
  return async (job: Job, context?: unknown): Promise<JobOutcome> => {
    const prepared = context as PreparedDelivery | undefined;
    const target = prepared ? preparedTarget(d, prepared) : await deliveryTarget(d, job, AWAITING, fail);
    if ('outcome' in target) return target.outcome;
    const { request, payer } = target;

    let out;
    try {
      // Prepared: the acceptance wrote the interchange; `sent` is recorded with the answer (one
      // transaction), or before the failure is, when the attempt fails.
      out = prepared ? { payload: prepared.payload, messageSet: OUTBOUND_278 } : await outboundPayload(d, request, payer, job.payload.fresh === true && job.attempts === 1);
    } catch (e) {
      // Deterministic: the same request fails the same way on every attempt. Not retried; the
      // request moves to error with the job's end (failDelivery).
      if (e instanceof TranslateError) return fail(d, request, job, translationFailure('278', e), false);
      throw e;
    }
    // A prepared attempt that failed: the 278 went out (or may have), so the request is sent —
    // unless it moved meanwhile (the $submit wait ran out and answered pended).
    const failPrepared: Fail = async (dd, r, j, error, retryable) => {
      const sentRow = await withTransaction(dd.db, (tx) => preparedSent(tx, r.id, payer, prepared!.controlNumber));
      return fail(dd, sentRow ?? r, j, error, retryable);
    };
    const sent = await sendThroughPayer(d, target, job, { payload: out.payload, payloadType: '278-request', senderId: d.senderId }, prepared ? failPrepared : fail, { idKey: 'authRequestId', message: 'payer delivery failed' });
    if ('outcome' in sent) return sent.outcome;
    // The stored request, read once: the reply's translation and the documents that follow the 278 use it.
    const requestBundle = prepared?.bundle ?? (payer.config.connector === 'pas-fhir' ? undefined : await storedBundle(d.db, request.id));
    const reply = await readPayerReply(d.db, { request, payer, body: sent.answer.body, contentType: sent.answer.contentType, now: d.now?.() ?? new Date(), ...(requestBundle ? { requestBundle } : {}) });
    if (reply.kind === 'unreadable') return (prepared ? failPrepared : fail)(d, request, job, reply.error, false);
    if (reply.kind === 'accepted') {
      // A batch-style payer: its 999 accepts the 278, its answer comes later to /payer/x12 (the
      // request stays sent; $submit answers pended when its wait runs out).
      await withTransaction(d.db, async (tx) => {
        if (prepared) await preparedSent(tx, request.id, payer, prepared.controlNumber);
        await saveMessage(tx, reply.message);
        // The payer has the 278: documents that follow it may leave.
        if (requestBundle) await queueAttachments(tx, { request, payer: payer.config, bundle: requestBundle, when: 'after-278' });
        if (prepared) await completeJob(tx, job.id);
      });
      if (prepared) d.events.changed(request.id);
      return { ok: true, completed: Boolean(prepared) };
    }
    // The payer's message, written with the answer: its row says whether a COMMIT whose answer was
    // lost (a failover) landed. Then the payer's decision is not left to a resend of the 278.
    const messageId = randomUUID();
    const recorded = await withTransaction(d.db, async (tx) => {
      // Prepared: still queued as accepted (one statement moves it, no lock and read first); the
      // rest — the payer's message, the answer, the audit events, the job done — is one more.
      const batch = new Batch(tx);
      const sentRow = prepared ? await preparedSent(tx, request.id, payer, prepared.controlNumber, batch) : undefined;
      batchMessage(batch, reply.message, messageId);
      const accepted = reply.summary.overall !== 'rejected';
      const answered = await recordAnswer(tx, {
        requestId: request.id,
        actor: `payer:${payer.config.id}`,
        // Documents that will not reach the payer electronically: the provider is told how to send them.
        responseBundle: accepted && requestBundle ? withNote(reply.bundle, attachmentNotice(payer.config, requestBundle)) : reply.bundle,
        summary: reply.summary,
        messageId,
        onlyFrom: AWAITING,
        ...(sentRow ? { locked: sentRow } : {}),
        ...(requestBundle ? { requestBundle } : {}),
        batch,
      });
      if (prepared) batch.add(completeJobStatement(job.id));
      await batch.flush();
      // Documents that follow the 278 leave once the payer has it (and has not refused it).
      if (answered?.changed && accepted && requestBundle) await queueAttachments(tx, { request, payer: payer.config, bundle: requestBundle, when: 'after-278' });
      return answered;
    }, { committed: () => messageExists(d.db, messageId) });
    if (prepared && recorded?.responseText) prepared.answered = { request: recorded.request, responseText: recorded.responseText };
    if (recorded?.changed) d.events.changed(request.id);
    return { ok: true, completed: Boolean(prepared) };
  };
}

/** The target of a prepared first attempt: the request as accepted, its payer from the registry. */
function preparedTarget(d: DeliverDeps, prepared: PreparedDelivery): { request: RequestRow; payer: Connected } | { outcome: JobOutcome } {
  const payer = prepared.request.payerId ? d.payers.get(prepared.request.payerId) : undefined;
  if (!payer?.connector) return { outcome: { ok: false, error: `payer ${prepared.request.payerId} has no endpoint`, retryable: false } };
  return { request: prepared.request, payer: payer as Connected };
}

/** A prepared attempt's `queued` → `sent`, in one guarded statement; undefined when the request moved meanwhile. */
function preparedSent(tx: Tx, requestId: string, payer: PayerRuntime, controlNumber: string, batch?: Batch): Promise<RequestRow | undefined> {
  return transitionFrom(tx, requestId, 'queued', 'sent', { actor: 'system', detail: { payerId: payer.config.id, controlNumber } }, batch);
}
