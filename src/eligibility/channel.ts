/**
 * One member's eligibility check straight through the payer connector (no request rows: a batch is
 * the operator's job, audited as one event, and its results live in the results file): roster row
 * → 270 in its own interchange → CORE real-time → 271 (or 999/TA1) → summary. Transport failures
 * are retried a few times with backoff behind the payer's circuit breaker; what still fails is
 * reported `failed` and checked again by the next run on the same results file.
 */
import type { CircuitBreaker } from '../payers/breaker.ts';
import type { PayerConnector } from '../payers/connector.ts';
import { readEligibilityReply } from '../payers/eligibility-deliver.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { DEFAULT_SERVICE_TYPE, inquiryTo270, parse271, summarize271, traceOriginator, type EligibilityInquiry, type EligibilitySummary } from '../translate/index.ts';
import { fitForPayer, writeX12 } from '../x12/index.ts';
import type { ControlNumberBlocks } from './control-block.ts';
import type { RosterRow } from './roster.ts';

export interface CheckResult {
  status: 'active' | 'inactive' | 'unknown' | 'error' | 'failed';
  summary?: EligibilitySummary;
  /** Why it failed (transport) or what the payer refused (999/TA1); AAA errors are in `summary`. */
  error?: { code: string; description: string };
}

export type Check = (row: RosterRow, signal?: AbortSignal) => Promise<CheckResult>;

export interface ChannelOptions {
  payer: PayerConfig;
  connector: PayerConnector;
  breaker?: CircuitBreaker;
  senderId: string;
  /** 2100B: the provider the batch asks for. */
  receiver: EligibilityInquiry['receiver'];
  numbers: ControlNumberBlocks;
  /** Prefix of every TRN02 of this run (unique per run; the roster line completes it). */
  runId: string;
  now?: () => Date;
  /** Transport attempts per member (default 3). */
  attempts?: number;
  /** First backoff in ms (default 250), doubled per attempt, with jitter. */
  backoffMs?: number;
}

/**
 * One promise per signal that settles when it aborts: every waiting check races it, so a run of any
 * concurrency adds a single listener to its signal (no MaxListenersExceededWarning, no leak).
 */
const abortedOf = new WeakMap<AbortSignal, Promise<void>>();
function aborted(signal: AbortSignal): Promise<void> {
  let p = abortedOf.get(signal);
  if (!p) {
    p = signal.aborted ? Promise.resolve() : new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    abortedOf.set(signal, p);
  }
  return p;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<void>((resolve) => (t = setTimeout(resolve, ms)));
  return (signal ? Promise.race([timer, aborted(signal)]) : timer).finally(() => clearTimeout(t));
}

export function eligibilityChannel(o: ChannelOptions): Check {
  const x12 = o.payer.x12;
  if (!x12) throw new Error(`payer ${o.payer.id} takes no X12 270`);
  const originator = traceOriginator(o.senderId);
  const attempts = o.attempts ?? 3;
  // The last transport failure of any check: what an open circuit is open because of.
  let lastCause = '';

  function interchange(row: RosterRow, now: Date): string {
    const inquiry: EligibilityInquiry = {
      source: { name: o.payer.name, qualifier: x12!.umoIdQualifier, id: x12!.umoId },
      receiver: o.receiver,
      subscriber: { memberId: row.memberId, name: { last: row.lastName, ...(row.firstName ? { first: row.firstName } : {}) }, birthDate: row.birthDate },
      serviceDate: { start: now.toISOString().slice(0, 10) },
      serviceTypes: [row.serviceType ?? DEFAULT_SERVICE_TYPE],
    };
    const built = inquiryTo270(inquiry, { now, trace: `${o.runId}${row.line}`, originator });
    // Roster names fitted to the payer's character set and pinned delimiters, as for every 270.
    const { segments } = fitForPayer(built.segments, { characterSet: x12!.characterSet, ...(x12!.delimiters ? { delimiters: x12!.delimiters } : {}) });
    return writeX12(
      {
        sender: { qualifier: 'ZZ', id: o.senderId },
        receiver: { qualifier: x12!.interchangeQualifier, id: x12!.interchangeId },
        usage: o.payer.usage,
        groups: [{ functionalId: 'HS', applicationSender: o.senderId, applicationReceiver: x12!.applicationId, version: '005010X279A1', transactions: [{ setId: '270', segments }] }],
      },
      { controlNumbers: o.numbers, now, ...(x12!.delimiters ? { delimiters: x12!.delimiters } : {}) },
    );
  }

  return async (row, signal) => {
    const now = o.now?.() ?? new Date();
    await o.numbers.ensure();
    // The same interchange (same ISA13) on every attempt: the payer may de-duplicate.
    const payload = interchange(row, now);
    let last = 'not sent';
    for (let attempt = 1; attempt <= attempts && !signal?.aborted; attempt++) {
      const gate = o.breaker?.check() ?? { allowed: true as const };
      if (!gate.allowed) {
        last = `the payer circuit is open after repeated failures${lastCause ? ` (last: ${lastCause})` : ''}`;
        await sleep(Math.min(gate.retryInMs, 5_000), signal);
        continue;
      }
      const sent = await o.connector.send({ payload, payloadType: '270-request', senderId: o.senderId });
      if (sent.ok) {
        o.breaker?.success();
        const reply = readEligibilityReply(sent.body);
        if (reply.kind === 'unreadable') return { status: 'failed', error: { code: 'unreadable', description: reply.error } };
        if (reply.kind === 'rejected') return { status: 'error', error: { code: reply.code, description: reply.reason } };
        if (reply.kind === 'accepted') return { status: 'failed', error: { code: 'no-answer', description: 'the payer acknowledged the 270 without answering it (it answers later, not in a batch run)' } };
        const summary = summarize271(parse271(reply.body), row.serviceType);
        return { status: summary.status, summary };
      }
      o.breaker?.failure();
      last = sent.error;
      lastCause = sent.error;
      if (!sent.retryable) break;
      if (attempt < attempts) await sleep((o.backoffMs ?? 250) * 2 ** (attempt - 1) * (0.5 + Math.random() / 2), signal);
    }
    // Stopped before an answer: not a result (the engine writes nothing; the next run checks it).
    if (signal?.aborted) return { status: 'failed', error: { code: 'aborted', description: 'the run was stopped' } };
    return { status: 'failed', error: { code: 'transport', description: last } };
  };
}
