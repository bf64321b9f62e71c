import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, isAnswered, stateFromReviewActions, STATES, TRANSITIONS } from './states.ts';

describe('request state machine', () => {
  it('lists a transition row for every state, naming only known states', () => {
    for (const s of STATES) for (const to of TRANSITIONS[s]) expect(STATES).toContain(to);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STATES].sort());
  });
  it('lets a pended request be decided, updated or cancelled, but a cancelled one goes nowhere', () => {
    expect(canTransition('pended', 'certified')).toBe(true);
    expect(canTransition('pended', 'queued')).toBe(true);
    expect(canTransition('certified', 'cancelled')).toBe(true);
    expect(TRANSITIONS.cancelled).toEqual([]);
    expect(() => assertTransition('cancelled', 'certified')).toThrow(/cancelled cannot move to certified/);
    expect(() => assertTransition('received', 'denied')).toThrow();
    expect(canTransition('received', 'certified')).toBe(true); // no authorization required: answered locally
  });
  it('maps line review actions to a request state', () => {
    expect(stateFromReviewActions(['A1', 'A1'])).toBe('certified');
    expect(stateFromReviewActions(['A3'])).toBe('denied');
    expect(stateFromReviewActions(['A1', 'A4'])).toBe('pended');
    expect(stateFromReviewActions(['A1', 'A3'])).toBe('partially_certified');
    expect(stateFromReviewActions(['A2'])).toBe('partially_certified');
    expect(stateFromReviewActions(['A6', 'A1'])).toBe('modified');
    expect(stateFromReviewActions(['C'])).toBe('cancelled');
    expect(isAnswered('pended')).toBe(true);
    expect(isAnswered('sent')).toBe(false);
  });
});
