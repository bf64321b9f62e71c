/**
 * `$submit` under load (issue 15's acceptance): 50 connections from this process (autocannon)
 * against, side by side in the same run,
 *   - the floor: Hono + node-server on the same store doing one transaction that stores the body
 *     and one audit event (floor-server.ts, its own process);
 *   - the gateway: `priorgate serve --demo` in its own process (PAS validation, rules, data quality,
 *     translation, one acceptance transaction, the 278 sent from the accepting process over CORE
 *     SOAP to the payer simulator — `priorgate sim payer`, its own process — and the answer
 *     recorded), then two gateway processes on one database with the load split between them.
 * Each phase gets a fresh database. Printed per phase: throughput, p50/p99, the gateway's CPU per
 * `$submit` (user+system time of the gateway processes from /proc over the run, divided by the
 * answers) — and beside it, to show where the machine's CPU goes, the payer simulator's, the load
 * generator's (this process) and, when Postgres runs on this machine, Postgres's — and on Postgres the lock-wait samples (`pg_stat_activity` every 100 ms: how many
 * backends wait on a lock). Then the ratios: gateway/floor (target >= 0.3) and two instances/one.
 *
 * Store: Postgres when DATABASE_URL or TEST_DATABASE_URL names a server (a database is created per
 * phase and dropped), else the embedded store. BENCH_SECONDS shortens the runs (default 20);
 * BENCH_PROFILE=DIR writes a CPU profile of the (single) gateway there; BENCH_CONNECTIONS changes the
 * load's 50 connections; BENCH_WARMUP_SECONDS the load before each measured run (default 60, for
 * the floor and the gateway alike); the gateways run with the node flags of `npm start`, and
 * BENCH_NODE_ARGS adds more (e.g. --perf-basic-prof); BENCH_OUTPUT=FILE keeps what the first
 * gateway printed, and BENCH_LOG=info has it log every request (its own latency, statements and
 * commits per request; warn otherwise).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { importJWK, SignJWT } from 'jose';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { BIN, freePort, startNodeFlags, startServer, type ChildServer } from '../helpers/process.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import postgres from 'postgres';
import { freshDatabase } from './fresh-database.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/**
 * Load before each measured run, not counted: a gateway process is long-lived, and V8 goes on
 * optimizing its functions (about 1,700 of them, the generated validator's among them) for the first
 * minute of load. Measured on the 2-core machine, runs alternated: after 15 s of load the gateway
 * spent 12.9-14.2 ms of CPU per `$submit` (V8's helper threads, mostly its optimizing compiler, at 29%
 * of a core), after 60 s 8.0-8.1 ms (helpers at 12%); after 120 s no less than after 60 s. The
 * payer simulator and autocannon warm up alike (simulator 2.1-2.3 ms against 1.3 ms per request).
 * What an operator pays is the steady state, so that is what is measured.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 60);
/**
 * After the warm-up: autocannon stops sending when its time is up, but the requests it had in flight
 * (one per connection) are still being served. Left to finish before the measured run starts, so that
 * run's first second does not serve twice the load (it set the p99: 1.7 s at its start, under 1 s after).
 */
const SETTLE_MS = 3000;

/** The warm-up load on every url at once, then the pause for its last requests to finish. */
async function warmUp(urls: string[], headers: Record<string, string>): Promise<void> {
  if (WARMUP_SECONDS <= 0) return;
  await Promise.all(urls.map((u) => runFor(u, headers, WARMUP_SECONDS, Math.ceil(CONNECTIONS / urls.length))));
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}
const EXAMPLE = readFileSync(`${PAS_EXAMPLES}/Bundle-SurgicalRequestBundleExample.json`, 'utf8');
const PG_URL = process.env.DATABASE_URL || process.env.TEST_DATABASE_URL || '';
const here = path.dirname(fileURLToPath(import.meta.url));

let seq = 0;
/** A fresh Bundle per request: same content, new identifiers (idempotency would otherwise answer from the store). */
function body(): string {
  seq++;
  const b = JSON.parse(EXAMPLE);
  b.identifier.value = `bench-${process.pid}-${seq}`;
  b.entry[0].resource.identifier[0].value = `B${process.pid}${seq}`;
  return JSON.stringify(b);
}

