/**
 * `POST /payer/x12`: payers deliver X12 asynchronously (late 278 decisions, 999s about our
 * interchanges, late 271s). The route is an inbox (issue 15): the interchange is validated, stored
 * with the acknowledgment in one short transaction (inbox-receive.ts), and recorded by a job
 * (inbox-job.ts) that this process runs at once after the commit — so the payer's 999 still comes
 * back with the decision recorded — and that the worker runs again if this process could not (it
 * crashed, or recording failed on our side). Whatever happens after the commit, the payer gets its
 * acknowledgment: a decision it sent is never answered with a 5xx because of our own contention.
 *
 * Whatever the body, the answer is the acknowledgment `priorgate validate` gives for it (a TA1 for
 * an envelope too broken to read, a 999 otherwise), with control numbers from the gateway's
 * sequence; only a body that is not X12 at all (no ISA) is a 400. The body is read in slices with
 * the event loop let through between them, so a large interchange does not stall other requests.
 */
import type { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../errors/index.ts';
import type { RequestEvents } from '../workflow/events.ts';
import { runClaimedJob } from '../jobs/index.ts';
import type { Job } from '../db/queries/jobs.ts';
import { parseX12, parseX12Stream, type ParseResult } from '../x12/index.ts';
import type { Logger } from '../log/index.ts';
import { authenticatePayer } from './inbound-auth.ts';
import { inboxHandler, type InboxDeps } from './inbox-job.ts';
import { receiveInterchanges } from './inbox-receive.ts';
import type { AckRanges } from './ack-numbers.ts';
import { validationOf } from '../fhir/operations/validate-offload.ts';
import { requestText } from '../http/body.ts';

const X12_TYPE = 'application/edi-x12';
/** Bodies longer than this (characters) are validated off the event loop (a 1 MB body validates in about 0.1 s). */
const X12_INLINE_MAX = 1_000_000;

export function payerInboundRoutes(events: RequestEvents) {
  return (app: Hono<AppEnv>, deps: AppDeps) => {
    app.post('/payer/x12', async (c) => {
      const payerId = await authenticatePayer(deps.db, c.req.header('authorization'));
      if (!payerId) throw new AppError('unauthorized', 'payer credentials required', undefined, { 'WWW-Authenticate': 'Basic realm="priorgate-payer"' });
      const text = await requestText(c);
      // The stream reader, like parseX12, reports bad X12 as issues; a fault of its own must not cost a 500.
      // The one validator (as `priorgate validate --payer` runs it), with this payer's named leniency.
      const lenient = deps.services?.payers.get(payerId)?.config.x12?.leniency ?? [];
      // A large body is read here for its envelopes only (no segments kept: a 6 MB parse held in
      // memory costs the event loop long collections; no element or structure checks: the worker
      // thread validates it whole), and its inbox job reads the stored body again.
      const large = text.length > X12_INLINE_MAX;
      const parsed = await parseX12Stream(slices(text), () => {}, { mode: large ? 'none' : 'transaction', validate: !large, lenient }).catch(() => parseX12(text, { lenient }));
      if (!parsed.isX12) throw new AppError('invalid', 'the body is not an X12 interchange (it must start with ISA)');
      const now = deps.now?.() ?? new Date();
      // A large body is validated in the worker thread: the event loop keeps serving meanwhile.
      const offload = large ? (seen: Set<string>, ranges: AckRanges) => validationOf(deps).validateX12(text, { seen: [...seen], ranges, now: now.toISOString(), lenient }) : undefined;
      const received = await receiveInterchanges({ db: deps.db, senderId: deps.config.x12SenderId, now, claimForMs: deps.config.jobLockMs }, { payerId, text, parsed, lenient, ...(offload ? { offload } : {}) });
      const controlNumber = parsed.interchanges[0]?.controlNumber;
      if (received.ack === '') throw new AppError('invalid', 'the body could not be read as X12');
      if (!received.accepted) {
        c.var.log.warn({ payerId, controlNumber, duplicate: received.duplicate }, 'payer interchange refused');
        return c.body(received.ack, 200, { 'content-type': X12_TYPE });
      }
      const inbox: InboxDeps = {
        db: deps.db, log: c.var.log, senderId: deps.config.x12SenderId, events, ...(deps.now ? { now: deps.now } : {}),
        lenient: (id) => deps.services?.payers.get(id)?.config.x12?.leniency ?? [],
      };
      await runNow(inbox, received.jobs, large ? undefined : parsed, c.var.log, deps.config.jobLockMs);
      return c.body(received.ack, 200, { 'content-type': X12_TYPE });
    });
  };
}

/**
 * Runs the inbox jobs just committed, in this process, before answering. Any failure stays with
 * the job (retried by the worker); the payer's acknowledgment is already decided and stored.
 */
async function runNow(inbox: InboxDeps, jobs: Job[], parsed: ParseResult | undefined, log: Logger, leaseMs: number): Promise<void> {
  const handler = inboxHandler(inbox);
  for (const job of jobs) {
    try {
      await runClaimedJob(inbox.db, log, handler, job, parsed, leaseMs);
    } catch (err) {
      log.error({ err, jobId: job.id }, 'inbox job not run after receipt; the worker will');
    }
  }
}

/** The body in 64 KB slices, each after a turn of the event loop. */
async function* slices(text: string, size = 64 * 1024): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    yield text.slice(i, i + size);
  }
}
