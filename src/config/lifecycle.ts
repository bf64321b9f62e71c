/**
 * Settings of the audit log's sequencer and witnesses, and of Subscription delivery. Part of the
 * one environment schema (index.ts), kept here as one block.
 */
import path from 'node:path';
import { z } from 'zod';

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const hours = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a number of hours (e.g. 24 or 0.5)')
  .transform(Number)
  .pipe(z.number().gt(0, 'must be more than 0').max(24 * 30));

export const LIFECYCLE_ENV = {
  /** How often this process runs the audit sequencer (0: never, another process seals). */
  PRIORGATE_AUDIT_SEAL_MS: whole(0, 60_000).default(100),
  /** A file the signed tree heads are appended to (an external witness: put it on another disk or host). */
  PRIORGATE_AUDIT_WITNESS_FILE: z.string().min(1).optional(),
  /** A URL the signed tree heads are POSTed to; the rest-hook SSRF rules and allowlist apply. */
  PRIORGATE_AUDIT_WITNESS_URL: z.url().optional(),
  /** How often the newest head goes to the witnesses. */
  PRIORGATE_AUDIT_WITNESS_INTERVAL_MS: whole(100, 3_600_000).default(10_000),
  /** Rest-hook notifications are retried until this long after the event, then the subscription goes to `error`. */
  PRIORGATE_NOTIFY_RETRY_HOURS: hours.default(24),
  /** First retry delay of a notification, doubling per attempt up to the cap (full jitter). */
  PRIORGATE_NOTIFY_BACKOFF_BASE_MS: whole(10, 3_600_000).default(1000),
  PRIORGATE_NOTIFY_BACKOFF_CAP_MS: whole(100, 24 * 3_600_000).default(300_000),
};

export interface AuditLogConfig {
  sealIntervalMs: number;
  witnessFile?: string;
  witnessUrl?: string;
  witnessIntervalMs: number;
}

export interface NotifyConfig {
  /** Retry until this long after the event (ms). */
  retryForMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

type LifecycleEnv = z.output<z.ZodObject<typeof LIFECYCLE_ENV>>;

export function lifecycleConfig(e: LifecycleEnv): { audit: AuditLogConfig; notify: NotifyConfig } {
  return {
    audit: {
      sealIntervalMs: e.PRIORGATE_AUDIT_SEAL_MS,
      ...(e.PRIORGATE_AUDIT_WITNESS_FILE ? { witnessFile: path.resolve(e.PRIORGATE_AUDIT_WITNESS_FILE) } : {}),
      ...(e.PRIORGATE_AUDIT_WITNESS_URL ? { witnessUrl: e.PRIORGATE_AUDIT_WITNESS_URL } : {}),
      witnessIntervalMs: e.PRIORGATE_AUDIT_WITNESS_INTERVAL_MS,
    },
    notify: {
      retryForMs: Math.round(e.PRIORGATE_NOTIFY_RETRY_HOURS * 3_600_000),
      backoffBaseMs: e.PRIORGATE_NOTIFY_BACKOFF_BASE_MS,
      backoffCapMs: Math.max(e.PRIORGATE_NOTIFY_BACKOFF_CAP_MS, e.PRIORGATE_NOTIFY_BACKOFF_BASE_MS),
    },
  };
}
