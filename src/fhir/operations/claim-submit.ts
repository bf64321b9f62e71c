/**
 * `POST /fhir/Claim/$submit` (Da Vinci PAS 2.2.1): validate, store (idempotent on organization +
 * Bundle.identifier), queue for the payer, wait up to PRIORGATE_SYNC_WAIT_MS for the decision, and
 * answer with a PAS response Bundle — decided, pended by the payer, or pended by us (A4).
 */
import type { Hono } from 'hono';
import { findOrganization } from '../../db/queries/clients.ts';
import { latestMessage, type RequestRow } from '../../db/queries/requests.ts';
import type { RuleDecision } from '../../rules/index.ts';
import { requireScope } from '../../auth/index.ts';
import { FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv, GatewayServices } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import { OUTBOUND_278, OUTBOUND_PAS, reserve278, sendsX12, write278, type PreparedDelivery } from '../../payers/deliver.ts';
import { rejectionBundle } from '../../payers/reply.ts';
import type { PayerRuntime } from '../../payers/registry.ts';
import { requestOptionsFor } from '../../payers/x12-io.ts';
import { pasRequestTo278, pendedAnswer, x12ResponseToPas } from '../../translate/index.ts';
import { acceptPriorAuth, claimFacts, type ClaimFacts, findByIdempotencyKey, priorRequest, recordAnswer, RESPONSE_SET, stampResponse } from '../../requests/index.ts';
import { decisionDeadline } from '../../workflow/deadlines.ts';
import { revisionPlan, type RevisionKind } from '../../workflow/revisions.ts';
import { hasMessage } from '../../db/queries/requests.ts';
import { claimCertificationType, isUpdate } from '../../translate/request/claim-info.ts';
import { applyRules, localAnswer, rulesSummary } from './claim-rules.ts';
import { isAnswered, type RequestState } from '../../workflow/states.ts';
import { resolveReference, type Bundle } from '../bundle.ts';
import { operationOutcome } from '../outcome.ts';
import { hasErrors, toOutcomeIssues } from '../validate/index.ts';
import { readFhirBody } from './read-body.ts';
import { withTransaction } from '../../db/tx.ts';
import { checkPasRequest, presendContext, refusalOutcome, storedFindings, withWarnings } from '../../quality/index.ts';
import { requestKeys } from './inquiry-match.ts';
import { readingClientData, readingClientDataAsync } from './client-data.ts';
import { validationOf } from './validate-offload.ts';

export function requireServices(deps: AppDeps): GatewayServices {
  if (!deps.services) throw new AppError('unavailable', 'the prior-authorization service is not running');
  return deps.services;
}

/** The payer for the Claim's insurer (by identifier, `PayerRegistry.forInsurer`), else the configured default. */
function payerFor(deps: AppDeps, s: GatewayServices, bundle: Bundle): PayerRuntime {
  const payer = findPayer(deps, s, bundle);
  if (!payer) throw new AppError('unprocessable', 'no payer is configured for this insurer', 'Bundle.entry[0].resource.insurer');
  return payer;
}

/** `currentResponse` as JSON text: a stored answer is returned as stored, not parsed and written again. */
async function currentResponseText(deps: AppDeps, request: RequestRow): Promise<string> {
  if (isAnswered(request.status as RequestState)) {
    const stored = await latestMessage(deps.db, request.id, RESPONSE_SET);
    if (stored) return stored.payload;
  }
  return JSON.stringify(await currentResponse(deps, request));
}

/** The 278 options for a request of `orgId` routed to `payer`: who it is to and from when the Bundle leaves that out. */
async function routedOptions(deps: AppDeps, orgId: string, payer: PayerRuntime | undefined, now: Date) {
  return optionsFor(deps, (await findOrganization(deps.db, orgId))?.npi, payer, now);
}

function optionsFor(deps: AppDeps, npi: string | null | undefined, payer: PayerRuntime | undefined, now: Date) {
  return { now, ...(payer ? requestOptionsFor(payer.config, deps.config.x12SenderId, npi) : npi ? { requesterNpi: npi } : {}) };
}

function findPayer(deps: AppDeps, s: GatewayServices, bundle: Bundle): PayerRuntime | undefined {
  const first = bundle.entry?.[0];
  const insurerRef = (first?.resource as { insurer?: { reference?: string } } | undefined)?.insurer;
  const insurer = resolveReference(bundle, insurerRef, first?.fullUrl)?.resource as { identifier?: { value?: string }[] } | undefined;
  const ids = (insurer?.identifier ?? []).map((i) => (typeof i?.value === 'string' ? i.value : ''));
  return s.payers.forInsurer(ids, s.rules(), deps.config.defaultPayer);
}