interface Phase {
  name: string;
  ok: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** The non-2xx answers by status, e.g. `429×34231`. */
  statuses: string;
  errors: number;
  cpuMsPerRequest?: number;
  /** CPU per answered request of the payer simulator and of this process (the load generator). */
  simCpuMsPerRequest?: number;
  loadCpuMsPerRequest: number;
  /** CPU of the Postgres server per answered request, when it runs on this machine. */
  pgCpuMsPerRequest?: number;
  locks?: LockSamples;
}

function line(p: Phase) {
  const cpu = p.cpuMsPerRequest !== undefined ? `   CPU ${p.cpuMsPerRequest.toFixed(2)} ms/req` : '';
  const pg = p.pgCpuMsPerRequest !== undefined ? `, postgres ${p.pgCpuMsPerRequest.toFixed(2)}` : '';
  const sim = p.simCpuMsPerRequest !== undefined ? `payer sim ${p.simCpuMsPerRequest.toFixed(2)}, ` : '';
  const others = `   (${sim}load generator ${p.loadCpuMsPerRequest.toFixed(2)}${pg} ms/req)`;
  const locks = p.locks ? `   lock waits: ${p.locks.withWaiter}/${p.locks.samples} samples had a waiting backend (mean ${p.locks.meanWaiting.toFixed(2)} waiting, ${p.locks.meanActive.toFixed(1)} active)` : '';
  return `${p.name.padEnd(14)} ${(p.ok / SECONDS).toFixed(1).padStart(7)} req/s   p50 ${String(p.p50).padStart(5)} ms   p99 ${String(p.p99).padStart(6)} ms   non-2xx ${p.non2xx}${p.statuses ? ` (${p.statuses})` : ''} errors ${p.errors}${cpu}${others}${locks}`;
}

/** CPU per answered request of every process the phase measured: server(s), simulator, load generator, Postgres. */
function machineCpu(p: Phase): number {
  return (p.cpuMsPerRequest ?? 0) + (p.simCpuMsPerRequest ?? 0) + p.loadCpuMsPerRequest + (p.pgCpuMsPerRequest ?? 0);
}

/**
 * A process's command name and CPU seconds so far from /proc (clock ticks of 1/100 s): its own user
 * and system time, and with `children` what it collected from exited children. Undefined when the
 * process is gone.
 */
function procCpu(pid: number | string, children = false): { name: string; seconds: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(') ');
  const f = stat.slice(close + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return { name: stat.slice(stat.indexOf('(') + 1, close), seconds: ticks / 100 };
}

/** User+system CPU seconds of a process so far (it must be running). */
function cpuSeconds(pid: number): number {
  const p = procCpu(pid);
  if (!p) throw new Error(`process ${pid} is gone`);
  return p.seconds;
}

/**
 * CPU seconds of every Postgres process on this machine (its backends, and what the postmaster
 * collected from exited ones), or undefined when none runs here (a remote server).
 */
function postgresCpuSeconds(): number | undefined {
  const pg = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((pid) => procCpu(pid, true))
    .filter((p) => p?.name === 'postgres');
  return pg.length ? pg.reduce((sum, p) => sum + p!.seconds, 0) : undefined;
}

async function tokenFor(url: string, dir: string): Promise<string> {
  const jwk = JSON.parse(readFileSync(path.join(dir, 'demo', 'demo-clinic-a.private.jwk'), 'utf8'));
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid })
    .setIssuer('demo-clinic-a')
    .setSubject('demo-clinic-a')
    .setAudience(`${url}/auth/token`)
    .setJti(crypto.randomUUID())
    .setIssuedAt()
    .setExpirationTime('4m')
    .sign(await importJWK(jwk, jwk.alg));
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

interface LockSamples {
  samples: number;
  withWaiter: number;
  meanWaiting: number;
  meanActive: number;
}

/** Samples pg_stat_activity of one database every 100 ms until stopped. */
function sampleLocks(url: string | undefined): { stop: () => Promise<LockSamples | undefined> } {
  if (!url) return { stop: async () => undefined };
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const dbName = new URL(url).pathname.slice(1);
  let samples = 0;
  let withWaiter = 0;
  let waiting = 0;
  let active = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const [r] = await sql<{ waiting: number; active: number }[]>`select count(*) filter (where wait_event_type = 'Lock')::int as waiting,
        count(*) filter (where state = 'active')::int as active
        from pg_stat_activity where datname = ${dbName} and pid <> pg_backend_pid()`;
      samples++;
      waiting += r!.waiting;
      active += r!.active;
      if (r!.waiting > 0) withWaiter++;
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await sql.end();
      return { samples, withWaiter, meanWaiting: waiting / Math.max(1, samples), meanActive: active / Math.max(1, samples) };
    },
  };
}

