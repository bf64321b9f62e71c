/**
 * Audit appends under 50 concurrent connections on Postgres, three ways, each transaction recording
 * one small change and its audit event:
 *
 * - floor: the event as a plain insert (no order, no lock): the cost of writing it at all;
 * - chain: the old hash chain (the head row locked from the append to the commit, as before issue 15);
 * - log: the Merkle log as shipped (`appendAudit`: one insert, no lock), with the sequencer sealing.
 *
 * Prints throughput and latency, the ratio to the floor, pg_stat_activity sampled every 100 ms
 * (backends waiting on a lock vs. running), and for the log the time from append to seal (p50, p99,
 * max) and the backlog left at the end. Needs Postgres: BENCH_DATABASE_URL, DATABASE_URL or
 * TEST_DATABASE_URL (a scratch database is created on that server and dropped). BENCH_SECONDS
 * sets each run's length (default 10).
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { appendAudit, startAuditLog, verifyAudit } from '../../src/audit/index.ts';
import { eventHash, GENESIS_HASH } from '../../src/audit/chain.ts';
import { loadKeyRing } from '../../src/auth/index.ts';
import { openPostgres, rows, type Db } from '../../src/db/client.ts';
import { withTransaction } from '../../src/db/tx.ts';
import { createLogger } from '../../src/log/index.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (!serverUrl) {
  console.log('audit bench: skipped (needs Postgres: set BENCH_DATABASE_URL, DATABASE_URL or TEST_DATABASE_URL)');
  process.exit(0);
}
const silent = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) as never });

const name = `priorgate_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const database = await openPostgres(url.toString(), { max: CONNECTIONS + 2 });
await database.migrate();
const db = database.db;
await db.execute(sql`create table bench_changes (id bigserial primary key, n int not null, at timestamptz not null default now())`);
await db.execute(sql`create table bench_floor (like audit_events including defaults)`);
await db.execute(sql`create table bench_chain (seq bigint primary key, at timestamptz not null, actor text not null, action text not null, outcome text not null, detail jsonb not null, prev_hash text not null, hash text not null)`);
await db.execute(sql`insert into audit_head (id, seq, hash) values (1, 0, ${GENESIS_HASH})`);

interface Run {
  name: string;
  commits: number;
  latencies: number[];
  lockWaits: number[];
  active: number[];
  errors: number;
}

/** The old append: lock the head, hash with the previous event's hash, insert, move the head. */
async function chainAppend(tx: Db, i: number) {
  const [head] = await rows<{ seq: string; hash: string }>(tx, sql`update audit_head set seq = seq + 1 where id = 1 returning seq, hash`);
  const e = { seq: Number(head!.seq), at: new Date(), orgId: null, actor: 'bench', action: 'bench.change', entityType: null, entityId: null, requestId: null, outcome: 'success', detail: { i } };
  const hash = eventHash(head!.hash, e);
  await tx.execute(sql`with e as (insert into bench_chain (seq, at, actor, action, outcome, detail, prev_hash, hash)
      values (${e.seq}, ${e.at.toISOString()}, 'bench', 'bench.change', 'success', ${JSON.stringify(e.detail)}::jsonb, ${head!.hash}, ${hash}))
    update audit_head set hash = ${hash} where id = 1`);
}

const APPEND: Record<string, (tx: Db, i: number) => Promise<unknown>> = {
  floor: (tx, i) => tx.execute(sql`insert into bench_floor (at, actor, action, outcome, detail) values (now(), 'bench', 'bench.change', 'success', ${JSON.stringify({ i })}::jsonb)`),
  chain: chainAppend,
  log: (tx, i) => appendAudit(tx, { actor: 'bench', action: 'bench.change', detail: { i } }),
};

async function run(mode: string): Promise<Run> {
  const r: Run = { name: mode, commits: 0, latencies: [], lockWaits: [], active: [], errors: 0 };
  const until = Date.now() + SECONDS * 1000;
  let n = 0;
  const sampler = setInterval(() => {
    void admin`select count(*) filter (where wait_event_type = 'Lock')::int as waiting, count(*) filter (where state = 'active')::int as active
              from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`.then(([s]) => {
      r.lockWaits.push(Number(s!.waiting));
      r.active.push(Number(s!.active));
    });
  }, 100);
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const i = n++;
        const t0 = performance.now();
        try {
          await withTransaction(db, async (tx) => {
            await tx.execute(sql`insert into bench_changes (n) values (${i})`);
            await APPEND[mode]!(tx, i);
          });
          r.commits++;
          r.latencies.push(performance.now() - t0);
        } catch {
          r.errors++;
        }
      }
    }),
  );
  clearInterval(sampler);
  return r;
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function line(r: Run) {
  return (
    `${r.name.padEnd(6)} ${(r.commits / SECONDS).toFixed(0).padStart(7)} tx/s   p50 ${pct(r.latencies, 50).toFixed(1).padStart(6)} ms   p99 ${pct(r.latencies, 99).toFixed(1).padStart(7)} ms   ` +
    `pg_stat_activity: waiting on a lock mean ${mean(r.lockWaits).toFixed(1)} (max ${Math.max(0, ...r.lockWaits)}), active mean ${mean(r.active).toFixed(1)}, of ${CONNECTIONS}   errors ${r.errors}`
  );
}

try {
  console.log(`audit appends: ${CONNECTIONS} connections, ${SECONDS} s each, Postgres (${name})`);
  const floor = await run('floor');
  console.log(line(floor));
  const chain = await run('chain');
  console.log(line(chain));

  const keys = await loadKeyRing(db, 300);
  const lags: number[] = [];
  const log = startAuditLog({
    db,
    log: silent,
    signer: () => keys.signer,
    sealIntervalMs: 100,
    metrics: { observeSeal: (s) => lags.push(s * 1000), setUnsealed: () => {}, setTreeSize: () => {} },
  });
  const merkle = await run('log');
  const [left] = await rows<{ n: number }>(db, sql`select count(*)::int as n from audit_events where seq is null`);
  const drainStart = performance.now();
  await log.stop();
  const drained = performance.now() - drainStart;
  console.log(line(merkle));
  console.log(
    `log    time to seal (insert → signed head): p50 ${pct(lags, 50).toFixed(0)} ms  p99 ${pct(lags, 99).toFixed(0)} ms  max ${Math.max(0, ...lags).toFixed(0)} ms over ${lags.length} events; ` +
      `${left!.n} unsealed when the load stopped, sealed ${drained.toFixed(0)} ms later (target p99 <= 1000 ms: ${pct(lags, 99) <= 1000 ? 'met' : 'NOT met'})`,
  );
  const [heads] = await rows<{ n: number }>(db, sql`select count(*)::int as n from audit_heads`);
  const verified = await verifyAudit(db);
  console.log(`log    ${heads!.n} signed tree heads; verify: ${verified.ok ? 'intact' : `BROKEN ${JSON.stringify(verified.broken)}`}, ${verified.events} events`);
  console.log(
    `ratio to the floor (throughput): chain ${(chain.commits / Math.max(1, floor.commits)).toFixed(2)}   log ${(merkle.commits / Math.max(1, floor.commits)).toFixed(2)}   log/chain ${(merkle.commits / Math.max(1, chain.commits)).toFixed(1)}x`,
  );
  if (!verified.ok || merkle.errors) process.exitCode = 1;
} finally {
  await database.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
