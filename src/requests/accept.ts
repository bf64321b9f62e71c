/**
 * Accepting a PAS request: the request row (idempotent on organization + Bundle.identifier), the
 * inbound message, the delivery job and the audit event commit in one transaction, so nothing
 * accepted is lost and nothing is queued twice.
 */
import { batchAudit } from '../audit/index.ts';
import { Batch, batched } from '../db/batch.ts';
import type { Db } from '../db/client.ts';
import { claimedJob, enqueueStatement, type Job } from '../db/queries/jobs.ts';
import { batchMessage, hasMessage, insertRequest, lockRequest, priorAuthReferencedBy, requestByIdempotencyKey, requestExists, type RequestRow } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import { recordAnswer, REQUEST_SET, type AnswerSummary } from './answer.ts';
import { withTransaction } from '../db/tx.ts';
import { DELIVER_JOB } from '../jobs/index.ts';
import { recordHold } from './review.ts';
import { revisionPlan } from '../workflow/revisions.ts';
import type { RequestState } from '../workflow/states.ts';

export interface ClaimFacts {
  /** `system|value` of Bundle.identifier: the idempotency key. */
  idempotencyKey: string;
  /** Claim.identifier (or Bundle.identifier) value: how updates point at their prior request. */
  claimIdentifier: string;
  relatedIdentifiers: string[];
  /** Ids of prior Claims referenced as `Claim/{id}` (the IG's update example does this). */
  relatedClaimIds: string[];
  /** The Claim resource's own id, so a later update's `Claim/{id}` reference finds this request. */
  claimResourceId: string | null;
  urgency: string;
  itemSequences: number[];
}

interface ClaimLike {
  id?: string;
  identifier?: { system?: string; value?: string }[];
  related?: { claim?: { identifier?: { value?: string }; reference?: string } }[];
  priority?: { coding?: { code?: string }[] };
  item?: { sequence?: number }[];
}

export function claimFacts(bundle: Bundle): ClaimFacts {
  const claim = (bundle.entry?.[0]?.resource ?? {}) as ClaimLike;
  const bid = bundle.identifier as { system?: string; value?: string } | undefined;
  const claimId = claim.identifier?.[0]?.value ?? bid?.value ?? '';
  return {
    idempotencyKey: `${bid?.system ?? ''}|${bid?.value ?? ''}`,
    claimIdentifier: claimId,
    relatedIdentifiers: (claim.related ?? []).map((r) => r.claim?.identifier?.value ?? '').filter(Boolean),
    relatedClaimIds: (claim.related ?? []).map((r) => /(?:^|\/)Claim\/([^/]+)$/.exec(r.claim?.reference ?? '')?.[1] ?? '').filter(Boolean),
    claimResourceId: claim.id ?? null,
    urgency: claim.priority?.coding?.[0]?.code === 'stat' ? 'expedited' : 'standard',
    itemSequences: (claim.item ?? []).map((i, n) => i.sequence ?? n + 1),
  };
}

/** The organization's newest request an update points at, by Claim identifier or `Claim/{id}`. */
export async function priorRequest(db: Db, orgId: string, facts: Pick<ClaimFacts, 'relatedIdentifiers' | 'relatedClaimIds'>): Promise<RequestRow | undefined> {
  return priorAuthReferencedBy(db, orgId, { traceNumbers: facts.relatedIdentifiers, claimResourceIds: facts.relatedClaimIds });
}

export interface AcceptInput {
  orgId: string;
  clientId: string;
  bundle: Bundle;
  payerId: string;
  maxAttempts: number;
  deadlineAt: Date;
  httpRequestId?: string;
  /** 2000E TRN02 as translated: the payer echoes it, and late answers are matched by it. */
  trace: string;
  /** Matching keys for $inquire (identifiers only), and the rules' outcome and trace. */
  summary?: Record<string, unknown>;
  /** The gateway's own answer when the payer's rules need no 278 at all (NA): nothing is queued. */
  localAnswer?: { bundle: Bundle; summary: AnswerSummary };
  /** The request as received (its JSON text): stored as is, instead of `bundle` serialized again. */
  payload?: string;
  /** Writes what goes to the payer (the 278, once), in the acceptance transaction of a new queued request (with its batch). */
  outbound?: (tx: Db, request: RequestRow, batch: Batch) => Promise<void>;
  /** More to store with a new request, in its transaction (the data-quality findings). */
  afterInsert?: (tx: Db, request: RequestRow) => Promise<void>;
  /**
   * A whole-request cancel: its answer (C) when the payer never had the request it cancels; the
   * choice is made under the prior request's lock (`revisionPlan`), so a cancel never overtakes the
   * delivery of what it cancels.
   */
  cancel?: { here: { bundle: Bundle; summary: AnswerSummary }; outboundSets: string[] };
  /** Hold for staff review before sending (review.ts): nothing is queued until approved. */
  hold?: { reason: string; now: Date };
  /**
   * The delivery job is enqueued claimed by this process for this long: the caller runs its first
   * attempt right after the commit (`Worker.run`), a worker only if the lease runs out.
   */
  claimForMs?: number;
}