/** The floor server in its own process, on a fresh store. */
async function floorPhase(dir: string): Promise<Phase> {
  const db = await freshDatabase(PG_URL);
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'floor-server.ts'), String(port)], {
    env: { ...process.env, DATABASE_URL: db?.url ?? '', PRIORGATE_DATA_DIR: path.join(dir, 'floor') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
    proc.once('exit', (code) => reject(new Error(`floor server exited ${code}`)));
  });
  try {
    const urls = [`http://127.0.0.1:${port}/submit`];
    await warmUp(urls, {});
    return await measure('floor', urls, {}, [proc], db?.url);
  } finally {
    await stopChild(proc);
    await db?.drop();
  }
}

function stopChild(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
}

/** `instances` gateway processes on one fresh store, the payer simulator in another. */
async function gatewayPhase(dir: string, instances: number): Promise<Phase> {
  const db = await freshDatabase(PG_URL);
  if (!db && instances > 1) throw new Error('two instances need Postgres');
  const simPort = await freePort();
  const sim = spawn(process.execPath, [BIN, 'sim', 'payer', '--port', String(simPort)], { stdio: 'ignore', env: { ...process.env, PRIORGATE_SIM_PEND_MS: '0' } });
  const base = path.join(dir, `gw${instances}`);
  const rules = path.join(base, 'rules');
  cpSync(fileURLToPath(new URL('../../rules', import.meta.url)), rules, { recursive: true });
  const payerFile = path.join(rules, 'payers', 'demo-payer.yaml');
  writeFileSync(payerFile, `${readFileSync(payerFile, 'utf8')}\nendpoint: http://127.0.0.1:${simPort}/core\n`);
  // The load is one API client; its rate limit (6,000 a minute by default, 429 over it) would cap
  // the gateway at 100 req/s and time the limiter's answers, not `$submit`. Lifted here.
  const env = { PRIORGATE_DATA_DIR: path.join(base, 'data'), PRIORGATE_RULES_DIR: rules, PRIORGATE_SYNC_WAIT_MS: '15000', PRIORGATE_TOKEN_TTL_S: '3600', PRIORGATE_RATE_LIMIT_PER_MIN: '1000000', DATABASE_URL: db?.url ?? '', ...(process.env.BENCH_LOG ? { LOG_LEVEL: process.env.BENCH_LOG } : {}) };
  const gws: ChildServer[] = [];
  try {
    // Started with the node flags `npm start` gives the gateway (the young generation's size).
    const profile = [...startNodeFlags(), ...(process.env.BENCH_PROFILE && instances === 1 ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [])];
    // BENCH_NODE_ARGS: more flags for the gateway processes (e.g. --perf-basic-prof for perf).
    profile.push(...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []));
    // One after the other: the first seeds the demo data, the second finds it (same keys directory).
    for (let i = 0; i < instances; i++) gws.push(await startServer(['--demo'], env, 60_000, { nodeArgs: profile }));
    const token = await tokenFor(gws[0]!.url, env.PRIORGATE_DATA_DIR);
    const urls = gws.map((g) => `${g.url}/fhir/Claim/$submit`);
    // Warm-up: JIT, the compiled validator, pools.
    await warmUp(urls, { authorization: `Bearer ${token}` });
    return await measure(instances === 1 ? 'gateway' : `gateway x${instances}`, urls, { authorization: `Bearer ${token}` }, gws.map((g) => g.proc), db?.url, sim);
  } finally {
    // BENCH_OUTPUT=FILE: what the (first) gateway printed, e.g. with BENCH_NODE_ARGS=--trace-deopt.
    if (process.env.BENCH_OUTPUT && gws[0]) writeFileSync(process.env.BENCH_OUTPUT, gws[0].output());
    for (const g of gws) await g.stop();
    sim.kill('SIGTERM');
    await db?.drop();
  }
}

