/**
 * The payer simulator: a real protocol peer for demo mode and tests. It speaks CAQH CORE SOAP
 * (`POST /core`), plain HTTPS X12 (`POST /x12`) and PAS FHIR (`POST /fhir/Claim/$submit`), decides
 * by the member id (decide-278.ts), de-duplicates interchanges by control number (a resent 278 gets
 * the same answer and is counted once), and pushes pended decisions to the gateway later.
 */
import { randomUUID } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { sendRequest, type TlsMaterial } from '../net/index.ts';
import { buildCoreEnvelope, CoreEnvelopeError, parseCoreEnvelope, PAYLOAD_TYPES, SOAP_CONTENT_TYPE } from '../payers/core-soap.ts';
import { el, pasRequestTo278, read275, seg, x12ResponseToPas, type Bundle } from '../translate/index.ts';
import { InMemoryControlNumbers, parseX12, validateX12, writeX12, type Interchange, type Segment, type TransactionSet } from '../x12/index.ts';
import { factsOf, respond278 } from './decide-278.ts';
import { eligibilityBehaviourFor, memberOf270, respond271 } from './decide-270.ts';
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
  /** Fault injection (also `POST /faults`): see PayerSimFaults. */
  faults?: PayerSimFaults;
  /** Where the simulated UMO asks for additional documentation to be sent (2010A PER UR, PAS Task). */
  attachmentsUrl?: string;
}

/**
 * What the simulator does wrong on purpose, changeable while it runs (`setFaults`, `POST /faults`):
 * a think time before every answer, an HTTP status instead of every answer, and rejections for a
 * share of the 278s it would otherwise approve: AAA (2010C AAA03, e.g. 72 invalid member id, 73
 * invalid name, 75 not found), or code `999`: a 999 refusing the transaction because the payer's
 * front end could not read the subscriber's member id (2010C NM109). Which requests are rejected
 * follows a hash of their trace number, so a resent interchange gets the same answer.
 */
export interface PayerSimFaults {
  delayMs?: number;
  failStatus?: number;
  rejectShare?: { code: string; share: number }[];
}

/** A stable number in [0, 1) for a trace number (FNV-1a). */
function unitHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

/** The 278 as the payer's front end misread it: the subscriber's member id (2010C NM109) lost. */
function withoutMemberId(text: string): string {
  const e = text[3]!;
  const t = text[105]!;
  return text
    .split(t)
    .map((s) => {
      if (!s.replace(/^\s+/, '').startsWith(`NM1${e}IL${e}`)) return s;
      const parts = s.split(e);
      parts[9] = '';
      return parts.join(e);
    })
    .join(t);
}

/** The AAA03 (or `999`) a 278 with this trace gets under the reject share, if any. */
export function sharedRejection(trace: string, shares: PayerSimFaults['rejectShare']): string | undefined {
  let u = unitHash(trace);
  for (const s of shares ?? []) {
    if (u < s.share) return s.code;
    u -= s.share;
  }
  return undefined;
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
  /** 270s received per member id (a batch resumed elsewhere asks again only what was not stored). */
  eligibilityByMember: Map<string, number>;
  /** Requests received and not yet answered (crash tests kill the gateway while this is > 0). */
  inFlight: number;
  /** AAA03 codes answered under the reject share, by code (distinct interchanges). */
  rejections: Record<string, number>;
  /** PWK06 attachment control numbers announced by the 278s received. */
  promised: Set<string>;
  /** Documents received in 275s (distinct interchanges only), and whether a 278 had announced them. */
  attachments: { controlNumber: string; contentType: string; bytes: number; matched: boolean; interchange: string }[];
  /**
   * PAS request Bundles received whole in 6020 275s (BDS, distinct interchanges only): the decoded
   * text, as the payer's FHIR side would read it, and whether a 278 had announced it.
   */
  bundles: { controlNumber: string; filter: string; format: string; text: string; matched: boolean; interchange: string }[];
  /** Authorization and administrative reference numbers this payer issued (updates and cancels must quote one). */
  issued: Set<string>;
}

