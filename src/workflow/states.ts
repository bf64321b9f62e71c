/**
 * The request state machine: one table of allowed transitions, and the mapping from X12 306
 * review-action codes (HCR01) to states. Pure: data in, data out.
 *
 * `review`: held for staff review before the 278 leaves (the payer's rules or the organization's
 * setting ask for it); nothing is queued for the payer until a staff member approves it.
 * `returned`: staff sent it back to the provider with a reason instead of sending it; the provider
 * fixes it and submits again (a new request). Both are the gateway's own states, never a payer's.
 */
import { PriorgateError } from '../errors/index.ts';

export const STATES = [
  'received',
  'review',
  'queued',
  'sent',
  'pended',
  'certified',
  'partially_certified',
  'modified',
  'denied',
  'rejected',
  'cancelled',
  'returned',
  'error',
  'not_required',
] as const;
export type RequestState = (typeof STATES)[number];

/**
 * `not_required`: no prior authorization is needed (HCR01 NA on every line): the payer's rules
 * exempt it and the gateway answered itself, or the payer said so. Settled, but not a payer's
 * determination: it is neither an approval nor a denial (the CMS metrics leave it out).
 */
const DECIDED = ['certified', 'partially_certified', 'modified', 'denied', 'rejected', 'cancelled', 'not_required'] as const;
/** What a payer's answer (or a failed delivery) can move a request to. */
const ANSWERS: RequestState[] = ['pended', ...DECIDED, 'error'];
/** States in which nothing more is owed to anyone: the payer decided, or staff returned the request. */
export const SETTLED_STATES: readonly RequestState[] = [...DECIDED, 'returned'];

/** from → the states it may move to. An update re-queues a request; a cancel is certification type 3. */
export const TRANSITIONS: Record<RequestState, readonly RequestState[]> = {
  // received → not_required: the payer's rules say no authorization is needed, or the provider is
  // gold-carded for every line (NA): nothing is sent;
  // received → cancelled: a cancel of a request the payer never had is confirmed here;
  // received → review: held for staff review before anything is sent.
  received: ['review', 'queued', 'not_required', 'rejected', 'error', 'cancelled'],
  // review → queued: approved and sent; → returned: back to the provider; → cancelled: withdrawn
  // (a cancel of a held request is confirmed here: the payer never had it).
  review: ['queued', 'returned', 'cancelled'],
  // queued → pended: the sync wait ran out before the payer was even reached (we answer A4).
  queued: ['sent', 'pended', 'rejected', 'error', 'cancelled', 'queued'],
  sent: [...ANSWERS, 'sent'],
  pended: [...ANSWERS, 'queued'],
  certified: ['queued', 'cancelled'],
  partially_certified: ['queued', 'cancelled'],
  modified: ['queued', 'cancelled'],
  not_required: ['queued', 'cancelled'],
  denied: ['queued'],
  rejected: ['queued'],
  cancelled: [],
  returned: [],
  // error → queued: staff retry the delivery or resend; error → cancelled is in ANSWERS.
  error: ['queued', 'sent', ...ANSWERS],
};

export class TransitionError extends PriorgateError {
  override name = 'TransitionError';
  constructor(
    readonly from: RequestState,
    readonly to: RequestState,
  ) {
    super('transition', `a request in state ${from} cannot move to ${to}`);
  }
}

export function canTransition(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: RequestState, to: RequestState): void {
  if (!canTransition(from, to)) throw new TransitionError(from, to);
}

/**
 * Does the request have an answer the provider can be given: the payer's (decided, or pended by
 * the payer), or the gateway's own (held for review: pended; returned by staff)?
 */
export function isAnswered(s: RequestState): boolean {
  return ANSWERS.includes(s) || s === 'review' || s === 'returned';
}

/** Nothing more will happen to it. */
export function isFinal(s: RequestState): boolean {
  return SETTLED_STATES.includes(s);
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
  NA: 'not_required',
};

/**
 * The request's state from its lines' review actions: any pended line keeps it pended; all
 * certified → certified; all denied → denied; a mix → partially certified (A6 alone → modified);
 * cancelled lines count only when every line is cancelled, and lines needing no authorization (NA)
 * only when no line needs one.
 */
export function stateFromReviewActions(codes: string[]): RequestState {
  let states = codes.map((c) => REVIEW_ACTION_STATE[c] ?? 'pended');
  // Lines no longer asked for (cancelled), then lines that need no authorization: the rest decide,
  // unless every line is such a line.
  for (const aside of ['cancelled', 'not_required'] as const) {
    if (states.some((s) => s !== aside)) states = states.filter((s) => s !== aside);
  }
  if (states.length === 0) return 'pended';
  if (states.includes('pended')) return 'pended';
  const uniq = new Set(states);
  if (uniq.size === 1) return states[0]!;
  if (uniq.has('cancelled') && uniq.size === 1) return 'cancelled';
  if ([...uniq].every((s) => s === 'certified' || s === 'modified')) return 'modified';
  return 'partially_certified';
}
