/**
 * `POST /fhir/Claim/$submit` (Da Vinci PAS 2.2.1): validate, store (idempotent on organization +
 * Bundle.identifier), queue for the payer, wait up to PRIORGATE_SYNC_WAIT_MS for the decision, and
 * answer with a PAS response Bundle — decided, pended by the payer, or pended by us (A4).
 */
import type { Context, Hono } from 'hono';
import type { Db } from '../../db/client.ts';
import { latestMessage, type RequestRow } from '../../db/queries/requests.ts';
import { requireScope } from '../../auth/index.ts';
import { FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv, GatewayServices } from '../../http/context.ts';
import { AppError } from '../../http/errors.ts';
import { rejectionBundle } from '../../payers/reply.ts';
import type { PayerRuntime } from '../../payers/registry.ts';
import { pasRequestTo278, pendedAnswer, x12ResponseToPas } from '../../translate/index.ts';
import { recordAnswer, RESPONSE_SET } from '../../workflow/answer.ts';
import { decisionDeadline } from '../../workflow/deadlines.ts';
import { acceptPriorAuth, claimFacts, findByIdempotencyKey } from '../../workflow/prior-auth.ts';
import { applyRules, noActionRequired, rulesSummary } from './claim-rules.ts';
import { isAnswered, type RequestState } from '../../workflow/states.ts';
import { findEntries, resolveReference, type Bundle } from '../bundle.ts';
import { operationOutcome } from '../outcome.ts';
import { hasErrors, toOutcomeIssues } from '../validate/index.ts';
import { readFhirBody } from './read-body.ts';
import { readingClientData, readingClientDataAsync } from './client-data.ts';
import { validationOf } from './validate-offload.ts';

export function requireServices(deps: AppDeps): GatewayServices {
  if (!deps.services) throw new AppError('unavailable', 'the prior-authorization service is not running');
  return deps.services;
}

/** The payer for the Claim's insurer (by identifier), else the configured default. */
function payerFor(deps: AppDeps, s: GatewayServices, bundle: Bundle): PayerRuntime {
  const payer = findPayer(deps, s, bundle);
  if (!payer) throw new AppError('unprocessable', 'no payer is configured for this insurer', 'Bundle.entry[0].resource.insurer');
  return payer;
}

