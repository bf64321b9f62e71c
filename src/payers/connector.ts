/**
 * Payer connectors: how one payload reaches one payer and what came back. Every call has a
 * timeout; failures say whether a retry may help (STYLE.md habit 6: transport failures carry
 * `retryable`; payer answers, even rejections, are data).
 */
import { randomUUID } from 'node:crypto';
import type { PayerConfig } from '../rules/payers.ts';
import { postClient, PostError, type PostAnswer, type PostClient, type PostClientOptions } from './http-post.ts';
import { buildCoreEnvelope, CoreEnvelopeError, parseCoreEnvelope, PAYLOAD_TYPES, SOAP_CONTENT_TYPE } from './core-soap.ts';

export type SendResult =
  | { ok: true; body: string; contentType: string; status: number }
  | { ok: false; retryable: boolean; error: string; status?: number };

export interface Outbound {
  /** X12 interchange text, or a FHIR Bundle as JSON text for PAS pass-through payers. */
  payload: string;
  /** CORE payload type key, e.g. '278-request'. */
  payloadType: keyof typeof PAYLOAD_TYPES;
  senderId: string;
}

export interface PayerConnector {
  send(out: Outbound): Promise<SendResult>;
  /** Closes kept-alive sockets. */
  close?(): void;
}

/** Response bodies larger than this are refused (a payer bug or an attack, not a 278). */
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

type Post = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<SendResult>;

/** HTTP answers turned into send results: 5xx, 429 and 408 may pass on a retry; other non-2xx will not. */
function poster(client: PostClient): Post {
  return async (url, body, headers, timeoutMs) => {
    let res: PostAnswer;
    try {
      res = await client.post(url, body, headers, timeoutMs);
    } catch (e) {
      const err = e instanceof PostError ? e : new PostError('connection', 'connection failed');
      return { ok: false, retryable: err.kind !== 'too-large', error: err.message };
    }
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      return { ok: false, retryable: true, error: `payer answered HTTP ${res.status}`, status: res.status };
    }
    if (res.status >= 300) return { ok: false, retryable: false, error: `payer answered HTTP ${res.status}`, status: res.status };
    return { ok: true, body: res.text, contentType: res.contentType, status: res.status };
  };
}

/** CAQH CORE real-time SOAP: the X12 travels in the envelope's Payload. */
function coreSoap(p: PayerConfig, endpoint: string, post: Post): PayerConnector {
  return {
    async send(out) {
      const envelope = buildCoreEnvelope('Request', {
        payloadType: PAYLOAD_TYPES[out.payloadType],
        processingMode: 'RealTime',
        payloadId: randomUUID(),
        timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        senderId: out.senderId,
        receiverId: p.x12?.interchangeId.trim() ?? p.id,
        coreRuleVersion: '2.2.0',
        payload: out.payload,
      });
      const r = await post(endpoint, envelope, { 'content-type': SOAP_CONTENT_TYPE }, p.timeoutMs);
      if (!r.ok) return r;
      try {
        const env = parseCoreEnvelope(r.body);
        if (env.errorCode && env.errorCode !== 'Success') {
          return { ok: false, retryable: env.errorCode === 'Receiver' || env.errorCode === 'ServerBusy', error: `CORE error ${env.errorCode}` };
        }
        return { ...r, body: env.payload, contentType: 'application/edi-x12' };
      } catch (e) {
        return { ok: false, retryable: false, error: e instanceof CoreEnvelopeError ? e.message : 'unreadable CORE response' };
      }
    },
  };
}

/** Plain HTTPS: X12 in, X12 out. */
function httpsX12(p: PayerConfig, endpoint: string, post: Post): PayerConnector {
  return { send: (out) => post(endpoint, out.payload, { 'content-type': 'application/edi-x12' }, p.timeoutMs) };
}

/** FHIR-native payers: the PAS Bundle goes to their `Claim/$submit` as is. */
function pasFhir(p: PayerConfig, endpoint: string, post: Post): PayerConnector {
  const url = `${endpoint.replace(/\/$/, '')}/Claim/$submit`;
  return { send: (out) => post(url, out.payload, { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }, p.timeoutMs) };
}

/**
 * The connector for one payer, with its own keep-alive sockets.
 * @param tls CA bundle / client certificate for https endpoints, when the operator configured them
 */
export function connectorFor(p: PayerConfig, endpoint: string, tls?: PostClientOptions['tls']): PayerConnector {
  const client = postClient({ maxSockets: p.maxConcurrency, maxBytes: MAX_RESPONSE_BYTES, ...(tls ? { tls } : {}) });
  const post = poster(client);
  const connector = (() => {
    switch (p.connector) {
      case 'core-soap':
        return coreSoap(p, endpoint, post);
      case 'https-x12':
        return httpsX12(p, endpoint, post);
      case 'pas-fhir':
        return pasFhir(p, endpoint, post);
    }
  })();
  return { send: connector.send, close: () => client.close() };
}
