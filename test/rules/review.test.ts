/**
 * Human review before sending, as the payer's rules ask for it (`review` in
 * rules/prior-auth/<payer>.yaml): validated at load with line numbers, and decided per request —
 * always, or only while documentation the rules ask for is missing, optionally only for some
 * services; never for requests the gateway answers itself (no 278 goes out).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluatePriorAuth, loadRuleSet } from '../../src/rules/index.ts';
import { NOW, pasBundle, rulesCopy } from './fixtures.ts';

/** The shipped rules with a `review` section added to the demo payer's file. */
function withReview(review: string) {
  const dir = rulesCopy();
  const file = path.join(dir, 'prior-auth/demo-payer.yaml');
  writeFileSync(file, `${readFileSync(file, 'utf8')}\nreview:\n${review}\n`);
  return { dir, file };
}

const decide = (dir: string, codes: { code: string; pos?: string }[], fetched: unknown[] | undefined = []) => {
  const { ruleSet, problems } = loadRuleSet(dir);
  expect(problems).toEqual([]);
  return evaluatePriorAuth(ruleSet, { bundle: pasBundle({ lines: codes }), payerId: 'demo-payer', now: NOW, ...(fetched ? { fetched: fetched as never } : {}) });
};

describe('review before sending in the payer rules', () => {
  it('is off unless the rules ask for it', () => {
    const d = decide(rulesCopy(), [{ code: '72148' }]);
    expect(d.review).toEqual({ required: false, reason: 'the payer rules ask for no review' });
  });

  it('holds while documentation is missing, and says which', () => {
    const { dir } = withReview('  when: missing-documentation');
    const d = decide(dir, [{ code: '72148' }]);
    expect(d.review).toEqual({ required: true, reason: 'documentation still missing: low-back-pain, conservative-therapy' });
    expect(d.trace.find((t) => t.rule === 'review')).toMatchObject({ result: 'hold' });
    // CABG asks for no documentation: nothing missing, sent at once.
    expect(decide(dir, [{ code: '33510', pos: '21' }]).review).toEqual({ required: false, reason: 'all documentation the rules ask for is present' });
  });

  it('holds always, only for the services named; never what needs no authorization', () => {
    const { dir } = withReview('  when: always\n  services: [cabg-inpatient]');
    expect(decide(dir, [{ code: '33510', pos: '21' }]).review).toMatchObject({ required: true, reason: 'the payer rules review cabg-inpatient before sending' });
    expect(decide(dir, [{ code: '72148' }]).review).toEqual({ required: false, reason: 'no line under a service the rules review' });
    expect(decide(dir, [{ code: '99213' }]).review).toEqual({ required: false, reason: 'nothing will be sent to the payer' });
  });

  it('refuses a bad review section with file and line', () => {
    const { dir, file } = withReview('  when: sometimes');
    const { problems } = loadRuleSet(dir);
    expect(problems).toEqual([expect.objectContaining({ file, message: expect.stringMatching(/^review\.when: /) })]);
    expect(problems[0]!.line).toBe(readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('sometimes')) + 1);
    const unknown = withReview('  when: always\n  servces: [x]');
    expect(loadRuleSet(unknown.dir).problems[0]).toMatchObject({ file: unknown.file, message: expect.stringMatching(/servces/) });
  });
});
