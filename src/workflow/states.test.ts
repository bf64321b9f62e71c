import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, isAnswered, isFinal, SETTLED_STATES, stateFromReviewActions, STATES, TRANSITIONS } from './states.ts';

describe('request state machine', () => {
  it('lists a transition row for every state, naming only known states', () => {
    for (const s of STATES) for (const to of TRANSITIONS[s]) expect(STATES).toContain(to);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
  });
  it('reaches every state from received, and every unsettled state can still end', () => {
    const seen = new Set<string>(['received']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const s of [...seen]) for (const to of TRANSITIONS[s as keyof typeof TRANSITIONS]) if (!seen.has(to)) (seen.add(to), (grew = true));
    }
    expect([...seen].sort()).toEqual([...STATES].sort());
    for (const s of STATES) if (!SETTLED_STATES.includes(s)) expect(TRANSITIONS[s].some((to) => SETTLED_STATES.includes(to)) || TRANSITIONS[s].includes('queued'), s).toBe(true);
  });
  it('lets a pended request be decided, updated or cancelled, but a cancelled one goes nowhere', () => {
    expect(canTransition('pended', 'certified')).toBe(true);
    expect(canTransition('pended', 'queued')).toBe(true);
    expect(canTransition('certified', 'cancelled')).toBe(true);
    expect(TRANSITIONS.cancelled).toEqual([]);
    expect(() => assertTransition('cancelled', 'certified')).toThrow(/cancelled cannot move to certified/);
    expect(() => assertTransition('received', 'denied')).toThrow();
    // No authorization required: answered locally, and not as an approval.
    expect(canTransition('received', 'not_required')).toBe(true);
    expect(canTransition('received', 'certified')).toBe(false);
  });
  it('holds a request in review until staff approve (queued), return it, or it is withdrawn; a payer answer cannot skip it', () => {
    expect(TRANSITIONS.review).toEqual(['queued', 'returned', 'cancelled']);
    for (const to of ['sent', 'pended', 'certified', 'denied', 'rejected', 'error'] as const) expect(canTransition('review', to), to).toBe(false);
    // Only review leads to returned, and returned is final.
    for (const s of STATES) expect(canTransition(s, 'returned'), s).toBe(s === 'review');
    expect(TRANSITIONS.returned).toEqual([]);
    expect(isFinal('returned')).toBe(true);
    expect(isFinal('review')).toBe(false);
    // The provider has an answer in both: held (pended A4) and returned.
    expect(isAnswered('review')).toBe(true);
    expect(isAnswered('returned')).toBe(true);
  });
  it('lets staff retry or resend a failed delivery (error → queued)', () => {
    expect(canTransition('error', 'queued')).toBe(true);
    expect(canTransition('error', 'cancelled')).toBe(true);
  });
  it('maps line review actions to a request state', () => {
    expect(stateFromReviewActions(['A1', 'A1'])).toBe('certified');
    expect(stateFromReviewActions(['A3'])).toBe('denied');
    expect(stateFromReviewActions(['A1', 'A4'])).toBe('pended');
    expect(stateFromReviewActions(['A1', 'A3'])).toBe('partially_certified');
    expect(stateFromReviewActions(['A2'])).toBe('partially_certified');
    expect(stateFromReviewActions(['A6', 'A1'])).toBe('modified');
    expect(stateFromReviewActions(['C'])).toBe('cancelled');
    // NA lines need no authorization: they decide only when no line needs one.
    expect(stateFromReviewActions(['NA', 'NA'])).toBe('not_required');
    expect(stateFromReviewActions(['NA', 'A1'])).toBe('certified');
    expect(stateFromReviewActions(['NA', 'A3'])).toBe('denied');
    expect(stateFromReviewActions(['NA', 'A4'])).toBe('pended');
    expect(stateFromReviewActions(['NA', 'C'])).toBe('not_required');
    expect(isFinal('not_required')).toBe(true);
    expect(isAnswered('pended')).toBe(true);
    expect(isAnswered('sent')).toBe(false);
  });
});
