/**
 * One request as staff see it: the row, the decision per service line (X12 306 code and
 * meaning), AAA errors with their follow-up action, the timeline from the audit trail and the
 * exchanged messages. Reading it is a PHI access: audited as `phi.read` by `staff:<username>`.
 * Without `requests.read.phi` the row is masked (worklist.ts) and the message bodies — whole
 * FHIR Bundles and X12 with names, member ids and birth dates — are left out here, not hidden later.
 */
import { recordAudit } from '../audit/index.ts';
import { deliveryJobsOf, itemsOf, messagesOf, PAYER_ANSWER_SETS, scopedRequest, timelineOf, type AuditRow } from '../db/queries/staff.ts';
import type { PayerConfig } from '../rules/payers.ts';
import { disposition, lineDecisions, parseBundle, responseErrors, services, type LineDecision, type ResponseError } from './bundle-facts.ts';
import { decisionReasonText, reviewActionText } from './codes.ts';
import { actionsFor, type RequestAction } from './request-actions.ts';
import { storyOf, type Story } from './request-story.ts';
import { pretty } from './pretty.ts';
import { reviewView, type ReviewView } from './review-view.ts';
import { storyFacts } from './story-facts.ts';
import { can } from './permissions.ts';
import { toRow, type WorklistRow } from './worklist.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';
import { storedFindings } from '../quality/index.ts';
import type { WarningView } from './views/quality-warnings.tsx';

export interface DetailLine {
  sequence: number;
  service: string;
  decision: string | null;
  meaning: string;
  next?: string;
  /** HCR03 decision reasons with the payer's words ("0U Service not covered …"). */
  reasons: string[];
  authNumber: string | null;
  notes: string[];
  period?: string;
}

export interface TimelineEntry {
  /** The audit event's id (its FHIR AuditEvent id). */
  id: number;
  /** Its place in the sealed audit log; null for the second or so before the sequencer seals it. */
  seq: number | null;
  at: string;
  actor: string;
  action: string;
  outcome: string;
  from?: string;
  to?: string;
  detail: Record<string, unknown>;
}

export interface MessageView {
  id: string;
  at: string;
  direction: string;
  format: string;
  transactionSet: string | null;
  controlNumber: string | null;
  /** Pretty JSON for FHIR, one segment per line (with loop names) for X12; null without `requests.read.phi`. */
  text: string | null;
}

export interface PayerView {
  id: string;
  name: string;
  contact?: PayerConfig['contact'];
}

export interface RequestDetail {
  request: WorklistRow & { appealOutcome: string | null; priorRequestId: string | null };
  /** The response's disposition, and whether the payer said it or the gateway (held, pended while waiting, returned). */
  disposition?: string;
  dispositionBy?: 'payer' | 'gateway';
  story: Story;
  payer: PayerView | null;
  /** The actions this user may take in this state (request-actions.ts). */
  actions: RequestAction[];
  lines: DetailLine[];
  errors: ResponseError[];
  timeline: TimelineEntry[];
  messages: MessageView[];
  /** Pre-send data-quality warnings (src/quality): element paths and problems, no PHI. */
  warnings: WarningView[];
  /** Where the request's documents are (the newest attachment.* event): queued, sent, accepted … */
  attachments?: string;
  /** Where the whole PAS Bundle's 275 is (spec-28; the newest attachment.bundle.* event), for payers that take it. */
  pasBundle?: string;
  /** What will be sent, what is missing, the documents: while held for review. */
  review?: ReviewView;
}

/** What the newest `<kind>.<step>` event of a 275 says about it. */
const ATTACHMENT_STATE: Record<string, string> = {
  queued: 'queued',
  send: 'sent',
  acknowledged: 'accepted by the payer',
  rejected: 'rejected by the payer',
  failed: 'could not be sent',
  skipped: 'not sent (request closed)',
};

/**
 * One line on a request's 275, from its timeline: its documents (`attachment.*`), or with `kind`
 * `attachment.bundle` the whole PAS Bundle's 275.
 */
export function attachmentsLine(timeline: TimelineEntry[], kind = 'attachment'): string | undefined {
  const route = timeline.find((e) => e.action === `${kind}.route`);
  if (route) return `by the payer's own route (${String(route.detail.route)}): ${((route.detail.controlNumbers as string[]) ?? []).join(', ')}`;
  const step = (e: TimelineEntry) => (e.action.startsWith(`${kind}.`) ? ATTACHMENT_STATE[e.action.slice(kind.length + 1)] : undefined);
  const last = [...timeline].reverse().find(step);
  if (!last) return undefined;
  const sent = timeline.find((e) => e.action === `${kind}.send`);
  const docs = (sent?.detail.documents as string[] | undefined) ?? (timeline.find((e) => e.action === `${kind}.queued`)?.detail.controlNumbers as string[] | undefined) ?? [];
  return `${step(last)}${sent ? ` (275 interchange ${String(sent.detail.controlNumber)})` : ''}${docs.length ? `: ${docs.join(', ')}` : ''}`;
}

export function timelineEntry(e: AuditRow): TimelineEntry {
  const d = e.detail as Record<string, unknown>;
  return {
    id: e.id,
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    outcome: e.outcome,
    ...(typeof d.from === 'string' ? { from: d.from } : {}),
    ...(typeof d.to === 'string' ? { to: d.to } : {}),
    detail: d,
  };
}


