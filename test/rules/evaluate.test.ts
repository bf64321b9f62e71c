import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePriorAuth, loadRuleSet } from '../../src/rules/index.ts';
import { ehrSeed } from '../../src/sim/ehr-data.ts';
import { GOLD_NPI, NOW, pasBundle, RULES_DIR, rulesCopy } from './fixtures.ts';

const { ruleSet, problems } = loadRuleSet(RULES_DIR);
const seed = ehrSeed(NOW);
const dataOf = (patient: string) => seed.filter((r) => (r.subject as { reference?: string } | undefined)?.reference === `Patient/${patient}`);
const evaluate = (bundle: unknown, extra: { payerId?: string; state?: string; fetched?: any[] } = {}) =>
  evaluatePriorAuth(ruleSet, { bundle: bundle as never, payerId: 'demo-payer', now: NOW, ...extra });

describe('prior-authorization rules: outcomes', () => {
  it('loads the shipped rule files without problems', () => {
    expect(problems).toEqual([]);
  });

  it('office visits 99212-99215 need no authorization, with the rule in the trace', () => {
    const d = evaluate(pasBundle({ lines: [{ code: '99213', pos: '11' }] }));
    expect(d.outcome).toBe('not-required');
    expect(d.trace).toContainEqual(expect.objectContaining({ rule: 'office-visits', item: 1, result: 'not-required' }));
    expect(d.documentation).toEqual([]);
  });

  it('a code no rule names falls back to the payer default', () => {
    const d = evaluate(pasBundle({ lines: [{ code: '11111' }] }));
    expect(d.outcome).toBe('not-required');
    expect(d.trace[0]).toMatchObject({ rule: 'defaultPriorAuth', result: 'not-required' });
  });

  it('lumbar MRI requires authorization and asks for the diagnosis and conservative therapy searches', () => {
    const d = evaluate(pasBundle({ lines: [{ code: '72148', pos: '22' }] }));
    expect(d.outcome).toBe('required');
    expect(d.items).toEqual([{ sequence: 1, code: '72148', service: 'mri-lumbar-spine', outcome: 'required' }]);
    expect(d.documentation.map((x) => [x.id, x.satisfied])).toEqual([['low-back-pain', false], ['conservative-therapy', false]]);
    const therapy = d.documentation[1]!;
    expect(therapy.sources[0]!.search).toBe('Procedure?patient={patient}&code=http://www.ama-assn.org/go/cpt|97110,http://www.ama-assn.org/go/cpt|97140&date=ge2024-03-10');
    expect(therapy.sources[0]!.filter).toContain('{today-6w}');
  });

  it('with the fetched documentation complete, it stays required and names what satisfied each requirement', () => {
    const d = evaluate(pasBundle({ lines: [{ code: '72148' }] }), { fetched: dataOf('pat-lbp-ready') });
    expect(d.outcome).toBe('required');
    expect(d.documentation.every((x) => x.satisfied)).toBe(true);
    expect(d.documentation[0]!.satisfiedBy).toEqual(['Condition/pat-lbp-ready-lbp']);
    expect(d.documentation[1]!.satisfiedBy).toEqual(['Procedure/pat-lbp-ready-pt']);
  });

  it('therapy started only two weeks ago leaves conservative therapy missing', () => {
    const d = evaluate(pasBundle({ lines: [{ code: '72148' }] }), { fetched: dataOf('pat-lbp-early') });
    expect(d.outcome).toBe('missing-documentation');
    expect(d.documentation.map((x) => [x.id, x.satisfied])).toEqual([['low-back-pain', true], ['conservative-therapy', false]]);
    expect(d.trace).toContainEqual(expect.objectContaining({ rule: 'mri-lumbar-spine/conservative-therapy', result: 'missing' }));
  });

  it('documentation already in the request Bundle counts', () => {
    const [condition, pt] = dataOf('pat-lbp-ready');
    const d = evaluate(pasBundle({ lines: [{ code: '72148' }], extra: [condition, pt] }), { fetched: [] });
    expect(d.outcome).toBe('required');
    expect(d.documentation.every((x) => x.satisfied)).toBe(true);
  });

  it('a gold-carded NPI is exempt for the services on its card', () => {
    const d = evaluate(pasBundle({ lines: [{ code: '72148' }], npi: GOLD_NPI }));
    expect(d.outcome).toBe('gold-carded');
    expect(d.trace).toContainEqual(expect.objectContaining({ rule: `goldCard/${GOLD_NPI}`, result: 'gold-carded' }));
    expect(d.documentation).toEqual([]);
    // Not for services off the card.
    expect(evaluate(pasBundle({ lines: [{ code: 'G0151' }], npi: GOLD_NPI })).outcome).toBe('required');
  });

  it('an expired gold card no longer exempts', () => {
    const dir = rulesCopy();
    const file = path.join(dir, 'prior-auth/demo-payer.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('until: "2099-12-31"', 'until: "2025-03-09"'));
    const loaded = loadRuleSet(dir);
    expect(loaded.problems).toEqual([]);
    const d = evaluatePriorAuth(loaded.ruleSet, { bundle: pasBundle({ lines: [{ code: '72148' }], npi: GOLD_NPI }), payerId: 'demo-payer', now: NOW });
    expect(d.outcome).toBe('required');
  });

  it('place of service limits a rule: CABG needs authorization inpatient (21) only', () => {
    expect(evaluate(pasBundle({ lines: [{ code: '33510', pos: '21' }] })).outcome).toBe('required');
    expect(evaluate(pasBundle({ lines: [{ code: '33510', pos: '22' }] })).outcome).toBe('not-required');
  });

  it('a FHIRPath `when` on the item decides: physical therapy beyond 12 units', () => {
    expect(evaluate(pasBundle({ lines: [{ code: '97110', quantity: 8 }] })).outcome).toBe('not-required');
    const d = evaluate(pasBundle({ lines: [{ code: '97110', quantity: 20 }] }));
    expect(d.outcome).toBe('required');
    expect(d.trace[0]).toMatchObject({ rule: 'physical-therapy-extended', result: 'required' });
  });

  it('the strictest line decides the request; the companion guide limit on lines is checked', () => {
    const lines = [{ code: '99213' }, { code: '72148' }, ...Array.from({ length: 19 }, () => ({ code: '99212' }))];
    const d = evaluate(pasBundle({ lines }));
    expect(d.outcome).toBe('required');
    expect(d.companionGuide).toEqual({ maxServiceLines: 20, exceeded: true });
  });

  it('a payer without prior-auth rules: required, the payer decides', () => {
    const d = evaluate(pasBundle({ lines: [{ code: '99213' }] }), { payerId: 'unknown-payer' });
    expect(d.outcome).toBe('required');
    expect(d.trace[0]).toMatchObject({ rule: 'payer', result: 'required' });
  });
});

describe('prior-authorization rules: deadlines', () => {
  it('federal: 7 calendar days standard, 72 h expedited', () => {
    expect(evaluate(pasBundle({ lines: [{ code: '72148' }] }))).toMatchObject({ deadlineHours: 168, deadlineSource: 'federal', urgency: 'standard' });
    expect(evaluate(pasBundle({ lines: [{ code: '72148' }], stat: true }))).toMatchObject({ deadlineHours: 72, deadlineSource: 'federal', urgency: 'expedited' });
  });

  it('a stricter state timeframe wins: IL 48 h expedited, 5 days standard', () => {
    expect(evaluate(pasBundle({ lines: [{ code: '72148' }], stat: true }), { state: 'IL' })).toMatchObject({ deadlineHours: 48, deadlineSource: 'state:IL' });
    expect(evaluate(pasBundle({ lines: [{ code: '72148' }] }), { state: 'il' })).toMatchObject({ deadlineHours: 120, deadlineSource: 'state:IL' });
  });

  it('the state defaults to the patient address in the Bundle', () => {
    const d = evaluate(pasBundle({ lines: [{ code: '72148' }], state: 'KY', stat: true }));
    expect(d).toMatchObject({ deadlineHours: 24, deadlineSource: 'state:KY' });
    expect(d.trace.at(-1)).toMatchObject({ rule: 'deadline', inputs: { state: 'KY', stateSource: 'patient address' } });
  });

  it('a state without a table, or not stricter, leaves federal; a payer commitment can be stricter', () => {
    expect(evaluate(pasBundle({ lines: [{ code: '72148' }] }), { state: 'CA' })).toMatchObject({ deadlineHours: 168, deadlineSource: 'federal' });
    expect(evaluate(pasBundle({ lines: [{ code: '72148' }] }), { payerId: 'demo-fhir-payer' })).toMatchObject({ deadlineHours: 120, deadlineSource: 'payer:demo-fhir-payer' });
    expect(evaluate(pasBundle({ lines: [{ code: '72148' }] }), { payerId: 'demo-fhir-payer', state: 'ZZ' })).toMatchObject({ deadlineHours: 72, deadlineSource: 'state:ZZ' });
  });
});

describe('prior-authorization rules: FHIRPath errors at evaluation time', () => {
  const dir = rulesCopy();
  writeFileSync(
    path.join(dir, 'prior-auth/demo-payer.yaml'),
    [
      'payer: demo-payer',
      'services:',
      '  - id: picky',
      '    description: a rule whose FHIRPath fails on some data',
      '    codes: ["72148"]',
      '    priorAuth: not-required',
      "    when: \"%item.productOrService.coding.code.single() = '72148'\"",
      '  - id: picky-docs',
      '    description: a documentation filter that fails on some data',
      '    codes: ["70551"]',
      '    priorAuth: required',
      '    documentation:',
      '      - id: dx',
      '        description: diagnosis',
      '        search: Condition?patient={patient}',
      "        filter: \"code.coding.code.single() = 'M54.50'\"",
    ].join('\n'),
  );
  const loaded = loadRuleSet(dir);

  it('are reported in the trace and errors, not thrown, and the line counts as required', () => {
    expect(loaded.problems).toEqual([]);
    const bundle = pasBundle({ lines: [{ code: '72148', codes: ['72148', '72149'] }] });
    const d = evaluatePriorAuth(loaded.ruleSet, { bundle, payerId: 'demo-payer', now: NOW });
    expect(d.outcome).toBe('required');
    expect(d.errors[0]).toMatch(/^picky: FHIRPath failed: /);
    expect(d.trace).toContainEqual(expect.objectContaining({ rule: 'picky', result: 'error' }));
    // With one code the same rule works.
    expect(evaluatePriorAuth(loaded.ruleSet, { bundle: pasBundle({ lines: [{ code: '72148' }] }), payerId: 'demo-payer', now: NOW }).outcome).toBe('not-required');
  });

  it('a failing documentation filter leaves the requirement missing, with the error reported', () => {
    const twoCodes = { resourceType: 'Condition', id: 'c2', code: { coding: [{ code: 'M54.50' }, { code: 'M54.59' }] } };
    const d = evaluatePriorAuth(loaded.ruleSet, { bundle: pasBundle({ lines: [{ code: '70551' }] }), payerId: 'demo-payer', now: NOW, fetched: [twoCodes] });
    expect(d.outcome).toBe('missing-documentation');
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toMatch(/^picky-docs\/dx: FHIRPath failed/);
  });
});
