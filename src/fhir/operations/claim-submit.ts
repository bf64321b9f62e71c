/**
 * `POST /fhir/Claim/$submit` (Da Vinci PAS 2.2.1): validate, store (idempotent on organization +
 * Bundle.identifier), queue for the payer, wait up to PRIORGATE_SYNC_WAIT_MS for the decision, and
 * answer with a PAS response Bundle — decided, pended by the payer, or pended by us (A4).
 */
import type { Context, Hono } from 'hono';
import type { Db } from '../../db/client.ts';
import { findOrganization } from '../../db/queries/clients.ts';
import { latestMessage, type RequestRow } from '../../db/queries/requests.ts';
import type { RuleDecision } from '../../rules/index.ts';
import { requireScope } from '../../auth/index.ts';
import { FHIR_JSON } from '../../http/app.ts';
import type { AppDeps, AppEnv, GatewayServices } from '../../http/context.ts';
import { AppError } from '../../http/errors.ts';
import { rejectionBundle } from '../../payers/reply.ts';
import type { PayerRuntime } from '../../payers/registry.ts';
import { pasRequestTo278, pendedAnswer, TranslateError, x12ResponseToPas } from '../../translate/index.ts';
import { recordAnswer, RESPONSE_SET, stampResponse } from '../../workflow/answer.ts';
import { decisionDeadline } from '../../workflow/deadlines.ts';
import { acceptPriorAuth, claimFacts, findByIdempotencyKey } from '../../workflow/prior-auth.ts';
import { applyRules, noActionRequired, rulesSummary } from './claim-rules.ts';
import { isAnswered, type RequestState } from '../../workflow/states.ts';
import { findEntries, resolveReference, type Bundle } from '../bundle.ts';
import { operationOutcome } from '../outcome.ts';
import { hasErrors, toOutcomeIssues, validatePasRequestBundle } from '../validate/index.ts';
import { readResourceBody } from './read-body.ts';

export function requireServices(deps: AppDeps): GatewayServices {
  if (!deps.services) throw new AppError('unavailable', 'the prior-authorization service is not running');
  return deps.services;
}

/** The payer for the Claim's insurer (by identifier), else the configured default. */
function payerFor(deps: AppDeps, s: GatewayServices, bundle: Bundle): PayerRuntime {
  const insurerRef = (bundle.entry?.[0]?.resource as { insurer?: { reference?: string } }).insurer;
  const insurer = resolveReference(bundle, insurerRef, bundle.entry?.[0]?.fullUrl)?.resource as { identifier?: { value?: string }[] } | undefined;
  const ids = (insurer?.identifier ?? []).map((i) => i.value ?? '');
  const payer = s.payers.forInsurer(ids) ?? (deps.config.defaultPayer ? s.payers.get(deps.config.defaultPayer) : undefined);
  if (!payer) throw new AppError('unprocessable', 'no payer is configured for this insurer', 'Bundle.entry[0].resource.insurer');
  return payer;
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
  // Stamped with the request's id, like every response: `GET /fhir/ClaimResponse/{id}` finds it.
  if (request.status === 'error') return stampResponse(rejectionBundle(requestBundle, now, 'the request could not be delivered to the payer', 'delivery'), request);
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
    const bundle = (await readResourceBody(c, 'Bundle')) as unknown as Bundle;
    const issues = validatePasRequestBundle(bundle);
    if (hasErrors(issues)) {
      return c.body(JSON.stringify(operationOutcome(toOutcomeIssues(issues) as never)), 400, { 'Content-Type': FHIR_JSON });
    }
    const s = requireServices(deps);
    const payer = payerFor(deps, s, bundle);
    const now = deps.now?.() ?? new Date();
    const facts = claimFacts(bundle);
    const existing = await findByIdempotencyKey(deps.db, auth.orgId, facts.idempotencyKey);
    // A repeat answers from the store: no rules, no EHR calls, nothing sent.
    const prepared = existing ? { outgoing: bundle, decision: undefined } : await applyRules(s, bundle, payer.config.id, now, c.var.log);
    const { outgoing, decision } = prepared;
    let translated;
    try {
      translated = pasRequestTo278(outgoing as never, { now });
    } catch (e) {
      if (e instanceof TranslateError) throw new AppError('unprocessable', e.message, e.expression);
      throw e;
    }
    const local = decision && (decision.outcome === 'not-required' || decision.outcome === 'gold-carded');
    const hold = !existing && !local ? await holdReason(deps, auth.orgId, decision) : undefined;
    const { request, created } = await acceptPriorAuth(deps.db, {
      orgId: auth.orgId,
      clientId: auth.clientId,
      bundle: outgoing,
      payerId: payer.config.id,
      maxAttempts: payer.config.maxAttempts,
      deadlineAt: decisionDeadline(now, decision?.urgency ?? (facts.urgency === 'expedited' ? 'expedited' : 'standard'), decision?.deadlineHours),
      httpRequestId: c.var.requestId,
      trace: translated.trace,
      summary: { ...inquiryKeys(bundle), ...(decision ? { rules: rulesSummary(decision), attached: attachedEntries(bundle, outgoing) } : {}) },
      localAnswer: local ? noActionRequired(outgoing, translated.segments, now) : undefined,
      ...(hold ? { hold: { reason: hold, now } } : {}),
    });
    c.var.log.info({ authRequestId: request.id, payerId: payer.config.id, created }, 'prior authorization accepted');
    if (created) s.wake();
    // A held request has its answer already (pended, held for review): nothing to wait for.
    const settled = (await s.events.waitForAnswer(deps.db, request.id, created && request.status !== 'review' ? deps.config.syncWaitMs : 0)) ?? request;
    return respond(c, await currentResponse(deps, settled));
  });
}

