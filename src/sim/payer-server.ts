/**
 * The payer simulator: a real protocol peer for demo mode and tests. It speaks CAQH CORE SOAP
 * (`POST /core`), plain HTTPS X12 (`POST /x12`) and PAS FHIR (`POST /fhir/Claim/$submit`), decides
 * by the member id (decide-278.ts), de-duplicates interchanges by control number (a resent 278 gets
 * the same answer and is counted once), and pushes pended decisions to the gateway later.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { sendRequest, type TlsMaterial } from '../net/index.ts';
import { buildCoreEnvelope, CoreEnvelopeError, parseCoreEnvelope, PAYLOAD_TYPES, SOAP_CONTENT_TYPE } from '../payers/core-soap.ts';
import { pasRequestTo278, x12ResponseToPas, type Bundle } from '../translate/index.ts';
import { InMemoryControlNumbers, parseX12, validateX12, writeX12, type Interchange, type Segment } from '../x12/index.ts';
import { factsOf, respond278 } from './decide-278.ts';
import { respond271 } from './decide-270.ts';
import { fhirAnswer } from './fhir-answer.ts';

export interface PayerSimOptions {
  /** Where pended decisions are pushed (the gateway's `/payer/x12`). */
  callbackUrl?: string;
  /** `Authorization` header value for the push. */
  callbackAuth?: string;
  /** Trust for an https callback URL (a gateway terminating TLS with its own certificate). */
  callbackTls?: TlsMaterial;
  pendMs: number;
  now?: () => Date;
  /** ISA06 of the simulator. */
  interchangeId?: string;
  /** Think time before each answer (load and crash tests). */
  delayMs?: number;
  /** Where the simulated UMO asks for additional documentation to be sent (2010A PER UR, PAS Task). */
  attachmentsUrl?: string;
}

/** The simulated payer's documentation intake (PAS Task PayerURL), when none is configured. */
export const SIM_ATTACHMENTS_URL = 'https://demo-payer.priorgate.invalid/pas/attachments';

export interface PayerSimState {
  /** Distinct 278 interchanges received, by `sender/ISA13`. */
  received: Map<string, number>;
  /** Transactions decided (distinct interchanges only). */
  decided: number;
  pushes: { ok: boolean; status?: number }[];
  /** Interchange control numbers seen per 2000E trace: one per request when nothing is sent twice. */
  traces: Map<string, Set<string>>;
  /** 270 eligibility inquiries answered. */
  eligibility: number;
  /** Requests received and not yet answered (crash tests kill the gateway while this is > 0). */
  inFlight: number;
}

