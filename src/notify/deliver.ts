/**
 * One rest-hook POST, guarded (`net/guarded-request.ts`): the endpoint is re-vetted, the host name
 * is resolved once and the connection goes to the address that was checked, redirects are never
 * followed, the whole exchange has a deadline, and at most `maxResponseBytes` of the answer are
 * read (the status is all we need).
 *
 * With an injected `fetch` (tests, or a proxy-aware client) the addresses are checked before the
 * call but the connection is the fetch implementation's own, so pinning is up to it.
 */
import { isIP } from 'node:net';
import { checkAddresses, errorCode, guardedRequest, isEndpointAllowed, systemResolver, type Resolver, type TlsMaterial } from '../net/index.ts';

export interface HookRequest {
  endpoint: string;
  headers: Record<string, string>;
  body: string;
  allowlist: readonly string[];
  timeoutMs: number;
  maxResponseBytes?: number;
  resolve?: Resolver;
  fetch?: typeof fetch;
  /** Trust anchors for https endpoints (PRIORGATE_CA_FILE); Node's roots when absent. */
  tls?: TlsMaterial;
}

/** What happened: an HTTP answer, a refusal (unsafe endpoint: nothing was sent), or a transport failure. */
export type HookResult = { kind: 'response'; status: number } | { kind: 'refused'; reason: string } | { kind: 'network'; error: string };

async function viaFetch(req: HookRequest, url: URL, allowlisted: boolean, fetchImpl: typeof fetch): Promise<HookResult> {
  if (!allowlisted && !isIP(url.hostname.replace(/^\[|\]$/g, ''))) {
    let found;
    try {
      found = await (req.resolve ?? systemResolver)(url.hostname);
    } catch (err) {
      return { kind: 'network', error: errorCode(err) };
    }
    const why = checkAddresses(url.hostname, found);
    if (why) return { kind: 'refused', reason: why };
  }
  try {
    const res = await fetchImpl(url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    return { kind: 'response', status: res.status };
  } catch (err) {
    return { kind: 'network', error: errorCode(err) };
  }
}

/** POSTs a notification to a subscriber's endpoint; never throws. */
export async function postHook(req: HookRequest): Promise<HookResult> {
  const verdict = isEndpointAllowed(req.endpoint, req.allowlist);
  if (!verdict.ok) return { kind: 'refused', reason: verdict.reason };
  if (req.fetch) return viaFetch(req, verdict.url, verdict.allowlisted, req.fetch);
  const r = await guardedRequest({
    endpoint: req.endpoint,
    allowlist: req.allowlist,
    resolve: req.resolve,
    method: 'POST',
    headers: req.headers,
    body: req.body,
    timeoutMs: req.timeoutMs,
    maxResponseBytes: req.maxResponseBytes ?? 16 * 1024,
    statusOnly: true,
    tls: req.tls,
  });
  return r.kind === 'response' ? { kind: 'response', status: r.status } : r;
}
