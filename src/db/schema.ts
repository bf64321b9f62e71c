/**
 * The Priorgate schema (drizzle). Migrations in `migrations/` are generated from this file with
 * `npm run db:generate`; never edit a generated migration by hand.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Provider organizations: the tenants. */
export const organizations = pgTable('organizations', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  npi: text('npi'),
  /** Hold every prior-authorization request of this organization for staff review before it is sent. */
  reviewBeforeSend: boolean('review_before_send').notNull().default(false),
  createdAt: createdAt(),
});

/** API clients (SMART Backend Services), each bound to one organization. */
export const apiClients = pgTable('api_clients', {
  id: text('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organizations.id),
  jwks: jsonb('jwks').$type<{ keys: Record<string, unknown>[] }>(),
  jwksUrl: text('jwks_url'),
  scopes: text('scopes').array().notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  /**
   * Access tokens issued before this instant are refused (set when the client is disabled, so its
   * tokens stop at once and stay stopped after it is enabled again: it gets new ones).
   */
  tokensNotBefore: timestamp('tokens_not_before', { withTimezone: true }),
});

/** Client-assertion `jti`s seen, kept until the assertion would have expired (replay defence). */
export const usedJtis = pgTable(
  'used_jtis',
  {
    clientId: text('client_id').notNull(),
    jti: text('jti').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.jti] }), index('used_jtis_expires').on(t.expiresAt)],
);

/** The gateway's own token-signing keys. The newest unretired key signs; all unexpired ones verify. */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  privateJwk: jsonb('private_jwk').$type<Record<string, unknown>>().notNull(),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/** Health plans and how to reach them (connector settings come from `rules/` and this row). */
export const payers = pgTable('payers', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  connector: text('connector').notNull(),
  endpoint: text('endpoint'),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
});

/** One row per authorization or eligibility request. */
export const requests = pgTable(
  'requests',
  {
    id: uuid('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    payerId: text('payer_id').references(() => payers.id),
    urgency: text('urgency'),
    deadlineAt: timestamp('deadline_at', { withTimezone: true }),
    idempotencyKey: text('idempotency_key'),
    traceNumber: text('trace_number'),
    priorRequestId: uuid('prior_request_id'),
    /** What the worklist and metrics filter on, in clear: statuses, decisions, claim identifier, rules. */
    summary: jsonb('summary').$type<Record<string, unknown>>().notNull().default({}),
    /** The summary's PHI (member ids, service date), encrypted (src/db/crypto); null when it has none. */
    summaryPhi: text('summary_phi'),
    /** Keyed hashes of the member ids (HMAC, src/db/crypto): how `$inquire` and staff search find them. */
    memberIdHashes: text('member_id_hashes').array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('requests_org_idem').on(t.orgId, t.kind, t.idempotencyKey),
    index('requests_org_status').on(t.orgId, t.status),
    index('requests_trace').on(t.traceNumber),
    index('requests_member_hashes').using('gin', t.memberIdHashes),
  ],
);

/**
 * One row per member id (its keyed hash) of each stored request: "this member's newest request" is
 * one index probe however many requests the organization or the member has. The data-quality
 * demographics check asks it on every `$submit` (the GIN index on `requests.member_id_hashes`
 * answers "which requests", but only by fetching and sorting all of them). Written with the
 * request, in its transaction; gone with it.
 */
export const memberRequests = pgTable(
  'member_requests',
  {
    orgId: text('org_id').notNull(),
    memberHash: text('member_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
  },
  (t) => [// Ascending: scanned backward it gives `created_at desc` (nulls first) order, which a `desc` index would not.
    index('member_requests_newest').on(t.orgId, t.memberHash, t.createdAt), index('member_requests_request').on(t.requestId)],
);

/** Per service line: decision, authorization number, quantities, dates. */
export const requestItems = pgTable(
  'request_items',
  {
    requestId: uuid('request_id').notNull().references(() => requests.id),
    sequence: integer('sequence').notNull(),
    traceNumber: text('trace_number'),
    decision: text('decision'),
    authNumber: text('auth_number'),
    quantity: text('quantity'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.requestId, t.sequence] })],
);

