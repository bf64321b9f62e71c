/**
 * The inbox job (`payer.inbox`): records the parts of one interchange a payer pushed to
 * `/payer/x12` (inbox-receive.ts stored it and answered). Each part — a 278, a 999, one member of a
 * 271 — is recorded in a transaction of its own that first claims the part's key
 * (`payer_inbox_parts`), so a run after a crash, a second worker whose lock outlived the first, or
 * the receiving process and the worker at once record nothing twice. A part that fails on our side
 * fails the run, which is retried with backoff (the parts done stay done); on the job's last
 * attempt a part still failing is kept for staff with the unmatched answers (`reason: failed`,
 * audited `payer.unmatched`), so nothing a payer sent is lost or left unseen.
 */
import { appendAudit } from '../audit/index.ts';
import type { Db, Tx } from '../db/client.ts';
import { withRepeatable, withTransaction } from '../db/tx.ts';
import { claimInboxPart, inboxById, markInboxProcessed, settleInboxPart, type InboxRow } from '../db/queries/inbox.ts';
import type { Job } from '../db/queries/jobs.ts';
import { insertUnmatched, messageById } from '../db/queries/unmatched.ts';
import type { Logger } from '../log/index.ts';
import { parse271All } from '../translate/index.ts';
import type { RequestEvents } from '../workflow/events.ts';
import type { JobHandler } from '../jobs/index.ts';
import { parseX12, type Interchange, type ParseResult } from '../x12/index.ts';
import { recordLate271, recordLate278, recordLate999, storeSet, type LatePart, type PartResult } from './inbound-late.ts';
import { bodyOf } from './x12-io.ts';

export const INBOX_JOB = 'payer.inbox';
/** Attempts of an inbox job: with the worker's backoff (capped at 5 minutes) about an hour and a half. */
export const INBOX_MAX_ATTEMPTS = 20;

export interface InboxDeps {
  db: Db;
  log: Logger;
  /** Our ISA06 (PRIORGATE_X12_SENDER_ID). */
  senderId: string;
  events: RequestEvents;
  /** The payer's named envelope leniency (rules/payers), to read its interchange as it was validated. */
  lenient(payerId: string): readonly string[];
  now?: () => Date;
}

interface Part {
  key: string;
  record: (db: Tx, p: LatePart) => Promise<PartResult>;
  p: LatePart;
}

/** The parts of an interchange in the order they are recorded: 278s, then 999s, then 271 members. */
function partsOf(ic: Interchange, base: Omit<LatePart, 'ic' | 'group' | 'tx'>): Part[] {
  const sets = ic.groups.flatMap((group, g) => group.transactions.map((tx, t) => ({ p: { ...base, ic, group, tx }, at: `${g}.${t}` })));
  const of = (id: string) => sets.filter((s) => s.p.tx.setId === id);
  return [
    ...of('278').map((s) => ({ key: `278:${s.at}`, record: recordLate278, p: s.p })),
    ...of('999').map((s) => ({ key: `999:${s.at}`, record: recordLate999, p: s.p })),
    ...of('271').flatMap((s) => parse271All(bodyOf(s.p.tx)).map((member, m) => ({ key: `271:${s.at}.${m}`, record: (db: Tx, p: LatePart) => recordLate271(db, p, member), p: s.p }))),
  ];
}

/** Records the part unless a run before this one did; the part's result, or undefined when it was done already. */
function recordOnce(db: Db, inbox: InboxRow, part: Part): Promise<PartResult | undefined> {
  return withTransaction(db, async (tx) => {
    if (!(await claimInboxPart(tx, inbox.id, part.key))) return undefined;
    const r = await part.record(tx, part.p);
    await settleInboxPart(tx, inbox.id, part.key, { outcome: r.outcome, messageId: r.messageId, requestId: r.requestId ?? null });
    return r;
  });
}

/** The job's last attempt and the part still fails: its set goes where staff see undelivered answers. */
function giveToStaff(db: Db, inbox: InboxRow, part: Part, error: string): Promise<void> {
  return withTransaction(db, async (tx) => {
    if (!(await claimInboxPart(tx, inbox.id, part.key))) return;
    const { ic } = part.p;
    const messageId = await storeSet(tx, part.p, undefined);
    await insertUnmatched(tx, { messageId, payerId: inbox.payerId, reason: 'failed', controlNumber: ic.controlNumber, candidateOrgIds: [], candidateRequestIds: [] });
    await appendAudit(tx, { actor: `payer:${inbox.payerId}`, action: 'payer.unmatched', outcome: 'failure', entityType: 'message', entityId: messageId, detail: { messageId, controlNumber: ic.controlNumber, part: part.key, reason: 'failed', error: error.slice(0, 200) } });
    await settleInboxPart(tx, inbox.id, part.key, { outcome: 'failed', messageId });
  });
}

export interface InboxRun {
  /** Requests whose state this run changed. */
  changed: string[];
  /** Parts that failed and are left for the next attempt. */
  failed: number;
}

/**
 * Records every part of one inbox interchange not yet recorded.
 * @param opts.parsed the received body as the route already read it (saves reading it again)
 * @param opts.lastAttempt parts that fail now are given to staff instead of retried
 */
export async function processInbox(d: InboxDeps, inboxId: string, opts: { parsed?: ParseResult; lastAttempt?: boolean } = {}): Promise<InboxRun> {
  const run: InboxRun = { changed: [], failed: 0 };
  const inbox = await inboxById(d.db, inboxId);
  if (!inbox || inbox.processedAt) return run;
  const log = d.log.child({ payerId: inbox.payerId, inboxId, controlNumber: inbox.controlNumber });
  let parsed = opts.parsed;
  if (!parsed) {
    const stored = await messageById(d.db, inbox.messageId);
    // Purged by retention before it was recorded (an operator's choice): nothing left to record.
    if (!stored) return log.warn('inbox interchange no longer stored'), run;
    parsed = parseX12(stored.payload, { lenient: d.lenient(inbox.payerId) });
  }
  const ic = parsed.interchanges[inbox.position];
  if (!ic) throw new Error(`inbox interchange ${inbox.position} not found in its stored body`);
  const now = d.now?.() ?? new Date();
  for (const part of partsOf(ic, { log, payerId: inbox.payerId, senderId: d.senderId, now })) {
    try {
      const r = await recordOnce(d.db, inbox, part);
      if (r?.changed && r.requestId) run.changed.push(r.requestId);
    } catch (err) {
      log.error({ err, part: part.key, lastAttempt: Boolean(opts.lastAttempt) }, 'recording an inbox part failed');
      if (opts.lastAttempt) await giveToStaff(d.db, inbox, part, (err as Error).message ?? String(err));
      else run.failed++;
    }
  }
  // Sets processed_at where it is unset: safe to run again after a lost connection.
  if (run.failed === 0) await withRepeatable(d.db, () => markInboxProcessed(d.db, inbox.id, now));
  for (const id of run.changed) d.events.changed(id);
  log.debug({ changed: run.changed.length, failed: run.failed }, 'inbox interchange processed');
  return run;
}

/** The job handler (the worker, and the receiving process right after its commit). */
export function inboxHandler(d: InboxDeps): JobHandler {
  return async (job: Job, prepared?: unknown) => {
    const parsed = prepared as ParseResult | undefined;
    const inboxId = String(job.payload['inboxId'] ?? '');
    const run = await processInbox(d, inboxId, { ...(parsed ? { parsed } : {}), lastAttempt: job.attempts >= job.maxAttempts });
    return run.failed === 0 ? { ok: true } : { ok: false, error: `${run.failed} part(s) of the interchange failed`, retryable: true };
  };
}