/** The request, or undefined when it does not exist in the caller's scope (→ 404, never 403). */
export async function loadRequestDetail(deps: StaffDeps, staff: StaffPrincipal, id: string, httpRequestId?: string): Promise<RequestDetail | undefined> {
  const row = await scopedRequest(deps.db, staff.orgId, id);
  if (!row) return undefined;
  const phi = can(staff, 'requests.read.phi');
  await recordAudit(deps.db, {
    actor: actorOf(staff),
    action: 'phi.read',
    orgId: row.orgId,
    entityType: 'request',
    entityId: row.id,
    requestId: httpRequestId ?? null,
    detail: { view: 'request-detail', masked: !phi },
  });
  const [items, msgs, events, findings, jobs] = await Promise.all([
    itemsOf(deps.db, row.id),
    messagesOf(deps.db, row.id),
    timelineOf(deps.db, row.id),
    storedFindings(deps.db, row.id),
    deliveryJobsOf(deps.db, [row.id]),
  ]);
  const requestText = msgs.find((m) => m.transactionSet === 'pas-request')?.payload;
  const responses = msgs.filter((m) => m.transactionSet === 'pas-response');
  const responseText = responses[responses.length - 1]?.payload;
  const response = parseBundle(responseText);
  const payer = row.payerId ? deps.services?.payers.get(row.payerId)?.config : undefined;
  const transitions = events.filter((e) => e.action === 'request.transition');
  const lastEvent = transitions[transitions.length - 1];
  const last = lastEvent ? { actor: lastEvent.actor, to: String((lastEvent.detail as Record<string, unknown>).to ?? ''), detail: lastEvent.detail as Record<string, unknown> } : undefined;
  const now = deps.now();
  // Did the payer answer? Its answer is stored as an inbound message (it may not have moved the
  // request: an A4 after the gateway's own pended answer leaves it pended).
  const byPayer = msgs.some((m) => m.direction === 'in' && PAYER_ANSWER_SETS.includes(m.transactionSet ?? ''));
  const story = storyOf(storyFacts(row, { last, job: jobs.get(row.id), response: responseText, payer, payerAnswered: byPayer, syncWaitMs: deps.config.syncWaitMs, now }));
  const requestBundle = parseBundle(requestText);
  const decided = new Map<number, LineDecision>(lineDecisions(response).map((l) => [l.sequence, l]));
  const requested = new Map(services(requestBundle).map((s) => [s.sequence, s]));
  const sequences = [...new Set([...items.map((i) => i.sequence), ...requested.keys()])].sort((a, b) => a - b);
  const lines: DetailLine[] = sequences.map((seq) => {
    const item = items.find((i) => i.sequence === seq);
    const d = decided.get(seq);
    const s = requested.get(seq);
    const code = item?.decision ?? d?.code ?? null;
    // A4 from the gateway itself (held for review, or pended while the payer did not answer) is
    // what the provider was told, not the payer's decision.
    if (code === 'A4' && !byPayer) {
      return {
        sequence: seq,
        service: s ? [s.code, s.display].filter(Boolean).join(' ') : '—',
        decision: null,
        meaning: 'No decision from the payer',
        next: row.status === 'review' ? 'Held for review: the provider was told A4 (pended).' : 'The gateway told the provider A4 (pended) while waiting for the payer.',
        reasons: [],
        authNumber: null,
        notes: [],
      };
    }
    return {
      sequence: seq,
      service: s ? [s.code, s.display].filter(Boolean).join(' ') : '—',
      decision: code,
      meaning: code ? reviewActionText(code) : 'no decision yet',
      ...(d?.next ? { next: d.next } : {}),
      reasons: (d?.reasons ?? []).map((code) => decisionReasonText(code, payer?.decisionReasons)),
      authNumber: item?.authNumber ?? d?.authNumber ?? null,
      notes: d?.notes ?? [],
      ...(d?.period ? { period: d.period } : {}),
    };
  });
  const base = toRow(row, requestText, now, phi, story);
  const said = disposition(response);
  // The response came from the payer when the last state change was the payer's (else it is the
  // gateway's own: held for review, pended while waiting, returned or cancelled by staff).
  // The newest response is the payer's when it was stored with the payer's answer (recordAnswer
  // saves the inbound message, then the response); the gateway's own responses stand alone.
  const at = msgs.map((m) => m.transactionSet).lastIndexOf('pas-response');
  const before = at > 0 ? msgs[at - 1] : undefined;
  const by = before?.direction === 'in' && PAYER_ANSWER_SETS.includes(before.transactionSet ?? '') ? 'payer' : 'gateway';
  return {
    request: {
      ...base,
      appealOutcome: typeof row.summary.appealOutcome === 'string' ? row.summary.appealOutcome : null,
      priorRequestId: row.priorRequestId,
    },
    ...(said ? { disposition: said, dispositionBy: by } : {}),
    story,
    payer: payer ? { id: payer.id, name: payer.name, ...(payer.contact ? { contact: payer.contact } : {}) } : row.payerId ? { id: row.payerId, name: row.payerId } : null,
    actions: actionsFor(staff, row.status, row.kind),
    ...(row.status === 'review' ? { review: await reviewView(deps, row, msgs, phi, now) } : {}),
    lines,
    errors: responseErrors(response),
    timeline: events.map(timelineEntry),
    warnings: findings.map(({ kind, expression, message, refused }) => ({ kind, expression, message, refused })),
    ...(() => {
      const timeline = events.map(timelineEntry);
      const line = attachmentsLine(timeline);
      const bundle = attachmentsLine(timeline, 'attachment.bundle');
      return { ...(line ? { attachments: line } : {}), ...(bundle ? { pasBundle: bundle } : {}) };
    })(),
    messages: msgs.map((m) => ({
      id: m.id,
      at: m.createdAt.toISOString(),
      direction: m.direction,
      format: m.format,
      transactionSet: m.transactionSet,
      controlNumber: m.controlNumber,
      text: phi ? pretty(m.format, m.payload) : null,
    })),
  };
}
