/**
 * Which columns hold PHI and how each is sealed: the one place the query layer encrypts on write
 * and decrypts on read, so callers keep reading and writing plaintext rows.
 *
 * - `messages.payload`: every FHIR and X12 payload, whole.
 * - `requests.summary`: its PHI fields (PHI_SUMMARY_KEYS) move to `requests.summary_phi`, sealed;
 *   the rest (statuses, decisions, claim identifier, rules, appeal flags) stays clear for the
 *   worklist and the metrics. Member ids are also kept as keyed hashes (`member_id_hashes`).
 * - `jobs.payload`: sealed whole as `{"$enc": envelope}` (notification jobs carry a response Bundle).
 * - `subscriptions.resource`: its `channel.header` lines (the subscriber's credentials, not PHI)
 *   move to `subscriptions.channel_headers`, sealed.
 * - `staff_users.mfa_secret`: sealed whole (src/staff/mfa-secret.ts opens it, when a code is checked).
 *
 * Values are bound to their row: the associated data is table, column and primary key.
 */
import { cipherOf, DecryptError, type FieldCipher } from '../crypto/index.ts';
import type { Db } from '../client.ts';
import type { jobs, messages, requests, subscriptions } from '../schema.ts';

export type RequestRow = typeof requests.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;

/** Summary fields that identify a patient or their care: encrypted, never in the clear jsonb. */
export const PHI_SUMMARY_KEYS = ['memberIds', 'serviceDate', 'serviceEnd', 'serviceCodes', 'patientName', 'birthDate', 'address', 'demographics'] as const;
const PHI_KEYS = new Set<string>(PHI_SUMMARY_KEYS);

export function splitSummary(summary: Record<string, unknown>): { clear: Record<string, unknown>; phi: Record<string, unknown> } {
  const clear: Record<string, unknown> = {};
  const phi: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(summary)) (PHI_KEYS.has(k) ? phi : clear)[k] = v;
  return { clear, phi };
}

const memberIds = (phi: Record<string, unknown>) =>
  Array.isArray(phi.memberIds) ? phi.memberIds.filter((m): m is string => typeof m === 'string' && m.trim() !== '') : [];

/** The stored columns for a request's summary. */
export function sealSummary(cipher: FieldCipher, requestId: string, summary: Record<string, unknown>) {
  const { clear, phi } = splitSummary(summary);
  const hasPhi = Object.keys(phi).length > 0;
  return {
    summary: clear,
    summaryPhi: hasPhi ? cipher.seal(JSON.stringify(phi), { table: 'requests', column: 'summary_phi', id: requestId }) : null,
    memberIdHashes: [...new Set(memberIds(phi).map((m) => cipher.searchHash('member-id', m)))],
  };
}

/** A stored request as callers know it: the summary whole again (legacy rows have it whole already). */
export function openRequest(db: Db, row: RequestRow): RequestRow {
  if (!row.summaryPhi) return row;
  const phi = JSON.parse(cipherOf(db).open(row.summaryPhi, { table: 'requests', column: 'summary_phi', id: row.id })) as Record<string, unknown>;
  return { ...row, summary: { ...row.summary, ...phi } };
}

export const openRequests = (db: Db, rows: RequestRow[]) => rows.map((r) => openRequest(db, r));

export function sealPayload(db: Db, messageId: string, payload: string): string {
  return cipherOf(db).seal(payload, { table: 'messages', column: 'payload', id: messageId });
}

export function openPayload(db: Db, messageId: string, stored: string): string {
  return cipherOf(db).open(stored, { table: 'messages', column: 'payload', id: messageId });
}

export function openMessage<T extends { id: string; payload: string }>(db: Db, row: T): T {
  return { ...row, payload: openPayload(db, row.id, row.payload) };
}

/** Key of the sealed job payload object. */
export const JOB_ENVELOPE_KEY = '$enc';

export function sealJobPayload(db: Db, jobId: number, payload: Record<string, unknown>): Record<string, unknown> {
  if (Object.keys(payload).length === 0) return payload;
  return { [JOB_ENVELOPE_KEY]: cipherOf(db).seal(JSON.stringify(payload), { table: 'jobs', column: 'payload', id: jobId }) };
}

