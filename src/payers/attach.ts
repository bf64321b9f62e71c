/**
 * Documents that follow a 278 (PWK*..*EL): the X12 275 (005010X210) job `payer.attach`. Queued
 * once per request, in the same transaction as the 278's first send (`with-278`) or as the payer's
 * answer to it (`after-278`), as the payer's `x12.attachments` says. The 275 is written once (its
 * control numbers stored before the first send, so every retry resends the same interchange and
 * the payer can de-duplicate), sent through the payer's connector with its own CORE payload type
 * and the same breaker, concurrency limit and retries as the 278, and the payer's acknowledgment
 * (999 or TA1) is stored and read. Each step is an audit event on the request: its timeline shows
 * the 275 queued, sent (ISA13) and acknowledged or rejected.
 *
 * A payer without a 275 route gets the route its configuration names (the 278's PWK02 says it),
 * and the provider is told in the ClaimResponse (processNote) and staff in the timeline.
 */
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { enqueue, jobExists, type Job } from '../db/queries/jobs.ts';
import { latestMessage, requestById, saveMessage, type RequestRow } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { pasTo275, promisedDocuments, read999, TranslateError, type PromisedDocument } from '../translate/index.ts';
import type { JobOutcome } from '../workflow/worker.ts';
import { parseX12, type CharacterChange } from '../x12/index.ts';
import type { DeliverDeps } from './deliver.ts';
import { sendThroughPayer } from './deliver.ts';
import { eventNumbers } from './prior-numbers.ts';
import { INBOUND_X12, storedBundle } from './reply.ts';
import { bodyOf, envelope, partiesFor, x12FormOf } from './x12-io.ts';

export const ATTACH_JOB = 'payer.attach';
/** messages.transaction_set of the 275 we send and of the payer's acknowledgment of it. */
export const OUTBOUND_275 = 'x12-275-request';
export const INBOUND_275_ACK = 'x12-275-ack';

/** Request states in which documents are no use to the payer any more. */
const CLOSED = new Set(['cancelled', 'rejected', 'error']);

const ROUTE_WORDS: Record<string, string> = { fax: 'by fax', mail: 'by mail', email: 'by e-mail', portal: "through the payer's portal", none: 'on request only' };

/** `NM103 transliterated`, once per position and kind (what the timeline shows). */
export function fittedPositions(changes: CharacterChange[]): string[] {
  return [...new Set(changes.map((c) => `${c.position} ${c.kind}`))];
}

function documentsOf(bundle: Bundle): ReturnType<typeof promisedDocuments> | undefined {
  try {
    return promisedDocuments(bundle as never);
  } catch (e) {
    if (e instanceof TranslateError) return undefined;
    throw e;
  }
}

/**
 * What the provider must know about the documents its request promised, when they will not all
 * reach the payer electronically; undefined when they will (or there are none).
 */
export function attachmentNotice(payer: PayerConfig, bundle: Bundle): string | undefined {
  const route = payer.x12?.attachments;
  const found = route ? documentsOf(bundle) : undefined;
  if (!route || !found) return undefined;
  const { documents, missing } = found;
  if (route.route !== 'x12-275') {
    const all = [...documents, ...missing].map((d) => d.controlNumber);
    if (all.length === 0) return undefined;
    const how = ROUTE_WORDS[route.route] ?? route.route;
    return `${payer.name} takes no electronic attachments (X12 275): send document${all.length > 1 ? 's' : ''} ${all.join(', ')} ${how}${route.instructions ? ` (${route.instructions})` : ''}, quoting the authorization or reference number of this answer.`;
  }
  if (missing.length === 0) return undefined;
  return missing.map((m) => `Document ${m.controlNumber} was not sent to ${payer.name}: ${m.reason}; send it another way, quoting its control number.`).join(' ');
}

/** Adds a display note to the response's ClaimResponse (PAS: processNote is free text for the provider). */
export function withNote(bundle: Bundle, text: string | undefined): Bundle {
  const cr = bundle.entry?.[0]?.resource as { resourceType?: string; processNote?: { number?: number; type?: string; text: string }[] } | undefined;
  if (!text || cr?.resourceType !== 'ClaimResponse') return bundle;
  const notes = (cr.processNote ??= []);
  if (!notes.some((n) => n.text === text)) notes.push({ number: notes.length + 1, type: 'display', text });
  return bundle;
}

