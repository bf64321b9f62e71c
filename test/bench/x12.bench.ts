/**
 * X12 benchmark: `node --import tsx test/bench/x12.bench.ts` (or `npm run bench -- x12`).
 *
 * Generates a 271 of about 1,000,000 segments (one transaction, ~66,000 2000C subscriber loops) to
 * a temp file with the streaming writer, then runs each phase in its own child process so that
 * each peak RSS is its own: raw x12-parser tokenization (its documented stream API, and driven
 * directly through our adapter), our typed streaming parse, streaming validation, our writer, and
 * node-x12 (in a child with a time limit; "did not finish" if it fails). Prints segments/s, peak
 * RSS and the target ratios. No assertions: informational, never part of the test suite.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SEGMENTS = Number(process.env.X12_BENCH_SEGMENTS ?? 1_000_000);
const RUNS = 3;
const self = fileURLToPath(import.meta.url);

interface Measure {
  segments: number;
  ms: number;
  rssMB: number;
  note?: string;
}

async function once(phase: string, file: string): Promise<{ segments: number; note?: string }> {
  switch (phase) {
    case 'raw-stream': {
      const { X12parser } = await import('x12-parser');
      let n = 0;
      await new Promise<void>((resolve, reject) => {
        createReadStream(file).pipe(new X12parser('utf8')).on('data', () => n++).on('end', resolve).on('error', reject);
      });
      return { segments: n };
    }
    case 'raw-direct': {
      const { Tokenizer } = await import('../../src/x12/tokenizer.ts');
      let n = 0;
      const t = new Tokenizer({ segment: () => void n++, fatal: (c, m) => { throw new Error(`${c} ${m}`); } });
      for await (const chunk of createReadStream(file, { encoding: 'utf8' })) t.feed(chunk as string);
      t.end();
      return { segments: n };
    }
    case 'parse': {
      const { parseX12Stream } = await import('../../src/x12/index.ts');
      let loops = 0;
      const r = await parseX12Stream(createReadStream(file), { onLoop: () => void loops++ }, { mode: 'loops', validate: false });
      return { segments: r.segmentCount, note: `${loops} loops emitted, ${r.errors.length} issues` };
    }
    case 'validate': {
      const { validateX12Stream } = await import('../../src/x12/index.ts');
      const r = await validateX12Stream(createReadStream(file));
      const n = Object.values(r.counts).reduce((a, b) => a + b, 0);
      return { segments: statSegments(file), note: `${r.accepted ? 'accepted' : 'rejected'}, ${r.errors.length} issues, ${n} set(s)` };
    }
    case 'write': {
      const { write271 } = await import('../x12/big271.ts');
      const fd = openSync(`${file}.out`, 'w');
      try {
        return { segments: write271(SEGMENTS, (c) => void writeSync(fd, c)) };
      } finally {
        closeSync(fd);
      }
    }
    case 'node-x12': {
      const { X12Parser } = await import('node-x12');
      const ic = new X12Parser(true).parse(readFileSync(file, 'utf8')) as unknown as {
        functionalGroups: { transactions: { segments: unknown[] }[] }[];
      };
      const n = ic.functionalGroups.reduce((a, g) => a + g.transactions.reduce((b, t) => b + t.segments.length + 2, 2), 2);
      return { segments: n };
    }
  }
  throw new Error(`unknown phase ${phase}`);
}

let cachedCount = 0;
function statSegments(file: string): number {
  if (!cachedCount) cachedCount = Number(readFileSync(`${file}.count`, 'utf8'));
  return cachedCount;
}

async function child(phase: string, file: string): Promise<void> {
  let best: Measure | undefined;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const { segments, note } = await once(phase, file);
    const ms = performance.now() - start;
    if (!best || ms < best.ms) best = { segments, ms, rssMB: 0, note };
  }
  best!.rssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(best)}\n`);
}

function spawn(phase: string, file: string, timeoutMs: number, heapMB?: number): Measure | { failed: string } {
  const args = [...(heapMB ? [`--max-old-space-size=${heapMB}`] : []), '--import', 'tsx', self, phase, file];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 1 << 20 });
  const line = r.stdout?.trim().split('\n').at(-1);
  if (r.status === 0 && line) return JSON.parse(line) as Measure;
  const reason = r.error?.message.includes('ETIMEDOUT') || r.signal === 'SIGTERM' ? `timed out after ${timeoutMs / 1000} s`
    : /heap out of memory|Allocation failed/i.test(r.stderr ?? '') ? `out of memory (heap limit ${heapMB} MB)`
    : `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').at(-1)?.slice(0, 120)}`;
  return { failed: reason };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'x12-bench-'));
  const file = path.join(dir, '271.x12');
  try {
    const { write271 } = await import('../x12/big271.ts');
    const fd = openSync(file, 'w');
    const t0 = performance.now();
    const count = write271(SEGMENTS, (c) => void writeSync(fd, c));
    closeSync(fd);
    rmSync(`${file}.count`, { force: true });
    writeSync(openSync(`${file}.count`, 'w'), String(count));
    const mb = statSync(file).size / 1e6;
    console.log(`generated 271: ${count.toLocaleString('en-US')} segments, ${mb.toFixed(1)} MB, ${(performance.now() - t0).toFixed(0)} ms (${file})`);
    console.log(`each phase: own child process, best of ${RUNS} runs; peak RSS = process.resourceUsage().maxRSS\n`);

    const phases: [string, string, number, number?][] = [
      ['raw-stream', 'x12-parser tokenization (its stream API, objects per segment)', 120_000],
      ['raw-direct', 'x12-parser tokenization driven directly (our adapter, no loops)', 120_000],
      ['parse', 'typed parse, streaming (envelopes + spec-driven loops)', 120_000],
      ['validate', 'validation, streaming (syntax + HL + envelope, 999 built)', 120_000],
      ['write', 'writer, streaming to a file', 120_000],
      ['node-x12', 'node-x12 X12Parser.parse (whole file in memory)', 60_000, 2048],
    ];
    const results = new Map<string, Measure>();
    console.log(`${'phase'.padEnd(66)} ${'segments/s'.padStart(12)} ${'time'.padStart(9)} ${'peak RSS'.padStart(10)}`);
    for (const [phase, label, timeout, heap] of phases) {
      const m = spawn(phase, file, timeout, heap);
      if ('failed' in m) {
        console.log(`${label.padEnd(66)} ${'did not finish'.padStart(12)}  (${m.failed})`);
        continue;
      }
      results.set(phase, m);
      const rate = m.segments / (m.ms / 1000);
      console.log(`${label.padEnd(66)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} ${`${(m.ms / 1000).toFixed(2)} s`.padStart(9)} ${`${m.rssMB.toFixed(0)} MB`.padStart(10)}${m.note ? `  ${m.note}` : ''}`);
    }

    const rate = (p: string) => (results.get(p) ? results.get(p)!.segments / (results.get(p)!.ms / 1000) : NaN);
    console.log('\ntargets');
    const ratio = rate('parse') / rate('raw-stream');
    console.log(`  typed parse / raw x12-parser (stream API)   ${ratio.toFixed(2)}  (target >= 0.75) ${ratio >= 0.75 ? 'met' : 'NOT met'}`);
    const direct = rate('parse') / rate('raw-direct');
    console.log(`  typed parse / raw x12-parser (direct)       ${direct.toFixed(2)}  (stricter: same tokenizer path as ours) ${direct >= 0.75 ? 'met' : 'NOT met'}`);
    const w = rate('write');
    console.log(`  writer segments/s                           ${Math.round(w).toLocaleString('en-US')}  (target >= 1,000,000) ${w >= 1e6 ? 'met' : 'NOT met'}`);
    const ours = ['parse', 'validate', 'write'].map((p) => results.get(p)?.rssMB ?? Infinity);
    const peak = Math.max(...ours);
    console.log(`  peak RSS of our phases                      ${peak.toFixed(0)} MB  (target < 200 MB) ${peak < 200 ? 'met' : 'NOT met'}`);
    if (results.has('node-x12')) console.log(`  typed parse / node-x12                      ${(rate('parse') / rate('node-x12')).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [phase, file] = process.argv.slice(2);
if (phase && file) await child(phase, file);
else await main();
