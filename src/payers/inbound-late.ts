/**
 * Recording what a payer pushed to `/payer/x12`, one part at a time, each in the transaction the
 * inbox job opens for it (inbox-job.ts): a late 278 decision, matched to its request by the trace
 * we sent (2000E TRN02) and the identifiers it echoes (match-answer.ts); a 999 about one of our
 * interchanges, matched by AK102 (our GS06, which is our ISA13 number: x12-io) and checked to
 * belong to this payer — a rejection becomes the request's answer (`rejected`, with the 999's
 * errors in ClaimResponse.error / CoverageEligibilityResponse.error); a 271 member, matched by the
 * trace our 270 carried (TRN*2). Acknowledgments are never acknowledged with a 999.
 *
 * A request keeps only its own transaction set, as an interchange of its own (x12
 * singleSetInterchange): never the whole interchange, which may carry other patients' answers;
 * of a 271 answering several members, only its member's HL branch (x12 hlBranch).
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Db, Tx } from '../db/client.ts';
import type { InboxPartOutcome } from '../db/queries/inbox.ts';
import { outboundMessage, requestById, requestsByTrace, saveMessage, type MessageRow, type RequestRow } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import type { Logger } from '../log/index.ts';
import {
  ACCEPTING, ackErrors, el, eligibility271ToFhir, eligibilityOutcomeBundle, groupLoops, patientOf, read999, requestPathOf, type AckGroup, type Parsed271,
} from '../translate/index.ts';
import { ELIGIBILITY_REQUEST_SET, recordAnswer, recordEligibilityAnswer } from '../requests/index.ts';
import { hlBranch, parseX12, singleSetInterchange, type FunctionalGroup, type Interchange, type TransactionSet } from '../x12/index.ts';
import { attachmentKindOf } from './attach-275.ts';
import { OUTBOUND_278 } from './deliver.ts';
import { OUTBOUND_270 } from './eligibility-deliver.ts';
import { matchAnswer } from './match-answer.ts';
import { INBOUND_X12, rejectionBundle, storedBundle } from './reply.ts';
import { applyLate278, recordUnmatched } from './unmatched.ts';
import { bodyOf, envelopeOf } from './x12-io.ts';

/** One transaction set of an accepted interchange, and who sent it. */
export interface LatePart {
  log: Logger;
  payerId: string;
  /** Our ISA06/GS02 (PRIORGATE_X12_SENDER_ID): whose interchanges the 999s answer. */
  senderId: string;
  ic: Interchange;
  group: FunctionalGroup;
  tx: TransactionSet;
  now: Date;
}

/** What recording a part did: the message it stored, the request it answered, whether its state changed. */
export interface PartResult {
  outcome: InboxPartOutcome;
  messageId: string;
  requestId?: string;
  changed?: boolean;
}

/** Requests still waiting for (or pended on) the payer: a late rejection may still settle them. */
const OPEN = ['queued', 'sent', 'pended', 'error'] as const;

/** The part's own set, stored once for `request` (or for nobody, when it matched none). */
export function storeSet(db: Db, p: LatePart, request: RequestRow | undefined, transactionSet = INBOUND_X12): Promise<string> {
  return saveMessage(db, {
    orgId: request?.orgId ?? null, requestId: request?.id ?? null, direction: 'in', format: 'x12', transactionSet,
    senderId: p.ic.sender.id, controlNumber: p.ic.controlNumber, payload: singleSetInterchange(p.ic, p.group, p.tx),
  });
}

const result = (messageId: string, request: RequestRow, changed: boolean): PartResult => ({ outcome: changed ? 'recorded' : 'unchanged', messageId, requestId: request.id, changed });

/** A late 278: matched and recorded like a synchronous answer, or kept for staff (unmatched.ts). */
export async function recordLate278(db: Tx, p: LatePart): Promise<PartResult> {
  const body = bodyOf(p.tx);
  const trn = groupLoops(body).loops.find((l) => l.level === 'EV')?.head.find((s) => s.tag === 'TRN');
  const trace = trn ? el(trn, 2) : '';
  const candidates = trace ? (await requestsByTrace(db, trace)).filter((r) => r.payerId === p.payerId) : [];
  const { request, ambiguous, agreeing } = matchAnswer(candidates, body);
  if (ambiguous) p.log.warn({ payerId: p.payerId, controlNumber: p.ic.controlNumber, candidates: candidates.length }, 'late 278 matches requests of several organizations; left unmatched');
  const messageId = await storeSet(db, p, request);
  if (!request) {
    await recordUnmatched(db, { messageId, payerId: p.payerId, controlNumber: p.ic.controlNumber, ambiguous, candidates: agreeing });
    return { outcome: 'unmatched', messageId };
  }
  const changed = await applyLate278(db, { request, body, envelope: envelopeOf(p.ic, p.tx), payerId: p.payerId, actor: `payer:${p.payerId}`, messageId, now: p.now });
  return result(messageId, request, changed);
}

/** The request one 999 group answers: our interchange by AK102, of this payer. */
async function answered(db: Db, p: LatePart, group: AckGroup): Promise<{ out: MessageRow; request: RequestRow } | undefined> {
  if (!/^\d{1,9}$/.test(group.controlNumber)) return undefined;
  const out = await outboundMessage(db, p.senderId, group.controlNumber.padStart(9, '0'));
  const request = out?.requestId ? await requestById(db, out.requestId) : undefined;
  return out && request && request.payerId === p.payerId ? { out, request } : undefined;
}

