/**
 * Gathers what request-story.ts needs about a request from what the pages load: the row, its last
 * transition, its delivery job, its newest response and its payer's directory entry. Pure.
 */
import type { DeliveryJobInfo, RequestRow } from '../db/queries/staff.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { lineDecisions, parseBundle, responseErrors } from './bundle-facts.ts';
import { decisionReasonText } from './codes.ts';
import type { StoryFacts } from './request-story.ts';

export interface RowContext {
  last?: { actor: string; to: string; detail: Record<string, unknown> };
  job?: DeliveryJobInfo;
  /** The newest PAS response Bundle (JSON text). */
  response?: string;
  payer?: PayerConfig;
  /** Whether the payer has answered (payerAnsweredOf). */
  payerAnswered: boolean;
  syncWaitMs: number;
  now: Date;
}

/** The decision reasons of a response (HCR03 with the payer's words), each once. */
export function reasonsOf(response: Record<string, any> | undefined, payer: PayerConfig | undefined): string[] {
  const codes = [...new Set(lineDecisions(response).flatMap((l) => l.reasons))];
  return codes.map((c) => decisionReasonText(c, payer?.decisionReasons));
}

export function storyFacts(row: RequestRow, ctx: RowContext): StoryFacts {
  const response = parseBundle(ctx.response);
  const decisions = lineDecisions(response);
  return {
    status: row.status,
    kind: row.kind,
    payerName: ctx.payer?.name ?? row.payerId ?? 'the payer',
    ...(ctx.last ? { last: ctx.last } : {}),
    ...(ctx.job ? { job: ctx.job } : {}),
    summary: row.summary,
    reasons: reasonsOf(response, ctx.payer),
    errors: responseErrors(response).map((e) => `${e.code} ${e.reason}`),
    syncWaitMs: ctx.syncWaitMs,
    deadlineMs: row.deadlineAt ? row.deadlineAt.getTime() - ctx.now.getTime() : null,
    hasContact: Boolean(ctx.payer?.contact),
    providerToldPended: decisions.length > 0 && decisions.every((d) => d.code === 'A4'),
    payerAnswered: ctx.payerAnswered,
  };
}
