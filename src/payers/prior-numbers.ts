/**
 * The numbers an update or cancel 278 must quote so the payer finds the case it changes: read from
 * the payer's stored answer to the prior request (2000E HCR02 / REF*BB authorization number, REF*NT
 * administrative reference) and its line decisions (2000F authorization numbers, by item sequence).
 */
import type { Db } from '../db/client.ts';
import { latestMessage, requestById, requestItemsOf, type RequestRow } from '../db/queries/requests.ts';
import { el, groupLoops, type PriorNumbers } from '../translate/index.ts';
import { parseX12 } from '../x12/index.ts';
import { INBOUND_X12 } from './reply.ts';
import { bodyOf } from './x12-io.ts';

/** 2000E numbers of a 278 response body: HCR02, REF*BB, REF*NT. */
export function eventNumbers(text: string): Pick<PriorNumbers, 'authNumber' | 'adminReference'> {
  const tx = parseX12(text, { validate: false }).interchanges.flatMap((i) => i.groups).flatMap((g) => g.transactions).find((t) => t.setId === '278');
  const event = tx ? groupLoops(bodyOf(tx)).loops.find((l) => l.level === 'EV') : undefined;
  if (!event) return {};
  const hcr = event.head.find((s) => s.tag === 'HCR');
  const ref = (q: string) => event.head.find((s) => s.tag === 'REF' && el(s, 1) === q);
  const authNumber = (hcr && el(hcr, 2)) || (ref('BB') && el(ref('BB')!, 2)) || undefined;
  const adminReference = (ref('NT') && el(ref('NT')!, 2)) || undefined;
  return { ...(authNumber ? { authNumber } : {}), ...(adminReference ? { adminReference } : {}) };
}

/** Undefined when the request revises nothing (no prior request). */
export async function priorNumbers(db: Db, request: RequestRow): Promise<PriorNumbers | undefined> {
  if (!request.priorRequestId) return undefined;
  const prior = await requestById(db, request.priorRequestId);
  if (!prior) return undefined;
  const answer = await latestMessage(db, prior.id, INBOUND_X12);
  const fromAnswer = answer ? eventNumbers(answer.payload) : {};
  const stored = typeof prior.summary?.['authNumber'] === 'string' ? (prior.summary['authNumber'] as string) : undefined;
  const items = await requestItemsOf(db, prior.id);
  const itemAuthNumbers = Object.fromEntries(items.filter((i) => i.authNumber).map((i) => [i.sequence, i.authNumber!]));
  const authNumber = fromAnswer.authNumber ?? stored;
  return {
    ...(authNumber ? { authNumber } : {}),
    ...(fromAnswer.adminReference ? { adminReference: fromAnswer.adminReference } : {}),
    ...(Object.keys(itemAuthNumbers).length ? { itemAuthNumbers } : {}),
  };
}
