/**
 * `x12Verdict` (the pre-send checks' verdict) decides clean X12 without writing a 999, and hands
 * everything else to the acknowledgment. It must agree with `validateX12`'s verdict — read off the
 * 999 or TA1 — on every input: the public sample files, the writer's own interchanges, and the edge
 * cases where "no issue" and "accepted" could part (an interchange without groups, a group without
 * sets, a TA1 in the input, junk after the IEA, warnings only).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateX12, writeX12, x12Verdict } from '../../src/x12/index.ts';
import { X12_SAMPLES } from '../helpers/corpus.ts';
import { GROUPS, interchangeOf, rawInterchange, REQ278_LINES, writeOptions } from './fixtures.ts';
import { req278With } from './helpers.ts';

const ISA = 'ISA*00*          *00*          *ZZ*PRIORGATE      *ZZ*ACMEPAYER      *250102*0304*^*00501*000000001*0*T*:~';
const samples = readdirSync(X12_SAMPLES).filter((f) => !f.endsWith('.md')).map((f) => [f, readFileSync(path.join(X12_SAMPLES, f), 'utf8')] as const);

const cases: (readonly [string, string])[] = [
  ...samples,
  ...Object.keys(GROUPS).map((name) => [`written ${name}`, writeX12(interchangeOf(name as keyof typeof GROUPS, 2), writeOptions())] as const),
  ['interchange without groups', `${ISA}IEA*0*000000001~`],
  ['group without transaction sets', `${ISA}GS*HI*PRIORGATE*ACMEPAYER*20250102*0304*1*X*005010X217~GE*0*1~IEA*1*000000001~`],
  ['a TA1 in the input', `${ISA}TA1*000000042*250102*0304*A*000~IEA*0*000000001~`],
  ['junk after the IEA', `${rawInterchange('278', 'HI', '005010X217', REQ278_LINES)}NM1*IL*1*DOE~`],
  ['a bad element', req278With((l) => (l[9] = 'UM*ZZ*I*3'))],
  ['a segment count that is wrong', rawInterchange('278', 'HI', '005010X217', REQ278_LINES, { se: 'SE*99*0001~' })],
  ['ISA11 equal to ISA16 (a warning only)', rawInterchange('278', 'HI', '005010X217', REQ278_LINES).replace('*^*00501*', '*:*00501*')],
  ['not X12', 'hello'],
  ['empty', ''],
];

describe('x12Verdict agrees with the verdict of the acknowledgment', () => {
  it.each(cases)('%s', (_name, text) => {
    const full = validateX12(text);
    const quick = x12Verdict(text);
    expect(quick.accepted).toBe(full.accepted);
    if (!quick.accepted) expect(quick.errors).toEqual(full.errors);
    if (quick.accepted && full.errors.length === 0) expect(quick.errors).toEqual([]);
  });

  it('covers both verdicts and the shortcut (the cases are not all alike)', () => {
    const verdicts = cases.map(([, t]) => validateX12(t));
    expect(verdicts.filter((v) => v.accepted).length).toBeGreaterThan(3);
    expect(verdicts.filter((v) => !v.accepted).length).toBeGreaterThan(3);
    // Accepted with warnings: judged by the acknowledgment, not by the shortcut.
    expect(verdicts.some((v) => v.accepted && v.errors.length > 0)).toBe(true);
  });
});
