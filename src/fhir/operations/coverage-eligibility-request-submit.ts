/**
 * `POST /fhir/CoverageEligibilityRequest/$submit`: a Bundle with a CoverageEligibilityRequest first
 * (plus its Patient, Coverage, insurer and provider) → a Bundle with a CoverageEligibilityResponse
 * first. Validates before anything is stored: FHIR R4 (`validateEligibilityRequestBundle`: formats
 * and calendar days, codes of required bindings, unknown and missing elements; 400), what the 270
 * needs (`readEligibilityRequest`; 400), a payer for the insurer (422) and the 270 itself as it will
 * be written for that payer (422: a request X12 cannot carry is refused now, not stored to fail in
 * the delivery job); every refusal an OperationOutcome with expressions, no value quoted back. Then
 * stores the request idempotently on organization + request identifier with its delivery job and
 * audit event, wakes the worker, waits up to PRIORGATE_SYNC_WAIT_MS for the payer's 271, and
 * answers with it — or with outcome `queued` when the payer has not answered yet (the same request
 * again returns the answer once it is in), or `error` when it could not be delivered.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { requireScope } from '../../auth/index.ts';
import { latestMessage, requestByIdempotencyKey, type RequestRow } from '../../db/queries/requests.ts';
import { FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv, GatewayServices } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import type { PayerRuntime } from '../../payers/registry.ts';
import { assertCarriable, eligibilityOutcomeBundle, readEligibilityRequest, type EligibilityRequestRead } from '../../translate/index.ts';
import { acceptEligibility, ELIGIBILITY_REQUEST_SET, ELIGIBILITY_RESPONSE_SET } from '../../requests/index.ts';
import { isAnswered, type RequestState } from '../../workflow/states.ts';
import type { Bundle } from '../bundle.ts';
import { operationOutcome, type OutcomeIssue } from '../outcome.ts';
import { hasErrors, toOutcomeIssues, type ValidationIssue } from '../validate/index.ts';
import { inquiry270 } from '../../payers/eligibility-deliver.ts';
import { x12FormOf } from '../../payers/x12-io.ts';
import { fitForPayer } from '../../x12/index.ts';
import { requireServices } from './claim-submit.ts';
import { readingClientData } from './client-data.ts';
import { readFhirBody } from './read-body.ts';
import { validationOf } from './validate-offload.ts';
import { checkEligibilityRequest, presendContext, refusalOutcome, storedFindings, withWarnings } from '../../quality/index.ts';

/** The payer for the insurer (by identifier, `PayerRegistry.forInsurer`: as `$submit` routes), else the configured default. */
function payerFor(deps: AppDeps, s: GatewayServices, read: EligibilityRequestRead): PayerRuntime {
  const payer = s.payers.forInsurer(read.insurerIds, s.rules(), deps.config.defaultPayer);
  if (!payer) throw new AppError('unprocessable', 'no payer is configured for this insurer', 'Bundle.entry[0].resource.insurer');
  if (!payer.config.x12) throw new AppError('unprocessable', 'this payer takes no X12 270 eligibility inquiries', 'Bundle.entry[0].resource.insurer');
  return payer;
}

/**
 * The issues of a refused request: FHIR R4's, then those of the 270 reading at elements FHIR R4
 * found no error at (one issue per element, the more precise first).
 */
function refusalIssues(structure: ValidationIssue[], read: OutcomeIssue[]): OutcomeIssue[] {
  const taken = new Set(structure.filter((i) => i.severity === 'error').map((i) => i.expression));
  return [...(toOutcomeIssues(structure) as OutcomeIssue[]), ...read.filter((i) => !i.expression?.some((e) => taken.has(e)))];
}

/**
 * The 270 for this request as the delivery job will write it for this payer (fitted to its
 * character set), read back with the element checks: throws a TranslateError naming the X12
 * element when a value cannot be carried (a 422 here, instead of a job that can never send it).
 */
function check270(deps: AppDeps, payer: PayerRuntime, read: EligibilityRequestRead, trace: string): void {
  const body = inquiry270(read.inquiry!, payer.config, { now: deps.now?.() ?? new Date(), trace, senderId: deps.config.x12SenderId });
  const form = x12FormOf(payer.config);
  assertCarriable('270', form ? fitForPayer(body, form).segments : body, 'Bundle.entry[0].resource');
}

