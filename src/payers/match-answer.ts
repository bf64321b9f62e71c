/**
 * Which request a late 278 (pushed to `/payer/x12`) answers. The payer echoes our 2000E TRN02, but
 * that trace is the provider's own Claim identifier: providers choose it, so two organizations can
 * send the same one, by chance or on purpose to catch another's decision. The trace alone would
 * then hand one organization's decision (and its patient's data) to another. So a candidate must
 * also agree with the identifiers the answer echoes (2010C member id, 2010B requester id), and when
 * the candidates left still belong to more than one organization the answer is matched to none
 * (recorded as unmatched for staff) rather than guessed. Within one organization the newest
 * request wins (an update re-uses its Claim identifier). Pure.
 */
import type { RequestRow } from '../db/queries/requests.ts';
import { el, groupLoops } from '../translate/index.ts';
import type { Segment } from '../x12/index.ts';

/** 2000B requester and 2000C subscriber HL levels; NM1 entity codes 1P and IL name them. */
const ECHOED: { level: string; entity: string; key: 'providerIds' | 'memberIds' }[] = [
  { level: '21', entity: '1P', key: 'providerIds' },
  { level: '22', entity: 'IL', key: 'memberIds' },
];

function echoed(body: Segment[]): { key: 'providerIds' | 'memberIds'; value: string }[] {
  const { loops } = groupLoops(body);
  const out: { key: 'providerIds' | 'memberIds'; value: string }[] = [];
  for (const e of ECHOED) {
    const nm1 = loops.find((l) => l.level === e.level)?.names.find((n) => el(n.nm1, 1) === e.entity)?.nm1;
    const value = nm1 ? el(nm1, 9) : '';
    if (value) out.push({ key: e.key, value });
  }
  return out;
}

/**
 * @param candidates requests of this payer with the echoed trace, newest first
 * @returns the request, or none (`ambiguous` when several organizations remain); `agreeing`: the
 *   candidates that fit the echoed ids (the organizations an undelivered answer names)
 */
export function matchAnswer(candidates: RequestRow[], body: Segment[]): { request?: RequestRow; ambiguous: boolean; agreeing: RequestRow[] } {
  const ids = echoed(body);
  const agreeing = candidates.filter((r) => {
    const summary = (r.summary ?? {}) as Partial<Record<'providerIds' | 'memberIds', string[]>>;
    return ids.every(({ key, value }) => !summary[key]?.length || summary[key]!.includes(value));
  });
  const orgs = new Set(agreeing.map((r) => r.orgId));
  if (orgs.size > 1) return { ambiguous: true, agreeing };
  return { request: agreeing[0], ambiguous: false, agreeing };
}