function findPayer(deps: AppDeps, s: GatewayServices, bundle: Bundle): PayerRuntime | undefined {
  const first = bundle.entry?.[0];
  const insurerRef = (first?.resource as { insurer?: { reference?: string } } | undefined)?.insurer;
  const insurer = resolveReference(bundle, insurerRef, first?.fullUrl)?.resource as { identifier?: { value?: string }[] } | undefined;
  const ids = (insurer?.identifier ?? []).map((i) => (typeof i?.value === 'string' ? i.value : ''));
  return s.payers.forInsurer(ids) ?? (deps.config.defaultPayer ? s.payers.get(deps.config.defaultPayer) : undefined);
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

function respond(c: Context, bundle: unknown) {
  return c.body(JSON.stringify(bundle), 200, { 'Content-Type': FHIR_JSON });
}

/** The current response Bundle; when the payer has not answered, the gateway answers A4 pended. */
export async function currentResponse(deps: AppDeps, request: RequestRow): Promise<Bundle> {
  const now = deps.now?.() ?? new Date();
  const stored = await latestMessage(deps.db, request.id, RESPONSE_SET);
  if (stored && isAnswered(request.status as RequestState)) return JSON.parse(stored.payload) as Bundle;
  const input = await latestMessage(deps.db, request.id, 'pas-request');
  const requestBundle = JSON.parse(input!.payload) as Bundle;
  if (request.status === 'error') return rejectionBundle(requestBundle, now, 'the request could not be delivered to the payer', 'delivery');
  const pended = x12ResponseToPas(pendedAnswer(pasRequestTo278(requestBundle as never, { now }).segments, now), {
    request: requestBundle as never,
    now,
    ids: () => crypto.randomUUID(),
  }) as unknown as Bundle;
  const recorded = await deps.db.transaction((tx) =>
    recordAnswer(tx as unknown as Db, {
      requestId: request.id,
      actor: 'system',
      responseBundle: pended,
      summary: { overall: 'A4', items: [] },
      onlyFrom: ['queued', 'sent'],
    }),
  );
  if (recorded && !recorded.changed && recorded.request.status !== 'pended') {
    // The payer answered while we were pending it: return the payer's answer.
    return currentResponse(deps, recorded.request);
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
    const existing = await findByIdempotencyKey(deps.db, auth.orgId, facts.idempotencyKey);
    // A repeat answers from the store: no rules, no EHR calls, nothing sent.
    const prepared = existing ? { outgoing: bundle, decision: undefined } : await readingClientDataAsync(log, 'rules', () => applyRules(s, bundle, payer.config.id, now, log));
    const { outgoing, decision } = prepared;
    const translated = readingClientData(log, 'translate', () => pasRequestTo278(outgoing as never, { now }));
    const keys = readingClientData(log, 'search keys', () => inquiryKeys(bundle));
    const local = decision && (decision.outcome === 'not-required' || decision.outcome === 'gold-carded');
    const { request, created } = await acceptPriorAuth(deps.db, {
      orgId: auth.orgId,
      clientId: auth.clientId,
      bundle: outgoing,
      payerId: payer.config.id,
      maxAttempts: payer.config.maxAttempts,
      deadlineAt: decisionDeadline(now, decision?.urgency ?? (facts.urgency === 'expedited' ? 'expedited' : 'standard'), decision?.deadlineHours),
      httpRequestId: c.var.requestId,
      trace: translated.trace,
      summary: { ...keys, ...(decision ? { rules: rulesSummary(decision) } : {}) },
      localAnswer: local ? readingClientData(log, 'local answer', () => noActionRequired(outgoing, translated.segments, now)) : undefined,
    });
    c.var.log.info({ authRequestId: request.id, payerId: payer.config.id, created }, 'prior authorization accepted');
    if (created) s.wake();
    const settled = (await s.events.waitForAnswer(deps.db, request.id, created ? deps.config.syncWaitMs : 0)) ?? request;
    return respond(c, await currentResponse(deps, settled));
  });
}

/** What `$inquire` can match a request by, kept with the request (identifiers, not clinical data). */
export function inquiryKeys(bundle: Bundle): Record<string, unknown> {
  const claim = bundle.entry?.[0]?.resource as { patient?: { reference?: string }; provider?: { reference?: string }; item?: { servicedDate?: string; servicedPeriod?: { start?: string } }[] };
  const patient = resolveReference(bundle, claim?.patient, bundle.entry?.[0]?.fullUrl)?.resource as { identifier?: { value?: string }[] } | undefined;
  const coverage = findEntries<{ resourceType: string; subscriberId?: string }>(bundle, 'Coverage')[0]?.resource;
  const provider = resolveReference(bundle, claim?.provider, bundle.entry?.[0]?.fullUrl)?.resource as { identifier?: { system?: string; value?: string }[] } | undefined;
  // Kept as text only: they are hashed for search and matched against what payers echo.
  const texts = (values: unknown[]) => values.filter((v): v is string => typeof v === 'string' && v !== '');
  const listOf = <T,>(v: T[] | undefined) => (Array.isArray(v) ? v : []);
  const date = claim?.item?.[0]?.servicedDate ?? claim?.item?.[0]?.servicedPeriod?.start;
  return {
    memberIds: [...new Set(texts([coverage?.subscriberId, ...listOf(patient?.identifier).map((i) => i?.value)]))],
    providerIds: texts(listOf(provider?.identifier).map((i) => i?.value)),
    serviceDate: typeof date === 'string' ? date : null,
  };
}

