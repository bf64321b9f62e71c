/**
 * quality: see a problem before the payer does. The public face of the module:
 *
 * - pre-send checks on `$submit` and eligibility requests (NPI check digits, codes against the
 *   shipped code lists, elements the payer's rules require, patient-matching conflicts), their
 *   warnings in the response and their refusal (422) where the payer's rules say so;
 * - payer rejection reasons (AAA, 999/TA1 with loop and element) recorded with each rejection;
 * - the data-quality report per organization, client and provider NPI;
 * - payer interface health: calls, latency, circuit breaker, overdue and unanswered requests,
 *   Prometheus gauges and alerts.
 */
import type { AccessClaims } from '../auth/index.ts';
import type { AppDeps, GatewayServices } from '../http/context.ts';
import { qualityMetrics } from './metrics.ts';
import type { PresendContext } from './presend.ts';

export { checkPasRequest, checkEligibilityRequest, storedFindings, withWarnings, refusalOutcome, type Presend, type PresendContext } from './presend.ts';
export { qualityOutcome, KIND_LABELS, QUALITY_SYSTEM, type Finding } from './findings.ts';
export { qualityMetrics, CIRCUIT_VALUE, type QualityMetrics } from './metrics.ts';
export { recordRejections, reasonsOfAck, reasonsOfResponse, type RejectionReason } from './rejections.ts';
export { startHealthMonitor, type HealthMonitor } from './health-monitor.ts';
export { payerHealth, callWindow, percentile, HEALTH_RULES, type HealthRule, type PayerHealth, type CallWindow } from './health.ts';
export { checkCode, codeSetFor, shippedCodeSets, versionOf, type CodeSet } from './code-sets.ts';

/** The gate's context for one API call. */
export function presendContext(deps: AppDeps, s: GatewayServices, auth: Pick<AccessClaims, 'orgId' | 'clientId'>, payerId: string, now: Date): PresendContext {
  return { db: deps.db, rules: s.rules(), payerId, orgId: auth.orgId, clientId: auth.clientId, now, metrics: qualityMetrics(deps.metrics.registry) };
}