/**
 * Service lines (Claim.item) one request may carry when the payer's companion guide sets no lower
 * limit: each line is validated, evaluated against the rules and written as a 2000F loop, so an
 * unbounded count is unbounded work for one request.
 */
export const MAX_SERVICE_LINES = 99;

/**
 * The line limit (the payer's companion guide's maxServiceLines, at most MAX_SERVICE_LINES), checked
 * before validation: a Claim with 4,000 items is refused at once, not after seconds of validating
 * lines no payer takes.
 */
function checkLineLimit(deps: AppDeps, bundle: Bundle): void {
  const items = (bundle.entry?.[0]?.resource as { item?: unknown } | undefined)?.item;
  if (!Array.isArray(items) || items.length <= 1) return;
  const payer = deps.services && findPayer(deps, deps.services, bundle);
  const payerMax = payer && deps.services!.rules().payers[payer.config.id]?.companionGuide.maxServiceLines;
  if (payerMax !== undefined && items.length > payerMax) {
    throw new AppError('unprocessable', `this payer accepts at most ${payerMax} service lines per request`, 'Bundle.entry[0].resource.item');
  }
  if (items.length > MAX_SERVICE_LINES) {
    throw new AppError('unprocessable', `a request may carry at most ${MAX_SERVICE_LINES} service lines; split it`, 'Bundle.entry[0].resource.item');
  }
}

/**
 * The current response Bundle; when the payer has not answered, the gateway answers A4 pended.
 * `$submit` records that answer (the provider has been told "pended": the decision will be
 * notified); a read (`GET ClaimResponse`, `$inquire`) only shows it and writes nothing.
 */
export async function currentResponse(deps: AppDeps, request: RequestRow, opts: { record?: boolean } = {}): Promise<Bundle> {
  const now = deps.now?.() ?? new Date();
  const stored = await latestMessage(deps.db, request.id, RESPONSE_SET);
  if (stored && isAnswered(request.status as RequestState)) return JSON.parse(stored.payload) as Bundle;
  const input = await latestMessage(deps.db, request.id, 'pas-request');
  const requestBundle = JSON.parse(input!.payload) as Bundle;
  // Stamped with the request's id, like every response: `GET /fhir/ClaimResponse/{id}` finds it.
  if (request.status === 'error') return stampResponse(rejectionBundle(requestBundle, now, { kind: 'unreachable', text: 'the request could not be delivered to the payer' }), request);
  const options = await routedOptions(deps, request.orgId, request.payerId ? deps.services?.payers.get(request.payerId) : undefined, now);
  const pended = x12ResponseToPas(pendedAnswer(pasRequestTo278(requestBundle as never, options).segments, now), {
    request: requestBundle as never,
    now,
    ids: () => crypto.randomUUID(),
  }) as unknown as Bundle;
  if (opts.record === false) return stampResponse(pended, request);
  const recorded = await withTransaction(deps.db, (tx) =>
    recordAnswer(tx, {
      requestId: request.id,
      actor: 'system',
      responseBundle: pended,
      summary: { overall: 'A4', items: [] },
      onlyFrom: ['queued', 'sent'],
    }),
  );
  const settled = recorded?.request.status as RequestState | undefined;
  if (recorded && !recorded.changed && settled && settled !== 'pended' && (isAnswered(settled) || settled === 'error')) {
    // The payer answered while we were pending it: return the payer's answer.
    return currentResponse(deps, recorded.request, opts);
  }
  return pended;
}

