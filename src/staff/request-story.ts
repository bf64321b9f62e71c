/**
 * One true sentence of what happened to a request and one of what staff can do about it, for
 * every state: the request page's headline and the worklist's "Next step" column. Pure: the
 * request's facts in, words out. The facts that tell states apart are the last transition (who
 * moved it: the payer, or the gateway itself), the delivery job (attempts, last error), the
 * summary (review and return reasons) and the response's reasons.
 */
import { humanDuration } from './time.ts';

export interface StoryFacts {
  status: string;
  kind: string;
  payerName: string;
  /** The last `request.transition`: who made it and its detail (`error`, `attempts`, `action`). */
  last?: { actor: string; to: string; detail: Record<string, unknown> };
  /** The newest delivery job. */
  job?: { status: string; attempts: number; maxAttempts: number; lastError: string | null };
  summary: Record<string, unknown>;
  /** The reason codes of the decision, with their meanings ("0U Service not covered …"). */
  reasons: string[];
  /** AAA errors in words ("72 Invalid/missing subscriber/insured ID"). */
  errors: string[];
  syncWaitMs: number;
  deadlineMs: number | null;
  hasContact: boolean;
  /** The provider's current answer is the gateway's "pended" (the stored response says A4). */
  providerToldPended: boolean;
  /** The payer has answered (an inbound 278 or PAS response is stored), whatever state it left. */
  payerAnswered: boolean;
}

export interface Story {
  /** What happened, in one sentence. */
  happened: string;
  /** What staff can do now, in one sentence. */
  next: string;
  /** A short reason for the worklist's "Decision reason" column ('' when there is none). */
  reason: string;
}

/** The rules answered NA because the provider is gold-carded (for at least one line). */
const goldCarded = (f: StoryFacts) => (f.summary.rules as { outcome?: unknown } | undefined)?.outcome === 'gold-carded';
/** Pended by the gateway itself (the payer has not answered), not by the payer's A4. */
const byGateway = (f: StoryFacts) => !f.payerAnswered && (!f.last || f.last.actor === 'system');
const byStaff = (last: StoryFacts['last']) => Boolean(last?.actor.startsWith('staff:'));
const who = (actor: string) => actor.replace(/^staff:/, '');
const call = (f: StoryFacts) => (f.hasContact ? `call ${f.payerName} (number on this page)` : `call ${f.payerName}`);

function attempts(f: StoryFacts): string {
  if (!f.job) return '';
  return ` (attempt ${f.job.attempts} of ${f.job.maxAttempts}${f.job.lastError ? `; last: ${f.job.lastError}` : ''})`;
}

