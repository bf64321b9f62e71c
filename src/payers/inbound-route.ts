/**
 * `POST /payer/x12`: payers deliver X12 asynchronously (late 278 decisions). The interchange is
 * validated (999/TA1 back), duplicates are refused by control number, and each 278 is matched to
 * its request by the trace number we sent (2000E TRN02) and recorded like a synchronous answer.
 *
 * Whatever the body, the answer is the acknowledgment `priorgate validate` gives for it (a TA1 for
 * an envelope too broken to read, a 999 otherwise), with control numbers from the gateway's
 * sequence; only a body that is not X12 at all (no ISA) is a 400. The body is read in slices with
 * the event loop let through between them, so a large interchange does not stall other requests.
 */
import type { Hono } from 'hono';
import type { Db } from '../db/client.ts';
import { requestsByTrace, saveMessage, seenInbound } from '../db/queries/requests.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { groupLoops, el } from '../translate/index.ts';
import type { RequestEvents } from '../workflow/events.ts';
import { interchangeKey, parseX12, parseX12Stream, singleSetInterchange, validateX12, type Interchange } from '../x12/index.ts';
import type { Logger } from '../log/index.ts';
import { ackControlNumbers } from './ack-numbers.ts';
import { authenticatePayer } from './inbound-auth.ts';
import { recordLate271s, recordLateAcks } from './inbound-late.ts';
import { matchAnswer } from './match-answer.ts';
import { INBOUND_X12 } from './reply.ts';
import { applyLate278, recordUnmatched } from './unmatched.ts';
import { bodyOf, envelopeOf } from './x12-io.ts';
import { withTransaction } from '../db/tx.ts';

/** The transaction set label of a whole received interchange (the per-set messages are INBOUND_X12). */
const INBOUND_INTERCHANGE = 'x12-interchange-in';

const X12_TYPE = 'application/edi-x12';

export function payerInboundRoutes(events: RequestEvents) {
  return (app: Hono<AppEnv>, deps: AppDeps) => {
    app.post('/payer/x12', async (c) => {
      const payerId = await authenticatePayer(deps.db, c.req.header('authorization'));
      if (!payerId) throw new AppError('unauthorized', 'payer credentials required', undefined, { 'WWW-Authenticate': 'Basic realm="priorgate-payer"' });
      const text = await c.req.text();
      // The stream reader, like parseX12, reports bad X12 as issues; a fault of its own must not cost a 500.
      // The one validator (as `priorgate validate --payer` runs it), with this payer's named leniency.
      const lenient = deps.services?.payers.get(payerId)?.config.x12?.leniency ?? [];
      const parsed = await parseX12Stream(slices(text), () => {}, { mode: 'transaction', lenient }).catch(() => parseX12(text, { lenient }));
      if (!parsed.isX12) throw new AppError('invalid', 'the body is not an X12 interchange (it must start with ISA)');
      const seen = new Set<string>();
      for (const ic of parsed.interchanges) {
        if (await seenInbound(deps.db, ic.sender.id, ic.controlNumber)) seen.add(interchangeKey(ic.sender, ic.controlNumber));
      }
      const now = deps.now?.() ?? new Date();
      const controlNumbers = await ackControlNumbers(deps.db, deps.config.x12SenderId, parsed);
      const check = validateX12(parsed, { seen, controlNumbers, now, lenient });
      const controlNumber = parsed.interchanges[0]?.controlNumber;
      if (check.ack === '') throw new AppError('invalid', 'the body could not be read as X12');
      if (!check.accepted) {
        c.var.log.warn({ payerId, controlNumber, duplicate: seen.size > 0, errors: check.errors.length }, 'payer interchange refused');
        return c.body(check.ack, 200, { 'content-type': X12_TYPE });
      }
      const changed: string[] = [];
      for (const ic of parsed.interchanges) {
        changed.push(...(await record278s(deps, c.var.log, payerId, ic, text, now)));
        // Late 999s about our interchanges and late 271s (never answered with a 999 of a 999).
        const late = { db: deps.db, log: c.var.log, payerId, senderId: deps.config.x12SenderId, ic, text, now };
        changed.push(...(await recordLateAcks(late)), ...(await recordLate271s(late)));
      }
      for (const id of changed) events.changed(id);
      return c.body(check.ack, 200, { 'content-type': X12_TYPE });
    });
  };
}

/**
 * Each 278 of an accepted interchange, matched to its request and recorded with its own set (not
 * the whole interchange: one delivery of many answers must not store itself once per answer); the
 * ids whose state changed. The interchange itself is kept once, for the record and for duplicates.
 */
async function record278s(deps: AppDeps, log: Logger, payerId: string, ic: Interchange, text: string, now: Date): Promise<string[]> {
  const changed: string[] = [];
  const sets = ic.groups.flatMap((g) => g.transactions.filter((t) => t.setId === '278').map((tx) => ({ group: g, tx })));
  await saveMessage(deps.db, { orgId: null, requestId: null, direction: 'in', format: 'x12', transactionSet: INBOUND_INTERCHANGE, senderId: ic.sender.id, controlNumber: ic.controlNumber, payload: text });
  for (const { group, tx } of sets) {
    const body = bodyOf(tx);
    const event = groupLoops(body).loops.find((l) => l.level === 'EV');
    const trn = event?.head.find((s) => s.tag === 'TRN');
    const trace = trn ? el(trn, 2) : '';
    const candidates = trace ? (await requestsByTrace(deps.db, trace)).filter((r) => r.payerId === payerId) : [];
    const { request, ambiguous, agreeing } = matchAnswer(candidates, body);
    if (ambiguous) log.warn({ payerId, controlNumber: ic.controlNumber, candidates: candidates.length }, 'late 278 matches requests of several organizations; left unmatched');
    await withTransaction(deps.db, async (db) => {
      const messageId = await saveMessage(db, {
        orgId: request?.orgId ?? null,
        requestId: request?.id ?? null,
        direction: 'in',
        format: 'x12',
        transactionSet: INBOUND_X12,
        senderId: ic.sender.id,
        controlNumber: ic.controlNumber,
        payload: singleSetInterchange(ic, group, tx),
      });
      if (!request) {
        await recordUnmatched(db, { messageId, payerId, controlNumber: ic.controlNumber, ambiguous, candidates: agreeing });
        return;
      }
      if (await applyLate278(db, { request, body, envelope: envelopeOf(ic, tx), payerId, actor: `payer:${payerId}`, messageId, now })) changed.push(request.id);
    });
  }
  return changed;
}

/** The body in 64 KB slices, each after a turn of the event loop. */
async function* slices(text: string, size = 64 * 1024): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    yield text.slice(i, i + size);
  }
}
