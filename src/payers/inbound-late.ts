/**
 * What a payer pushes to `/payer/x12` besides late 278s: its 999s about our interchanges (a late
 * rejection of a 278 or 270, the acknowledgment of a 275) and late 271s. A 999 is matched to the
 * interchange it answers by AK102 (our GS06, which is our ISA13 number: x12-io) and checked to
 * belong to this payer; a rejection becomes the request's answer — `rejected`, with the 999's
 * errors in ClaimResponse.error / CoverageEligibilityResponse.error — staff see it in the timeline
 * and the provider in the response (and by Subscription when the request was pended). A 271 is
 * matched by the trace our 270 carried (TRN*2). Acknowledgments are never acknowledged with a 999.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { outboundMessage, requestById, requestsByTrace, saveMessage, type MessageRow, type RequestRow } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import type { Logger } from '../log/index.ts';
import {
  ACCEPTING, ackErrors, eligibility271ToFhir, eligibilityOutcomeBundle, parse271All, patientOf, read999, requestPathOf, type AckGroup,
} from '../translate/index.ts';
import { recordAnswer } from '../workflow/answer.ts';
import { ELIGIBILITY_REQUEST_SET, recordEligibilityAnswer } from '../workflow/eligibility.ts';
import { parseX12, type Interchange } from '../x12/index.ts';
import { attachmentKindOf } from './attach-275.ts';
import { OUTBOUND_278 } from './deliver.ts';
import { OUTBOUND_270 } from './eligibility-deliver.ts';
import { INBOUND_X12, rejectionBundle, storedBundle } from './reply.ts';
import { bodyOf } from './x12-io.ts';

export interface LateInput {
  db: Db;
  log: Logger;
  payerId: string;
  /** Our ISA06/GS02 (PRIORGATE_X12_SENDER_ID): whose interchanges the 999s answer. */
  senderId: string;
  ic: Interchange;
  text: string;
  now: Date;
}

/** Requests still waiting for (or pended on) the payer: a late rejection may still settle them. */
const OPEN = ['queued', 'sent', 'pended', 'error'] as const;

/** The request one 999 group answers: our interchange by AK102, of this payer. */
async function answered(input: LateInput, group: AckGroup): Promise<{ out: MessageRow; request: RequestRow } | undefined> {
  if (!/^\d{1,9}$/.test(group.controlNumber)) return undefined;
  const out = await outboundMessage(input.db, input.senderId, group.controlNumber.padStart(9, '0'));
  const request = out?.requestId ? await requestById(input.db, out.requestId) : undefined;
  return out && request && request.payerId === input.payerId ? { out, request } : undefined;
}

