/**
 * One rest-hook POST, guarded: the endpoint is re-vetted, the host name is resolved once and the
 * connection goes to the address that was checked (no second lookup for a rebinding DNS server to
 * answer differently), redirects are never followed, the whole exchange has a deadline, and at
 * most `maxResponseBytes` of the answer are read (the status is all we need).
 *
 * With an injected `fetch` (tests, or a proxy-aware client) the addresses are checked before the
 * call but the connection is the fetch implementation's own, so pinning is up to it.
 */
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkAddresses, isEndpointAllowed, systemResolver, type Resolver } from './endpoint-safety.ts';

export interface HookRequest {
  endpoint: string;
  headers: Record<string, string>;
  body: string;
  allowlist: readonly string[];
  timeoutMs: number;
  maxResponseBytes?: number;
  resolve?: Resolver;
  fetch?: typeof fetch;
}

/** What happened: an HTTP answer, a refusal (unsafe endpoint: nothing was sent), or a transport failure. */
export type HookResult = { kind: 'response'; status: number } | { kind: 'refused'; reason: string } | { kind: 'network'; error: string };

class RefusedError extends Error {
  override name = 'RefusedError';
}

/** A `lookup` for node:net that refuses blocked addresses and hands back only checked ones. */
function guardedLookup(resolve: Resolver, allowlisted: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const why = allowlisted ? undefined : checkAddresses(hostname, found);
        if (why) return callback(new RefusedError(why) as NodeJS.ErrnoException, '', 0);
        const usable = options.family ? found.filter((a) => a.family === options.family) : found;
        if (usable.length === 0) return callback(Object.assign(new Error(`no usable address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return callback(null, usable as LookupAddress[]);
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

function errorCode(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}` : e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.name ?? 'error');
}

function viaNodeHttp(req: HookRequest, url: URL, allowlisted: boolean): Promise<HookResult> {
  const limit = req.maxResponseBytes ?? 16 * 1024;
  return new Promise((settle) => {
    let done = false;
    const finish = (r: HookResult) => {
      if (done) return;
      done = true;
      settle(r);
    };
    const mod = url.protocol === 'https:' ? https : http;
    const outgoing = mod.request(url, {
      method: 'POST',
      headers: { ...req.headers, 'Content-Length': Buffer.byteLength(req.body).toString() },
      lookup: guardedLookup(req.resolve ?? systemResolver, allowlisted),
      agent: false,
    });
    // One deadline for the whole exchange: it also ends a body that drips after the status came.
    const deadline = setTimeout(() => {
      outgoing.destroy();
      finish({ kind: 'network', error: 'timeout' });
    }, req.timeoutMs);
    outgoing.on('close', () => clearTimeout(deadline));
    outgoing.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > limit) res.destroy();
      });
      res.on('error', () => {});
      res.on('close', () => outgoing.destroy());
      finish({ kind: 'response', status: res.statusCode ?? 0 });
    });
    outgoing.on('error', (err) => {
      if (err instanceof RefusedError) finish({ kind: 'refused', reason: err.message });
      else finish({ kind: 'network', error: errorCode(err) });
    });
    outgoing.end(req.body);
  });
}

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
  return req.fetch ? viaFetch(req, verdict.url, verdict.allowlisted, req.fetch) : viaNodeHttp(req, verdict.url, verdict.allowlisted);
}