export function openJobPayload(db: Db, jobId: number, stored: Record<string, unknown>): Record<string, unknown> {
  const cipher = cipherOf(db);
  const at = { table: 'jobs', column: 'payload', id: jobId };
  const envelope = stored[JOB_ENVELOPE_KEY];
  if (typeof envelope === 'string') return JSON.parse(cipher.open(envelope, at)) as Record<string, unknown>;
  // A legacy plaintext payload: refused like any plaintext once every row has been encrypted.
  if (Object.keys(stored).length > 0 && !cipher.acceptPlaintext) throw new DecryptError(at, 'plaintext');
  return stored;
}

// ---- eligibility batches: the roster and each result row carry member ids, names, birth dates ----

export const batchResultAddress = (batchId: string, line: number) => ({ table: 'eligibility_batch_results', column: 'row', id: `${batchId}:${line}` });

export function sealRoster(db: Db, batchId: string, roster: string): string {
  return cipherOf(db).seal(roster, { table: 'eligibility_batches', column: 'roster', id: batchId });
}

export function openRoster(db: Db, batchId: string, stored: string): string {
  return cipherOf(db).open(stored, { table: 'eligibility_batches', column: 'roster', id: batchId });
}

export function sealBatchResult(db: Db, batchId: string, line: number, row: Record<string, string | number | null>): Record<string, string> {
  return { [JOB_ENVELOPE_KEY]: cipherOf(db).seal(JSON.stringify(row), batchResultAddress(batchId, line)) };
}

export function openBatchResult(db: Db, batchId: string, line: number, stored: Record<string, unknown>): Record<string, string | number | null> {
  return JSON.parse(cipherOf(db).open(String(stored[JOB_ENVELOPE_KEY] ?? ''), batchResultAddress(batchId, line))) as Record<string, string | number | null>;
}

// ---- subscriptions: the rest-hook's header lines carry the subscriber's credentials ----

const headersAddress = (id: string) => ({ table: 'subscriptions', column: 'channel_headers', id });

type Resource = Record<string, unknown>;

/** The header lines of a Subscription resource, and the resource without them. */
export function splitHeaders(resource: Resource): { resource: Resource; header: string[] } {
  const channel = resource.channel as Resource | undefined;
  if (!channel || !Array.isArray(channel.header)) return { resource, header: [] };
  const { header, ...rest } = channel;
  return { resource: { ...resource, channel: rest }, header: header as string[] };
}

/** Header lines sealed for `channel_headers` (null: none). */
export function sealHeaders(cipher: FieldCipher, id: string, header: string[]): string | null {
  return header.length ? cipher.seal(JSON.stringify(header), headersAddress(id)) : null;
}

export function openHeaders(cipher: FieldCipher, id: string, stored: string): string[] {
  return JSON.parse(cipher.open(stored, headersAddress(id))) as string[];
}

/** The stored columns for a Subscription: the resource without its header lines, and those sealed. */
export function sealSubscription(cipher: FieldCipher, id: string, given: Resource): { resource: Resource; channelHeaders: string | null } {
  const { resource, header } = splitHeaders(given);
  return { resource, channelHeaders: sealHeaders(cipher, id, header) };
}

/** A stored Subscription as callers know it: the resource whole again (legacy rows have it whole already). */
export function openSubscription(db: Db, row: SubscriptionRow): SubscriptionRow {
  if (!row.channelHeaders) return row;
  const header = openHeaders(cipherOf(db), row.id, row.channelHeaders);
  return { ...row, resource: { ...row.resource, channel: { ...(row.resource.channel as Resource | undefined), header } } };
}

// ---- staff TOTP secrets (sealed and opened by src/staff/mfa-secret.ts) ----

export const mfaSecretAddress = (userId: string) => ({ table: 'staff_users', column: 'mfa_secret', id: userId });
/** A TOTP secret stored unsealed, before the data key ring sealed them: `plain:<base32>`. */
export const MFA_PLAIN = 'plain:';
/** A TOTP secret sealed with `PRIORGATE_MFA_KEY` before the data key ring did: `v1:<iv>:<body>`. */
export const MFA_KEY_SEALED = 'v1:';
