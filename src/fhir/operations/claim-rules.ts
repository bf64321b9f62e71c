/**
 * What `$submit` does with the payer's rules before anything is sent: evaluate them, pull missing
 * documentation from the EHR and attach it, and — when no authorization is needed (or the provider
 * is gold-carded for every line) — answer "no action required" (HCR01 NA) without a 278.
 */
import { randomUUID } from 'node:crypto';
import { attachToBundle, fetchDocumentation } from '../../ehr/index.ts';
import type { GatewayServices } from '../../http/context.ts';
import { AppError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { evaluatePriorAuth, patientOf, type RuleDecision } from '../../rules/index.ts';
import { answer278, seg, x12ResponseToPas } from '../../translate/index.ts';
import { summarizeResponse, type AnswerSummary } from '../../requests/index.ts';
import type { Segment } from '../../x12/index.ts';
import type { Bundle } from '../bundle.ts';

export async function applyRules(
  s: GatewayServices,
  bundle: Bundle,
  payerId: string,
  now: Date,
  log: Logger,
): Promise<{ outgoing: Bundle; decision: RuleDecision }> {
  let decision = evaluatePriorAuth(s.rules(), { bundle: bundle as never, payerId, now });
  if (decision.companionGuide.exceeded) {
    throw new AppError('unprocessable', `this payer accepts at most ${decision.companionGuide.maxServiceLines} service lines per request`, 'Bundle.entry[0].resource.item');
  }
  let outgoing = bundle;
  const missing = decision.documentation.filter((d) => !d.satisfied);
  const patientId = (patientOf(bundle as never) as { id?: string } | undefined)?.id;
  if (missing.length && s.ehr && patientId) {
    const docs = await fetchDocumentation(s.ehr, missing, { patientId, now });
    const failed = docs.report.filter((r) => (r as { error?: unknown }).error).length;
    if (failed) log.warn({ payerId, failed }, 'some EHR documentation searches failed');
    if (docs.resources.length) {
      outgoing = attachToBundle(bundle as never, docs.resources as never, { source: s.ehr.baseUrl }) as unknown as Bundle;
      decision = evaluatePriorAuth(s.rules(), { bundle: bundle as never, payerId, now, fetched: docs.resources as never });
    }
  }
  if (decision.errors.length) log.warn({ payerId, rules: decision.errors.length }, 'rule expressions failed; the lines count as requiring authorization');
  return { outgoing, decision };
}

/** What the request keeps of the rules: outcome, deadline source, and which rule decided each step. */
export function rulesSummary(d: RuleDecision): Record<string, unknown> {
  return {
    outcome: d.outcome,
    deadlineHours: d.deadlineHours,
    deadlineSource: d.deadlineSource,
    missingDocumentation: d.documentation.filter((x) => !x.satisfied).map((x) => x.id),
    trace: d.trace.map((t) => ({ rule: t.rule, ...(t.item !== undefined ? { item: t.item } : {}), result: t.result })),
  };
}

/**
 * The gateway's own answer, as the payer would give it (HCR01 on every review loop): NA "no action
 * required" for a request the payer's rules exempt; C "cancelled" for a cancel of a request the
 * payer never had (`revisionPlan`).
 */
export function localAnswer(bundle: Bundle, requestBody: Segment[], now: Date, code: 'NA' | 'C'): { bundle: Bundle; summary: AnswerSummary } {
  const body = answer278(requestBody, {
    now,
    answer: (loop) => (loop.level === 'EV' || loop.level === 'SS' ? { review: [seg('HCR', code)] } : undefined),
  });
  const response = x12ResponseToPas(body, { request: bundle as never, now, ids: randomUUID }) as unknown as Bundle;
  return { bundle: response, summary: summarizeResponse(response) };
}