/**
 * Queues the 275 for a request (once), or records that the payer gets its documents another way.
 * Runs in the caller's transaction: the 278's first send (`with-278`) or the recording of the
 * payer's answer (`after-278`).
 */
export async function queueAttachments(tx: Db, r: { request: RequestRow; payer: PayerConfig; bundle: Bundle; when: 'with-278' | 'after-278' }): Promise<void> {
  const route = r.payer.x12?.attachments;
  const found = route ? documentsOf(r.bundle) : undefined;
  if (!route || !found || (found.documents.length === 0 && found.missing.length === 0)) return;
  const base = { actor: 'system', orgId: r.request.orgId, entityType: 'request', entityId: r.request.id };
  const controlNumbers = (list: { controlNumber: string }[]) => list.map((d) => d.controlNumber);
  if (route.route !== 'x12-275') {
    if (r.when !== 'with-278') return;
    await appendAudit(tx, { ...base, action: 'attachment.route', detail: { payerId: r.payer.id, route: route.route, controlNumbers: controlNumbers([...found.documents, ...found.missing]) } });
    return;
  }
  if (route.timing !== r.when || (await jobExists(tx, r.request.id, ATTACH_JOB))) return;
  if (found.missing.length) {
    await appendAudit(tx, { ...base, action: 'attachment.missing', outcome: 'failure', detail: { controlNumbers: controlNumbers(found.missing), reasons: found.missing.map((m) => m.reason) } });
  }
  if (found.documents.length === 0) return;
  await enqueue(tx, { kind: ATTACH_JOB, orgId: r.request.orgId, requestId: r.request.id, maxAttempts: r.payer.maxAttempts });
  await appendAudit(tx, { ...base, action: 'attachment.queued', detail: { payerId: r.payer.id, timing: route.timing, controlNumbers: controlNumbers(found.documents) } });
}

type Connected = Parameters<typeof sendThroughPayer>[1]['payer'];

/** The stored 275 of a request, or a new one (message and audit event in one transaction). */
async function outbound275(d: DeliverDeps, request: RequestRow, payer: Connected, documents: PromisedDocument[], bundle: Bundle): Promise<{ text: string; controlNumber: string }> {
  const existing = await latestMessage(d.db, request.id, OUTBOUND_275);
  if (existing) return { text: existing.payload, controlNumber: existing.controlNumber ?? '' };
  const answer = await latestMessage(d.db, request.id, INBOUND_X12);
  const numbers = answer ? eventNumbers(answer.payload) : {};
  const x12 = payer.config.x12!;
  const now = d.now?.() ?? new Date();
  const body = pasTo275(bundle as never, {
    now,
    payer: { id: x12.umoId, idQualifier: x12.umoIdQualifier, name: payer.config.name },
    submitter: { id: d.senderId, name: d.senderId },
    documents,
    ...numbers,
  });
  return withTransaction(d.db, async (tx) => {
    const out = await envelope(tx, { ...partiesFor(payer.config, d.senderId), setId: '275', version: '005010X210', functionalId: 'PI', body, usage: payer.config.usage, now, form: x12FormOf(payer.config) });
    await saveMessage(tx, { orgId: request.orgId, requestId: request.id, direction: 'out', format: 'x12', transactionSet: OUTBOUND_275, senderId: d.senderId, controlNumber: out.isa13, payload: out.text });
    await appendAudit(tx, {
      actor: 'system',
      action: 'attachment.send',
      orgId: request.orgId,
      entityType: 'request',
      entityId: request.id,
      detail: { payerId: payer.config.id, controlNumber: out.isa13, documents: documents.map((x) => x.controlNumber), ...(out.fitted.length ? { fittedToPayer: fittedPositions(out.fitted) } : {}) },
    });
    return { text: out.text, controlNumber: out.isa13 };
  });
}

