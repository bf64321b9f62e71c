/**
 * Reading what a payer answered: a 278 response (translated to a PAS response Bundle), a 999 or
 * TA1 rejecting our interchange (a rejection, never a retry), or a FHIR-native payer's PAS
 * response Bundle. Answers are data: every outcome becomes a Bundle and a summary.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { latestMessage, type NewMessage, type RequestRow } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { ACCEPTING, ackErrors, decisionOf, read999, refusalResponse, requestPathOf, x12ResponseToPas, type Refusal } from '../translate/index.ts';
import { summarizeResponse, type AnswerSummary } from '../requests/index.ts';
import { elementText, parseX12, type ParseResult, type Segment } from '../x12/index.ts';
import type { PayerRuntime } from './registry.ts';
import { bodyOf, envelopeOf } from './x12-io.ts';

export type PayerReply =
  | { kind: 'answer'; bundle: Bundle; summary: AnswerSummary; message: NewMessage }
  /** The payer acknowledged the 278 (999 or TA1 accepting it) and will answer later, to /payer/x12. */
  | { kind: 'accepted'; message: NewMessage }
  | { kind: 'unreadable'; error: string };

export const INBOUND_X12 = 'x12-in';

/**
 * The answer for a request the payer refused as an interchange (999/TA1) or never got (delivery
 * failed): a PAS error response, never a denial (`refusalResponse`).
 */
export function rejectionBundle(request: Bundle | undefined, now: Date, refusal: Refusal): Bundle {
  return refusalResponse(request as never, refusal, { now, ids: randomUUID }) as unknown as Bundle;
}

/** What a 999 or TA1 says when it refuses our interchange; undefined when it accepts. */
function ackRejection(parsed: ParseResult): Refusal | undefined {
  for (const ic of parsed.interchanges) {
    for (const ta1 of ic.ta1) {
      const ack = elementText(ta1.elements[3]); // TA104 A accepted, E accepted with errors, R rejected
      const note = elementText(ta1.elements[4]); // TA105 interchange note code
      if (ack === 'R') return { kind: 'syntax', text: `interchange rejected by the payer (TA105 ${note})`, element: `TA1-${note}` };
    }
    for (const g of ic.groups) {
      for (const tx of g.transactions) {
        if (tx.setId !== '999') continue;
        const group = read999(bodyOf(tx));
        const set = group.sets.find((x) => !ACCEPTING.has(x.status));
        const verdict = set?.status || group.status;
        if (verdict === 'R' || verdict === 'M' || verdict === 'W' || verdict === 'X') {
          // IK3 loop and segment, IK4 element position: the first place the payer named; and every error the 999 lists.
          const first = set?.segments[0];
          const element = first ? [first.loop, first.segment, first.elements[0] ? String(first.elements[0].element) : ''].filter(Boolean).join('-') : `999-IK5-${verdict}`;
          return { kind: 'syntax', text: `transaction rejected by the payer's 999 (${verdict})`, element, errors: ackErrors(group, set, requestPathOf) };
        }
      }
    }
  }
  return undefined;
}

/** A request's stored Bundle of one message set (the PAS request by default), parsed. */
export async function storedBundle(db: Db, requestId: string, set = 'pas-request'): Promise<Bundle | undefined> {
  const stored = await latestMessage(db, requestId, set);
  return stored ? (JSON.parse(stored.payload) as Bundle) : undefined;
}

/**
 * Reads what a payer answered. `requestBundle`: the stored PAS request when the caller has it
 * already (read here otherwise, for X12 answers only).
 */
export async function readPayerReply(
  db: Db,
  r: { request: RequestRow; payer: PayerRuntime; body: string; contentType: string; now: Date; requestBundle?: Bundle },
): Promise<PayerReply> {
  const base = { orgId: r.request.orgId, requestId: r.request.id, direction: 'in' as const };

  if (r.payer.config.connector === 'pas-fhir') {
    let bundle: Bundle;
    try {
      bundle = JSON.parse(r.body) as Bundle;
    } catch {
      return { kind: 'unreadable', error: 'the payer answered with invalid JSON' };
    }
    if (bundle?.resourceType !== 'Bundle') return { kind: 'unreadable', error: 'the payer did not answer with a Bundle' };
    return { kind: 'answer', bundle, summary: summarizeResponse(bundle), message: { ...base, format: 'fhir', transactionSet: 'pas-response-in', payload: r.body } };
  }

  const requestBundle = r.requestBundle ?? (await storedBundle(db, r.request.id));
  const parsed = parseX12(r.body, { validate: false });
  if (!parsed.isX12) return { kind: 'unreadable', error: 'the payer answered with something that is not X12' };
  const ic = parsed.interchanges[0];
  const message: NewMessage = {
    ...base,
    format: 'x12',
    transactionSet: INBOUND_X12,
    senderId: ic?.sender.id ?? null,
    controlNumber: ic?.controlNumber ?? null,
    payload: r.body,
  };
  const rejected = ackRejection(parsed);
  if (rejected) {
    return { kind: 'answer', bundle: rejectionBundle(requestBundle, r.now, rejected), summary: { overall: 'rejected', items: [] }, message };
  }
  const tx = parsed.interchanges.flatMap((i) => i.groups).flatMap((g) => g.transactions).find((t) => t.setId === '278');
  if (!tx || !ic) {
    const acks = parsed.interchanges.flatMap((i) => i.groups).flatMap((g) => g.transactions).some((t) => t.setId === '999');
    const ta1Only = parsed.interchanges.some((i) => i.ta1.length > 0 && i.groups.length === 0);
    return acks || ta1Only ? { kind: 'accepted', message } : { kind: 'unreadable', error: 'the payer answered without a 278 response' };
  }
  const body = bodyOf(tx);
  const bundle = x12ResponseToPas(body, { request: requestBundle as never, envelope: envelopeOf(ic, tx), now: r.now, ids: randomUUID }) as unknown as Bundle;
  return { kind: 'answer', bundle, summary: summaryOf278(body, bundle), message };
}

/**
 * The answer's summary: the lines' review actions as the PAS response carries them; an AAA-only
 * answer is a rejection; an answer with no line decisions (a whole-request cancel, C at 2000E)
 * takes the event-level HCR01.
 */
export function summaryOf278(body: Segment[], bundle: Bundle): AnswerSummary {
  const decision = decisionOf(body);
  const summary = summarizeResponse(bundle);
  if (decision.overall === 'rejected') return { ...summary, overall: 'rejected' };
  const lineCodes = summary.items.filter((i) => i.code).length;
  if (lineCodes === 0 && decision.overall !== 'none') {
    return { ...summary, overall: decision.overall, items: [{ sequence: 0, code: decision.overall, ...(decision.authNumber ? { authNumber: decision.authNumber } : {}) }] };
  }
  return summary;
}