/** Identifiers staff search by (never names or dates of birth). */
function searchKeys(read: EligibilityRequestRead): Record<string, unknown> {
  const i = read.inquiry!;
  return { memberIds: [i.subscriber.memberId], providerIds: [i.receiver.id], serviceDate: i.serviceDate?.start ?? null, serviceTypes: i.serviceTypes };
}

/** The stored answer; an error answer when delivery failed for good; else `queued`. */
export async function currentEligibilityResponse(deps: AppDeps, request: RequestRow): Promise<Bundle> {
  const stored = await latestMessage(deps.db, request.id, ELIGIBILITY_RESPONSE_SET);
  if (stored && isAnswered(request.status as RequestState)) return JSON.parse(stored.payload) as Bundle;
  const input = await latestMessage(deps.db, request.id, ELIGIBILITY_REQUEST_SET);
  const ctx = { request: input ? (JSON.parse(input.payload) as never) : undefined, now: deps.now?.() ?? new Date(), ids: randomUUID };
  const answer =
    request.status === 'error'
      ? eligibilityOutcomeBundle(ctx, { kind: 'error', reason: 'the eligibility inquiry could not be delivered to the payer', code: 'delivery' })
      : eligibilityOutcomeBundle(ctx, { kind: 'queued', reason: 'the payer has not answered yet; submit the same request (same identifier) again for the answer' });
  const first = answer.entry?.[0];
  if (first?.resource) first.resource.id = request.id;
  return answer as unknown as Bundle;
}

export function coverageEligibilityRequestSubmitRoute(app: Hono<AppEnv>, deps: AppDeps) {
  app.post('/fhir/CoverageEligibilityRequest/$submit', requireScope('CoverageEligibilityRequest', 'c'), async (c) => {
    const s = requireServices(deps);
    const auth = c.var.auth!;
    const body = await readFhirBody(c, 'Bundle');
    const bundle = body.resource as unknown as Bundle;
    const structure = await validationOf(deps).validate('eligibility', body);
    const read = readEligibilityRequest(bundle);
    if (hasErrors(structure) || !read.inquiry) return c.body(JSON.stringify(operationOutcome(refusalIssues(structure, read.issues))), 400, { 'Content-Type': FHIR_JSON });
    const payer = payerFor(deps, s, read);
    const idempotencyKey = `${read.identifier!.system ?? ''}|${read.identifier!.value}`;
    const existing = await requestByIdempotencyKey(deps.db, auth.orgId, 'eligibility', idempotencyKey);
    // 2000C/D TRN02: unique per request, echoed by the payer in TRN*2.
    const trace = randomUUID().replace(/-/g, '');
    // A repeat is answered from the store: nothing is checked or written again.
    if (!existing) readingClientData(c.var.log, 'translate', () => check270(deps, payer, read, trace));
    const quality = existing ? undefined : await checkEligibilityRequest(presendContext(deps, s, auth, payer.config.id, deps.now?.() ?? new Date()), bundle, read);
    if (quality?.refused) {
      await quality.refuse(c.var.requestId);
      return c.body(JSON.stringify(refusalOutcome(quality.findings)), 422, { 'Content-Type': FHIR_JSON });
    }
    const { request, created } = await acceptEligibility(deps.db, {
      orgId: auth.orgId,
      clientId: auth.clientId,
      bundle,
      // Stored as received (unless it came in a Parameters).
      payload: body.parameterIndex === undefined ? body.text : undefined,
      idempotencyKey,
      payerId: payer.config.id,
      maxAttempts: payer.config.maxAttempts,
      trace,
      httpRequestId: c.var.requestId,
      summary: { ...searchKeys(read), ...quality?.summary },
      afterInsert: quality && ((tx, row) => quality.record(tx, row.id)),
    });
    c.var.log.info({ eligibilityRequestId: request.id, payerId: payer.config.id, created }, 'eligibility request accepted');
    if (created) s.wake();
    const settled = (await s.events.waitForAnswer(deps.db, request.id, created ? deps.config.syncWaitMs : 0)) ?? request;
    const findings = created && quality ? quality.findings : await storedFindings(deps.db, request.id);
    return c.body(JSON.stringify(withWarnings(await currentEligibilityResponse(deps, settled), findings)), 200, { 'Content-Type': FHIR_JSON });
  });
}