/** The payer's acknowledgment of our 275 interchange: accepted, or rejected with its codes. */
export function readAttachmentAck(text: string, controlNumber: string): { accepted: boolean; codes: string[] } | undefined {
  const parsed = parseX12(text, { validate: false });
  if (!parsed.isX12) return undefined;
  for (const ic of parsed.interchanges) {
    const ta1 = ic.ta1.find((t) => String(t.elements[0]) === controlNumber);
    if (ta1 && String(ta1.elements[3]) === 'R') return { accepted: false, codes: [`TA1 ${String(ta1.elements[4])}`] };
  }
  const acks = parsed.interchanges.flatMap((i) => i.groups).flatMap((g) => g.transactions).filter((t) => t.setId === '999').map((t) => read999(bodyOf(t)));
  // GS06 of our interchanges is their ISA13 number (x12-io): the 999 names it in AK102.
  const ours = acks.find((g) => Number(g.controlNumber) === Number(controlNumber)) ?? acks[0];
  if (!ours) return parsed.interchanges.some((i) => i.ta1.length) ? { accepted: true, codes: [] } : undefined;
  const codes = [...ours.codes, ...ours.sets.flatMap((s) => [...s.codes, ...s.segments.flatMap((x) => [`${x.segment} ${x.code}`, ...x.elements.map((e) => `${x.segment}${String(e.element).padStart(2, '0')} ${e.code}`)])])];
  return { accepted: ours.status === 'A' || ours.status === 'E', codes };
}

export function attachHandler(d: DeliverDeps) {
  return async (job: Job): Promise<JobOutcome> => {
    const request = job.requestId ? await requestById(d.db, job.requestId) : undefined;
    if (!request) return { ok: false, error: 'request not found', retryable: false };
    const audit = (action: string, outcome: 'success' | 'failure', detail: Record<string, unknown>) =>
      withTransaction(d.db, (tx) => appendAudit(tx, { actor: 'system', action, outcome, orgId: request.orgId, entityType: 'request', entityId: request.id, detail }));
    // The request's own failure belongs to the 278: a failed 275 never moves the request.
    const failWith = async (_d: DeliverDeps, _r: RequestRow, j: Job, error: string, retryable: boolean): Promise<JobOutcome> => {
      if (!retryable || j.attempts >= j.maxAttempts) await audit('attachment.failed', 'failure', { error, attempts: j.attempts });
      return { ok: false, error, retryable };
    };
    if (CLOSED.has(request.status)) {
      await audit('attachment.skipped', 'success', { status: request.status });
      return { ok: true };
    }
    const payer = request.payerId ? d.payers.get(request.payerId) : undefined;
    if (!payer?.connector || !payer.config.x12) return failWith(d, request, job, `payer ${request.payerId} has no X12 endpoint`, false);
    const bundle = await storedBundle(d.db, request.id);
    const documents = bundle ? documentsOf(bundle)?.documents ?? [] : [];
    if (!bundle || documents.length === 0) return failWith(d, request, job, 'no document to send', false);
    let out;
    try {
      out = await outbound275(d, request, payer as Connected, documents, bundle);
    } catch (e) {
      if (e instanceof TranslateError) return failWith(d, request, job, `the 275 cannot be written: ${e.message}`, false);
      throw e;
    }
    const sent = await sendThroughPayer(d, { request, payer: payer as Connected }, job, { payload: out.text, payloadType: '275-request', senderId: d.senderId }, failWith, { idKey: 'authRequestId', message: 'attachment delivery failed' });
    if ('outcome' in sent) return sent.outcome;
    const ack = readAttachmentAck(sent.answer.body, out.controlNumber);
    if (!ack) return failWith(d, request, job, 'the payer answered the 275 without a readable acknowledgment', false);
    const reply = parseX12(sent.answer.body, { validate: false }).interchanges[0];
    await withTransaction(d.db, async (tx) => {
      const messageId = await saveMessage(tx, {
        orgId: request.orgId, requestId: request.id, direction: 'in', format: 'x12', transactionSet: INBOUND_275_ACK,
        senderId: reply?.sender.id ?? null, controlNumber: reply?.controlNumber ?? null, payload: sent.answer.body,
      });
      await appendAudit(tx, {
        actor: `payer:${payer.config.id}`,
        action: ack.accepted ? 'attachment.acknowledged' : 'attachment.rejected',
        outcome: ack.accepted ? 'success' : 'failure',
        orgId: request.orgId,
        entityType: 'request',
        entityId: request.id,
        detail: { controlNumber: out.controlNumber, messageId, ...(ack.codes.length ? { codes: ack.codes } : {}) },
      });
    });
    return { ok: true };
  };
}
