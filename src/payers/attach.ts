/**
 * Documents that follow a 278 (PWK*..*EL): the X12 275 (005010X210) job `payer.attach`. Queued
 * once per request, in the same transaction as the 278's first send (`with-278`) or as the payer's
 * answer to it (`after-278`), as the payer's `x12.attachments` says; written once, sent, retried
 * and acknowledged as every 275 is (`attach-275.ts`). The whole PAS Bundle's 275, when the payer
 * takes it (`x12.pasBundle275`), is queued here too (`attach-bundle.ts`).
 *
 * A payer without a 275 route gets the route its configuration names (the 278's PWK02 says it),
 * and the provider is told in the ClaimResponse (processNote) and staff in the timeline.
 */
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { jobExists } from '../db/queries/jobs.ts';
import type { RequestRow } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { pasTo275, promisedDocuments, TranslateError } from '../translate/index.ts';
import { attachmentHandler, DOCUMENTS_275, queue275 } from './attach-275.ts';
import { queueBundle275 } from './attach-bundle.ts';
import type { DeliverDeps } from './deliver.ts';
import { storedBundle } from './reply.ts';

export { ATTACH_JOB, fittedPositions, INBOUND_275_ACK, OUTBOUND_275, readAttachmentAck } from './attach-275.ts';

const ROUTE_WORDS: Record<string, string> = { fax: 'by fax', mail: 'by mail', email: 'by e-mail', portal: "through the payer's portal", none: 'on request only' };

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
 * Queues the 275s for a request (each once) — its documents and, when the payer takes it, the whole
 * PAS Bundle — or records that the payer gets its documents another way. Runs in the caller's
 * transaction: the 278's first send (`with-278`) or the recording of the payer's answer (`after-278`).
 */
export async function queueAttachments(tx: Db, r: { request: RequestRow; payer: PayerConfig; bundle: Bundle; when: 'with-278' | 'after-278' }): Promise<void> {
  await queueDocuments(tx, r);
  await queueBundle275(tx, r);
}

async function queueDocuments(tx: Db, r: { request: RequestRow; payer: PayerConfig; bundle: Bundle; when: 'with-278' | 'after-278' }): Promise<void> {
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
  if (route.timing !== r.when || (await jobExists(tx, r.request.id, DOCUMENTS_275.job))) return;
  if (found.missing.length) {
    await appendAudit(tx, { ...base, action: 'attachment.missing', outcome: 'failure', detail: { controlNumbers: controlNumbers(found.missing), reasons: found.missing.map((m) => m.reason) } });
  }
  if (found.documents.length === 0) return;
  await queue275(tx, DOCUMENTS_275, r, { timing: route.timing, controlNumbers: controlNumbers(found.documents) });
}

/** The documents' 275 job: the promised documents of the stored request, as MIME entities in BIN. */
export function attachHandler(d: DeliverDeps) {
  return attachmentHandler(d, DOCUMENTS_275, async (request) => {
    const bundle = await storedBundle(d.db, request.id);
    const documents = bundle ? documentsOf(bundle)?.documents ?? [] : [];
    if (!bundle || documents.length === 0) return 'no document to send';
    return {
      write: (heading) => ({ body: pasTo275(bundle as never, { ...heading, documents }), detail: { documents: documents.map((x) => x.controlNumber) } }),
    };
  });
}