/**
 * Why a new request is held for staff review before its 278 leaves, or undefined to send it now:
 * the payer's rules (`review` in rules/prior-auth) or the organization's setting.
 */
async function holdReason(deps: AppDeps, orgId: string, decision: RuleDecision | undefined): Promise<string | undefined> {
  if (decision?.review.required) return `payer rules: ${decision.review.reason}`;
  const org = await findOrganization(deps.db, orgId);
  return org?.reviewBeforeSend ? 'organization setting: every request is reviewed before sending' : undefined;
}

/** The fullUrls of the entries the gateway added (documentation pulled from the EHR). */
export function attachedEntries(sent: Bundle, outgoing: Bundle): string[] {
  const before = new Set((sent.entry ?? []).map((e) => e.fullUrl));
  return (outgoing.entry ?? []).map((e) => e.fullUrl).filter((u): u is string => Boolean(u) && !before.has(u));
}

/** What `$inquire` can match a request by, kept with the request (identifiers, not clinical data). */
export function inquiryKeys(bundle: Bundle): Record<string, unknown> {
  const claim = bundle.entry?.[0]?.resource as { patient?: { reference?: string }; provider?: { reference?: string }; item?: { servicedDate?: string; servicedPeriod?: { start?: string } }[] };
  const patient = resolveReference(bundle, claim?.patient, bundle.entry?.[0]?.fullUrl)?.resource as { identifier?: { value?: string }[] } | undefined;
  const coverage = findEntries<{ resourceType: string; subscriberId?: string }>(bundle, 'Coverage')[0]?.resource;
  const provider = resolveReference(bundle, claim?.provider, bundle.entry?.[0]?.fullUrl)?.resource as { identifier?: { system?: string; value?: string }[] } | undefined;
  return {
    memberIds: [...new Set([coverage?.subscriberId, ...(patient?.identifier ?? []).map((i) => i.value)].filter(Boolean))],
    providerIds: (provider?.identifier ?? []).map((i) => i.value).filter(Boolean),
    serviceDate: claim?.item?.[0]?.servicedDate ?? claim?.item?.[0]?.servicedPeriod?.start ?? null,
  };
}