/** Load on every url at once (the connections split between them), CPU of `procs`, lock samples. */
async function measure(name: string, urls: string[], headers: Record<string, string>, procs: ChildProcess[], dbUrl: string | undefined, sim?: ChildProcess): Promise<Phase> {
  const locks = sampleLocks(dbUrl);
  const before = procs.map((p) => cpuSeconds(p.pid!));
  const simBefore = sim ? cpuSeconds(sim.pid!) : 0;
  const loadBefore = process.cpuUsage();
  const pgBefore = dbUrl ? postgresCpuSeconds() : undefined;
  const results = await Promise.all(urls.map((u) => runFor(u, headers, SECONDS, Math.ceil(CONNECTIONS / urls.length))));
  const cpu = procs.reduce((sum, p, i) => sum + cpuSeconds(p.pid!) - before[i]!, 0);
  const load = process.cpuUsage(loadBefore);
  const pgAfter = pgBefore !== undefined ? postgresCpuSeconds() : undefined;
  const ok = results.reduce((n, r) => n + r['2xx'], 0);
  const perRequest = (seconds: number) => (seconds * 1000) / Math.max(1, ok);
  return {
    ...(sim ? { simCpuMsPerRequest: perRequest(cpuSeconds(sim.pid!) - simBefore) } : {}),
    loadCpuMsPerRequest: perRequest((load.user + load.system) / 1e6),
    ...(pgBefore !== undefined && pgAfter !== undefined ? { pgCpuMsPerRequest: perRequest(pgAfter - pgBefore) } : {}),
    name,
    ok,
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    statuses: nonOkStatuses(results),
    errors: results.reduce((n, r) => n + r.errors, 0),
    cpuMsPerRequest: perRequest(cpu),
    locks: await locks.stop(),
  };
}

/** Counts of the answers outside 2xx by status over all runs, `429×12 503×1`; empty when none. */
function nonOkStatuses(results: autocannon.Result[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) {
      if (!code.startsWith('2')) counts.set(code, (counts.get(code) ?? 0) + (stat as { count: number }).count);
    }
  }
  return [...counts].sort().map(([code, n]) => `${code}×${n}`).join(' ');
}

function runFor(url: string, headers: Record<string, string>, seconds: number, connections = CONNECTIONS) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url,
        method: 'POST',
        connections,
        duration: seconds,
        // Answers can take up to the sync wait (15 s) when the payer pends: count them, not as errors.
        timeout: 20,
        headers: { 'content-type': 'application/fhir+json', ...headers },
        requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'pg-bench-submit-'));
try {
  console.log(`$submit load: ${CONNECTIONS} connections, ${SECONDS} s per phase after ${WARMUP_SECONDS} s of load not counted, store: ${PG_URL ? 'postgres' : 'embedded (PGlite)'}`);
  // BENCH_ONLY=gateway: the single gateway alone (profiling).
  const only = process.env.BENCH_ONLY === 'gateway';
  const floor = only ? undefined : await floorPhase(dir);
  if (floor) console.log(line(floor));
  const one = await gatewayPhase(dir, 1);
  console.log(line(one));
  const ratio = one.ok / Math.max(1, floor?.ok ?? 0);
  console.log(`ratio gateway/floor throughput: ${floor ? ratio.toFixed(2) : '-'} (target >= 0.3)   gateway p99 ${one.p99} ms (target <= 1000)   gateway CPU ${one.cpuMsPerRequest!.toFixed(2)} ms/$submit (target <= 6)`);
  // Where the machine's cores are the limit (the floor's run nearly fills them), throughput goes as
  // the inverse of the CPU every process spends per answer: for the floor and the gateway, that
  // bounds the ratio on this machine whatever the gateway's own share. Printed at equal shares of the
  // machine, and with the gateway's phase given all of its cores.
  if (floor) {
    const cores = availableParallelism();
    const best = (cores * 1000) / machineCpu(one) / (floor.ok / SECONDS);
    console.log(`machine CPU per answered request (every process measured): floor ${machineCpu(floor).toFixed(2)} ms, gateway ${machineCpu(one).toFixed(2)} ms; ratio at equal shares of the machine ${(machineCpu(floor) / machineCpu(one)).toFixed(2)}, with all ${cores} cores for the gateway's phase ${best.toFixed(2)}`);
  }
  if (PG_URL && !only) {
    const two = await gatewayPhase(dir, 2);
    console.log(line(two));
    console.log(`ratio two instances/one: ${(two.ok / Math.max(1, one.ok)).toFixed(2)} (>= 1.6 where the machine has the cores; this one has ${availableParallelism()})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
