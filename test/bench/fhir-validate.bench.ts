/**
 * PAS request validation on the `$submit` hot path: the compiled validator against the reference
 * (@medplum/core's validator, level by level) in the same run, on the IG's Surgical request Bundle
 * and on a 12-line Bundle built from it. Prints per-Bundle time (median and p99 of single calls,
 * and CPU per call), allocations per call, and the ratio; checks the acceptance targets of
 * issue 16 (compiled median ≤ 1 ms over 10,000 calls, ≥ 10× faster than the reference).
 *
 * Allocations are measured in a child process with a young generation large enough that no
 * collection runs during the measured calls (heap growth between two forced collections).
 *
 * `npm run bench -- validate`; VALIDATE_BENCH_RUNS / VALIDATE_BENCH_REFERENCE_RUNS shorten it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compiledValidation, preloadPasDefinitions, referenceValidation, type ValidationIssue } from '../../src/fhir/validate/index.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';

const RUNS = Number(process.env.VALIDATE_BENCH_RUNS ?? 10_000);
const REFERENCE_RUNS = Number(process.env.VALIDATE_BENCH_REFERENCE_RUNS ?? 300);
const self = fileURLToPath(import.meta.url);

type Engine = 'compiled' | 'reference';
type Validate = (bundle: unknown) => ValidationIssue[];

const engines: Record<Engine, Validate> = {
  compiled: (bundle) => {
    const result = compiledValidation(bundle, 'request');
    if ('unsupported' in result) throw new Error(`the compiled validator declined the bench input: ${result.unsupported}`);
    return result.issues;
  },
  reference: (bundle) => referenceValidation(bundle, 'request'),
};

function surgical(): Record<string, unknown> {
  return JSON.parse(readFileSync(`${PAS_EXAMPLES}/Bundle-SurgicalRequestBundleExample.json`, 'utf8')) as Record<string, unknown>;
}

/** The Surgical request with 12 service lines (copies of its item, renumbered). */
function twelveLines(): Record<string, unknown> {
  const bundle = surgical() as { entry: { resource: { item: Record<string, unknown>[] } }[] };
  const claim = bundle.entry[0]!.resource;
  const item = claim.item[0]!;
  claim.item = Array.from({ length: 12 }, (_, i) => ({ ...structuredClone(item), sequence: i + 1 }));
  return bundle as unknown as Record<string, unknown>;
}

const BUNDLES: { name: string; make: () => Record<string, unknown> }[] = [
  { name: 'IG Surgical request (22 KB)', make: surgical },
  { name: '12-line request', make: twelveLines },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function time(validate: Validate, bundle: unknown, runs: number): { median: number; p99: number; cpu: number } {
  for (let i = 0; i < Math.min(200, runs); i++) validate(bundle);
  const samples = new Array<number>(runs);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    validate(bundle);
    samples[i] = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  samples.sort((a, b) => a - b);
  return { median: percentile(samples, 0.5), p99: percentile(samples, 0.99), cpu: (cpu.user + cpu.system) / 1000 / runs };
}

/** Child mode: bytes allocated per call, as heap growth between forced collections. */
function allocations(): void {
  const gc = (globalThis as { gc?: () => void }).gc!;
  preloadPasDefinitions();
  const out: Record<string, number> = {};
  for (const { name, make } of BUNDLES) {
    const bundle = make();
    for (const engine of Object.keys(engines) as Engine[]) {
      const validate = engines[engine];
      for (let i = 0; i < 50; i++) validate(bundle);
      const perCall: number[] = [];
      for (let round = 0; round < 9; round++) {
        gc();
        const before = process.memoryUsage().heapUsed;
        const calls = 10;
        for (let i = 0; i < calls; i++) validate(bundle);
        perCall.push((process.memoryUsage().heapUsed - before) / calls);
      }
      perCall.sort((a, b) => a - b);
      out[`${name}|${engine}`] = perCall[4]!;
    }
  }
  process.stdout.write(JSON.stringify(out));
}

function main(): void {
  const compileStart = performance.now();
  const schemas = preloadPasDefinitions();
  console.log(`definitions loaded, ${schemas} schemas compiled in ${(performance.now() - compileStart).toFixed(0)} ms`);

  const child = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=256', '--min-semi-space-size=256', '--import', 'tsx', self, '--alloc'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const alloc = child.status === 0 ? (JSON.parse(child.stdout) as Record<string, number>) : {};
  if (child.status !== 0) console.log(`allocation measurement failed: ${child.stderr.slice(0, 500)}`);

  console.log(`compiled: median and p99 of ${RUNS} single calls; reference: of ${REFERENCE_RUNS}; CPU = process CPU time / calls`);
  console.log('bundle                        engine      issues   median      p99      CPU/call   alloc/call');
  let met = true;
  for (const { name, make } of BUNDLES) {
    const bundle = make();
    const compiledIssues = JSON.stringify(engines.compiled(bundle).map((i) => [i.severity, i.code, i.expression]).sort());
    const referenceIssues = JSON.stringify(engines.reference(bundle).map((i) => [i.severity, i.code, i.expression]).sort());
    if (compiledIssues !== referenceIssues) throw new Error(`${name}: the validators disagree`);
    const results: Partial<Record<Engine, ReturnType<typeof time>>> = {};
    for (const engine of Object.keys(engines) as Engine[]) {
      const r = time(engines[engine], bundle, engine === 'compiled' ? RUNS : REFERENCE_RUNS);
      results[engine] = r;
      const kib = alloc[`${name}|${engine}`];
      console.log(
        `${name.padEnd(29)} ${engine.padEnd(10)} ${String(engines[engine](bundle).length).padStart(6)} ${r.median.toFixed(3).padStart(8)} ms ${r.p99.toFixed(3).padStart(8)} ms ${r.cpu.toFixed(3).padStart(8)} ms ${kib === undefined ? '       ?' : `${(kib / 1024).toFixed(0).padStart(6)} KiB`}`,
      );
    }
    const ratio = results.reference!.median / results.compiled!.median;
    const cpuRatio = results.reference!.cpu / results.compiled!.cpu;
    const ok = results.compiled!.median <= 1 && ratio >= 10;
    if (name.startsWith('IG Surgical')) met &&= ok;
    console.log(`  ratio reference/compiled: ${ratio.toFixed(1)}x by median, ${cpuRatio.toFixed(1)}x by CPU`);
  }
  console.log(`target (IG Surgical: compiled median <= 1 ms and >= 10x the reference): ${met ? 'met' : 'NOT met'}`);
}

if (process.argv[2] === '--alloc') allocations();
else main();
