/**
 * A `fetch` for code written against the Fetch API (jose's JWKS loader, the EHR client) that must
 * use TLS material or the SSRF guard Node 20's own fetch cannot take: the request goes through
 * `sendRequest` (or a guarded variant) and the answer comes back as a standard Response. Redirects
 * are returned, never followed.
 */
import type { OutboundRequest, OutboundResult } from './request.ts';

type Send = (url: URL, req: OutboundRequest) => Promise<OutboundResult>;

/** Fails the way fetch fails (a TypeError), with a PHI-free reason. */
class FetchFailed extends TypeError {
  override name = 'FetchFailed';
  constructor(readonly reason: string) {
    super(`fetch failed: ${reason}`);
  }
}

export function fetchVia(send: Send, opts: { timeoutMs: number; maxResponseBytes: number }): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    if (body !== undefined && init.body instanceof URLSearchParams && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    const r = await send(url, {
      method: (init.method ?? 'GET').toUpperCase() as 'GET' | 'POST',
      headers,
      ...(body !== undefined ? { body } : {}),
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    if (r.kind === 'network' && r.error === 'timeout') throw new DOMException('the request timed out', 'TimeoutError');
    if (r.kind !== 'response') throw new FetchFailed(r.kind === 'network' ? r.error : r.reason);
    if (r.truncated) throw new FetchFailed('response too large');
    const out = new Headers();
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
    const empty = r.status === 204 || r.status === 304 || r.body.length === 0;
    return new Response(empty ? null : new Uint8Array(r.body), { status: r.status, headers: out });
  }) as typeof fetch;
}
