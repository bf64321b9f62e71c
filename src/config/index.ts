/**
 * Reads the environment once, validates it with zod, and hands a typed config to the rest of the
 * program. Only this module reads `process.env` (STYLE.md habit 7).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MONITOR_ENV, monitorConfig, type MonitorConfig } from './monitor.ts';
import { LIFECYCLE_ENV, lifecycleConfig, type AuditLogConfig, type NotifyConfig } from './lifecycle.ts';

export { MIN_RETENTION_YEARS, type MonitorConfig, type WorkHours } from './monitor.ts';
export type { AuditLogConfig, NotifyConfig } from './lifecycle.ts';
import { dataKeySource, type DataKeySource } from './data-keys.ts';
import { ConfigError } from './errors.ts';

export { ConfigError };
export { key32, KeyRingFileSchema, KID_PATTERN, readKeyRingFile, type DataKeySource, type KeyRingFile } from './data-keys.ts';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const intFrom = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** The staff roles (src/staff/permissions.ts has what each may do); here for validation only. */
const STAFF_ROLES = ['viewer', 'staff', 'admin', 'auditor'] as const;

function keyBytes(s: string): Buffer | undefined {
  const b = /^[0-9a-fA-F]{64}$/.test(s) ? Buffer.from(s, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(s) ? Buffer.from(s, 'base64') : undefined;
  return b?.length === 32 ? b : undefined;
}

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const EnvSchema = z.object({
  PORT: intFrom(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PRIORGATE_DATA_DIR: z.string().min(1).default('./.priorgate'),
  PRIORGATE_DB_POOL_MAX: intFrom(1, 1000).default(10),
  PRIORGATE_BASE_URL: z.url().optional(),
  PRIORGATE_SYNC_WAIT_MS: intFrom(0, 600_000).default(15_000),
  PRIORGATE_HOOK_ALLOWLIST: list.optional(),
  PRIORGATE_DEMO_PASSWORD: z.string().min(8, 'must be at least 8 characters').default('priorgate-demo'),
  PRIORGATE_SIM_PEND_MS: intFrom(0, 3_600_000).default(30_000),
  PRIORGATE_BODY_LIMIT_BYTES: intFrom(1024, 512 * 1024 * 1024).default(10 * 1024 * 1024),
  PRIORGATE_TOKEN_TTL_S: intFrom(30, 3600).default(300),
  PRIORGATE_RATE_LIMIT_PER_MIN: intFrom(1, 1_000_000).default(6000),
  PRIORGATE_RULES_DIR: z.string().min(1).optional(),
  /** The gateway's own X12 identity (ISA06/GS02, 2010B is the provider's). */
  PRIORGATE_X12_SENDER_ID: z.string().regex(/^[A-Za-z0-9 ]{1,15}$/, 'must be 1-15 letters, digits or spaces').default('PRIORGATE'),
  PRIORGATE_DEFAULT_PAYER: z.string().min(1).optional(),
  /** How long a claimed job stays locked; a crashed worker's jobs are retried after it. */
  PRIORGATE_JOB_LOCK_MS: intFrom(1000, 3_600_000).default(30_000),
  /** Tell callers what each request cost the database (Server-Timing: statements, commits). */
  PRIORGATE_SERVER_TIMING: z.enum(['0', '1', 'true', 'false']).default('0'),
  /** A bearer token the Prometheus scraper must send to GET /metrics; unset: /metrics is open. */
  PRIORGATE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The EHR's FHIR base URL, the client id registered there, and our private JWK file for it. */
  PRIORGATE_EHR_URL: z.url().optional(),
  PRIORGATE_EHR_CLIENT_ID: z.string().min(1).optional(),
  PRIORGATE_EHR_KEY_FILE: z.string().min(1).optional(),
  /** Staff roles that must use TOTP (`none` for no role); others may enrol by choice. */
  PRIORGATE_MFA_REQUIRED_ROLES: z
    .string()
    .transform((s) => (s.trim() === 'none' ? [] : s.split(',').map((x) => x.trim()).filter(Boolean)))
    .pipe(z.array(z.enum(STAFF_ROLES)))
    .default(['admin']),
  /** 32 bytes (base64 or hex) sealing staff TOTP secrets at rest (AES-256-GCM). */
  PRIORGATE_MFA_KEY: z
    .string()
    .refine((s) => keyBytes(s) !== undefined, 'must be 32 bytes as 64 hex digits or base64')
    .optional(),
  /** Absolute staff session lifetime, and the idle time after which a session ends. */
  PRIORGATE_SESSION_MAX_HOURS: intFrom(1, 168).default(12),
  PRIORGATE_SESSION_IDLE_MINUTES: intFrom(1, 1440).default(30),
  /** Hosts whose client JWKS URL may be fetched over plain http or on a private address. */
  PRIORGATE_JWKS_ALLOWLIST: list.optional(),
  /**
   * Reverse proxies (IP addresses) whose X-Forwarded-For is believed: behind one, the client's
   * address (staff sign-in throttling) is the last address it appended, not the proxy's own.
   */
  PRIORGATE_TRUSTED_PROXIES: list
    .pipe(z.array(z.string().regex(/^[0-9a-fA-F:.]+$/, 'must be IP addresses, comma-separated')))
    .optional(),
  /** Extra trust anchors (PEM bundle) for outbound TLS: payers, rest-hooks, client JWKS URLs. */
  PRIORGATE_CA_FILE: z.string().min(1).optional(),
  /** TLS termination in the server: certificate chain and private key (PEM files). */
  PRIORGATE_TLS_CERT_FILE: z.string().min(1).optional(),
  PRIORGATE_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Inbound request deadline (whole request, body included) and header deadline. */
  PRIORGATE_REQUEST_TIMEOUT_MS: intFrom(1000, 3_600_000).default(60_000),
  PRIORGATE_HEADERS_TIMEOUT_MS: intFrom(1000, 600_000).default(20_000),
  /** Encryption at rest: one data key (base64, 32 bytes), or a key ring file (see data-keys.ts). */
  PRIORGATE_DATA_KEY: z.string().optional(),
  PRIORGATE_DATA_KEY_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  ...MONITOR_ENV,
  ...LIFECYCLE_ENV,
});

export interface Config {
  port: number;
  host: string;
  databaseUrl?: string;
  /**
   * Connections each process keeps to `DATABASE_URL` at most (PRIORGATE_DB_POOL_MAX, default 10):
   * size it to what the server (or a pooler in front of it) allows across every instance and command.
   */
  dbPoolMax: number;
  dataDir: string;
  /** Public base URL (used for the token endpoint `aud`); derived from the request when unset. */
  baseUrl?: string;
  syncWaitMs: number;
  hookAllowlist: string[];
  demo: boolean;
  demoPassword: string;
  simPendMs: number;
  bodyLimitBytes: number;
  tokenTtlS: number;
  /** Requests a minute per API client on the FHIR API. */
  rateLimitPerMinute: number;
  logLevel: (typeof LOG_LEVELS)[number];
  rulesDir: string;
  x12SenderId: string;
  /** Payer for requests whose insurer matches no configured payer (demo: demo-payer). */
  defaultPayer?: string;
  jobLockMs: number;
  /** Server-Timing `db` on every answer (statements and commits the request cost). */
  serverTiming: boolean;
  /** The bearer token GET /metrics requires (unset: open, for a scraper on a private network). */
  metricsToken?: string;
  ehr?: { url: string; clientId: string; keyFile: string };
  /** Staff roles that must sign in with TOTP. */
  mfaRequiredRoles: string[];
  /** The key earlier releases sealed TOTP secrets with: read for those until their user's next sign-in seals them with the data key ring. */
  mfaKey?: Buffer;
  sessionMaxHours: number;
  sessionIdleMinutes: number;
  /** Audit monitoring rules and the alert webhook (src/monitor). */
  monitor: MonitorConfig;
  /** Minimum age, in years, of what `retention purge` may remove (never below 6). */
  retentionYears: number;
  /** Hosts whose JWKS URL may be fetched over http or on a private address (tests, on-premise). */
  jwksAllowlist: string[];
  /** Proxies whose X-Forwarded-For names the client (http/remote-address.ts clientAddress). */
  trustedProxies: string[];
  /** PEM text of PRIORGATE_CA_FILE: trusted in addition to Node's roots for outbound TLS. */
  caPem?: string;
  /** PEM text of the server's certificate and key: the gateway serves HTTPS (TLS 1.2+) when set. */
  tls?: { cert: string; key: string };
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  /** Environment variables by name, for `env:NAME` references in rule files (payer TLS material). */
  env(name: string): string | undefined;
  /** Where the data keys for encryption at rest come from (src/db/crypto). */
  dataKeys: DataKeySource;
  /** The audit log's sequencer and witnesses (src/audit). */
  audit: AuditLogConfig;
  /** Subscription delivery: how long and how often notifications are retried (src/notify). */
  notify: NotifyConfig;
}

/**
 * Validates an environment and returns the typed config.
 * @example loadConfig(process.env, { demo: true }).port // 8080
 */
export function loadConfig(env: NodeJS.ProcessEnv, opts: { demo?: boolean } = {}): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const demo = opts.demo ?? false;
  const problems: string[] = [];
  const pem = (variable: string, file: string | undefined): string | undefined => {
    if (!file) return undefined;
    try {
      const text = readFileSync(path.resolve(file), 'utf8');
      if (text.includes('-----BEGIN')) return text;
      problems.push(`  ${variable}: ${file} holds no PEM data`);
    } catch {
      problems.push(`  ${variable}: cannot read ${file}`);
    }
    return undefined;
  };
  const caPem = pem('PRIORGATE_CA_FILE', e.PRIORGATE_CA_FILE);
  const cert = pem('PRIORGATE_TLS_CERT_FILE', e.PRIORGATE_TLS_CERT_FILE);
  const key = pem('PRIORGATE_TLS_KEY_FILE', e.PRIORGATE_TLS_KEY_FILE);
  if (Boolean(e.PRIORGATE_TLS_CERT_FILE) !== Boolean(e.PRIORGATE_TLS_KEY_FILE)) {
    problems.push('  PRIORGATE_TLS_CERT_FILE: set it together with PRIORGATE_TLS_KEY_FILE (or neither)');
  }
  if (e.PRIORGATE_HEADERS_TIMEOUT_MS > e.PRIORGATE_REQUEST_TIMEOUT_MS) {
    problems.push('  PRIORGATE_HEADERS_TIMEOUT_MS: must not exceed PRIORGATE_REQUEST_TIMEOUT_MS');
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  const dataDir = path.resolve(e.PRIORGATE_DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dbPoolMax: e.PRIORGATE_DB_POOL_MAX,
    dataDir,
    baseUrl: e.PRIORGATE_BASE_URL?.replace(/\/$/, ''),
    syncWaitMs: e.PRIORGATE_SYNC_WAIT_MS,
    hookAllowlist: e.PRIORGATE_HOOK_ALLOWLIST ?? (demo ? ['127.0.0.1', 'localhost'] : []),
    demo,
    demoPassword: e.PRIORGATE_DEMO_PASSWORD,
    simPendMs: e.PRIORGATE_SIM_PEND_MS,
    bodyLimitBytes: e.PRIORGATE_BODY_LIMIT_BYTES,
    tokenTtlS: e.PRIORGATE_TOKEN_TTL_S,
    rateLimitPerMinute: e.PRIORGATE_RATE_LIMIT_PER_MIN,
    logLevel: e.LOG_LEVEL,
    rulesDir: path.resolve(e.PRIORGATE_RULES_DIR ?? path.join(PROJECT_ROOT, 'rules')),
    x12SenderId: e.PRIORGATE_X12_SENDER_ID,
    defaultPayer: e.PRIORGATE_DEFAULT_PAYER ?? (demo ? 'demo-payer' : undefined),
    jobLockMs: e.PRIORGATE_JOB_LOCK_MS,
    serverTiming: e.PRIORGATE_SERVER_TIMING === '1' || e.PRIORGATE_SERVER_TIMING === 'true',
    ...(e.PRIORGATE_METRICS_TOKEN ? { metricsToken: e.PRIORGATE_METRICS_TOKEN } : {}),
    ehr:
      e.PRIORGATE_EHR_URL && e.PRIORGATE_EHR_CLIENT_ID && e.PRIORGATE_EHR_KEY_FILE
        ? { url: e.PRIORGATE_EHR_URL, clientId: e.PRIORGATE_EHR_CLIENT_ID, keyFile: e.PRIORGATE_EHR_KEY_FILE }
        : undefined,
    mfaRequiredRoles: e.PRIORGATE_MFA_REQUIRED_ROLES,
    mfaKey: e.PRIORGATE_MFA_KEY ? keyBytes(e.PRIORGATE_MFA_KEY) : undefined,
    sessionMaxHours: e.PRIORGATE_SESSION_MAX_HOURS,
    sessionIdleMinutes: e.PRIORGATE_SESSION_IDLE_MINUTES,
    monitor: monitorConfig(e),
    retentionYears: e.PRIORGATE_RETENTION_YEARS,
    jwksAllowlist: e.PRIORGATE_JWKS_ALLOWLIST ?? [],
    trustedProxies: e.PRIORGATE_TRUSTED_PROXIES ?? [],
    ...(caPem ? { caPem } : {}),
    ...(cert && key ? { tls: { cert, key } } : {}),
    requestTimeoutMs: e.PRIORGATE_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: e.PRIORGATE_HEADERS_TIMEOUT_MS,
    env: (name) => cleaned[name],
    dataKeys: dataKeySource(e, dataDir),
    ...lifecycleConfig(e),
  };
}
