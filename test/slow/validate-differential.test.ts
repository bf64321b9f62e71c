/**
 * The differential test at scale (`npm run test:slow`): thousands of generated mutations of every
 * IG request example (and of the inquiry example, as an inquiry), each validated by the compiled
 * validator and by the reference; any difference in verdict or in any issue fails with the
 * mutation that caused it. DIFFERENTIAL_SLOW_RUNS sets the runs per example (default 600),
 * DIFFERENTIAL_SEED the seed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preloadPasDefinitions } from '../../src/fhir/validate/index.ts';
import { agrees, compare, describe as explain, type Kind } from '../fhir/helpers/differential.ts';
import { mutantOf } from '../fhir/helpers/mutations.ts';
import { pasExample } from '../fhir/helpers/pas-corpus.ts';

const RUNS = Number(process.env.DIFFERENTIAL_SLOW_RUNS ?? 600);
const SEED = Number(process.env.DIFFERENTIAL_SEED ?? 16);

const BASES: [string, Kind][] = [
  ['Bundle-SurgicalRequestBundleExample.json', 'request'],
  ['Bundle-ReferralAuthorizationBundleExample.json', 'request'],
  ['Bundle-HomecareAuthorizationBundleExample.json', 'request'],
  ['Bundle-HomecareAuthorizationUpdateBundleExample.json', 'request'],
  ['Bundle-MedicalServicesAuthorizationBundleExample.json', 'request'],
  ['Bundle-PASClaimInquiryBundleExample.json', 'inquiry'],
];

const tally = { compared: 0, declined: new Map<string, number>() };

beforeAll(() => preloadPasDefinitions());
afterAll(() => {
  const declined = [...tally.declined].map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
  console.log(`differential: ${tally.compared} mutants compared, 0 differences; declined (validated by the reference instead): ${declined}`);
});

describe('compiled validator ≡ reference validator, generated mutations', () => {
  it.each(BASES)('%s (%s)', (name, kind) => {
    const base = pasExample(name);
    fc.assert(
      fc.property(mutantOf(base), ({ value }) => {
        const c = compare(value, kind);
        tally.compared++;
        if (!c.handled) tally.declined.set(c.reason!, (tally.declined.get(c.reason!) ?? 0) + 1);
        if (!agrees(c)) throw new Error(explain(name, c));
      }),
      { numRuns: RUNS, seed: SEED + BASES.findIndex(([n]) => n === name) },
    );
    expect(tally.compared).toBeGreaterThan(0);
  });
});
