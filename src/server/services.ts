/**
 * The prior-authorization machinery of one gateway process: payer registry (from rules/payers),
 * the request events, the job worker (payer delivery, Subscription notifications) and, in demo
 * mode, the in-process payer simulator the demo payers point at.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import { payers as payersTable } from '../db/schema.ts';
import type { GatewayServices } from '../http/context.ts';
import type { Logger } from '../log/index.ts';
import { notifyHandlers } from '../notify/index.ts';
import { startMonitor } from '../monitor/index.ts';
import { deliverHandler } from '../payers/deliver.ts';
import { ATTACH_JOB, attachHandler } from '../payers/attach.ts';
import { BUNDLE_275 } from '../payers/attach-275.ts';
import { bundleAttachHandler } from '../payers/attach-bundle.ts';
import { eligibilityDeliverHandler } from '../payers/eligibility-deliver.ts';
import { INBOX_JOB, inboxHandler } from '../payers/inbox-job.ts';
import { ELIGIBILITY_JOB } from '../requests/index.ts';
import { basicAuth, issuePayerSecret } from '../payers/inbound-auth.ts';
import { createPayerRegistry } from '../payers/registry.ts';
import { payerTls } from '../payers/tls.ts';
import { localClientTls } from '../net/index.ts';
import { formatProblem, formatProblems } from '../rules/yaml-file.ts';
import { rulesWatcher } from '../rules/index.ts';
import { connectEhr } from './ehr.ts';
import { loadPayers } from '../rules/payers.ts';
import { createPayerSim } from '../sim/payer-server.ts';
import { DELIVER_JOB, startWorker, type Worker } from '../jobs/index.ts';
import { RequestEvents } from '../workflow/events.ts';
import { startBatchRunner } from '../eligibility/runner.ts';
import type { Metrics } from '../http/metrics.ts';
import { qualityMetrics, startHealthMonitor } from '../quality/index.ts';

export interface RunningServices extends GatewayServices {
  stop(): Promise<void>;
  simUrl?: string;
}

function listen(fetch: (req: Request) => Response | Promise<Response>, host = '127.0.0.1'): Promise<{ server: ServerType; url: string }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: host }, (info) => resolve({ server, url: `http://${host}:${info.port}` }));
  });
}

/**
 * @param gatewayUrl where this gateway listens (the simulator pushes late decisions there)
 */
export async function startServices(opts: {
  config: Config;
  db: Db;
  log: Logger;
  gatewayUrl: string;
  events?: RequestEvents;
  /** Seals committed audit events (the monitor reads the sealed log). */
  seal?: () => Promise<unknown>;
  metrics?: Metrics;
}): Promise<RunningServices> {
  const { config, db, log } = opts;
  const { payers, problems } = loadPayers(`${config.rulesDir}/payers`);
  if (problems.length) throw new Error(`payer rules are invalid:\n${formatProblems(problems)}`);

  let sim: ReturnType<typeof createPayerSim> | undefined;
  let simServer: ServerType | undefined;
  let simUrl: string | undefined;
  if (config.demo) {
    sim = createPayerSim({
      pendMs: config.simPendMs,
      callbackUrl: `${opts.gatewayUrl}/payer/x12`,
      ...(config.tls ? { callbackTls: localClientTls(config.tls.cert, config.caPem) } : {}),
    });
    ({ server: simServer, url: simUrl } = await listen(sim.app.fetch));
    for (const [id, path] of [['demo-payer', '/core'], ['demo-fhir-payer', '/fhir']] as const) {
      const cfg = payers.find((p) => p.id === id);
      if (cfg && !cfg.endpoint) await db.insert(payersTable).values({ id, name: cfg.name, connector: cfg.connector, endpoint: `${simUrl}${path}` }).onConflictDoUpdate({ target: payersTable.id, set: { endpoint: `${simUrl}${path}` } });
    }
  }
  const payerDir = `${config.rulesDir}/payers`;
  const registry = await createPayerRegistry(db, payers, (p) => payerTls(p, { baseDir: payerDir, env: config.env, caPem: config.caPem }));
  if (sim && !payers.find((p) => p.id === 'demo-payer')?.endpoint) {
    // A fresh inbound secret per start: the in-process simulator authenticates its pushes with it.
    // (When the rules point demo-payer at another payer, that one keeps the secret it was issued.)
    const secret = await issuePayerSecret(db, 'demo-payer');
    if (secret) sim.setCallbackAuth(basicAuth('demo-payer', secret));
  }
  const rules = rulesWatcher(config.rulesDir, (r) =>
    r.applied ? log.info('payer rules reloaded') : log.warn({ problems: r.problems.map(formatProblem) }, 'payer rules invalid; keeping the last good set'),
  );
  if (rules.problems().length) throw new Error(`payer rules are invalid:\n${formatProblems(rules.problems())}`);
  const ehr = await connectEhr(config);
  const events = opts.events ?? new RequestEvents();
  const monitor = startMonitor({ db, log, config, wake: () => worker.wake(), seal: opts.seal });
  // Payer interface health: every call and breaker change recorded, alerts raised and cleared.
  const health = startHealthMonitor({ db, log, config, payers: registry, metrics: opts.metrics && qualityMetrics(opts.metrics.registry), wake: () => worker.wake() });
  const observer = health.observe;
  const worker: Worker = startWorker({
    db,
    log,
    lockMs: config.jobLockMs,
    // Jobs mostly wait on payers; per-payer limits (rules/payers maxConcurrency) do the throttling.
    concurrency: 64,
    handlers: {
      [DELIVER_JOB]: deliverHandler({ db, log, payers: registry, events, senderId: config.x12SenderId, observer }),
      [ELIGIBILITY_JOB]: eligibilityDeliverHandler({ db, log, payers: registry, events, senderId: config.x12SenderId, observer }),
      [ATTACH_JOB]: attachHandler({ db, log, payers: registry, events, senderId: config.x12SenderId, observer }),
      [BUNDLE_275.job]: bundleAttachHandler({ db, log, payers: registry, events, senderId: config.x12SenderId, observer }),
      // What payers pushed to /payer/x12 and the receiving process could not record (issue 15).
      [INBOX_JOB]: inboxHandler({ db, log, events, senderId: config.x12SenderId, lenient: (id) => registry.get(id)?.config.x12?.leniency ?? [] }),
      ...notifyHandlers({ db, log, config }),
      ...monitor.handlers,
    },
  });
  // A batch is leased like a job: a dead process's batch is taken over once PRIORGATE_JOB_LOCK_MS has passed.
  const batches = startBatchRunner({ db, log, payers: registry, senderId: config.x12SenderId, leaseMs: config.jobLockMs });
  log.info({ payers: registry.all().map((p) => p.config.id), simulator: simUrl, ehr: ehr.client?.baseUrl }, 'services started');
  return {
    payers: registry,
    events,
    wake: () => worker.wake(),
    runJob: (job, prepared) => worker.run(job, prepared),
    rules: () => rules.current(),
    ehr: ehr.client,
    batches,
    health,
    simUrl,
    async stop() {
      await batches.stop();
      await monitor.stop();
      await health.stop();
      await worker.stop();
      rules.close();
      await ehr.stop();
      sim?.close();
      if (simServer) {
        (simServer as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise<void>((r) => simServer!.close(() => r()));
      }
    },
  };
}