/** Every FHIR and X12 payload in and out. `payload` is encrypted (src/db/crypto). */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    /** Arrival order (created_at is the transaction's time, shared by its messages). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    orgId: text('org_id'),
    requestId: uuid('request_id').references(() => requests.id),
    direction: text('direction').notNull(),
    format: text('format').notNull(),
    transactionSet: text('transaction_set'),
    senderId: text('sender_id'),
    controlNumber: text('control_number'),
    payload: text('payload').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('messages_request').on(t.requestId),
    index('messages_control').on(t.direction, t.senderId, t.controlNumber),
  ],
);

/**
 * Late payer answers (`/payer/x12`) that could not be delivered: no request has their trace, or
 * requests of several organizations fit them (never delivered across organizations). Staff of
 * the candidate organizations see that one is waiting; an administrator with no organization can
 * apply it to the right request (src/payers/unmatched.ts).
 */
export const unmatchedAnswers = pgTable(
  'unmatched_answers',
  {
    /** The stored 278 (messages.id: its set as an interchange of its own); no foreign key, so retention purges it like any message. */
    messageId: uuid('message_id').primaryKey(),
    payerId: text('payer_id').notNull(),
    /** ambiguous (several organizations fit) | no-match (no request has the trace). */
    reason: text('reason').notNull(),
    controlNumber: text('control_number'),
    candidateOrgIds: text('candidate_org_ids').array().notNull(),
    candidateRequestIds: uuid('candidate_request_ids').array().notNull(),
    createdAt: createdAt(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: text('resolved_by'),
    resolvedRequestId: uuid('resolved_request_id'),
  },
  (t) => [index('unmatched_answers_created').on(t.createdAt)],
);

/**
 * What payers pushed to `/payer/x12` (issue 15): one row per accepted interchange, written with the
 * acknowledgment we answered in the receiving transaction; a job (`payer.inbox`) then records its
 * sets. The interchange key (ISA05/ISA06/ISA13) is unique: the same interchange sent twice, even at
 * the same moment, is recognized and processed once. No PHI here (the body is a sealed message).
 */
export const payerInbox = pgTable(
  'payer_inbox',
  {
    id: uuid('id').primaryKey(),
    payerId: text('payer_id').notNull(),
    /** `qualifier/sender/ISA13` (x12 interchangeKey). */
    interchangeKey: text('interchange_key').notNull(),
    controlNumber: text('control_number').notNull(),
    /** Which interchange of the received body (0 for the usual one). */
    position: integer('position').notNull(),
    /** The received body (messages, x12-interchange-in). */
    messageId: uuid('message_id').notNull(),
    /** The TA1/999 we answered with (messages, x12-ack-out). */
    ackMessageId: uuid('ack_message_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set when every part has been recorded (or given to staff as unmatched). */
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('payer_inbox_interchange').on(t.interchangeKey)],
);

/**
 * The parts of an inbox interchange already recorded (a transaction set, or one member of a 271):
 * the row commits with the part's answer, so a job run again after a crash records nothing twice.
 */
export const payerInboxParts = pgTable(
  'payer_inbox_parts',
  {
    inboxId: uuid('inbox_id').notNull(),
    /** `278:0.1` (set id, group and set position), `271:0.0.2` (… and the member). */
    part: text('part').notNull(),
    messageId: uuid('message_id'),
    requestId: uuid('request_id'),
    /** recorded | unchanged | unmatched | failed (given to staff after the job's last attempt) | pending (being recorded). */
    outcome: text('outcome').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.inboxId, t.part] })],
);

/** X12 control numbers: monotonic per sender and kind, so restarts never reuse one. */
export const controlNumbers = pgTable(
  'control_numbers',
  {
    senderId: text('sender_id').notNull(),
    kind: text('kind').notNull(),
    lastValue: bigint('last_value', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.senderId, t.kind] })],
);

