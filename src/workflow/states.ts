/**
 * The request state machine: one table of allowed transitions, and the mapping from X12 306
 * review-action codes (HCR01) to states. Pure: data in, data out.
 */

export const STATES = [
  'received',
  'queued',
  'sent',
  'pended',
  'certified',
  'partially_certified',
  'modified',
  'denied',
  'rejected',
  'cancelled',
  'error',
] as const;
export type RequestState = (typeof STATES)[number];

const DECIDED = ['certified', 'partially_certified', 'modified', 'denied', 'rejected', 'cancelled'] as const;
const ANSWERS: RequestState[] = ['pended', ...DECIDED, 'error'];

/** from → the states it may move to. An update re-queues a request; a cancel is certification type 3. */
export const TRANSITIONS: Record<RequestState, readonly RequestState[]> = {
  // received → certified: the payer's rules say no authorization is needed (NA), nothing is sent;
  // received → cancelled: a cancel of a request the payer never had is confirmed here.
  received: ['queued', 'certified', 'rejected', 'error', 'cancelled'],
  // queued → pended: the sync wait ran out before the payer was even reached (we answer A4).
  queued: ['sent', 'pended', 'rejected', 'error', 'cancelled', 'queued'],
  sent: [...ANSWERS, 'sent'],
  pended: [...ANSWERS, 'queued'],
  certified: ['queued', 'cancelled'],
  partially_certified: ['queued', 'cancelled'],
  modified: ['queued', 'cancelled'],
  denied: ['queued'],
  rejected: ['queued'],
  cancelled: [],
  error: ['queued', 'sent', ...ANSWERS],
};

export class TransitionError extends Error {
  override name = 'TransitionError';
  readonly phiFree = true;
  constructor(
    readonly from: RequestState,
    readonly to: RequestState,
  ) {
    super(`a request in state ${from} cannot move to ${to}`);
  }
}

export function canTransition(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: RequestState, to: RequestState): void {
  if (!canTransition(from, to)) throw new TransitionError(from, to);
}

/** Has the payer given an answer the provider can act on (decided, or pended by the payer)? */
export function isAnswered(s: RequestState): boolean {
  return ANSWERS.includes(s);
}

export function isFinal(s: RequestState): boolean {
  return (DECIDED as readonly string[]).includes(s);
}

/** X12 306 action codes (HCR01) → a line's state. */
export const REVIEW_ACTION_STATE: Record<string, RequestState> = {
  A1: 'certified',
  A2: 'partially_certified',
  A3: 'denied',
  A4: 'pended',
  A6: 'modified',
  C: 'cancelled',
  CT: 'pended',
  NA: 'certified',
};

/**
 * The request's state from its lines' review actions: any pended line keeps it pended; all
 * certified → certified; all denied → denied; a mix → partially certified (A6 alone → modified);
 * cancelled lines count only when every line is cancelled.
 */
export function stateFromReviewActions(codes: string[]): RequestState {
  const all = codes.map((c) => REVIEW_ACTION_STATE[c] ?? 'pended');
  // Cancelled lines are no longer asked for: the rest decide, unless every line is cancelled.
  const states = all.some((s) => s !== 'cancelled') ? all.filter((s) => s !== 'cancelled') : all;
  if (states.length === 0) return 'pended';
  if (states.includes('pended')) return 'pended';
  const uniq = new Set(states);
  if (uniq.size === 1) return states[0]!;
  if (uniq.has('cancelled') && uniq.size === 1) return 'cancelled';
  if ([...uniq].every((s) => s === 'certified' || s === 'modified')) return 'modified';
  return 'partially_certified';
}
