/**
 * One outbound HTTP(S) exchange on node:http/node:https, the way every caller here needs it: one
 * deadline for the whole exchange (connect, headers and body), a cap on what is read, redirects
 * never followed (a 3xx is just a status), TLS verification always on, with the trust anchors and
 * client certificate the caller's agent or `tls` carries. Never throws: the result says what
 * happened.
 *
 * Node 20's built-in fetch takes no custom CA, client certificate or DNS hook without the undici
 * package; node:https takes all three.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { TlsMaterial } from './tls.ts';

export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Deadline for the whole exchange, body included. */
  timeoutMs: number;
  /** At most this many bytes of the answer are read; more makes `truncated` true and cuts the connection. */
  maxResponseBytes: number;
  /** Settle as soon as the status line arrives (the body is drained up to the cap, then cut). */
  statusOnly?: boolean;
  /** A keep-alive agent (payers); when absent, a one-off connection with `tls` and `lookup`. */
  agent?: http.Agent;
  tls?: TlsMaterial;
  /** Name resolution for the connection (the SSRF guard pins the checked address this way). */
  lookup?: LookupFunction;
  /** The caller's own cancellation (jose hands one to its fetch). */
  signal?: AbortSignal;
}

export type OutboundResult =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: Buffer; truncated: boolean }
  | { kind: 'refused'; reason: string }
  | { kind: 'network'; error: string };

/** Raised by a `lookup` that refuses an address: the request reports `refused`, not a network error. */
export class RefusedError extends Error {
  override name = 'RefusedError';
}

/** A short, PHI-free name for a transport failure: the errno code, or `timeout`. */
export function errorCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code) return e.code;
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'timeout' : (e?.name ?? 'error');
}

export function sendRequest(url: URL, req: OutboundRequest): Promise<OutboundResult> {
  return new Promise((settle) => {
    let done = false;
    const finish = (r: OutboundResult) => {
      if (done) return;
      done = true;
      // After an early (status-only) answer the deadline keeps running: it also ends a body that
      // drips after the status came. It stops when the connection closes.
      if (!req.statusOnly) clearTimeout(deadline);
      req.signal?.removeEventListener('abort', onAbort);
      settle(r);
    };
    const secure = url.protocol === 'https:';
    const mod = secure ? https : http;
    const headers = { ...req.headers, ...(req.body !== undefined ? { 'Content-Length': Buffer.byteLength(req.body).toString() } : {}) };
    const outgoing = mod.request(url, {
      method: req.method,
      headers,
      agent: req.agent ?? false,
      ...(req.lookup ? { lookup: req.lookup } : {}),
      // Without an agent the TLS material rides on the request itself; verification stays on.
      ...(secure && !req.agent ? { ...req.tls, rejectUnauthorized: true } : {}),
    });
    const deadline = setTimeout(() => {
      outgoing.destroy();
      finish({ kind: 'network', error: 'timeout' });
    }, req.timeoutMs);
    const onAbort = () => {
      outgoing.destroy();
      finish({ kind: 'network', error: 'timeout' });
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('close', () => clearTimeout(deadline));
    outgoing.on('response', (res) => {
      const chunks: Buffer[] = [];
      let read = 0;
      let truncated = false;
      const answer = () => ({ kind: 'response' as const, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), truncated });
      if (req.statusOnly) finish(answer());
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > req.maxResponseBytes) {
          truncated = true;
          res.destroy();
          finish(answer());
          return;
        }
        if (!req.statusOnly) chunks.push(chunk);
      });
      res.on('end', () => finish(answer()));
      res.on('error', (err) => finish({ kind: 'network', error: errorCode(err) }));
      res.on('close', () => {
        // A cut or unfinished answer ends the connection; a complete one goes back to the agent.
        if (!res.complete) {
          outgoing.destroy();
          if (!truncated) finish({ kind: 'network', error: 'ECONNRESET' });
        }
      });
    });
    outgoing.on('error', (err) => {
      if (err instanceof RefusedError) finish({ kind: 'refused', reason: err.message });
      else finish({ kind: 'network', error: errorCode(err) });
    });
    outgoing.end(req.body);
  });
}
