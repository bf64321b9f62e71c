/**
 * Receiving a payer's interchange at `/payer/x12` (issue 15): one short transaction stores what
 * the payer sent (the body, an inbox row per interchange), the TA1/999 we answer with, an audit
 * event and a job per interchange to record it (inbox-job.ts), and commits before the payer gets
 * its acknowledgment. Nothing in it locks a request, a subscription or a job row, so a payer's
 * decision is never refused with a 5xx because of our own contention; deadlocks and serialization
 * failures are run again by `withTransaction`.
 *
 * Duplicates are recognized by the interchange key (ISA05/ISA06/ISA13): `payer_inbox` holds it
 * uniquely, so of two deliveries of one interchange, even at the same moment, one is stored and
 * processed and the other answered with TA1 025. Messages received before the inbox existed are
 * still looked up by sender and control number.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { withTransaction } from '../db/tx.ts';
import { inboxExists, inboxKeysSeen, insertInbox } from '../db/queries/inbox.ts';
import { enqueueClaimed, type Job } from '../db/queries/jobs.ts';
import { saveMessage, seenInbound } from '../db/queries/requests.ts';
import { interchangeKey, parseX12, validateX12, type ParseResult } from '../x12/index.ts';
import { ackControlNumbers, type AckRanges } from './ack-numbers.ts';
import { INBOX_JOB, INBOX_MAX_ATTEMPTS } from './inbox-job.ts';

/** The transaction set label of a whole received body (the per-set messages are INBOUND_X12). */
export const INBOUND_INTERCHANGE = 'x12-interchange-in';
/** The acknowledgment (TA1/999) we answered a payer's delivery with. */
export const ACK_OUT = 'x12-ack-out';

export interface Received {
  /** The TA1/999 to answer with ('' when the body could not be read as X12 at all). */
  ack: string;
  accepted: boolean;
  /** Some interchange of the body was received before. */
  duplicate: boolean;
  /** The inbox jobs, claimed by this process to run at once (empty unless accepted). */
  jobs: Job[];
}

/** Another delivery of the same interchange committed first: answer again, now as a duplicate. */
class DeliveredMeanwhile extends Error {}

/**
 * @param o.claimForMs the lease of the inbox jobs this process claims to run at once: a worker takes one only after it
 */
export async function receiveInterchanges(
  o: { db: Db; senderId: string; now: Date; claimForMs: number },
  input: {
    payerId: string;
    text: string;
    parsed: ParseResult;
    lenient: readonly string[];
    /** Validates off the event loop (a large body): the ack for these duplicates and reserved numbers. */
    offload?: (seen: Set<string>, ranges: AckRanges) => Promise<{ ack: string; accepted: boolean }>;
  },
): Promise<Received> {
  const keys = input.parsed.interchanges.map((ic) => interchangeKey(ic.sender, ic.controlNumber));
  for (let attempt = 1; ; attempt++) {
    // Reserved before the transaction, in a statement of their own: the inbox transaction never
    // waits behind another transaction holding the control-number row (gaps are allowed in X12).
    const controlNumbers = await ackControlNumbers(o.db, o.senderId, input.parsed);
    // The inbox rows' ids, taken before the transaction (a run again rolled the last one back): after
    // a COMMIT whose answer was lost (a failover), the first row says whether the delivery is
    // stored, so the payer gets its acknowledgment rather than a 5xx.
    const inboxIds = keys.map(() => randomUUID());
    try {
      return await withTransaction(o.db, async (tx) => {
        const seen = await inboxKeysSeen(tx, keys);
        for (const [i, ic] of input.parsed.interchanges.entries()) {
          if (!seen.has(keys[i]!) && (await seenInbound(tx, ic.sender.id, ic.controlNumber))) seen.add(keys[i]!);
        }
        const check = input.offload ? await input.offload(seen, controlNumbers.ranges) : validateX12(input.parsed, { seen, controlNumbers, now: o.now, lenient: input.lenient });
        if (check.ack === '' || !check.accepted) return { ack: check.ack, accepted: false, duplicate: seen.size > 0, jobs: [] };
        const first = input.parsed.interchanges[0]!;
        const messageId = await saveMessage(tx, { orgId: null, requestId: null, direction: 'in', format: 'x12', transactionSet: INBOUND_INTERCHANGE, senderId: first.sender.id, controlNumber: first.controlNumber, payload: input.text });
        const ackNumber = parseX12(check.ack, { validate: false }).interchanges[0]?.controlNumber ?? null;
        const ackMessageId = await saveMessage(tx, { orgId: null, requestId: null, direction: 'out', format: 'x12', transactionSet: ACK_OUT, senderId: o.senderId, controlNumber: ackNumber, payload: check.ack });
        const rows = input.parsed.interchanges.map((ic, position) => ({ id: inboxIds[position]!, payerId: input.payerId, interchangeKey: keys[position]!, controlNumber: ic.controlNumber, position, messageId, ackMessageId }));
        if ((await insertInbox(tx, rows)) < rows.length) throw new DeliveredMeanwhile();
        // Claimed by this process, which runs them at once; a worker takes one only if the lease runs out.
        const jobs: Job[] = [];
        for (const r of rows) jobs.push(await enqueueClaimed(tx, { kind: INBOX_JOB, payload: { inboxId: r.id }, maxAttempts: INBOX_MAX_ATTEMPTS, claimForMs: o.claimForMs }));
        const jobIds = jobs.map((j) => j.id);
        const sets = input.parsed.interchanges.reduce((n, ic) => n + ic.groups.reduce((m, g) => m + g.transactions.length, 0), 0);
        await appendAudit(tx, {
          actor: `payer:${input.payerId}`, action: 'payer.inbound', outcome: 'success', entityType: 'message', entityId: messageId,
          detail: { messageId, ackMessageId, controlNumbers: rows.map((r) => r.controlNumber), acknowledgment: ackNumber, sets, jobIds },
        });
        return { ack: check.ack, accepted: true, duplicate: false, jobs };
      }, { committed: (r) => (r.accepted ? inboxExists(o.db, inboxIds[0]!) : Promise.resolve(true)) });
    } catch (err) {
      if (!(err instanceof DeliveredMeanwhile) || attempt >= 3) throw err;
    }
  }
}
