/**
 * What every X12 275 the gateway sends has in common, whatever it carries (the documents a 278
 * promised, `attach.ts`; the whole PAS request Bundle, `attach-bundle.ts`): its own outbox job,
 * queued in the transaction of the state change that calls for it; written once (its control
 * numbers stored before the first send, so every retry resends the same interchange and the payer
 * can de-duplicate); sent through the payer's connector with its own CORE payload type and the same
 * breaker, concurrency limit and retries as the 278; the payer's acknowledgment (999 or TA1, now or
 * later to /payer/x12) stored and read; each step an audit event on the request's timeline. A
 * failed 275 never moves the request: the request's state belongs to the 278.
 */
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { enqueue, jobExists, type Job } from '../db/queries/jobs.ts';
import { latestMessage, requestById, saveMessage, type RequestRow } from '../db/queries/requests.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { read999, TranslateError, type Heading275Options } from '../translate/index.ts';
import type { JobOutcome } from '../jobs/index.ts';
import { parseX12, type CharacterChange, type Segment } from '../x12/index.ts';
import type { PAYLOAD_TYPES } from './core-soap.ts';
import type { DeliverDeps } from './deliver.ts';
import { sendThroughPayer } from './deliver.ts';
import { eventNumbers } from './prior-numbers.ts';
import { INBOUND_X12 } from './reply.ts';
import { bodyOf, envelope, partiesFor, x12FormOf } from './x12-io.ts';

/** One kind of 275: its job, the message sets it and its acknowledgment are stored as, its timeline actions. */
export interface Attachment275Kind {
  job: string;
  /** messages.transaction_set of the 275 we send and of the payer's acknowledgment of it. */
  outSet: string;
  ackSet: string;
  /** Timeline actions are `<action>.queued`, `.send`, `.acknowledged`, `.rejected`, `.failed`, `.skipped`. */
  action: string;
  /** GS08 / ST03. */
  version: string;
  payloadType: keyof typeof PAYLOAD_TYPES;
}

export const ATTACH_JOB = 'payer.attach';
/** messages.transaction_set of the documents' 275 and of the payer's acknowledgment of it. */
export const OUTBOUND_275 = 'x12-275-request';
export const INBOUND_275_ACK = 'x12-275-ack';

/** The documents a 278 promised with PWK*..*EL (005010X210, MIME entities in BIN). */
export const DOCUMENTS_275: Attachment275Kind = {
  job: ATTACH_JOB, outSet: OUTBOUND_275, ackSet: INBOUND_275_ACK, action: 'attachment', version: '005010X210', payloadType: '275-request',
};

/** The whole PAS request Bundle (spec-28: 006020X316, BDS*B64, CAT*AE*HL). */
export const BUNDLE_275: Attachment275Kind = {
  job: 'payer.attach-bundle', outSet: 'x12-275-bundle-request', ackSet: 'x12-275-bundle-ack', action: 'attachment.bundle', version: '006020X316', payloadType: '275-bundle-request',
};

/** The kind of 275 a stored outbound message set is (a late 999 names our interchange). */
export function attachmentKindOf(outSet: string | null | undefined): Attachment275Kind | undefined {
  return [DOCUMENTS_275, BUNDLE_275].find((k) => k.outSet === outSet);
}

/** Request states in which attachments are no use to the payer any more. */
const CLOSED = new Set(['cancelled', 'rejected', 'error']);

/** `NM103 transliterated`, once per position and kind (what the timeline shows). */
export function fittedPositions(changes: CharacterChange[]): string[] {
  return [...new Set(changes.map((c) => `${c.position} ${c.kind}`))];
}

const base = (request: RequestRow) => ({ orgId: request.orgId, entityType: 'request', entityId: request.id });

/**
 * Queues a 275 job for a request once, in the caller's transaction, with its timeline event.
 * Returns false when one was queued before.
 */
export async function queue275(tx: Db, kind: Attachment275Kind, r: { request: RequestRow; payer: PayerConfig }, detail: Record<string, unknown>): Promise<boolean> {
  if (await jobExists(tx, r.request.id, kind.job)) return false;
  await enqueue(tx, { kind: kind.job, orgId: r.request.orgId, requestId: r.request.id, maxAttempts: r.payer.maxAttempts });
  await appendAudit(tx, { actor: 'system', ...base(r.request), action: `${kind.action}.queued`, detail: { payerId: r.payer.id, ...detail } });
  return true;
}

/** What a 275 carries: its body after the heading every 275 shares, and what its `send` event records. */
export interface Content275 {
  write(heading: Heading275Options): { body: Segment[]; detail: Record<string, unknown> };
}

type Connected = Parameters<typeof sendThroughPayer>[1]['payer'];

