/**
 * Eligibility batch benchmark: `node --import tsx test/bench/eligibility.bench.ts`
 * (or `npm run bench -- eligibility`).
 *
 * Starts the payer simulator as its own process on loopback (`priorgate sim payer`), writes a
 * 10,000- and a 100,000-member roster, and runs each phase in its own child process so each peak
 * RSS is its own:
 *   batch    — the `eligibility batch` command itself (embedded store for control numbers and
 *              audit, roster streamed, 270 built and enveloped, CORE SOAP, 271 parsed and
 *              summarized, results CSV written), at the payer's concurrency;
 *   baseline — the same number of raw HTTP round trips to the simulator at the same concurrency,
 *              over the connector's keep-alive transport: one prebuilt CORE envelope with a 270,
 *              the answer read as text, nothing parsed.
 * The simulator does the same work per 270 in both, so the ratio is what our side costs.
 * Prints members/s and peak RSS side by side. Informational: no assertions. Set
 * ELIGIBILITY_BENCH_SIZES (e.g. `2000,20000`) or ELIGIBILITY_BENCH_CONCURRENCY to change the run,
 * ELIGIBILITY_BENCH_NODE_FLAGS (e.g. `--max-old-space-size=128`) to run the batch child with V8
 * flags, and TEST_DATABASE_URL to give the batch a fresh Postgres database instead of PGlite
 * (PGlite alone peaks near 1 GB RSS when it opens, which would hide the engine's own figure).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './fresh-database.ts';

const self = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(self), '../..');
const SIZES = (process.env.ELIGIBILITY_BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const CONCURRENCY = process.env.ELIGIBILITY_BENCH_CONCURRENCY ?? '8';

interface Measure {
  members: number;
  ms: number;
  rssMB: number;
  note?: string;
}

async function writeRoster(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('member_id,first_name,last_name,birth_date,service_type\n');
  for (let i = 0; i < n; i++) {
    const line = `K${String(i).padStart(7, '0')}${'AAAAAAAIAR'[i % 10]},Pat,Doe${i % 997},19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10},${['', '98', 'UC', '30'][i % 4]}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Child: one phase, then its own measurement as one JSON line. */
async function child(phase: string, roster: string, simUrl: string, members: number): Promise<void> {
  const start = performance.now();
  let note: string | undefined;
  if (phase === 'batch') {
    const { run } = await import('../../src/cli/commands/eligibility.ts');
    const { Writable } = await import('node:stream');
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    let err = '';
    const stderr = new Writable({ write: (c, _e, cb) => ((err = String(c)), cb()) });
    const code = await run(['batch', roster, '--payer', 'demo-payer', '--endpoint', `${simUrl}/core`, '--out', `${roster}.out.csv`, '--concurrency', CONCURRENCY], {
      stdin: process.stdin, stdout: sink, stderr, env: { ...process.env, PRIORGATE_DATA_DIR: `${roster}.data`, DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '', LOG_LEVEL: 'silent' },
    });
    note = `exit ${code}; ${err.trim().split('\n').slice(-3).join(' / ').replace(/\s+/g, ' ').slice(0, 110)}`;
  } else {
    const { buildCoreEnvelope, PAYLOAD_TYPES, SOAP_CONTENT_TYPE } = await import('../../src/payers/core-soap.ts');
    const { inquiryTo270 } = await import('../../src/translate/eligibility/index.ts');
    const { InMemoryControlNumbers, writeX12 } = await import('../../src/x12/index.ts');
    const now = new Date();
    const { segments } = inquiryTo270(
      { source: { name: 'DEMO', qualifier: 'PI', id: '99999' }, receiver: { entity: '1P', person: false, name: { last: 'CLINIC' }, qualifier: 'XX', id: '1234567893' }, subscriber: { memberId: 'K0000001A', name: { last: 'DOE', first: 'PAT' }, birthDate: '1980-01-01' }, serviceDate: { start: now.toISOString().slice(0, 10) }, serviceTypes: ['30'] },
      { now, trace: 'BASE1', originator: '9PRIORGATE' },
    );
    const payload = writeX12({ sender: { qualifier: 'ZZ', id: 'PRIORGATE' }, receiver: { qualifier: 'ZZ', id: 'DEMOPAYER' }, usage: 'T', groups: [{ functionalId: 'HS', applicationSender: 'PRIORGATE', applicationReceiver: 'DEMOPAYER', version: '005010X279A1', transactions: [{ setId: '270', segments }] }] }, { controlNumbers: new InMemoryControlNumbers(), now });
    const body = buildCoreEnvelope('Request', { payloadType: PAYLOAD_TYPES['270-request'], processingMode: 'RealTime', payloadId: 'bench', timestamp: now.toISOString(), senderId: 'PRIORGATE', receiverId: 'DEMOPAYER', coreRuleVersion: '2.2.0', payload });
    // The same keep-alive transport the connector uses, so the ratio is parsing and bookkeeping only.
    const http = await import('node:http');
    const { sendRequest } = await import('../../src/net/index.ts');
    const agent = new http.Agent({ keepAlive: true, maxSockets: Number(CONCURRENCY) });
    let next = 0;
    let bytes = 0;
    const worker = async () => {
      while (next < members) {
        next++;
        const res = await sendRequest(new URL(`${simUrl}/core`), { method: 'POST', body, headers: { 'content-type': SOAP_CONTENT_TYPE }, timeoutMs: 10_000, maxResponseBytes: 1 << 20, agent });
        if (res.kind === 'response') bytes += res.body.length;
      }
    };
    await Promise.all(Array.from({ length: Number(CONCURRENCY) }, worker));
    note = `${(bytes / members).toFixed(0)} bytes per answer`;
  }
  const ms = performance.now() - start;
  process.stdout.write(`${JSON.stringify({ members, ms, rssMB: process.resourceUsage().maxRSS / 1024, note } satisfies Measure)}\n`);
}

