/**
 * Gateway processes for the crash suites, and what those suites ask Postgres about instances that
 * share one database (horizontal scale). Each instance names its sessions (`PGAPPNAME`), so
 * Postgres tells them apart: which deliveries an instance still holds, whether it still has
 * sessions, whether it holds the audit sequencer; and whether the audit log is sealed.
 */
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { rows, type Db } from '../../src/db/client.ts';
import { SEQUENCER_LOCK } from '../../src/db/queries/audit-log.ts';
import { jobs, requests } from '../../src/db/schema.ts';
import type { Bundle } from '../../src/fhir/bundle.ts';
import { DELIVER_JOB } from '../../src/jobs/index.ts';
import { claimFacts } from '../../src/requests/index.ts';
import { startServer, type ChildServer } from './process.ts';
import { until } from './wait.ts';

/**
 * `priorgate serve --demo`, returned once ready (demo seeded, services started).
 * @param opts.name the instance's name in Postgres: `application_name` is `priorgate-NAME`
 * @param opts.port listen on this port (a restart keeps the address the payer pushes to)
 */
export async function startGateway(env: NodeJS.ProcessEnv, opts: { name?: string; port?: number } = {}): Promise<ChildServer> {
  const named = opts.name ? { PGAPPNAME: `priorgate-${opts.name}` } : {};
  const gw = await startServer(['--demo'], { ...env, ...named }, 90_000, opts.port ? { port: opts.port } : {});
  const ready = () => fetch(`${gw.url}/readyz`).then((r) => r.ok, () => false);
  try {
    await until(`${opts.name ?? 'the gateway'} to be ready`, ready, 60_000);
  } catch (e) {
    await gw.stop('SIGKILL');
    throw new Error(`${(e as Error).message}:\n${gw.output().slice(-3000)}`);
  }
  return gw;
}

/**
 * The delivery jobs of these requests still held by the process that accepted them: `$submit`
 * claims a new request's first attempt for itself (attempt 1, leased for PRIORGATE_JOB_LOCK_MS),
 * while any later claim — a worker's, once the lease ran out — counts a second attempt.
 */
export async function heldDeliveries(db: Db, bundles: Bundle[]): Promise<number[]> {
  const keys = bundles.map((b) => claimFacts(b).idempotencyKey);
  const held = await db
    .select({ id: jobs.id })
    .from(jobs)
    .innerJoin(requests, eq(requests.id, jobs.requestId))
    .where(and(eq(jobs.kind, DELIVER_JOB), eq(jobs.status, 'running'), eq(jobs.attempts, 1), gt(jobs.lockedUntil, sql`now()`), inArray(requests.idempotencyKey, keys)));
  return held.map((j) => j.id);
}

export async function jobStates(db: Db, ids: number[]): Promise<{ id: number; status: string; attempts: number }[]> {
  return db.select({ id: jobs.id, status: jobs.status, attempts: jobs.attempts }).from(jobs).where(inArray(jobs.id, ids));
}

/** The sessions the named instance has open (a killed one's close once Postgres sees its sockets gone). */
export async function sessionsOf(db: Db, name: string): Promise<number> {
  const [r] = await rows<{ n: number }>(db, sql`select count(*)::int as n from pg_stat_activity where application_name = ${`priorgate-${name}`}`);
  return r!.n;
}

/** Whether the named instance holds the audit sequencer's lock right now (it is sealing a batch). */
export async function holdsSequencer(db: Db, name: string): Promise<boolean> {
  const [r] = await rows<{ held: boolean }>(
    db,
    sql`select exists (select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = ${SEQUENCER_LOCK}
            and a.application_name = ${`priorgate-${name}`}) as held`,
  );
  return Boolean(r?.held);
}

/** Events the sequencer has not sealed yet, and the number of the newest signed tree head. */
export async function auditProgress(db: Db): Promise<{ unsealed: number; headNo: number }> {
  const [r] = await rows<{ unsealed: number; head_no: number }>(
    db,
    sql`select (select count(*)::int from audit_events where seq is null) as unsealed,
               (select coalesce(max(head_no), 0)::int from audit_heads) as head_no`,
  );
  return { unsealed: r!.unsealed, headNo: r!.head_no };
}