/** The outbox / delivery queue, claimed with FOR UPDATE SKIP LOCKED. A non-empty `payload` is encrypted. */
export const jobs = pgTable(
  'jobs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    orgId: text('org_id'),
    requestId: uuid('request_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').notNull().default('ready'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(8),
    runAt: timestamp('run_at', { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [index('jobs_ready').on(t.status, t.runAt).where(sql`status = 'ready'`)],
);

/** FHIR Subscriptions (R4 backport, PAS topic). */
export const subscriptions = pgTable('subscriptions', {
  id: uuid('id').primaryKey(),
  orgId: text('org_id').notNull().references(() => organizations.id),
  status: text('status').notNull(),
  endpoint: text('endpoint').notNull(),
  /** The Subscription as given, without `channel.header` (legacy rows: with it, until a data key pass moves it). */
  resource: jsonb('resource').$type<Record<string, unknown>>().notNull(),
  /**
   * The rest-hook's `channel.header` lines (they carry the subscriber's credentials), sealed with the
   * data key (a JSON array, queries/subscriptions.ts); null when there are none.
   */
  channelHeaders: text('channel_headers'),
  eventCount: integer('event_count').notNull().default(0),
  createdAt: createdAt(),
  /** Why the subscription is in `error` (ids and codes only), shown by `$status`. */
  statusReason: text('status_reason'),
});

/**
 * Each event a subscription owes its subscriber (backport events-since-subscription-start): one row
 * per (subscription, event number), so a number is never used twice, and the delivery state that
 * `$status` reports (what was delivered, what is still owed, what was given up on).
 */
export const subscriptionEvents = pgTable(
  'subscription_events',
  {
    subscriptionId: uuid('subscription_id').notNull().references(() => subscriptions.id),
    eventNumber: integer('event_number').notNull(),
    requestId: uuid('request_id'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    givenUpAt: timestamp('given_up_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.subscriptionId, t.eventNumber] })],
);

/** Rest-hook delivery attempts. */
export const notificationAttempts = pgTable('notification_attempts', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  subscriptionId: uuid('subscription_id').notNull().references(() => subscriptions.id),
  requestId: uuid('request_id'),
  /** The event the attempt delivered (null for the handshake). */
  eventNumber: integer('event_number'),
  status: text('status').notNull(),
  httpStatus: integer('http_status'),
  error: text('error'),
  createdAt: createdAt(),
});

/**
 * The audit log, append-only. An event is written with the change it records, in its transaction,
 * taking no shared lock: `id` comes from a sequence. The sequencer (src/audit/sequencer.ts) later
 * gives it `seq`, its place in the log (1, 2, 3, … with no gap: a gap means a deleted row), and seals
 * it into the Merkle tree (`audit_tree_nodes`, `audit_heads`). `seq` is null until then.
 * `prev_hash`/`hash` are set only on events from before the Merkle log (the old hash chain).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    seq: bigint('seq', { mode: 'number' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    orgId: text('org_id'),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    requestId: text('request_id'),
    outcome: text('outcome').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    prevHash: text('prev_hash'),
    hash: text('hash'),
    /** When the row was written (time-to-seal is measured from it; `at` may be set by the caller). */
    loggedAt: timestamp('logged_at', { withTimezone: true }).notNull().default(sql`clock_timestamp()`),
  },
  (t) => [
    uniqueIndex('audit_events_seq').on(t.seq),
    // What the sequencer has still to seal: small, as events are sealed within a second.
    index('audit_unsealed').on(t.id).where(sql`seq is null`),
    index('audit_entity').on(t.entityType, t.entityId),
    index('audit_org_at').on(t.orgId, t.at),
    // The monitor's sliding windows look back per actor (src/monitor).
    index('audit_actor_at').on(t.actor, t.at),
  ],
);

/** The head of the old audit hash chain: read once, when an upgraded database seals its old events. */
export const auditHead = pgTable('audit_head', {
  id: integer('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});

/**
 * The Merkle tree over the sealed events (RFC 6962 / RFC 9162): every complete node, `level` 0 being
 * the leaf hashes, `idx` its position in its level. Kept when events are purged (hashes, no content),
 * so inclusion and consistency proofs still work across a retention checkpoint.
 */
export const auditTreeNodes = pgTable(
  'audit_tree_nodes',
  {
    level: integer('level').notNull(),
    idx: bigint('idx', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx] })],
);

/**
 * One signed tree head per sealed batch: the tree's size and root after the batch, signed (JWS,
 * ES384) with the gateway's signing key. `base` is the number of events before the tree's first leaf
 * (non-zero only for a database that purged events before it was upgraded to the Merkle log).
 * `frontier` holds the right edge of the tree (the roots of its perfect subtrees) so the next batch
 * extends it without reading old leaves; it is checked against the signed root before use.
 */
export const auditHeads = pgTable('audit_heads', {
  headNo: bigint('head_no', { mode: 'number' }).primaryKey(),
  treeSize: bigint('tree_size', { mode: 'number' }).notNull(),
  rootHash: text('root_hash').notNull(),
  base: bigint('base', { mode: 'number' }).notNull(),
  sealedAt: timestamp('sealed_at', { withTimezone: true }).notNull(),
  kid: text('kid').notNull(),
  /** The signed head: compact JWS whose payload is the head (the columns above are a copy). */
  jws: text('jws').notNull(),
  frontier: jsonb('frontier').$type<string[]>().notNull(),
});

/** How far each external witness has received the signed tree heads (src/audit/witness.ts). */
export const auditWitnessCursors = pgTable('audit_witness_cursors', {
  name: text('name').primaryKey(),
  headNo: bigint('head_no', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  lastError: text('last_error'),
});

/** Revenue-cycle staff. */
export const staffUsers = pgTable('staff_users', {
  id: uuid('id').primaryKey(),
  username: text('username').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  /** viewer | staff | admin | auditor (src/staff/permissions.ts); unknown values read as viewer. */
  role: text('role').notNull().default('viewer'),
  orgId: text('org_id'),
  createdAt: createdAt(),
  /** Consecutive failed logins and TOTP codes; reset by a full sign-in (lockout, src/staff/login.ts). */
  failedLogins: integer('failed_logins').notNull().default(0),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  /** The TOTP secret, sealed (src/staff/mfa-secret.ts); set at enrolment start, live once confirmed. */
  mfaSecret: text('mfa_secret'),
  /** When the TOTP enrolment was confirmed by a valid code; null: no MFA. */
  mfaEnabledAt: timestamp('mfa_enabled_at', { withTimezone: true }),
  /** The last accepted TOTP time step: a code of that step or earlier is a replay. */
  mfaLastStep: bigint('mfa_last_step', { mode: 'number' }),
});

/**
 * Failed staff sign-ins, counted per client address (`address:<a>`) and per user name and address
 * (`account:<u>:<a>`), so that whoever fails from one address is throttled there and nobody can
 * lock a colleague out from elsewhere (src/staff/throttle.ts). Names and addresses are kept only as
 * keyed hashes (a password typed into the name field is not recorded).
 */
export const staffLoginThrottle = pgTable(
  'staff_login_throttle',
  {
    key: text('key').primaryKey(),
    /** The user name's keyed hash, for `account:` rows (the admin page and `staff unlock`). */
    usernameHash: text('username_hash'),
    failures: integer('failures').notNull().default(0),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
  },
  (t) => [index('staff_login_throttle_user').on(t.usernameHash)],
);

/** One-time MFA recovery codes: only a SHA-256 of each (salted with the user id) is kept. */
export const staffRecoveryCodes = pgTable(
  'staff_recovery_codes',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

/** Staff sessions: only a SHA-256 of the cookie token is stored. */
export const staffSessions = pgTable(
  'staff_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: uuid('user_id').notNull().references(() => staffUsers.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    /** Last activity, for the idle timeout (HIPAA automatic logoff). */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /** A public handle for listing and revoking (the token hash never leaves the server). */
    id: uuid('id').notNull().unique().defaultRandom(),
    /** full | mfa (password checked, TOTP owed) | enrol (password checked, MFA enrolment owed). */
    stage: text('stage').notNull().default('full'),
    /** The browser's User-Agent (truncated), to tell one's sessions apart. No IP address is kept. */
    userAgent: text('user_agent'),
  },
  (t) => [index('staff_sessions_user').on(t.userId)],
);

/**
 * Eligibility batches run for staff (`POST /api/eligibility/batches`): the uploaded roster, who
 * asked, progress counts, and a lease (`lease_until`) so that exactly one gateway process runs a
 * batch and another takes it over when that one dies.
 */
export const eligibilityBatches = pgTable(
  'eligibility_batches',
  {
    id: uuid('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => organizations.id),
    payerId: text('payer_id').notNull().references(() => payers.id),
    /** queued | running | done | incomplete | cancelled | failed */
    status: text('status').notNull(),
    createdBy: text('created_by').notNull(),
    concurrency: integer('concurrency').notNull(),
    /** Data rows in the roster. */
    total: integer('total').notNull(),
    /** The roster CSV as uploaded (PHI: never listed, only read by the runner). */
    roster: text('roster').notNull(),
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
    error: text('error'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('eligibility_batches_org').on(t.orgId, t.createdAt)],
);

/** One result row per roster row of a batch (the results CSV, row by row). */
export const eligibilityBatchResults = pgTable(
  'eligibility_batch_results',
  {
    batchId: uuid('batch_id').notNull().references(() => eligibilityBatches.id, { onDelete: 'cascade' }),
    line: integer('line').notNull(),
    /** member|service type (or line:N), the engine's resume key. */
    key: text('key').notNull(),
    status: text('status').notNull(),
    /** The result row as the CSV's columns. */
    row: jsonb('row').$type<Record<string, string | number | null>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.line] })],
);

/**
 * Alerts raised by the audit monitor (src/monitor). One row per episode: later events of the same
 * rule and group that continue it move `last_seq` and `count`; `(rule, group_key, first_seq)` is
 * unique, so re-scanning the same events never raises a second alert. `detail` holds ids only.
 */
export const auditAlerts = pgTable(
  'audit_alerts',
  {
    id: uuid('id').primaryKey(),
    rule: text('rule').notNull(),
    severity: text('severity').notNull(),
    orgId: text('org_id'),
    actor: text('actor').notNull(),
    groupKey: text('group_key').notNull(),
    firstSeq: bigint('first_seq', { mode: 'number' }).notNull(),
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(1),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    /** Condition alerts (payer health, src/quality): when the condition ended; null while it lasts. */
    clearedAt: timestamp('cleared_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('audit_alerts_episode').on(t.rule, t.groupKey, t.firstSeq), index('audit_alerts_created').on(t.createdAt)],
);

/** How far the monitor has read the audit trail (one row). */
export const auditMonitorCursor = pgTable('audit_monitor_cursor', {
  id: integer('id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Records whose reads raise an alert (VIP, employee): keyed by request id; ids only. */
export const recordFlags = pgTable('record_flags', {
  requestId: uuid('request_id').primaryKey(),
  reason: text('reason').notNull(),
  flaggedBy: text('flagged_by').notNull(),
  flaggedAt: timestamp('flagged_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Retention checkpoints: the audit events up to `seq` were exported and purged. `hash` is the Merkle
 * tree's root over the events up to `seq` (for a checkpoint at or before the tree's `base`, made
 * before the Merkle log, the old chain hash of event `seq`). Confirmed by the `retention.purge`
 * audit event that the purge appended (see src/audit/verify.ts).
 */
export const auditCheckpoints = pgTable('audit_checkpoints', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  cutoff: timestamp('cutoff', { withTimezone: true }).notNull(),
  manifestSha256: text('manifest_sha256').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The data keys the stored rows have been encrypted under (never the keys themselves): a check
 * value per key id, so a start with a wrong or missing key ring is refused before it serves, and
 * the state of each key's rotation. The pseudo key id `(plaintext)` stands for rows written before
 * encryption at rest, until the first encryption pass has covered them.
 */
export const dataKeys = pgTable('data_keys', {
  kid: text('kid').primaryKey(),
  /** HMAC under a key derived from the data key (src/db/crypto/key-ring.ts checkValue); null for `(plaintext)`. */
  checkValue: text('check_value'),
  createdAt: createdAt(),
  /** When a pass found no row left under this key (it is no longer current). */
  drainedAt: timestamp('drained_at', { withTimezone: true }),
  /** When `priorgate keys retire --data` removed it from the ring. */
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

// ---- data quality and interface health (src/quality) ----------------------------------------

/**
 * Pre-send data-quality findings: one row per issue found on a request before it went to the payer
 * (or on one refused for it, then `request_id` is null). No PHI: messages name the element and the
 * problem, never the value sent. `member_hash` is the keyed member-id hash of a demographics
 * conflict (counts distinct members, reveals nothing without the search key).
 */
export const qualityWarnings = pgTable(
  'quality_warnings',
  {
    id: uuid('id').primaryKey(),
    orgId: text('org_id').notNull(),
    clientId: text('client_id'),
    requestId: uuid('request_id'),
    requestKind: text('request_kind').notNull(),
    payerId: text('payer_id'),
    providerNpi: text('provider_npi'),
    kind: text('kind').notNull(),
    refused: boolean('refused').notNull().default(false),
    expression: text('expression').notNull(),
    memberHash: text('member_hash'),
    message: text('message').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('quality_warnings_org_at').on(t.orgId, t.createdAt), index('quality_warnings_request').on(t.requestId)],
);

/**
 * Why payers rejected requests: one row per AAA, 999 or TA1 error of a rejection, with the loop and
 * element it names, written with the answer that carried it (same transaction).
 */
export const payerRejections = pgTable(
  'payer_rejections',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id').notNull(),
    orgId: text('org_id').notNull(),
    clientId: text('client_id'),
    providerNpi: text('provider_npi'),
    payerId: text('payer_id'),
    requestKind: text('request_kind').notNull(),
    /** AAA | 999 | TA1 */
    source: text('source').notNull(),
    code: text('code').notNull(),
    loop: text('loop'),
    element: text('element'),
    followUp: text('follow_up'),
    createdAt: createdAt(),
  },
  (t) => [index('payer_rejections_org_at').on(t.orgId, t.createdAt), index('payer_rejections_payer_at').on(t.payerId, t.createdAt)],
);

/** Every call to a payer: how long it took and how it ended (interface health, latency percentiles). */
export const payerCalls = pgTable(
  'payer_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    payerId: text('payer_id').notNull(),
    /** 278 | 270 */
    kind: text('kind').notNull(),
    /** ok | timeout | network | http-5xx | http-4xx | refused (circuit open) … */
    outcome: text('outcome').notNull(),
    ok: boolean('ok').notNull(),
    durationMs: integer('duration_ms').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('payer_calls_payer_at').on(t.payerId, t.at)],
);

/** Circuit-breaker state changes per payer (each gateway process has its own breaker: `instance`). */
export const payerBreakerEvents = pgTable(
  'payer_breaker_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    payerId: text('payer_id').notNull(),
    state: text('state').notNull(),
    instance: text('instance').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('payer_breaker_events_payer_at').on(t.payerId, t.at)],
);

/** One row, locked (SKIP LOCKED) by the process running a payer-health scan, so only one does. */
export const payerHealthScan = pgTable('payer_health_scan', {
  id: integer('id').primaryKey(),
  lastScanAt: timestamp('last_scan_at', { withTimezone: true }),
});
