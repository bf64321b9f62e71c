/**
 * Why a payer rejected a request, as data for the data-quality report: each AAA of the answer
 * (AAA03 reject reason with its loop and AAA04 follow-up), or each error of the 999 or TA1 that
 * refused our interchange (IK304/IK403 with the loop IK303 and the element IK301+IK401, TA105).
 * Recorded with the answer that carried them, in its transaction.
 */
import type { Db } from '../db/client.ts';
import { insertRejections, messagePayload } from '../db/queries/quality.ts';
import type { RequestRow } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { ACK_SYSTEMS } from '../translate/index.ts';
import { elementText, parseX12, type Segment } from '../x12/index.ts';

export interface RejectionReason {
  source: 'AAA' | '999' | 'TA1';
  code: string;
  /** The loop the error names (2010C, 2000E …; ISA for a TA1). */
  loop?: string;
  /** Segment and element position (NM109), or the segment id when the error is the segment's. */
  element?: string;
  /** AAA04 follow-up action (element 889). */
  followUp?: string;
}

type Coding = { system?: string; code?: string };
type Ext = { url?: string; valueString?: string; valueCodeableConcept?: { coding?: Coding[] }; extension?: Ext[] };
type ErrorLike = { code?: { coding?: Coding[] }; extension?: Ext[] };

const ACK_CODE_SYSTEMS = new Set<string>(Object.values(ACK_SYSTEMS));

/**
 * The ClaimResponse.error of a PAS response (translated from a 278, or a FHIR-native payer's). A
 * refused interchange (`refusalResponse`) reads as 901 code 33 with the X12 position in its
 * errorElement (`TA1-022`, `999-IK5-R`, `2010C-NM1-9`), followed by the 999's own errors: those
 * are the reasons; the summary counts only when nothing follows it.
 */
export function reasonsOfResponse(bundle: Bundle | undefined): RejectionReason[] {
  const cr = bundle?.entry?.[0]?.resource as { resourceType?: string; error?: ErrorLike[] } | undefined;
  if (cr?.resourceType !== 'ClaimResponse') return [];
  const out: RejectionReason[] = [];
  const errors = cr.error ?? [];
  const fromAck = (e: ErrorLike) => ACK_CODE_SYSTEMS.has(e.code?.coding?.[0]?.system ?? '') || Boolean(e.code?.coding?.[0]?.system?.endsWith('/999'));
  // A refused interchange: its acknowledgment's own errors are the reasons (the 901 summary before them is not one).
  const acked = errors.some(fromAck);
  for (const e of errors) {
    if (acked && !fromAck(e)) continue;
    const coding = e.code?.coding?.[0];
    if (!coding?.code) continue;
    const element = e.extension?.find((x) => x.url?.endsWith('extension-errorElement'))?.extension?.find((x) => x.url === 'error')?.valueString;
    const followUp = e.extension?.find((x) => x.url?.endsWith('extension-errorFollowupAction'))?.valueCodeableConcept?.coding?.[0]?.code;
    if (coding.code.startsWith('TA1-')) out.push({ source: 'TA1', code: coding.code.slice(4), loop: 'ISA' });
    else if (element?.startsWith('TA1-')) out.push({ source: 'TA1', code: element.slice(4), loop: 'ISA' });
    else if (fromAck(e)) out.push({ source: '999', code: coding.code });
    else if (element?.startsWith('999-IK5-')) out.push({ source: '999', code: element.slice(8) });
    else out.push({ source: 'AAA', code: coding.code, ...(element ? { loop: element } : {}), ...(followUp ? { followUp } : {}) });
  }
  return out;
}

const text = (s: Segment | undefined, i: number) => elementText(s?.elements[i]);