/** A 999 body rejecting the one transaction set of `ic` for one element (its IK3 and IK4). */
function rejecting999(kind: { functionalId: string; version: string; setId: string }, ic: Interchange, tx: TransactionSet, ik3: Segment, ik4: Segment): Segment[] {
  return [
    seg('AK1', kind.functionalId, ic.groups[0]!.controlNumber, kind.version),
    seg('AK2', kind.setId, tx.controlNumber, kind.version),
    ik3,
    ik4,
    seg('IK5', 'R', '5'),
    seg('AK9', 'R', '1', '1', '0'),
  ];
}

/** Whether a Bundle received whole can be read as JSON (a FHIR Bundle). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** How long a payer keeps pushing a decision the gateway does not take. */
const PUSH_RETRY_MS = 10 * 60_000;

export function createPayerSim(opts: PayerSimOptions) {
  const me = opts.interchangeId ?? 'DEMOPAYER';
  const attachmentsUrl = opts.attachmentsUrl ?? SIM_ATTACHMENTS_URL;
  const now = () => opts.now?.() ?? new Date();
  const numbers = new InMemoryControlNumbers(Math.floor(Math.random() * 1e6));
  const answers = new Map<string, string>();
  const flakyAttempts = new Map<string, number>();
  const state: PayerSimState = {
    received: new Map(), decided: 0, pushes: [], traces: new Map(), eligibility: 0, eligibilityByMember: new Map(), inFlight: 0, rejections: {},
    promised: new Set(), attachments: [], bundles: [], issued: new Set(),
  };
  let faults: PayerSimFaults = { ...opts.faults };
  const timers = new Set<NodeJS.Timeout>();
  const hanging = new Set<() => void>();
  let authSeq = 1000;

  const GROUP_OF: Record<string, [string, string]> = { '278': ['HI', '005010X217'], '271': ['HB', '005010X279A1'], '999': ['FA', '005010X231A1'] };

  function envelopeOut(to: Interchange, body: Segment[], setId: string): string {
    const [functionalId, version] = GROUP_OF[setId]!;
    return writeX12(
      {
        sender: { qualifier: 'ZZ', id: me },
        receiver: to.sender,
        usage: to.usage === 'P' ? 'P' : 'T',
        groups: [{ functionalId, applicationSender: me, applicationReceiver: to.sender.id, version, transactions: [{ setId, segments: body }] }],
      },
      { controlNumbers: numbers, now: now() },
    );
  }

  /** The numbers a 278 response body hands out (HCR02, REF*BB, REF*NT): updates must quote one. */
  function remember(body: Segment[]): Segment[] {
    for (const s of body) {
      if (s.tag === 'HCR' && el(s, 2)) state.issued.add(el(s, 2));
      if (s.tag === 'REF' && ['BB', 'NT'].includes(el(s, 1))) state.issued.add(el(s, 2));
    }
    return body;
  }

  /**
   * After `pendMs`, POSTs what `make` writes (once, on the push's clock) to the gateway's /payer/x12,
   * as a payer does: the same interchange (same control number) again every second while the
   * gateway cannot take it — down, restarting, answering 5xx, or refusing credentials it has just
   * rotated — for up to ten minutes.
   */
  function pushLater(make: () => string) {
    if (!opts.callbackUrl) return;
    let payload: string | undefined;
    let giveUpAt = 0;
    const attempt = async () => {
      payload ??= make();
      giveUpAt ||= Date.now() + PUSH_RETRY_MS;
      const res = await sendRequest(new URL(opts.callbackUrl!), {
        method: 'POST',
        body: payload,
        headers: { 'content-type': 'application/edi-x12', ...(opts.callbackAuth ? { authorization: opts.callbackAuth } : {}) },
        timeoutMs: 10_000,
        maxResponseBytes: 1024 * 1024,
        tls: opts.callbackTls,
      });
      const ok = res.kind === 'response' && res.status >= 200 && res.status < 300;
      state.pushes.push(res.kind === 'response' ? { ok, status: res.status } : { ok: false });
      const again = !ok && (res.kind !== 'response' || res.status >= 500 || res.status === 401 || res.status === 403 || res.status === 429);
      if (again && Date.now() < giveUpAt) later(attempt, 1000);
    };
    later(attempt, opts.pendMs);
  }

  function later(fn: () => Promise<void>, ms: number) {
    const t = setTimeout(() => {
      timers.delete(t);
      void fn();
    }, ms);
    timers.add(t);
  }

  /** A pended request's final approval, or (`late`) a 999 rejecting it, pushed later. */
  function schedulePush(to: Interchange, body: Segment[], late?: { ack: Segment[] }) {
    pushLater(() => (late ? envelopeOut(to, late.ack, '999') : envelopeOut(to, remember(respond278(body, { now: now(), authNumber: `SIM${authSeq++}`, final: true, attachmentsUrl })), '278')));
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
      const member = memberOf270(tx.segments);
      state.eligibilityByMember.set(member, (state.eligibilityByMember.get(member) ?? 0) + 1);
      const answer = respond271(tx.segments.slice(1, -1), { now: now(), trace: `SIME${authSeq++}` });
      if (eligibilityBehaviourFor(member) !== 'late') return { status: 200, x12: envelopeOut(ic, answer, '271') };
      // Batch-style payer: the 999 accepts the 270 now, the 271 comes later to /payer/x12.
      pushLater(() => envelopeOut(ic, answer, '271'));
      return { status: 200, x12: check.ack };
    }
    if (tx?.setId === '275') return handle275(text, ic, key, check.ack);
    if (!tx || tx.setId !== '278') return { status: 400, x12: check.ack };
    const body = tx.segments.slice(1, -1);
    const facts = factsOf(body);
    for (const pwk of body.filter((s) => s.tag === 'PWK' && el(s, 6))) state.promised.add(el(pwk, 6));
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
    const rejectCode = facts.behaviour === 'approve' && facts.certificationType !== '3' ? sharedRejection(facts.eventTrace, faults.rejectShare) : undefined;
    if (rejectCode) state.rejections[rejectCode] = (state.rejections[rejectCode] ?? 0) + 1;
    const ack = rejectCode === '999' ? validateX12(withoutMemberId(text)) : undefined;
    const answer =
      ack && !ack.accepted
        ? ack.ack
        : envelopeOut(ic, remember(respond278(body, { now: now(), authNumber: `SIM${authSeq++}`, issued: state.issued, attachmentsUrl, rejectCode: rejectCode === '999' ? undefined : rejectCode })), '278');
    answers.set(key, answer);
    state.decided++;
    if (facts.behaviour === 'pend') schedulePush(ic, body);
    // A payer whose back end finds fault after its first answer: a 999 rejecting the 278 follows.
    if (facts.behaviour === 'late-reject') schedulePush(ic, body, { ack: lateRejection(ic, tx) });
    return { status: 200, x12: answer };
  }

  /** A 999 rejecting the 278 for its 2010C member id (IK3 NM1 in 2010C, IK4 NM109 code 6). */
  function lateRejection(ic: Interchange, tx: TransactionSet): Segment[] {
    const position = tx.segments.findIndex((s) => s.tag === 'NM1' && el(s, 1) === 'IL') + 1;
    return rejecting999({ functionalId: 'HI', version: '005010X217', setId: '278' }, ic, tx, seg('IK3', 'NM1', String(position), '2010C', '8'), seg('IK4', '9', '67', '6'));
  }

  /**
   * A 275: its documents (BIN, 005010X210) and whole PAS Bundles (BDS, 006020X316) are recorded
   * (matched against the PWK06 numbers 278s announced), and it is acknowledged with a 999 —
   * rejecting it when content cannot be read (BIN01 or BDS02 not its length, no MIME content type,
   * a Bundle that is not JSON). A resent interchange gets the same 999 and is counted once.
   */
  function handle275(text: string, ic: Interchange, key: string, ack: string): Outcome {
    const known = answers.get(key);
    if (known) return { status: 200, x12: known };
    const group = ic.groups[0]!;
    const tx = group.transactions[0]!;
    const received = read275(tx.segments.slice(1, -1));
    const broken = received.documents.findIndex((d) => d.declaredLength !== d.actualLength || !d.contentType);
    const unreadable = received.binaries.findIndex((b) => b.declaredLength !== b.actualLength || !isJson(b.text));
    const nth = (tag: string, n: number) => tx.segments.findIndex((s, i) => s.tag === tag && tx.segments.slice(0, i + 1).filter((x) => x.tag === tag).length === n + 1) + 1;
    const refuse = (tag: string, n: number, element: string) =>
      envelopeOut(ic, rejecting999({ functionalId: 'PI', version: group.version, setId: '275' }, ic, tx, seg('IK3', tag, String(nth(tag, n)), '2100A', '8'), seg('IK4', element, '785', '7')), '999');
    let reply = ack;
    if (broken >= 0) reply = refuse('BIN', broken, '2');
    else if (unreadable >= 0) reply = refuse('BDS', unreadable, '3');
    else {
      for (const d of received.documents) {
        state.attachments.push({ controlNumber: d.controlNumber, contentType: d.contentType, bytes: Buffer.from(d.data, 'base64').length, matched: state.promised.has(d.controlNumber), interchange: key });
      }
      for (const b of received.binaries) {
        state.bundles.push({ controlNumber: b.controlNumber, filter: b.filter, format: b.format, text: b.text, matched: state.promised.has(b.controlNumber), interchange: key });
      }
    }
    answers.set(key, reply);
    void text;
    return { status: 200, x12: reply };
  }

  const hang = () => new Promise<Response>((resolve) => hanging.add(() => resolve(new Response('shutting down', { status: 503 }))));

  const app = new Hono();
  const think = () => {
    const ms = (opts.delayMs ?? 0) + (faults.delayMs ?? 0);
    return ms ? new Promise((r) => setTimeout(r, ms)) : undefined;
  };
  const failing = (c: Context) => (faults.failStatus ? c.text('simulated payer fault', faults.failStatus as 500) : undefined);
  // Payer traffic only: a `GET /stats` counted itself, so `inFlight` was never 0.
  const inFlight: MiddlewareHandler = async (_c, next) => {
    state.inFlight++;
    try {
      await next();
    } finally {
      state.inFlight--;
    }
  };
  for (const path of ['/x12', '/core', '/fhir/*']) app.use(path, inFlight);

  app.post('/x12', async (c) => {
    await think();
    const failed = failing(c);
    if (failed) return failed;
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
    const attachment = env.payloadType === PAYLOAD_TYPES['275-request'] || env.payloadType === PAYLOAD_TYPES['275-bundle-request'];
    const reply = (payload: string, errorCode = 'Success') =>
      c.body(
        buildCoreEnvelope('Response', {
          payloadType: errorCode === 'Success' && !attachment && payload.includes(eligibility ? '*271*' : '*278*')
            ? PAYLOAD_TYPES[eligibility ? '271-response' : '278-response']
            : PAYLOAD_TYPES['999-response'],
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
    if (env.payloadType !== PAYLOAD_TYPES['278-request'] && !eligibility && !attachment) return reply('', 'PayloadTypeIncorrect');
    await think();
    const failed = failing(c);
    if (failed) return failed;
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
      eligibilityByMember: Object.fromEntries(state.eligibilityByMember),
      inFlight: state.inFlight,
      pushes: state.pushes,
      rejections: state.rejections,
      faults,
      traces: Object.fromEntries([...state.traces].map(([t, keys]) => [t, [...keys]])),
      attachments: state.attachments,
      // The Bundles' sizes only: the Bundles themselves are PHI.
      bundles: state.bundles.map(({ text, ...b }) => ({ ...b, bytes: Buffer.byteLength(text, 'utf8') })),
    }),
  );

  // Fault injection for demos and tests: { delayMs, failStatus, rejectShare: [{ code, share }] }.
  app.post('/faults', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as PayerSimFaults | undefined;
    const shares = body?.rejectShare ?? [];
    const valid =
      body !== undefined &&
      (body.delayMs === undefined || (Number.isInteger(body.delayMs) && body.delayMs >= 0 && body.delayMs <= 120_000)) &&
      (body.failStatus === undefined || body.failStatus === 0 || (Number.isInteger(body.failStatus) && body.failStatus >= 400 && body.failStatus <= 599)) &&
      shares.every((s) => /^([0-9A-Z]{2}|999)$/.test(s.code) && s.share >= 0 && s.share <= 1) &&
      shares.reduce((t, s) => t + s.share, 0) <= 1;
    if (!valid) return c.json({ error: 'faults: delayMs 0-120000, failStatus 0 or 400-599, rejectShare [{ code: "72", share: 0.1 }] summing to at most 1' }, 400);
    faults = { ...body };
    return c.json(faults);
  });

  return {
    app,
    state,
    setCallbackAuth(value: string) {
      opts.callbackAuth = value;
    },
    /** Replaces the injected faults (an empty object: none). */
    setFaults(f: PayerSimFaults) {
      faults = { ...f };
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