export async function acceptPriorAuth(db: Db, input: AcceptInput): Promise<{ request: RequestRow; created: boolean; job?: Job }> {
  const facts = claimFacts(input.bundle);
  return withTransaction(db, async (tx) => {
    const found = await priorRequest(tx, input.orgId, facts);
    // Locked: the delivery worker moves a queued request to sent under the same lock.
    const prior = found && input.cancel ? await lockRequest(tx, found.id) : found;
    let localAnswer = input.localAnswer;
    if (input.cancel) {
      const sentToPayer = prior ? await hasMessage(tx, prior.id, input.cancel.outboundSets) : false;
      const plan = revisionPlan('cancel', prior ? { status: prior.status as RequestState, sentToPayer } : undefined);
      if (plan === 'cancel-here') localAnswer = input.cancel.here;
    }
    // Held for staff review: nothing is queued, and nothing is written for the payer until approved.
    const hold = localAnswer ? undefined : input.hold;
    // Everything written with a new request after its row goes out as one statement.
    const batch = new Batch(tx);
    const { row, created } = await insertRequest(
      tx,
      {
      orgId: input.orgId,
      kind: 'prior-auth',
      payerId: input.payerId,
      urgency: facts.urgency,
      deadlineAt: input.deadlineAt,
      idempotencyKey: facts.idempotencyKey,
      traceNumber: input.trace,
      priorRequestId: prior?.id ?? null,
      summary: { ...input.summary, claimIdentifier: facts.claimIdentifier, claimResourceId: facts.claimResourceId, ...(hold ? { reviewHeld: true, reviewReason: hold.reason } : {}) },
      items: facts.itemSequences.map((sequence) => ({ sequence })),
      },
      localAnswer ? 'received' : hold ? 'review' : 'queued',
      batch,
    );
    if (!created) return { request: row, created };
    // What goes with a new request — its lines, message, job and audit event, the 278, the
    // findings — is independent: one statement.
    const submitted = recordSubmission(
      tx,
      {
        request: row,
        clientId: input.clientId,
        bundle: input.bundle,
        payload: input.payload,
        messageSet: REQUEST_SET,
        jobKind: localAnswer || hold ? undefined : DELIVER_JOB,
        maxAttempts: input.maxAttempts,
        claimForMs: input.claimForMs,
        httpRequestId: input.httpRequestId,
        detail: { payerId: input.payerId, priorRequestId: prior?.id ?? null, rules: input.summary?.['rules'] ?? null },
      },
      batch,
    );
    // It settles when the batch is flushed below. Should the flush (or anything before it) fail,
    // that error goes to the caller from there, and this promise rejects with it unawaited: an
    // unhandled rejection would end the process (a dropped connection, a deadlock retried).
    submitted.catch(() => {});
    await Promise.all([
      // Not for a held request: the 278 (and the 275s queued with it) is written when the approved
      // request is first delivered, from its latest stored Bundle (what staff approved, edits included).
      !localAnswer && !hold && input.outbound ? input.outbound(tx, row, batch) : undefined,
      input.afterInsert?.(tx, row),
    ]);
    await batch.flush();
    const job = await submitted;
    if (hold) await recordHold(tx, row, input.bundle, hold.reason, hold.now);
    if (localAnswer) {
      const answered = await recordAnswer(tx, { requestId: row.id, actor: 'system', responseBundle: localAnswer.bundle, summary: localAnswer.summary, onlyFrom: ['received'] });
      return { request: answered?.request ?? row, created };
    }
    return { request: row, created, ...(job ? { job } : {}) };
  }, {
    // Its answer lost at the COMMIT (a failover): the new request's row says whether it landed.
    committed: (r) => (r.created ? requestExists(db, r.request.id) : Promise.resolve(true)),
  });
}

/** The organization's prior-auth request with this idempotency key, if it exists. */
export async function findByIdempotencyKey(db: Db, orgId: string, key: string): Promise<RequestRow | undefined> {
  return requestByIdempotencyKey(db, orgId, 'prior-auth', key);
}

/**
 * The inbound side of a new request, in the caller's transaction: the provider's FHIR payload as a
 * message, the delivery job (unless the gateway answers itself), and the `request.submit` audit event.
 */
export async function recordSubmission(
  tx: Db,
  r: {
    request: RequestRow;
    clientId: string;
    bundle: Bundle;
    /** The bundle's JSON as received, when it is (else the bundle is serialized). */
    payload?: string;
    messageSet: string;
    jobKind?: string;
    maxAttempts: number;
    /** The job is claimed by the caller (`enqueue` claimForMs) and returned. */
    claimForMs?: number;
    httpRequestId?: string;
    detail: Record<string, unknown>;
  },
  /** The caller's batch: the returned promise settles when the caller flushes it. */
  batch?: Batch,
): Promise<Job | undefined> {
  // Independent inserts: one statement (the caller's, or one of its own sent here).
  const jobInput = r.jobKind ? { kind: r.jobKind, orgId: r.request.orgId, requestId: r.request.id, maxAttempts: r.maxAttempts, claimForMs: r.claimForMs } : undefined;
  const { jobIds } = await batched(tx, batch, (b) => {
    const messageId = batchMessage(b, { orgId: r.request.orgId, requestId: r.request.id, direction: 'in', format: 'fhir', transactionSet: r.messageSet, payload: r.payload ?? JSON.stringify(r.bundle) });
    batchAudit(b, {
      actor: `client:${r.clientId}`,
      action: 'request.submit',
      orgId: r.request.orgId,
      entityType: 'request',
      entityId: r.request.id,
      requestId: r.httpRequestId ?? null,
      detail: { ...r.detail, messageId, status: r.request.status },
    });
    return { jobIds: jobInput ? b.returning<{ id: number | string }>(enqueueStatement(tx, jobInput)) : undefined };
  });
  const jobId = jobIds && Number((await jobIds)[0]?.id);
  return jobInput && jobId !== undefined && r.claimForMs !== undefined ? claimedJob(jobId, jobInput) : undefined;
}