/** The errors a payer's 999 or TA1 names (IK3/IK4 pairs, IK5 codes, TA105); [] for anything else. */
export function reasonsOfAck(x12: string): RejectionReason[] {
  const parsed = parseX12(x12, { validate: false });
  if (!parsed.isX12) return [];
  const out: RejectionReason[] = [];
  for (const ic of parsed.interchanges) {
    for (const ta1 of ic.ta1) {
      if (text(ta1, 3) === 'R' || text(ta1, 3) === 'E') out.push({ source: 'TA1', code: text(ta1, 4), loop: 'ISA' });
    }
    for (const tx of ic.groups.flatMap((g) => g.transactions).filter((t) => t.setId === '999')) {
      const segs = tx.segments;
      for (let i = 0; i < segs.length; i++) {
        const s = segs[i]!;
        if (s.tag === 'IK3') {
          const loop = text(s, 2) || undefined;
          const elements: RejectionReason[] = [];
          // IK4s follow their IK3, with CTX (context) segments anywhere between.
          for (let j = i + 1; j < segs.length && (segs[j]!.tag === 'IK4' || segs[j]!.tag === 'CTX'); j++) {
            const ik4 = segs[j]!;
            if (ik4.tag !== 'IK4') continue;
            const position = String(elementText(ik4.elements[0])).split(/[^0-9]/)[0] ?? '';
            elements.push({ source: '999', code: text(ik4, 2), ...(loop ? { loop } : {}), element: `${text(s, 0)}${position.padStart(2, '0')}` });
          }
          out.push(...(elements.length ? elements : [{ source: '999' as const, code: text(s, 3) || '8', ...(loop ? { loop } : {}), element: text(s, 0) }]));
        }
        if (s.tag === 'IK5' && ['M', 'R', 'W', 'X'].includes(text(s, 0)) && !segs.some((x) => x.tag === 'IK3')) {
          const codes = [1, 2, 3, 4, 5].map((k) => text(s, k)).filter(Boolean);
          out.push(...(codes.length ? codes : [text(s, 0)]).map((code) => ({ source: '999' as const, code })));
        }
      }
    }
  }
  return out;
}

/**
 * Records the reasons of a rejection (the request just moved to `rejected`), in the caller's
 * transaction. A 999/TA1 rejection is read from the acknowledgment itself (`messageId`) for its
 * loops and elements; when it names none, the verdict the response carries is kept.
 */
export async function recordRejections(
  tx: Db,
  r: { request: RequestRow; bundle?: Bundle; errors?: { loopId: string; code: string; followUp?: string }[]; messageId?: string | null; at?: Date },
): Promise<RejectionReason[]> {
  let reasons: RejectionReason[] = r.bundle
    ? reasonsOfResponse(r.bundle)
    : (r.errors ?? []).map((e) =>
        e.loopId === 'interchange'
          ? e.code.startsWith('TA1-')
            ? { source: 'TA1' as const, code: e.code.slice(4), loop: 'ISA' }
            : { source: '999' as const, code: e.code }
          : { source: 'AAA' as const, code: e.code, loop: e.loopId, ...(e.followUp ? { followUp: e.followUp } : {}) },
      );
  if (reasons.some((x) => x.source !== 'AAA') && r.messageId) {
    const ack = await messagePayload(tx, r.messageId);
    const detailed = ack ? reasonsOfAck(ack) : [];
    if (detailed.length) reasons = [...reasons.filter((x) => x.source === 'AAA'), ...detailed];
  }
  const summary = r.request.summary as { clientId?: unknown; providerNpi?: unknown; providerIds?: unknown };
  const providerNpi = typeof summary.providerNpi === 'string' ? summary.providerNpi : Array.isArray(summary.providerIds) && typeof summary.providerIds[0] === 'string' ? summary.providerIds[0] : null;
  await insertRejections(
    tx,
    reasons.map((x) => ({
      requestId: r.request.id,
      orgId: r.request.orgId,
      clientId: typeof summary.clientId === 'string' ? summary.clientId : null,
      providerNpi,
      payerId: r.request.payerId,
      requestKind: r.request.kind,
      source: x.source,
      code: x.code,
      loop: x.loop ?? null,
      element: x.element ?? null,
      followUp: x.followUp ?? null,
      ...(r.at ? { createdAt: r.at } : {}),
    })),
  );
  return reasons;
}
