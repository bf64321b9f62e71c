/**
 * Assembles and runs the gateway: database (migrated), keys, demo seed, HTTP app on a port, and a
 * clean shutdown on SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ServerType } from '@hono/node-server';
import type { Config } from '../config/index.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { openDataKeys, type DataKeyService } from '../db/data-keys/index.ts';
import type { Logger } from '../log/index.ts';
import { createApp, type RouteGroup } from '../http/app.ts';
import { createMetrics } from '../http/metrics.ts';
import { operatorRoutes } from '../http/routes/operator.ts';
import { dataKeyOperatorRoutes } from '../http/routes/operator-data-keys.ts';
import { keyRingHolder } from './keyring.ts';
import { listen } from './listen.ts';
import { seedDemo } from './demo-seed.ts';
import { startServices } from './services.ts';
import type { AppDeps } from '../http/context.ts';
import { payerInboundRoutes } from '../payers/inbound-route.ts';
import { subscriptionRoutes } from '../notify/index.ts';
import { staffRoutes } from '../staff/index.ts';
import { FHIR_OPERATIONS } from '../fhir/operations/index.ts';
import { preloadEligibilityDefinitions, preloadPasDefinitions } from '../fhir/validate/index.ts';
import { RequestEvents } from '../workflow/events.ts';
import { startAuditLog, type AuditLogService } from '../audit/index.ts';
import { observeRetries } from '../db/tx.ts';
import { isEndpointAllowed, trustAnchors } from '../net/index.ts';

export interface Gateway {
  url: string;
  port: number;
  database: Database;
  deps: AppDeps;
  /** The HTTP app as served (its `routes` are what the security tests enumerate). */
  app: ReturnType<typeof createApp>;
  /** Encryption at rest: the data key ring in force, rotation passes, status. */
  dataKeys: DataKeyService;
  /** The audit log's sequencer and witness exports in this process. */
  auditLog: AuditLogService;
  stop(): Promise<void>;
}

export async function startGateway(
  config: Config,
  log: Logger,
  opts: { extra?: RouteGroup[]; database?: Database } = {},
): Promise<Gateway> {
  const extra = opts.extra ?? [];
  const database = opts.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, port: config.port, poolMax: config.dbPoolMax }));
  let dataKeys: DataKeyService;
  try {
    await database.migrate();
    // Encryption at rest: the ring is checked against what is stored before anything is served,
    // then attached to the database handle (the query layer encrypts and decrypts with it).
    dataKeys = await openDataKeys(database.db, config.dataKeys, { log, background: true });
  } catch (e) {
    await database.close();
    throw e;
  }
  const db = database.db;
  const keys = await keyRingHolder(db, config.tokenTtlS);
  // Local operator commands (`priorgate token`, `audit verify`) reach a running embedded-store
  // server through this secret, readable only by the owner of the data dir.
  const operatorSecret = randomBytes(32).toString('base64url');
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const secretFile = path.join(config.dataDir, 'operator.json');

  const events = new RequestEvents();
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const metrics = createMetrics({ defaults: true });
  const deps: AppDeps = { config, db, log, keys, metrics, ready };
  observeRetries(({ code }) => metrics.txRetries.inc({ code }));
  const witnessUrl = config.audit.witnessUrl;
  if (witnessUrl) {
    // Fail at start, not at the first head: a witness URL the SSRF rules refuse would never receive one.
    const verdict = isEndpointAllowed(witnessUrl, config.hookAllowlist);
    if (!verdict.ok) {
      await database.close();
      throw new Error(`PRIORGATE_AUDIT_WITNESS_URL is not allowed: ${verdict.reason}`);
    }
  }
  const ca = trustAnchors(config.caPem);
  const auditLog = startAuditLog({
    db,
    log,
    signer: () => keys.current().signer,
    sealIntervalMs: config.audit.sealIntervalMs,
    witnessIntervalMs: config.audit.witnessIntervalMs,
    ...(config.audit.witnessFile ? { witnessFile: config.audit.witnessFile } : {}),
    ...(witnessUrl ? { witnessWebhook: { url: witnessUrl, allowlist: config.hookAllowlist, ...(ca ? { tls: { ca } } : {}) } } : {}),
    ...(config.baseUrl ? { jwksUrl: `${config.baseUrl}/.well-known/jwks.json` } : {}),
    metrics: {
      observeSeal: (s) => metrics.auditSealSeconds.observe(s),
      setUnsealed: (n) => metrics.auditUnsealed.set(n),
      setTreeSize: (n) => metrics.auditTreeSize.set(n),
    },
  });
  deps.sealAudit = () => auditLog.sealNow();
  const app = createApp(deps, [operatorRoutes(operatorSecret), dataKeyOperatorRoutes(operatorSecret, dataKeys), payerInboundRoutes(events), subscriptionRoutes, staffRoutes, ...FHIR_OPERATIONS, ...extra]);

  const { server, port, url }: { server: ServerType; port: number; url: string } = await listen(app.fetch, config);
  writeFileSync(secretFile, JSON.stringify({ url, secret: operatorSecret, pid: process.pid }), { mode: 0o600 });

  if (config.demo) await seedDemo(db, { dataDir: config.dataDir, password: config.demoPassword });
  const services = await startServices({ config, db, log, gatewayUrl: url, events, seal: () => auditLog.sealNow(), metrics: deps.metrics });
  deps.services = services;
  const compileStart = performance.now();
  preloadPasDefinitions();
  // The eligibility validator's R4 definitions too: the same compiled schemas, a few more of them.
  const schemas = preloadEligibilityDefinitions();
  log.info({ schemas, ms: Math.round(performance.now() - compileStart) }, 'PAS validator compiled');
  markReady();

  // Pick up keys rotated by `priorgate keys rotate` or by another instance.
  const keyTimer = setInterval(() => void keys.refresh().catch((err) => log.warn({ err }, 'key refresh failed')), 60_000);
  keyTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(keyTimer);
      await services.stop();
      await auditLog.stop();
      await deps.validation?.close();
      await dataKeys.stop();
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(secretFile, { force: true });
      await database.close();
    })());
  return { url, port, database, deps, app, dataKeys, auditLog, stop };
}
