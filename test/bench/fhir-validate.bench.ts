/**
 * PAS request validation on the `$submit` hot path, against a baseline run side by side: parsing
 * and re-serializing the same Bundle (the work any gateway does with a request body). Prints the
 * median per call and the ratio.
 */
import { readFileSync } from 'node:fs';
import { preloadPasDefinitions, validatePasRequestBundle } from '../../src/fhir/validate/index.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';

const EXAMPLES = PAS_EXAMPLES;
const files = ['Bundle-SurgicalRequestBundleExample.json', 'Bundle-ReferralAuthorizationBundleExample.json', 'Bundle-HomecareAuthorizationUpdateBundleExample.json'];

function median(fn: () => void, runs: number): number {
  for (let i = 0; i < 20; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(runs / 2)]!;
}

const loadStart = performance.now();
preloadPasDefinitions();
console.log(`definitions loaded and PAS profiles compiled in ${(performance.now() - loadStart).toFixed(0)} ms`);
console.log('example                                              validate   parse+stringify   ratio');
for (const f of files) {
  const text = readFileSync(`${EXAMPLES}/${f}`, 'utf8');
  const bundle = JSON.parse(text);
  const v = median(() => validatePasRequestBundle(bundle), 200);
  const base = median(() => JSON.stringify(JSON.parse(text)), 200);
  console.log(`${f.padEnd(52)} ${v.toFixed(2).padStart(7)} ms ${base.toFixed(3).padStart(10)} ms   ${(v / base).toFixed(0).padStart(5)}x`);
}