/** Every 999 of the interchange; returns the requests whose state changed. */
export async function recordLateAcks(input: LateInput): Promise<string[]> {
  const changed: string[] = [];
  const acks = input.ic.groups.flatMap((g) => g.transactions).filter((t) => t.setId === '999');
  for (const tx of acks) {
    const group = read999(bodyOf(tx));
    const hit = await answered(input, group);
    await withTransaction(input.db, async (db) => {
      const messageId = await saveMessage(db, {
        orgId: hit?.request.orgId ?? null, requestId: hit?.request.id ?? null, direction: 'in', format: 'x12',
        transactionSet: attachmentKindOf(hit?.out.transactionSet)?.ackSet ?? INBOUND_X12,
        senderId: input.ic.sender.id, controlNumber: input.ic.controlNumber, payload: input.text,
      });
      if (!hit) {
        await appendAudit(db, { actor: `payer:${input.payerId}`, action: 'payer.unmatched', outcome: 'failure', detail: { messageId, controlNumber: input.ic.controlNumber, acknowledges: group.controlNumber } });
        return;
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
        await appendAudit(db, { actor: `payer:${input.payerId}`, action: `${attachment.action}.${accepted ? 'acknowledged' : 'rejected'}`, outcome: accepted ? 'success' : 'failure', orgId: request.orgId, entityType: 'request', entityId: request.id, detail: { controlNumber: out.controlNumber, messageId, ...(codes.length ? { codes } : {}) } });
        return;
      }
      await appendAudit(db, { actor: `payer:${input.payerId}`, action: 'payer.acknowledgment', outcome: accepted ? 'success' : 'failure', orgId: request.orgId, entityType: 'request', entityId: request.id, detail });
      if (accepted) return;
      const reason = `the payer's 999 rejected the ${out.transactionSet === OUTBOUND_270 ? '270' : '278'} (${set?.status ?? group.status})`;
      const errors = ackErrors(group, set, requestPathOf);
      if (out.transactionSet === OUTBOUND_278) {
        const bundle = rejectionBundle(await storedBundle(db, request.id), input.now, { kind: 'syntax', text: reason, errors });
        const r = await recordAnswer(db, { requestId: request.id, actor: `payer:${input.payerId}`, responseBundle: bundle, summary: { overall: 'rejected', items: [] }, messageId, onlyFrom: [...OPEN] });
        if (r?.changed) changed.push(request.id);
      } else if (out.transactionSet === OUTBOUND_270) {
        const ctx = { request: await storedBundle(db, request.id, ELIGIBILITY_REQUEST_SET) as never, now: input.now, ids: randomUUID };
        const bundle = eligibilityOutcomeBundle(ctx, { kind: 'error', reason, code: set?.status ?? group.status, errors });
        const summary = { status: 'error' as const, errors: [{ loopId: 'interchange', code: set?.status ?? group.status, description: reason }] };
        const r = await recordEligibilityAnswer(db, { requestId: request.id, actor: `payer:${input.payerId}`, responseBundle: bundle as unknown as Bundle, summary, messageId, onlyFrom: ['queued', 'sent', 'error'] });
        if (r?.changed) changed.push(request.id);
      }
    });
  }
  return changed;
}

/** Every 271 of the interchange, each member matched to the eligibility request its trace names. */
export async function recordLate271s(input: LateInput): Promise<string[]> {
  const changed: string[] = [];
  for (const tx of input.ic.groups.flatMap((g) => g.transactions).filter((t) => t.setId === '271')) {
    const body = bodyOf(tx);
    for (const parsed of parse271All(body)) {
      const trace = patientOf(parsed)?.traces.find((t) => t.type === '2')?.value;
      const candidates = trace ? (await requestsByTrace(input.db, trace)).filter((r) => r.payerId === input.payerId && r.kind === 'eligibility') : [];
      const request = new Set(candidates.map((r) => r.orgId)).size === 1 ? candidates[0] : undefined;
      await withTransaction(input.db, async (db) => {
        const messageId = await saveMessage(db, {
          orgId: request?.orgId ?? null, requestId: request?.id ?? null, direction: 'in', format: 'x12', transactionSet: INBOUND_X12,
          senderId: input.ic.sender.id, controlNumber: input.ic.controlNumber, payload: input.text,
        });
        if (!request) {
          await appendAudit(db, { actor: `payer:${input.payerId}`, action: 'payer.unmatched', outcome: 'failure', detail: { messageId, controlNumber: input.ic.controlNumber, set: '271', ...(candidates.length > 1 ? { reason: 'ambiguous' } : {}) } });
          return;
        }
        const stored = await storedBundle(db, request.id, ELIGIBILITY_REQUEST_SET);
        const { bundle, summary } = eligibility271ToFhir(body, { request: stored as never, now: input.now, ids: randomUUID, ...(trace ? { trace } : {}) });
        const r = await recordEligibilityAnswer(db, { requestId: request.id, actor: `payer:${input.payerId}`, responseBundle: bundle as unknown as Bundle, summary, messageId, onlyFrom: ['queued', 'sent', 'error'] });
        if (r?.changed) changed.push(request.id);
      });
    }
  }
  input.log.debug({ payerId: input.payerId, changed: changed.length }, 'late 271s recorded');
  return changed;
}