export function claimSubmitRoute(app: Hono<AppEnv>, deps: AppDeps) {
  app.post('/fhir/Claim/$submit', requireScope('Claim', 'c'), async (c) => {
    const auth = c.var.auth!;
    const body = await readFhirBody(c, 'Bundle');
    const bundle = body.resource as unknown as Bundle;
    checkLineLimit(deps, bundle);
    const issues = await validationOf(deps).validate('request', body);
    if (hasErrors(issues)) {
      return c.body(JSON.stringify(operationOutcome(toOutcomeIssues(issues) as never)), 400, { 'Content-Type': FHIR_JSON });
    }
    const s = requireServices(deps);
    const log = c.var.log;
    const payer = payerFor(deps, s, bundle);
    const now = deps.now?.() ?? new Date();
    const facts = readingClientData(log, 'facts', () => claimFacts(bundle));
    // Looked up together (one round trip, not two); the organization is wanted further down.
    const orgLookup = findOrganization(deps.db, auth.orgId);
    orgLookup.catch(() => {});
    const existing = await findByIdempotencyKey(deps.db, auth.orgId, facts.idempotencyKey);
    const revision = revisionKind(bundle);
    if (!existing && revision === 'update') await refuseUpdateOfCancelled(deps, auth.orgId, facts);
    // A repeat answers from the store: no rules, no EHR calls, nothing sent. A cancel is not a
    // question for the rules: it goes to the payer, or is confirmed here if the payer never had it.
    const prepared =
      existing || revision === 'cancel' ? { outgoing: bundle, decision: undefined } : await readingClientDataAsync(log, 'rules', () => applyRules(s, bundle, payer.config.id, now, log));
    const { outgoing, decision } = prepared;
    // Data quality before sending: warnings go back with the answer; what the payer refuses, 422.
    const quality = existing ? undefined : await readingClientDataAsync(log, 'data quality', () => checkPasRequest(presendContext(deps, s, auth, payer.config.id, now), bundle, decision));
    if (quality?.refused) {
      await quality.refuse(c.var.requestId);
      return c.body(JSON.stringify(refusalOutcome(quality.findings)), 422, { 'Content-Type': FHIR_JSON });
    }
    const org = await orgLookup;
    const options = optionsFor(deps, org?.npi, payer, now);
    // Translated as it will be sent to this payer, so the check judges what leaves.
    const translated = readingClientData(log, 'translate', () => pasRequestTo278(outgoing as never, options));
    const keys = readingClientData(log, 'search keys', () => requestKeys(bundle));
    const local = decision && (decision.outcome === 'not-required' || decision.outcome === 'gold-carded');
    // Held for staff review (payer rules or the organization's setting): a new request, never a
    // cancel (withdrawing is not held back; a held request it cancels is cancelled here).
    const hold = !existing && !local && revision !== 'cancel' ? holdReason(org, decision) : undefined;
    const x12 = sendsX12(payer.config);
    // A new request goes to the payer from here, right after it commits (the job is the safety net).
    const sendsNow = !existing && !local && !hold && revision !== 'cancel';
    const numbers = sendsNow && x12 ? await reserve278(deps.db, payer.config, deps.config.x12SenderId) : undefined;
    let written: { payload: string; controlNumber: string } | undefined;
    // A repeat (same organization and Bundle.identifier) is answered from the store, nothing written.
    const { request, created, job } = existing ? { request: existing, created: false, job: undefined } : await acceptPriorAuth(deps.db, {
      orgId: auth.orgId,
      clientId: auth.clientId,
      bundle: outgoing,
      payerId: payer.config.id,
      maxAttempts: payer.config.maxAttempts,
      deadlineAt: decisionDeadline(now, decision?.urgency ?? (facts.urgency === 'expedited' ? 'expedited' : 'standard'), decision?.deadlineHours),
      httpRequestId: c.var.requestId,
      trace: translated.trace,
      summary: { ...keys, ...(decision ? { rules: rulesSummary(decision), attached: attachedEntries(bundle, outgoing) } : {}), ...quality?.summary },
      localAnswer: local ? readingClientData(log, 'local answer', () => localAnswer(outgoing, translated.segments, now, 'NA')) : undefined,
      ...(revision === 'cancel' ? { cancel: { here: readingClientData(log, 'local answer', () => localAnswer(outgoing, translated.segments, now, 'C')), outboundSets: [OUTBOUND_278, OUTBOUND_PAS] } } : {}),
      // What was received, unless the rules attached EHR documentation to it (or it came in a Parameters).
      payload: outgoing === bundle && body.parameterIndex === undefined ? body.text : undefined,
      // The 278 from this translation, written once (not for PAS FHIR payers: they get the Bundle).
      outbound: x12
        ? async (tx, row, batch) => {
            const out = await write278(tx, { request: row, payer: payer.config, senderId: deps.config.x12SenderId, bundle: outgoing, body: translated.segments, now, requesterNpi: options.requesterNpi, ...(numbers ? { numbers } : {}) }, batch);
            written = { payload: out.payload, controlNumber: out.controlNumber };
          }
        : undefined,
      afterInsert: quality && ((tx, row) => quality.record(tx, row.id)),
      ...(hold ? { hold: { reason: hold, now } } : {}),
      ...(sendsNow ? { claimForMs: deps.config.jobLockMs } : {}),
    });
    c.var.log.info({ authRequestId: request.id, payerId: payer.config.id, created }, 'prior authorization accepted');
    const waitStarted = Date.now();
    if (job) {
      // The first attempt, now, in this process: the request, the 278 and the Bundle are at hand.
      // The provider waits for it no longer than the sync wait; the attempt goes on regardless.
      const prepared: PreparedDelivery | undefined = written ? { request, ...written, bundle: outgoing } : undefined;
      await within(s.runJob(job, prepared), deps.config.syncWaitMs);
      const answered = prepared?.answered;
      if (answered && isAnswered(answered.request.status as RequestState)) {
        const findings = quality?.findings ?? [];
        if (!findings.length) return c.body(answered.responseText, 200, { 'Content-Type': FHIR_JSON });
        return c.body(JSON.stringify(withWarnings(JSON.parse(answered.responseText) as Bundle, findings)), 200, { 'Content-Type': FHIR_JSON });
      }
    } else if (created) s.wake();
    // A held request has its answer already (pended, held for review): nothing to wait for. The
    // same request sent again while its first submission still waits for the payer (a client that
    // timed out and retried, or sent twice at once) waits out what is left of that wait too, so
    // every copy gets the decision the first one gets rather than an early "pended".
    const waitMs = created
      ? request.status !== 'review' ? Math.max(0, deps.config.syncWaitMs - (Date.now() - waitStarted)) : 0
      : !isAnswered(request.status as RequestState) ? Math.max(0, deps.config.syncWaitMs - (Date.now() - request.createdAt.getTime())) : 0;
    const settled = (await s.events.waitForAnswer(deps.db, request.id, waitMs)) ?? request;
    const findings = created && quality ? quality.findings : await storedFindings(deps.db, request.id);
    // Without findings the stored answer goes back as stored; with them, the warnings are added to it.
    if (!findings.length) return c.body(await currentResponseText(deps, settled), 200, { 'Content-Type': FHIR_JSON });
    return c.body(JSON.stringify(withWarnings(await currentResponse(deps, settled), findings)), 200, { 'Content-Type': FHIR_JSON });
  });
}