export function storyOf(f: StoryFacts): Story {
  const payer = f.payerName;
  const reason = f.reasons.join('; ') || f.errors.join('; ');
  const overdue = f.deadlineMs !== null && f.deadlineMs < 0;
  const answered = f.kind === 'eligibility' ? eligibilityAnswer(f, reason) : undefined;
  if (answered) return answered;
  switch (f.status) {
    case 'received':
      return { happened: 'Received from the provider; the payer rules are being applied.', next: 'Nothing to do: it moves on within seconds.', reason: '' };
    case 'review': {
      const why = String(f.summary.reviewReason ?? 'review before sending is on');
      return {
        happened: `Held for review before it is sent to ${payer} (${why}); the provider was told it is pended.`,
        next: 'Check what will be sent, then approve and send it, change the attached documentation, or return it to the provider with a reason.',
        reason: why,
      };
    }
    case 'queued':
      return f.job && f.job.attempts > 0
        ? { happened: `Waiting to be sent to ${payer} again${attempts(f)}.`, next: `Nothing to do yet; cancel it if it is no longer needed, or ${call(f)} if it keeps failing.`, reason: f.job.lastError ?? '' }
        : { happened: `Queued for ${payer}.`, next: 'Nothing to do: it goes out within seconds.', reason: '' };
    case 'sent':
      return { happened: `Sent to ${payer}, which has not answered yet${attempts(f)}.`, next: overdue ? `The deadline has passed: ${call(f)}.` : 'Wait for the answer; the deadline shows how long the payer has.', reason: '' };
    case 'pended':
      if (byGateway(f)) {
        const failing = f.job && f.job.status !== 'done' && f.job.lastError;
        return {
          happened: `${payer} has not answered; after waiting ${Math.round(f.syncWaitMs / 1000)} s the gateway told the provider it is pended${failing ? `, and delivery keeps failing${attempts(f)}` : ''}.`,
          next: failing ? `Wait for the remaining attempts, or ${call(f)} to check it arrived.` : overdue ? `The deadline has passed: ${call(f)}.` : `Wait for ${payer}'s answer; ${call(f)} if the deadline comes close.`,
          reason: failing ? (f.job?.lastError ?? '') : '',
        };
      }
      return {
        happened: `${payer} pended it (HCR01 A4): the decision comes later${reason ? ` (${reason})` : ''}.`,
        next: overdue ? `The decision is overdue: ${call(f)}.` : 'Watch the deadline; the provider is notified when the decision arrives.',
        reason,
      };
    case 'error': {
      const error = String(f.last?.detail.error ?? f.job?.lastError ?? 'unknown error');
      const tries = f.last?.detail.attempts ?? f.job?.attempts;
      return {
        happened: `Delivery to ${payer} failed${tries ? ` after ${String(tries)} attempt${tries === 1 ? '' : 's'}` : ''}: ${error}. There is no decision; ${f.providerToldPended ? 'the provider still sees it as pended' : 'the provider is told it could not be delivered'}.`,
        next: `Retry the delivery (the same interchange), resend it as a new interchange, ${call(f)} to check whether it arrived, or cancel it.`,
        reason: error,
      };
    }
    case 'certified':
      return { happened: `${payer} approved it in full (HCR01 A1).`, next: 'Nothing more to do: use the authorization number.', reason };
    case 'not_required':
      return f.payerAnswered
        ? { happened: `${payer} answered that no prior authorization is needed (HCR01 NA).`, next: 'Nothing more to do: the service can go ahead without an authorization number.', reason }
        : {
            happened: `No prior authorization is needed: ${goldCarded(f) ? `the provider is gold-carded with ${payer} for it` : `${payer}'s rules exempt it`} (HCR01 NA), so nothing was sent to ${payer}.`,
            next: 'Nothing more to do: the service can go ahead without an authorization number.',
            reason: '',
          };
    case 'partially_certified':
      return { happened: `${payer} approved part of it (HCR01 A2${reason ? `; ${reason}` : ''}).`, next: 'Check the approved lines; for what was not approved, file a reconsideration or appeal with the payer and record it here.', reason };
    case 'modified':
      return { happened: `${payer} approved it with changes (HCR01 A6).`, next: 'Compare what was approved with what was requested; appeal the changes if needed and record it here.', reason };
    case 'denied':
      return {
        happened: `${payer} denied it (HCR01 A3${reason ? `: ${reason}` : ''}).`,
        next: `Read the reason, then file a reconsideration or appeal with ${payer} and record the appeal here${f.hasContact ? `, or ${call(f)} for a peer-to-peer review` : ''}.`,
        reason,
      };
    case 'rejected':
      return {
        happened: `${payer} could not process it (rejected${f.errors.length ? `: ${f.errors.join('; ')}` : ''}); this is not a denial.`,
        next: 'Fix what the payer names and have the provider submit it again; there is nothing to appeal.',
        reason: f.errors.join('; '),
      };
    case 'cancelled':
      return byStaff(f.last)
        ? { happened: `Cancelled by ${who(f.last!.actor)} before ${payer} answered; the provider was notified.`, next: 'Nothing more to do.', reason: '' }
        : { happened: `Cancelled${f.last?.actor.startsWith('payer:') ? ` (${payer} confirmed the cancellation)` : ''}.`, next: 'Nothing more to do.', reason: '' };
    case 'returned': {
      const by = typeof f.summary.reviewedBy === 'string' ? who(f.summary.reviewedBy) : 'staff';
      return {
        happened: `Returned to the provider by ${by} without sending it to ${payer}${reason ? ` (${reason})` : ''}; the provider was notified.`,
        next: 'Nothing more to do here: the corrected request arrives as a new one.',
        reason,
      };
    }
    default:
      return { happened: `In state ${f.status}.`, next: '', reason };
  }
}

/**
 * An eligibility check's answer in its own words: the request states `certified`, `denied` and
 * `rejected` mean coverage active, inactive, or the inquiry refused (a 271 carries no review
 * decision, authorization or appeal). `summary.coverage` says which; undefined before an answer.
 */
function eligibilityAnswer(f: StoryFacts, reason: string): Story | undefined {
  const payer = f.payerName;
  const coverage = typeof f.summary.coverage === 'string' ? f.summary.coverage : undefined;
  switch (f.status) {
    case 'certified':
      return coverage === 'unknown'
        ? { happened: `${payer} answered the eligibility check without saying whether the coverage is active (271).`, next: `Read the benefits in the answer, or ${call(f)} to confirm the coverage.`, reason }
        : { happened: `${payer} says the coverage is active (271).`, next: 'Nothing more to do: the member is covered for the date asked about.', reason };
    case 'denied':
      return {
        happened: `${payer} says the coverage is not active (271${reason ? `: ${reason}` : ''}).`,
        next: "Check the member's insurance with the patient (another plan, a new member id), then check again.",
        reason,
      };
    case 'rejected':
      return {
        happened: `${payer} could not answer the eligibility check (rejected${f.errors.length ? `: ${f.errors.join('; ')}` : ''}).`,
        next: 'Fix what the payer names (member id, name, birth date) and check again.',
        reason: f.errors.join('; '),
      };
    default:
      return undefined;
  }
}

/** "due in 6 d 23 h" / "overdue by 2 h 5 min": the deadline in words for the story's context. */
export function deadlineWords(ms: number | null): string {
  if (ms === null) return '';
  return ms < 0 ? `overdue by ${humanDuration(ms)}` : `due in ${humanDuration(ms)}`;
}