/** A 999 about one of our interchanges: audited; a rejection of a 278 or 270 answers its request. */
export async function recordLate999(db: Tx, p: LatePart): Promise<PartResult> {
  const group = read999(bodyOf(p.tx));
  const hit = await answered(db, p, group);
  const messageId = await storeSet(db, p, hit?.request, attachmentKindOf(hit?.out.transactionSet)?.ackSet ?? INBOUND_X12);
  if (!hit) {
    await appendAudit(db, { actor: `payer:${p.payerId}`, action: 'payer.unmatched', outcome: 'failure', detail: { messageId, controlNumber: p.ic.controlNumber, acknowledges: group.controlNumber } });
    return { outcome: 'unmatched', messageId };
  }
  const { out, request } = hit;
  // Our set by its ST02 (a group may acknowledge several); the group's verdict when it names none.
  const st02 = parseX12(out.payload, { validate: false }).interchanges[0]?.groups[0]?.transactions[0]?.controlNumber;
  const set = group.sets.find((s) => s.controlNumber === st02) ?? group.sets.find((s) => !ACCEPTING.has(s.status)) ?? group.sets[0];
  const accepted = set ? ACCEPTING.has(set.status) : ACCEPTING.has(group.status);
  const codes = [...(set?.codes ?? []), ...group.codes, ...(set?.segments ?? []).flatMap((s) => [`${s.segment} ${s.code}`, ...s.elements.map((e) => `${s.segment}${String(e.element).padStart(2, '0')} ${e.code}`)])];
  const detail = { messageId, acknowledges: out.controlNumber, set: out.transactionSet, accepted, status: set?.status ?? group.status, ...(codes.length ? { codes } : {}) };
  const attachment = attachmentKindOf(out.transactionSet);
  if (attachment) {
    await appendAudit(db, { actor: `payer:${p.payerId}`, action: `${attachment.action}.${accepted ? 'acknowledged' : 'rejected'}`, outcome: accepted ? 'success' : 'failure', orgId: request.orgId, entityType: 'request', entityId: request.id, detail: { controlNumber: out.controlNumber, messageId, ...(codes.length ? { codes } : {}) } });
    return result(messageId, request, false);
  }
  await appendAudit(db, { actor: `payer:${p.payerId}`, action: 'payer.acknowledgment', outcome: accepted ? 'success' : 'failure', orgId: request.orgId, entityType: 'request', entityId: request.id, detail });
  if (accepted) return result(messageId, request, false);
  const reason = `the payer's 999 rejected the ${out.transactionSet === OUTBOUND_270 ? '270' : '278'} (${set?.status ?? group.status})`;
  const errors = ackErrors(group, set, requestPathOf);
  if (out.transactionSet === OUTBOUND_278) {
    const bundle = rejectionBundle(await storedBundle(db, request.id), p.now, { kind: 'syntax', text: reason, errors });
    const r = await recordAnswer(db, { requestId: request.id, actor: `payer:${p.payerId}`, responseBundle: bundle, summary: { overall: 'rejected', items: [] }, messageId, onlyFrom: [...OPEN] });
    return result(messageId, request, Boolean(r?.changed));
  }
  if (out.transactionSet === OUTBOUND_270) {
    const ctx = { request: (await storedBundle(db, request.id, ELIGIBILITY_REQUEST_SET)) as never, now: p.now, ids: randomUUID };
    const bundle = eligibilityOutcomeBundle(ctx, { kind: 'error', reason, code: set?.status ?? group.status, errors });
    const summary = { status: 'error' as const, errors: [{ loopId: 'interchange', code: set?.status ?? group.status, description: reason }] };
    const r = await recordEligibilityAnswer(db, { requestId: request.id, actor: `payer:${p.payerId}`, responseBundle: bundle as unknown as Bundle, summary, messageId, onlyFrom: ['queued', 'sent', 'error'] });
    return result(messageId, request, Boolean(r?.changed));
  }
  return result(messageId, request, false);
}

/** One member of a 271, matched to the eligibility request its trace names. */
export async function recordLate271(db: Tx, p: LatePart, member: Parsed271): Promise<PartResult> {
  const trace = patientOf(member)?.traces.find((t) => t.type === '2')?.value;
  const candidates = trace ? (await requestsByTrace(db, trace)).filter((r) => r.payerId === p.payerId && r.kind === 'eligibility') : [];
  const request = new Set(candidates.map((r) => r.orgId)).size === 1 ? candidates[0] : undefined;
  // A 271 answering several members: the request keeps its member's branch only, not the others'.
  const hlId = member.dependent?.hlId ?? member.subscriber?.hlId;
  const messageId = await storeSet(db, hlId ? { ...p, tx: hlBranch(p.tx, hlId) } : p, request);
  if (!request) {
    await appendAudit(db, { actor: `payer:${p.payerId}`, action: 'payer.unmatched', outcome: 'failure', detail: { messageId, controlNumber: p.ic.controlNumber, set: '271', ...(candidates.length > 1 ? { reason: 'ambiguous' } : {}) } });
    return { outcome: 'unmatched', messageId };
  }
  const stored = await storedBundle(db, request.id, ELIGIBILITY_REQUEST_SET);
  const { bundle, summary } = eligibility271ToFhir(bodyOf(p.tx), { request: stored as never, now: p.now, ids: randomUUID, ...(trace ? { trace } : {}) });
  const r = await recordEligibilityAnswer(db, { requestId: request.id, actor: `payer:${p.payerId}`, responseBundle: bundle as unknown as Bundle, summary, messageId, onlyFrom: ['queued', 'sent', 'error'] });
  return result(messageId, request, Boolean(r?.changed));
}
