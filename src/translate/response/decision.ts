/**
 * `decisionOf`: the compact, storable summary of a 278 response — what the workflow keeps per
 * request and per item. AAA rejections are reported apart from decisions: a rejected request has
 * no review outcome (overall `rejected`), never an A3.
 */
import type { Segment } from '../../x12/types.ts';
import { CERTIFIED, UNDECIDED, type ReviewActionCode } from '../codes/review.ts';
import { RESPONSE_DATE } from '../codes/service.ts';
import { periodOf } from '../x12-util.ts';
import { parseResponse, traceValues, type Level } from './parse.ts';

export interface ItemDecision {
  /** HL01 of the 2000F loop. */
  hl: string;
  /** 2000F TRN02 (our item trace echoed, else the UMO's). */
  trace?: string;
  code?: ReviewActionCode;
  authNumber?: string;
  /** REF*NT administrative reference number (pended answers carry it). */
  adminRef?: string;
  reason?: string;
  period?: { start?: string; end?: string };
}

export interface AaaSummary {
  loop: string;
  valid: string;
  reason: string;
  followUp?: string;
}

export interface Decision {
  /** Event-level HCR01, else the items' combined code; `rejected` when only AAA came back. */
  overall: ReviewActionCode | 'rejected' | 'none';
  trace?: string;
  authNumber?: string;
  period?: { start?: string; end?: string };
  items: ItemDecision[];
  aaa: AaaSummary[];
}

/** The authorized period: certification effective/expiration dates, else the event date (AAH). */
export function authorizedPeriod(level: Level | undefined): { start?: string; end?: string } | undefined {
  const find = (q: string) => level?.dates.find((d) => d.qualifier === q);
  const effective = find(RESPONSE_DATE.effective);
  const expiration = find(RESPONSE_DATE.expiration);
  if (effective || expiration) {
    const start = effective ? periodOf(effective.format, effective.value)?.start : undefined;
    const end = expiration ? periodOf(expiration.format, expiration.value)?.end : effective ? periodOf(effective.format, effective.value)?.end : undefined;
    return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
  }
  const event = find(RESPONSE_DATE.eventPeriod);
  return event ? periodOf(event.format, event.value) : undefined;
}

/**
 * Items' codes → one: still pending if any is pended; the common code when all agree; A2
 * (certified in part) when some are certified and some not; otherwise the first.
 */
export function combine(codes: string[]): string | undefined {
  if (codes.length === 0) return undefined;
  if (codes.some((c) => UNDECIDED.has(c))) return 'A4';
  if (codes.every((c) => c === codes[0])) return codes[0];
  if (codes.some((c) => CERTIFIED.has(c))) return 'A2';
  return codes[0];
}

/**
 * @example
 * decisionOf(segments) // { overall: 'A1', authNumber: 'AUTH0001', items: [{ hl: '5', code: 'A1', … }], aaa: [] }
 */
export function decisionOf(segments: Segment[]): Decision {
  const parsed = parseResponse(segments);
  const event = parsed.event;
  const items: ItemDecision[] = parsed.services.map((s) => {
    const review = s.review ?? event?.review;
    const period = authorizedPeriod(s) ?? (review && CERTIFIED.has(review.code) ? authorizedPeriod(event) : undefined);
    const trace = traceValues(s)[0];
    return {
      hl: s.hlId,
      ...(trace ? { trace } : {}),
      ...(review ? { code: review.code } : {}),
      ...(review?.number ? { authNumber: review.number } : s.refs['BB'] ? { authNumber: s.refs['BB'] } : {}),
      ...(s.refs['NT'] ? { adminRef: s.refs['NT'] } : {}),
      ...(review?.reason ? { reason: review.reason } : {}),
      ...(period ? { period } : {}),
    };
  });
  const codes = items.flatMap((i) => (i.code ? [i.code] : []));
  const overall = event?.review?.code ?? combine(codes) ?? (parsed.rejections.length ? 'rejected' : 'none');
  const authNumber = event?.review?.number ?? event?.refs['BB'] ?? items.find((i) => i.authNumber && i.code && CERTIFIED.has(i.code))?.authNumber;
  const trace = traceValues(event)[0];
  const period = authorizedPeriod(event);
  return {
    overall,
    ...(trace ? { trace } : {}),
    ...(authNumber ? { authNumber } : {}),
    ...(period ? { period } : {}),
    items,
    aaa: parsed.rejections.map((r) => ({ loop: r.loopId, valid: r.valid, reason: r.reason, ...(r.followUp ? { followUp: r.followUp } : {}) })),
  };
}
