/**
 * Payer connectors: how one payload reaches one payer and what came back. Every call has a
 * timeout (the payer's `timeoutMs`, for the whole exchange); failures say whether a retry may help
 * (STYLE.md habit 6: transport failures carry `retryable`; payer answers, even rejections, are
 * data). Each payer gets its own keep-alive agent, which carries its TLS material: certificates are
 * always verified (Node's roots, PRIORGATE_CA_FILE, the payer's `tlsCa`), and a client certificate
 * is presented when the payer asks for mutual TLS.
 */
import { randomUUID } from 'node:crypto';
import { keepAliveAgent, sendRequest, type TlsMaterial } from '../net/index.ts';
import type { PayerConfig } from '../rules/payers.ts';
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
}

/** Response bodies larger than this are refused (a payer bug or an attack, not a 278). */
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

type Post = (url: string, body: string, headers: Record<string, string>) => Promise<SendResult>;

/** POSTs through the payer's agent; redirects are not followed (a 3xx is a final failure). */
function poster(p: PayerConfig, endpoint: string, tls: TlsMaterial): Post {
  const agent = keepAliveAgent(new URL(endpoint), tls, { maxSockets: p.maxConcurrency });
  return async (url, body, headers) => {
    const r = await sendRequest(new URL(url), { method: 'POST', body, headers, timeoutMs: p.timeoutMs, maxResponseBytes: MAX_RESPONSE_BYTES, agent });
    if (r.kind !== 'response') {
      const error = r.kind === 'network' && r.error === 'timeout' ? `no answer within ${p.timeoutMs} ms` : `connection failed (${r.kind === 'network' ? r.error : r.reason})`;
      return { ok: false, retryable: true, error };
    }
    if (r.truncated) return { ok: false, retryable: false, error: 'response too large', status: r.status };
    if (r.status >= 500 || r.status === 429 || r.status === 408) {
      return { ok: false, retryable: true, error: `payer answered HTTP ${r.status}`, status: r.status };
    }
    if (r.status >= 300) return { ok: false, retryable: false, error: `payer answered HTTP ${r.status}`, status: r.status };
    const type = r.headers['content-type'];
    return { ok: true, body: r.body.toString('utf8'), contentType: (Array.isArray(type) ? type[0] : type) ?? '', status: r.status };
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
      const r = await post(endpoint, envelope, { 'content-type': SOAP_CONTENT_TYPE });
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
function httpsX12(endpoint: string, post: Post): PayerConnector {
  return { send: (out) => post(endpoint, out.payload, { 'content-type': 'application/edi-x12' }) };
}

/** FHIR-native payers: the PAS Bundle goes to their `Claim/$submit` as is. */
function pasFhir(endpoint: string, post: Post): PayerConnector {
  const url = `${endpoint.replace(/\/$/, '')}/Claim/$submit`;
  return { send: (out) => post(url, out.payload, { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' }) };
}

/** @param tls the payer's TLS material (`payerTls`); Node's roots and no client certificate when absent. */
export function connectorFor(p: PayerConfig, endpoint: string, tls: TlsMaterial = {}): PayerConnector {
  const post = poster(p, endpoint, tls);
  switch (p.connector) {
    case 'core-soap':
      return coreSoap(p, endpoint, post);
    case 'https-x12':
      return httpsX12(endpoint, post);
    case 'pas-fhir':
      return pasFhir(endpoint, post);
  }
}