/** The stored 275 of this kind, or a new one (message and audit event in one transaction). */
async function outbound275(d: DeliverDeps, kind: Attachment275Kind, request: RequestRow, payer: Connected, content: Content275): Promise<{ text: string; controlNumber: string }> {
  const existing = await latestMessage(d.db, request.id, kind.outSet);
  if (existing) return { text: existing.payload, controlNumber: existing.controlNumber ?? '' };
  const answer = await latestMessage(d.db, request.id, INBOUND_X12);
  const numbers = answer ? eventNumbers(answer.payload) : {};
  const x12 = payer.config.x12!;
  const now = d.now?.() ?? new Date();
  const { body, detail } = content.write({
    now,
    payer: { id: x12.umoId, idQualifier: x12.umoIdQualifier, name: payer.config.name },
    submitter: { id: d.senderId, name: d.senderId },
    ...numbers,
  });
  return withTransaction(d.db, async (tx) => {
    const out = await envelope(tx, { ...partiesFor(payer.config, d.senderId), setId: '275', version: kind.version, functionalId: 'PI', body, usage: payer.config.usage, now, form: x12FormOf(payer.config) });
    await saveMessage(tx, { orgId: request.orgId, requestId: request.id, direction: 'out', format: 'x12', transactionSet: kind.outSet, senderId: d.senderId, controlNumber: out.isa13, payload: out.text });
    await appendAudit(tx, {
      actor: 'system',
      action: `${kind.action}.send`,
      ...base(request),
      detail: { payerId: payer.config.id, controlNumber: out.isa13, ...detail, ...(out.fitted.length ? { fittedToPayer: fittedPositions(out.fitted) } : {}) },
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

/**
 * The job of one kind of 275. `contentOf` reads what it carries from the store, or says why there
 * is nothing to send (a failure no retry can mend).
 */
export function attachmentHandler(d: DeliverDeps, kind: Attachment275Kind, contentOf: (request: RequestRow) => Promise<Content275 | string>) {
  return async (job: Job): Promise<JobOutcome> => {
    const request = job.requestId ? await requestById(d.db, job.requestId) : undefined;
    if (!request) return { ok: false, error: 'request not found', retryable: false };
    const audit = (action: string, outcome: 'success' | 'failure', detail: Record<string, unknown>) =>
      withTransaction(d.db, (tx) => appendAudit(tx, { actor: 'system', action: `${kind.action}.${action}`, outcome, ...base(request), detail }));
    const failWith = async (_d: DeliverDeps, _r: RequestRow, j: Job, error: string, retryable: boolean): Promise<JobOutcome> => {
      if (!retryable || j.attempts >= j.maxAttempts) await audit('failed', 'failure', { error, attempts: j.attempts });
      return { ok: false, error, retryable };
    };
    if (CLOSED.has(request.status)) {
      await audit('skipped', 'success', { status: request.status });
      return { ok: true };
    }
    const payer = request.payerId ? d.payers.get(request.payerId) : undefined;
    if (!payer?.connector || !payer.config.x12) return failWith(d, request, job, `payer ${request.payerId} has no X12 endpoint`, false);
    const content = await contentOf(request);
    if (typeof content === 'string') return failWith(d, request, job, content, false);
    let out;
    try {
      out = await outbound275(d, kind, request, payer as Connected, content);
    } catch (e) {
      if (e instanceof TranslateError) return failWith(d, request, job, `the 275 cannot be written: ${e.message}`, false);
      throw e;
    }
    const sent = await sendThroughPayer(d, { request, payer: payer as Connected }, job, { payload: out.text, payloadType: kind.payloadType, senderId: d.senderId }, failWith, { idKey: 'authRequestId', message: 'attachment delivery failed' });
    if ('outcome' in sent) return sent.outcome;
    const ack = readAttachmentAck(sent.answer.body, out.controlNumber);
    if (!ack) return failWith(d, request, job, 'the payer answered the 275 without a readable acknowledgment', false);
    const reply = parseX12(sent.answer.body, { validate: false }).interchanges[0];
    await withTransaction(d.db, async (tx) => {
      const messageId = await saveMessage(tx, {
        orgId: request.orgId, requestId: request.id, direction: 'in', format: 'x12', transactionSet: kind.ackSet,
        senderId: reply?.sender.id ?? null, controlNumber: reply?.controlNumber ?? null, payload: sent.answer.body,
      });
      await appendAudit(tx, {
        actor: `payer:${payer.config.id}`,
        action: `${kind.action}.${ack.accepted ? 'acknowledged' : 'rejected'}`,
        outcome: ack.accepted ? 'success' : 'failure',
        ...base(request),
        detail: { controlNumber: out.controlNumber, messageId, ...(ack.codes.length ? { codes: ack.codes } : {}) },
      });
    });
    return { ok: true };
  };
}
