/**
 * One true sentence of what happened and one of what staff can do, for every state of the state
 * machine (request-story.ts is pure: facts in, words out), and the actions each state offers.
 */
import { describe, expect, it } from 'vitest';
import { actionsFor, REQUEST_ACTIONS } from '../../src/staff/request-actions.ts';
import { storyOf, type StoryFacts } from '../../src/staff/request-story.ts';
import type { StaffPrincipal } from '../../src/staff/types.ts';
import { STATES } from '../../src/workflow/states.ts';

const facts = (over: Partial<StoryFacts>): StoryFacts => ({
  status: 'sent',
  kind: 'prior-auth',
  payerName: 'Demo Health Plan',
  summary: {},
  reasons: [],
  errors: [],
  syncWaitMs: 15_000,
  deadlineMs: 5 * 86_400_000,
  hasContact: true,
  providerToldPended: false,
  payerAnswered: false,
  ...over,
});

const staff = (role: StaffPrincipal['role']): StaffPrincipal => ({ userId: 'u', username: 'u', role, orgId: null, csrf: 'x', tokenHash: 'h' });

describe('request story', () => {
  it.each(STATES)('says what happened and what to do for %s', (status) => {
    const s = storyOf(facts({ status }));
    expect(s.happened).not.toMatch(/^In state/);
    expect(s.happened).toMatch(/\.$/);
    expect(s.next.length).toBeGreaterThan(5);
  });

  it('a failed delivery says so with its attempts and cause, never that the payer pended it', () => {
    const s = storyOf(
      facts({
        status: 'error',
        last: { actor: 'system', to: 'error', detail: { error: 'no answer within 10000 ms', attempts: 6 } },
        job: { status: 'dead', attempts: 6, maxAttempts: 6, lastError: 'no answer within 10000 ms' },
        providerToldPended: true,
      }),
    );
    expect(s.happened).toBe('Delivery to Demo Health Plan failed after 6 attempts: no answer within 10000 ms. There is no decision; the provider still sees it as pended.');
    expect(s.next).toMatch(/^Retry the delivery .*resend it as a new interchange, call Demo Health Plan .*, or cancel it\.$/);
    expect(s.reason).toBe('no answer within 10000 ms');
  });

  it('tells the gateway\'s own pended answer from the payer\'s', () => {
    const gateway = storyOf(facts({ status: 'pended', last: { actor: 'system', to: 'pended', detail: {} } }));
    expect(gateway.happened).toMatch(/has not answered; after waiting 15 s the gateway told the provider it is pended/);
    const payer = storyOf(facts({ status: 'pended', payerAnswered: true, last: { actor: 'payer:demo-payer', to: 'pended', detail: { decision: 'A4' } }, reasons: ['0V Pended for clinical review'] }));
    // The payer's A4 came after the gateway's own pended answer: no transition, still the payer's pend.
    expect(storyOf(facts({ status: 'pended', payerAnswered: true, last: { actor: 'system', to: 'pended', detail: {} } })).happened).toMatch(/^Demo Health Plan pended it/);
    expect(payer.happened).toBe('Demo Health Plan pended it (HCR01 A4): the decision comes later (0V Pended for clinical review).');
    const overdue = storyOf(facts({ status: 'pended', payerAnswered: true, deadlineMs: -3_600_000, last: { actor: 'payer:demo-payer', to: 'pended', detail: { decision: 'A4' } } }));
    expect(overdue.next).toMatch(/overdue: call Demo Health Plan/);
  });

  it('no authorization needed (NA) is not an approval: the rules\' own answer, a gold card, or the payer\'s', () => {
    const rules = storyOf(facts({ status: 'not_required', last: { actor: 'system', to: 'not_required', detail: { decision: 'NA' } } }));
    expect(rules.happened).toBe("No prior authorization is needed: Demo Health Plan's rules exempt it (HCR01 NA), so nothing was sent to Demo Health Plan.");
    expect(rules.happened).not.toMatch(/approved|A1/);
    expect(rules.next).not.toMatch(/use the authorization number/);
    expect(storyOf(facts({ status: 'not_required', summary: { rules: { outcome: 'gold-carded' } } })).happened).toMatch(/the provider is gold-carded with Demo Health Plan for it \(HCR01 NA\)/);
    expect(storyOf(facts({ status: 'not_required', payerAnswered: true })).happened).toBe('Demo Health Plan answered that no prior authorization is needed (HCR01 NA).');
    expect(actionsFor(staff('staff'), 'not_required', 'prior-auth')).toEqual([]);
  });

  it('an eligibility check is told as coverage, never as an authorization, a denial to appeal or a review', () => {
    const el = (status: string, over: Partial<StoryFacts> = {}) => storyOf(facts({ kind: 'eligibility', status, payerAnswered: true, ...over }));
    const active = el('certified', { summary: { coverage: 'active' } });
    expect(active.happened).toBe('Demo Health Plan says the coverage is active (271).');
    const inactive = el('denied', { summary: { coverage: 'inactive' }, reasons: ['6 Inactive'] });
    expect(inactive.happened).toBe('Demo Health Plan says the coverage is not active (271: 6 Inactive).');
    const unknown = el('certified', { summary: { coverage: 'unknown' } });
    expect(unknown.happened).toMatch(/without saying whether the coverage is active/);
    const refused = el('rejected', { errors: ['72 Invalid/missing subscriber/insured ID'] });
    expect(refused.happened).toBe('Demo Health Plan could not answer the eligibility check (rejected: 72 Invalid/missing subscriber/insured ID).');
    for (const s of [active, inactive, unknown, refused]) {
      expect(`${s.happened} ${s.next}`).not.toMatch(/HCR|authorization number|appeal|peer-to-peer|approved|denied it/);
    }
    // Before the answer, the shared states' sentences apply (queued, sent, error).
    expect(el('queued').happened).toBe('Queued for Demo Health Plan.');
  });

  it('a rejection is not a denial: nothing to appeal', () => {
    const s = storyOf(facts({ status: 'rejected', errors: ['72 Invalid/missing subscriber/insured ID'] }));
    expect(s.happened).toMatch(/could not process it .*this is not a denial/);
    expect(s.next).toMatch(/nothing to appeal/);
  });

  it('a held request says why, and a returned one who returned it and why', () => {
    expect(storyOf(facts({ status: 'review', summary: { reviewReason: 'payer rules: documentation still missing: low-back-pain' } })).happened).toBe(
      'Held for review before it is sent to Demo Health Plan (payer rules: documentation still missing: low-back-pain); the provider was told it is pended.',
    );
    expect(storyOf(facts({ status: 'returned', summary: { reviewedBy: 'staff:clerk' }, errors: ['15 Required application data missing'] })).happened).toBe(
      'Returned to the provider by clerk without sending it to Demo Health Plan (15 Required application data missing); the provider was notified.',
    );
  });

  it('offers only the actions that apply to the state, to roles allowed them', () => {
    expect(actionsFor(staff('staff'), 'error', 'prior-auth').sort()).toEqual(['call', 'cancel', 'resend', 'retry']);
    expect(actionsFor(staff('staff'), 'review', 'prior-auth').sort()).toEqual(['approve', 'documents', 'return']);
    expect(actionsFor(staff('staff'), 'certified', 'prior-auth')).toEqual([]);
    expect(actionsFor(staff('staff'), 'rejected', 'prior-auth')).toEqual(['call']);
    expect(actionsFor(staff('viewer'), 'error', 'prior-auth')).toEqual([]);
    expect(actionsFor(staff('auditor'), 'review', 'prior-auth')).toEqual([]);
    expect(actionsFor(staff('admin'), 'error', 'eligibility')).toEqual([]);
    for (const a of Object.values(REQUEST_ACTIONS)) for (const s of a.states) expect(STATES).toContain(s);
  });
});
