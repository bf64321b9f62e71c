/**
 * What staff see of a request held for review before it is sent: the FHIR Bundle that will go out
 * (with the documentation attached so far), the 278 it becomes, what the payer's rules say is
 * still missing (evaluated again now, so a document staff attached counts), and the documents.
 */
import type { MessageRow } from '../db/queries/requests.ts';
import type { RequestRow } from '../db/queries/staff.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { evaluatePriorAuth } from '../rules/index.ts';
import { pasRequestTo278, TranslateError } from '../translate/index.ts';
import { fitForPayer, writeX12 } from '../x12/index.ts';
import { findOrganization } from '../db/queries/clients.ts';
import { sendsX12 } from '../payers/deliver.ts';
import { partiesFor, requestOptionsFor, x12FormOf } from '../payers/x12-io.ts';
import { RETURN_REASONS } from '../requests/index.ts';
import { documentsOf, type DocumentEntry } from './documents.ts';
import { pretty } from './pretty.ts';
import type { StaffDeps } from './types.ts';

export interface ReviewView {
  /** Why it is held (the rules' or the organization's reason). */
  reason: string;
  /** The PAS request Bundle that will be sent, pretty-printed; null for roles without PHI access. */
  fhir: string | null;
  /** The X12 278 it becomes (control numbers are placeholders until it is sent); null for a PAS FHIR payer or without PHI access. */
  x12: string | null;
  /** Why there is no 278 preview. */
  x12Note?: string;
  missing: { id: string; description: string; item: number }[];
  documents: DocumentEntry[];
  returnReasons: { id: string; label: string }[];
}

/** Every control number 1: the real ones are taken from the database when the 278 is sent. */
const PLACEHOLDER = { next: () => 1 };

/**
 * The 278 as the delivery will write it (payers/deliver.ts `write278`, when the approved request is
 * first sent): the routed parties, the payer's document route, character set and delimiters.
 */
function preview278(deps: StaffDeps, bundle: Bundle, payerId: string | null, requesterNpi: string | null | undefined, now: Date): { x12: string | null; note?: string } {
  const payer = payerId ? deps.services?.payers.get(payerId)?.config : undefined;
  if (!payer) return { x12: null, note: 'the payer is not configured in this gateway' };
  if (!sendsX12(payer)) return { x12: null, note: `${payer.name} takes PAS FHIR: the Bundle above is what it receives` };
  try {
    const sender = deps.config.x12SenderId;
    const translated = pasRequestTo278(bundle as never, { now, ...requestOptionsFor(payer, sender, requesterNpi) });
    const form = x12FormOf(payer);
    const { segments } = form ? fitForPayer(translated.segments, form) : { segments: translated.segments };
    const { from, to } = partiesFor(payer, sender);
    const text = writeX12(
      {
        sender: { qualifier: from.qualifier, id: from.id },
        receiver: { qualifier: to.qualifier, id: to.id },
        usage: payer.usage,
        groups: [{ functionalId: 'HI', applicationSender: from.application, applicationReceiver: to.application, version: '005010X217', transactions: [{ setId: '278', segments }] }],
      },
      { controlNumbers: PLACEHOLDER, now, ...(form?.delimiters ? { delimiters: form.delimiters } : {}) },
    );
    return { x12: pretty('x12', text) };
  } catch (e) {
    if (e instanceof TranslateError) return { x12: null, note: `it cannot be translated to a 278 as it is: ${e.message} (${e.expression})` };
    throw e;
  }
}

export async function reviewView(deps: StaffDeps, row: RequestRow, msgs: MessageRow[], phi: boolean, now: Date): Promise<ReviewView> {
  const requests = msgs.filter((m) => m.transactionSet === 'pas-request');
  const text = requests[requests.length - 1]?.payload;
  const bundle = text ? (JSON.parse(text) as Bundle) : undefined;
  const attached = Array.isArray(row.summary.attached) ? (row.summary.attached as string[]) : [];
  let missing: ReviewView['missing'] = [];
  if (bundle && row.payerId && deps.services) {
    // `fetched: []`: the EHR was asked already; what the Bundle holds now is what counts.
    const decision = evaluatePriorAuth(deps.services.rules(), { bundle: bundle as never, payerId: row.payerId, now, fetched: [] });
    missing = decision.documentation.filter((d) => !d.satisfied).map((d) => ({ id: d.id, description: d.description, item: d.item }));
  }
  const requesterNpi = bundle && phi ? (await findOrganization(deps.db, row.orgId))?.npi : undefined;
  const preview = bundle && phi ? preview278(deps, bundle, row.payerId, requesterNpi, now) : { x12: null, note: phi ? 'the stored request is missing' : 'your role does not see message contents' };
  return {
    reason: String(row.summary.reviewReason ?? 'review before sending'),
    fhir: bundle && phi ? JSON.stringify(bundle, null, 2) : null,
    x12: preview.x12,
    ...(preview.note ? { x12Note: preview.note } : {}),
    missing,
    documents: phi ? documentsOf(bundle, attached) : [],
    returnReasons: Object.entries(RETURN_REASONS).map(([id, r]) => ({ id, label: `${r.label} (AAA ${r.code})` })),
  };
}