const NODE_FLAGS = (process.env.ELIGIBILITY_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

function runPhase(phase: string, roster: string, simUrl: string, members: number): Measure {
  const flags = phase === 'batch' ? NODE_FLAGS : [];
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', self, phase, roster, simUrl, String(members)], { encoding: 'utf8', timeout: 200_000, maxBuffer: 1 << 20, cwd: ROOT });
  const line = r.stdout?.trim().split('\n').at(-1);
  if (r.status === 0 && line) return JSON.parse(line) as Measure;
  throw new Error(`${phase} ${members}: exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' ')}`);
}

async function startSim(): Promise<{ url: string; stop: () => void }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const proc = spawn(process.execPath, [path.join(ROOT, 'src/cli/bin.mjs'), 'sim', 'payer', '--port', String(port)], { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'silent' } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${url}/stats`)).ok) return { url, stop: () => proc.kill('SIGTERM') };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  proc.kill('SIGKILL');
  throw new Error('the simulator did not start');
}


async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'elig-bench-'));
  const sim = await startSim();
  const db = await freshDatabase(process.env.TEST_DATABASE_URL);
  if (db) process.env.BENCH_DATABASE_URL = db.url;
  try {
    console.log(`payer simulator: its own process at ${sim.url}; concurrency ${CONCURRENCY}; each phase in its own child process`);
    console.log(`batch store: ${db ? 'Postgres (TEST_DATABASE_URL, a fresh database)' : 'embedded PGlite (set TEST_DATABASE_URL to use Postgres)'}; batch node flags: ${NODE_FLAGS.join(' ') || 'none'}\n`);
    console.log(`${'members'.padStart(8)}  ${'batch/s'.padStart(9)} ${'batch RSS'.padStart(10)}   ${'baseline/s'.padStart(10)} ${'base RSS'.padStart(9)}   ${'ratio'.padStart(6)}`);
    const rows: { n: number; batch: Measure; base: Measure }[] = [];
    for (const n of SIZES) {
      const roster = path.join(dir, `roster-${n}.csv`);
      await writeRoster(roster, n);
      const batch = runPhase('batch', roster, sim.url, n);
      const base = runPhase('baseline', roster, sim.url, n);
      rows.push({ n, batch, base });
      const rate = (m: Measure) => m.members / (m.ms / 1000);
      console.log(
        `${n.toLocaleString('en-US').padStart(8)}  ${Math.round(rate(batch)).toLocaleString('en-US').padStart(9)} ${`${batch.rssMB.toFixed(0)} MB`.padStart(10)}   ${Math.round(rate(base)).toLocaleString('en-US').padStart(10)} ${`${base.rssMB.toFixed(0)} MB`.padStart(9)}   ${(rate(batch) / rate(base)).toFixed(2).padStart(6)}`,
      );
      console.log(`          batch: ${batch.note}\n          baseline: ${base.note}`);
    }
    const rate = (m: Measure) => m.members / (m.ms / 1000);
    const minRate = Math.min(...rows.map((r) => rate(r.batch)));
    const maxRss = Math.max(...rows.map((r) => r.batch.rssMB));
    const spread = rows.length > 1 ? Math.max(...rows.map((r) => r.batch.rssMB)) - Math.min(...rows.map((r) => r.batch.rssMB)) : 0;
    console.log('\ntargets');
    console.log(`  batch members/s (slowest size)   ${Math.round(minRate).toLocaleString('en-US')}  (target >= 1,000) ${minRate >= 1000 ? 'met' : 'NOT met'}`);
    console.log(`  batch peak RSS (largest)         ${maxRss.toFixed(0)} MB  (target < 250 MB, flat) ${maxRss < 250 ? 'met' : 'NOT met'}; spread between sizes ${spread.toFixed(0)} MB`);
  } finally {
    sim.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const [phase, roster, simUrl, members] = process.argv.slice(2);
if (phase && roster && simUrl && members) await child(phase, roster, simUrl, Number(members));
else await main();