export function createPayerSim(opts: PayerSimOptions) {
  const me = opts.interchangeId ?? 'DEMOPAYER';
  const attachmentsUrl = opts.attachmentsUrl ?? SIM_ATTACHMENTS_URL;
  const now = () => opts.now?.() ?? new Date();
  const numbers = new InMemoryControlNumbers(Math.floor(Math.random() * 1e6));
  const answers = new Map<string, string>();
  const flakyAttempts = new Map<string, number>();
  const state: PayerSimState = { received: new Map(), decided: 0, pushes: [], traces: new Map(), eligibility: 0, inFlight: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const hanging = new Set<() => void>();
  let authSeq = 1000;

  function envelopeOut(to: Interchange, body: Segment[], setId: string): string {
    return writeX12(
      {
        sender: { qualifier: 'ZZ', id: me },
        receiver: to.sender,
        usage: to.usage === 'P' ? 'P' : 'T',
        groups: [{ functionalId: setId === '278' ? 'HI' : 'HB', applicationSender: me, applicationReceiver: to.sender.id, version: setId === '278' ? '005010X217' : '005010X279A1', transactions: [{ setId, segments: body }] }],
      },
      { controlNumbers: numbers, now: now() },
    );
  }

  function schedulePush(to: Interchange, body: Segment[]) {
    if (!opts.callbackUrl) return;
    const t = setTimeout(async () => {
      timers.delete(t);
      const final = envelopeOut(to, respond278(body, { now: now(), authNumber: `SIM${authSeq++}`, final: true, attachmentsUrl }), '278');
      const res = await sendRequest(new URL(opts.callbackUrl!), {
        method: 'POST',
        body: final,
        headers: { 'content-type': 'application/edi-x12', ...(opts.callbackAuth ? { authorization: opts.callbackAuth } : {}) },
        timeoutMs: 10_000,
        maxResponseBytes: 1024 * 1024,
        tls: opts.callbackTls,
      });
      state.pushes.push(res.kind === 'response' ? { ok: res.status >= 200 && res.status < 300, status: res.status } : { ok: false });
    }, opts.pendMs);
    timers.add(t);
  }

  type Outcome = { status: 200; x12: string } | { status: 500 } | { status: 'hang' } | { status: 400; x12: string };

  /** Decides one inbound X12 payload. */
  function handleX12(text: string): Outcome {
    const check = validateX12(text);
    if (!check.accepted) return { status: 400, x12: check.ack };
    const parsed = parseX12(text, { validate: false });
    const ic = parsed.interchanges[0]!;
    const key = `${ic.sender.id.trim()}/${ic.controlNumber}`;
    const tx = ic.groups[0]?.transactions[0];
    if (tx?.setId === '270') {
      // Eligibility is a read: every 270 gets a fresh 271 (decide-270.ts), nothing to de-duplicate.
      state.eligibility++;
      return { status: 200, x12: envelopeOut(ic, respond271(tx.segments.slice(1, -1), { now: now(), trace: `SIME${authSeq++}` }), '271') };
    }
    if (!tx || tx.setId !== '278') return { status: 400, x12: check.ack };
    const body = tx.segments.slice(1, -1);
    const facts = factsOf(body);
    const seenFor = state.traces.get(facts.eventTrace) ?? new Set<string>();
    state.traces.set(facts.eventTrace, seenFor.add(key));
    if (facts.behaviour === 'timeout') return { status: 'hang' };
    if (facts.behaviour === 'flaky') {
      const n = (flakyAttempts.get(key) ?? 0) + 1;
      flakyAttempts.set(key, n);
      if (n <= 2) return { status: 500 };
    }
    state.received.set(key, (state.received.get(key) ?? 0) + 1);
    const known = answers.get(key);
    if (known) return { status: 200, x12: known };
    const answer = envelopeOut(ic, respond278(body, { now: now(), authNumber: `SIM${authSeq++}`, attachmentsUrl }), '278');
    answers.set(key, answer);
    state.decided++;
    if (facts.behaviour === 'pend') schedulePush(ic, body);
    return { status: 200, x12: answer };
  }

  const hang = () => new Promise<Response>((resolve) => hanging.add(() => resolve(new Response('shutting down', { status: 503 }))));

  const app = new Hono();
  const think = () => (opts.delayMs ? new Promise((r) => setTimeout(r, opts.delayMs)) : undefined);
  app.use(async (_c, next) => {
    state.inFlight++;
    try {
      await next();
    } finally {
      state.inFlight--;
    }
  });

  app.post('/x12', async (c) => {
    await think();
    const out = handleX12(await c.req.text());
    if (out.status === 'hang') return hang();
    if (out.status === 500) return c.text('simulated payer fault', 500);
    return c.body(out.x12, out.status, { 'content-type': 'application/edi-x12' });
  });

  app.post('/core', async (c) => {
    let env;
    try {
      env = parseCoreEnvelope(await c.req.text());
    } catch (e) {
      return c.text(e instanceof CoreEnvelopeError ? e.message : 'bad envelope', 400);
    }
    const eligibility = env.payloadType === PAYLOAD_TYPES['270-request'];
    const reply = (payload: string, errorCode = 'Success') =>
      c.body(
        buildCoreEnvelope('Response', {
          payloadType: errorCode === 'Success' ? PAYLOAD_TYPES[eligibility ? '271-response' : '278-response'] : PAYLOAD_TYPES['999-response'],
          processingMode: 'RealTime',
          payloadId: randomUUID(),
          timestamp: now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          senderId: me,
          receiverId: env.senderId,
          coreRuleVersion: env.coreRuleVersion || '2.2.0',
          payload,
          errorCode,
          errorMessage: errorCode === 'Success' ? 'None' : 'See payload',
        }),
        200,
        { 'content-type': SOAP_CONTENT_TYPE },
      );
    if (env.payloadType !== PAYLOAD_TYPES['278-request'] && !eligibility) return reply('', 'PayloadTypeIncorrect');
    await think();
    const out = handleX12(env.payload);
    if (out.status === 'hang') return hang();
    if (out.status === 500) return c.text('simulated payer fault', 500);
    return reply(out.x12);
  });

  // PAS FHIR pass-through payer: decides the same way, answers with a PAS response Bundle.
  app.post('/fhir/Claim/$submit', async (c) => {
    const bundle = (await c.req.json()) as Bundle;
    // It decides through the same 278 "brain". PAS leaves the insurer's and the requester's ids
    // optional, X12 does not: this payer names itself, and a requester without an NPI gets a
    // placeholder the brain never reads.
    const { segments } = pasRequestTo278(bundle, { now: now(), payer: { id: 'DEMOFHIR', name: 'Demo FHIR Plan' }, requesterNpi: '0000000000', originator: '9DEMOFHIR0' });
    const facts = factsOf(segments);
    if (facts.behaviour === 'timeout') return hang();
    const body = respond278(segments, { now: now(), authNumber: `SIMF${authSeq++}`, attachmentsUrl });
    state.decided++;
    const answer = fhirAnswer(x12ResponseToPas(body, { request: bundle, now: now(), ids: randomUUID }), { now: now(), memberId: facts.memberId });
    return c.json(answer, 200, { 'content-type': 'application/fhir+json' });
  });

  app.get('/stats', (c) =>
    c.json({
      received: Object.fromEntries(state.received),
      decided: state.decided,
      eligibility: state.eligibility,
      inFlight: state.inFlight,
      pushes: state.pushes,
      traces: Object.fromEntries([...state.traces].map(([t, keys]) => [t, [...keys]])),
    }),
  );

  return {
    app,
    state,
    setCallbackAuth(value: string) {
      opts.callbackAuth = value;
    },
    /** Cancels pending pushes and releases hanging requests. */
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const release of hanging) release();
      hanging.clear();
    },
  };
}
