/**
 * `POST /payer/x12`: payers deliver X12 asynchronously (late 278 decisions). The interchange is
 * validated (999/TA1 back), duplicates are refused by control number, and each 278 is matched to
 * its request by the trace number we sent (2000E TRN02) and recorded like a synchronous answer.
 */
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/client.ts';
import { latestMessage, requestsByTrace, saveMessage, seenInbound } from '../db/queries/requests.ts';
import type { Bundle } from '../fhir/bundle.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { groupLoops, el, x12ResponseToPas } from '../translate/index.ts';
import { recordAnswer } from '../workflow/answer.ts';
import type { RequestEvents } from '../workflow/events.ts';
import { interchangeKey, parseX12, validateX12 } from '../x12/index.ts';
import { authenticatePayer } from './inbound-auth.ts';
import { recordLate271s, recordLateAcks } from './inbound-late.ts';
import { matchAnswer } from './match-answer.ts';
import { INBOUND_X12, summaryOf278 } from './reply.ts';
import { bodyOf, envelopeOf } from './x12-io.ts';
import { withTransaction } from '../db/tx.ts';

const X12_TYPE = 'application/edi-x12';

export function payerInboundRoutes(events: RequestEvents) {
  return (app: Hono<AppEnv>, deps: AppDeps) => {
    app.post('/payer/x12', async (c) => {
      const payerId = await authenticatePayer(deps.db, c.req.header('authorization'));
      if (!payerId) throw new AppError('unauthorized', 'payer credentials required', undefined, { 'WWW-Authenticate': 'Basic realm="priorgate-payer"' });
      const text = await c.req.text();
      const parsed = parseX12(text, { validate: false });
      if (!parsed.isX12) throw new AppError('invalid', 'the body is not an X12 interchange');
      const ic = parsed.interchanges[0]!;
      const duplicate = await seenInbound(deps.db, ic.sender.id, ic.controlNumber);
      const seen = new Set(duplicate ? [interchangeKey(ic.sender, ic.controlNumber)] : []);
      // The one validator (as `priorgate validate --payer` runs it), with this payer's named leniency.
      const lenient = deps.services?.payers.get(payerId)?.config.x12?.leniency ?? [];
      const check = validateX12(text, { seen, lenient });
      if (!check.accepted) {
        c.var.log.warn({ payerId, controlNumber: ic.controlNumber, duplicate, errors: check.errors.length }, 'payer interchange refused');
        return c.body(check.ack, 200, { 'content-type': X12_TYPE });
      }
      const now = deps.now?.() ?? new Date();
      const changed: string[] = [];
      for (const tx of ic.groups.flatMap((g) => g.transactions).filter((t) => t.setId === '278')) {
        const body = bodyOf(tx);
        const event = groupLoops(body).loops.find((l) => l.level === 'EV');
        const trn = event?.head.find((s) => s.tag === 'TRN');
        const trace = trn ? el(trn, 2) : '';
        const candidates = trace ? (await requestsByTrace(deps.db, trace)).filter((r) => r.payerId === payerId) : [];
        const { request, ambiguous } = matchAnswer(candidates, body);
        if (ambiguous) c.var.log.warn({ payerId, controlNumber: ic.controlNumber, candidates: candidates.length }, 'late 278 matches requests of several organizations; left unmatched');
        await withTransaction(deps.db, async (db) => {
          const messageId = await saveMessage(db, {
            orgId: request?.orgId ?? null,
            requestId: request?.id ?? null,
            direction: 'in',
            format: 'x12',
            transactionSet: INBOUND_X12,
            senderId: ic.sender.id,
            controlNumber: ic.controlNumber,
            payload: text,
          });
          if (!request) {
            await appendAudit(db, { actor: `payer:${payerId}`, action: 'payer.unmatched', outcome: 'failure', detail: { messageId, controlNumber: ic.controlNumber, ...(ambiguous ? { reason: 'ambiguous' } : {}) } });
            return;
          }
          const stored = await latestMessage(db, request.id, 'pas-request');
          const requestBundle = stored ? (JSON.parse(stored.payload) as Bundle) : undefined;
          const bundle = x12ResponseToPas(body, { request: requestBundle as never, envelope: envelopeOf(ic, tx), now, ids: randomUUID }) as unknown as Bundle;
          const summary = summaryOf278(body, bundle);
          const r = await recordAnswer(db, { requestId: request.id, actor: `payer:${payerId}`, responseBundle: bundle, summary, messageId, onlyFrom: ['queued', 'sent', 'pended', 'error'] });
          if (r?.changed) changed.push(request.id);
        });
      }
      // Late 999s about our interchanges and late 271s (never answered with a 999 of a 999).
      const late = { db: deps.db, log: c.var.log, payerId, senderId: deps.config.x12SenderId, ic, text, now };
      changed.push(...(await recordLateAcks(late)), ...(await recordLate271s(late)));
      for (const id of changed) events.changed(id);
      return c.body(check.ack, 200, { 'content-type': X12_TYPE });
    });
  };
}
