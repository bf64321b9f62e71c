/** What the HTTP app is given (explicit dependencies) and what it keeps per request. */
import type { Job } from '../db/queries/jobs.ts';
import type { BatchRunner } from '../eligibility/runner.ts';
import type { Config } from '../config/index.ts';
import type { Db } from '../db/client.ts';
import type { Logger } from '../log/index.ts';
import type { AccessClaims, KeyRingHolder } from '../auth/index.ts';
import type { Metrics } from './metrics.ts';
import type { PayerRegistry } from '../payers/registry.ts';
import type { RuleSet } from '../rules/index.ts';
import type { EhrClient } from '../ehr/index.ts';
import type { RequestEvents } from '../workflow/events.ts';
import type { HealthMonitor } from '../quality/health-monitor.ts';
import type { ValidationOffload } from '../fhir/operations/validate-offload.ts';

/** The prior-authorization machinery the FHIR operations drive (absent in bare test apps). */
export interface GatewayServices {
  payers: PayerRegistry;
  events: RequestEvents;
  /** Wakes this process's delivery worker after an enqueue. */
  wake(): void;
  /** Runs a job this process enqueued claimed, now (`Worker.run`). */
  runJob(job: Job, prepared?: unknown): Promise<void>;
  /** The current (last good) payer rules. */
  rules(): RuleSet;
  /** The EHR the rules pull documentation from, when one is configured. */
  ehr?: EhrClient;
  /** Staff eligibility batches run by this process. */
  batches?: BatchRunner;
  /** Payer interface health: call recording, scans, alerts (src/quality). */
  health?: HealthMonitor;
}

export interface AppDeps {
  config: Config;
  db: Db;
  log: Logger;
  keys: KeyRingHolder;
  metrics: Metrics;
  services?: GatewayServices;
  /** Resolves once start-up is complete; requests other than /healthz wait for it. */
  ready?: Promise<void>;
  /** The clock, injectable for tests. */
  now?: () => Date;
  /** Seals the audit events committed so far (the process's audit log sequencer). */
  sealAudit?: () => Promise<unknown>;
  /** Where large PAS Bundles are validated (off the event loop); made on first need. */
  validation?: ValidationOffload;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    log: Logger;
    auth?: AccessClaims;
  };
}
