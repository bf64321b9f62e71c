/**
 * The audit monitor's and the retention purge's settings: thresholds, working hours, the alert
 * webhook, the retention minimum. Part of the one environment schema (index.ts); kept here so the
 * audit settings read as one block.
 */
import { z } from 'zod';

const whole = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** `07:00-19:00` → minutes after midnight; an end before the start wraps past midnight (night shift). */
const hoursRange = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must look like 07:00-19:00 (24-hour clock)')
  .transform((s) => {
    const [from, to] = s.split('-').map((t) => {
      const [h, m] = t.split(':').map(Number);
      return h! * 60 + m!;
    });
    return { startMinute: from!, endMinute: to! };
  });

/** `mon-fri`, `mon,wed,fri`, `sat-sun` → day numbers (0 = Sunday), ranges may wrap (`fri-mon`). */
const dayList = z.string().transform((s, ctx) => {
  const days = new Set<number>();
  for (const part of s.toLowerCase().split(',').map((p) => p.trim()).filter(Boolean)) {
    const [a, b] = part.split('-').map((d) => DAY_NAMES.indexOf(d.trim() as (typeof DAY_NAMES)[number]));
    if (a === undefined || a < 0 || (b !== undefined && b < 0)) {
      ctx.addIssue({ code: 'custom', message: `"${part}" is not a day or day range (use mon, tue, … or mon-fri)` });
      return z.NEVER;
    }
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(d);
      if (b === undefined || d === b) break;
    }
  }
  if (days.size === 0) {
    ctx.addIssue({ code: 'custom', message: 'names no day' });
    return z.NEVER;
  }
  return [...days].sort();
});

const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'is not an IANA time zone (e.g. America/Chicago, UTC)');

/** HIPAA (45 CFR 164.316(b)(2)): documentation is kept six years; the minimum can only grow. */
export const MIN_RETENTION_YEARS = 6;

export const MONITOR_ENV = {
  /** How often the monitor reads new audit events (0: never; tests and one-shot tools). */
  PRIORGATE_MONITOR_INTERVAL_MS: whole(0, 3_600_000).default(2000),
  /** How often payer interface health is computed and its alerts raised or cleared (0: never). */
  PRIORGATE_HEALTH_INTERVAL_MS: whole(0, 3_600_000).default(15_000),
  /** Rule bulk-reads: more than this many distinct requests read by one actor within the window. */
  PRIORGATE_ALERT_READS_MAX: whole(1, 10_000_000).default(100),
  PRIORGATE_ALERT_READS_WINDOW_MIN: whole(1, 7 * 24 * 60).default(15),
  /** Rule off-hours: staff access outside these hours / days, in this time zone. */
  PRIORGATE_WORK_HOURS: hoursRange.default({ startMinute: 7 * 60, endMinute: 19 * 60 }),
  PRIORGATE_WORK_DAYS: dayList.default([0, 1, 2, 3, 4, 5, 6]),
  PRIORGATE_WORK_TZ: timeZone.default('UTC'),
  /** Rule failed-logins: more than this many failures for one account or client within the window. */
  PRIORGATE_ALERT_LOGIN_FAILURES_MAX: whole(1, 100_000).default(5),
  PRIORGATE_ALERT_LOGIN_WINDOW_MIN: whole(1, 7 * 24 * 60).default(15),
  /** Rule new-address: a client's token from an address it has not used within this many days. */
  PRIORGATE_ALERT_NEW_ADDRESS_DAYS: whole(1, 3650).default(30),
  /** Where alerts are POSTed (JSON, ids only); the rest-hook SSRF rules and allowlist apply. */
  PRIORGATE_ALERT_WEBHOOK_URL: z.url().optional(),
  /** Shared secret: each webhook POST carries an HMAC-SHA256 signature the receiver can check. */
  PRIORGATE_ALERT_WEBHOOK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Years of audit trail, messages and closed requests kept before `retention purge` may remove them. */
  PRIORGATE_RETENTION_YEARS: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of years')
    .transform(Number)
    .pipe(z.number().int().min(MIN_RETENTION_YEARS, `must be at least ${MIN_RETENTION_YEARS}: records are kept six years (HIPAA); the minimum can only be raised`).max(100))
    .default(MIN_RETENTION_YEARS),
};

export interface WorkHours {
  startMinute: number;
  endMinute: number;
  /** 0 = Sunday … 6 = Saturday. */
  days: number[];
  timeZone: string;
}

export interface MonitorConfig {
  intervalMs: number;
  /** Payer health scans (src/quality); thresholds are per payer in rules/payers. */
  healthIntervalMs: number;
  reads: { max: number; windowMs: number };
  workHours: WorkHours;
  logins: { max: number; windowMs: number };
  newAddressDays: number;
  webhookUrl?: string;
  webhookSecret?: string;
}

type MonitorEnv = z.output<z.ZodObject<typeof MONITOR_ENV>>;

export function monitorConfig(e: MonitorEnv): MonitorConfig {
  return {
    intervalMs: e.PRIORGATE_MONITOR_INTERVAL_MS,
    healthIntervalMs: e.PRIORGATE_HEALTH_INTERVAL_MS,
    reads: { max: e.PRIORGATE_ALERT_READS_MAX, windowMs: e.PRIORGATE_ALERT_READS_WINDOW_MIN * 60_000 },
    workHours: { ...e.PRIORGATE_WORK_HOURS, days: e.PRIORGATE_WORK_DAYS, timeZone: e.PRIORGATE_WORK_TZ },
    logins: { max: e.PRIORGATE_ALERT_LOGIN_FAILURES_MAX, windowMs: e.PRIORGATE_ALERT_LOGIN_WINDOW_MIN * 60_000 },
    newAddressDays: e.PRIORGATE_ALERT_NEW_ADDRESS_DAYS,
    webhookUrl: e.PRIORGATE_ALERT_WEBHOOK_URL,
    ...(e.PRIORGATE_ALERT_WEBHOOK_SECRET ? { webhookSecret: e.PRIORGATE_ALERT_WEBHOOK_SECRET } : {}),
  };
}