/** Resolves when `work` settles or after `ms`, whichever comes first (the work is not stopped). */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** A whole-request cancel (Claim certificationType 3, UM02 3) or an update (Claim.related), else a new request. */
function revisionKind(bundle: Bundle): RevisionKind | undefined {
  const claim = bundle.entry?.[0]?.resource as never;
  if (claimCertificationType(claim) === '3') return 'cancel';
  return isUpdate(claim) ? 'update' : undefined;
}

/**
 * Why a new request is held for staff review before its 278 leaves, or undefined to send it now:
 * the payer's rules (`review` in rules/prior-auth) or the organization's setting.
 */
function holdReason(org: { reviewBeforeSend: boolean } | undefined, decision: RuleDecision | undefined): string | undefined {
  if (decision?.review.required) return `payer rules: ${decision.review.reason}`;
  return org?.reviewBeforeSend ? 'organization setting: every request is reviewed before sending' : undefined;
}

/** The fullUrls of the entries the gateway added (documentation pulled from the EHR). */
export function attachedEntries(sent: Bundle, outgoing: Bundle): string[] {
  const before = new Set((sent.entry ?? []).map((e) => e.fullUrl));
  return (outgoing.entry ?? []).map((e) => e.fullUrl).filter((u): u is string => Boolean(u) && !before.has(u));
}

/** An update of a cancelled request has nothing left to update (`revisionPlan`): a new request is needed. */
async function refuseUpdateOfCancelled(deps: AppDeps, orgId: string, facts: ClaimFacts): Promise<void> {
  const prior = await priorRequest(deps.db, orgId, facts);
  if (!prior) return;
  const sentToPayer = await hasMessage(deps.db, prior.id, [OUTBOUND_278, OUTBOUND_PAS]);
  if (revisionPlan('update', { status: prior.status as RequestState, sentToPayer }) === 'refuse') {
    throw new AppError('conflict', 'the request this update revises was cancelled; submit a new request', 'Bundle.entry[0].resource.related');
  }
}


