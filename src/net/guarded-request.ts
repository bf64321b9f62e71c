/**
 * An outbound request to a URL someone else chose (rest-hooks, client JWKS): the URL is vetted
 * (`endpoint-safety.ts`), the host name is resolved once and the connection goes to the address that
 * was checked (no second lookup for a rebinding DNS server to answer differently), redirects are
 * never followed, and the exchange has a deadline and a size cap (`request.ts`).
 */
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { checkAddresses, isEndpointAllowed, systemResolver, type Resolver } from './endpoint-safety.ts';
import { RefusedError, sendRequest, type OutboundRequest, type OutboundResult } from './request.ts';

/** A `lookup` for node:net that refuses blocked addresses and hands back only checked ones. */
export function guardedLookup(resolve: Resolver, allowlisted: boolean): LookupFunction {
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

export interface GuardedRequest extends Omit<OutboundRequest, 'agent' | 'lookup'> {
  endpoint: string;
  allowlist: readonly string[];
  resolve?: Resolver;
}

/** Refuses (nothing sent) an endpoint the rules forbid; otherwise sends through the guarded lookup. */
export function guardedRequest(req: GuardedRequest): Promise<OutboundResult> {
  const verdict = isEndpointAllowed(req.endpoint, req.allowlist);
  if (!verdict.ok) return Promise.resolve({ kind: 'refused', reason: verdict.reason });
  const { endpoint: _e, allowlist: _a, resolve, ...rest } = req;
  return sendRequest(verdict.url, { ...rest, lookup: guardedLookup(resolve ?? systemResolver, verdict.allowlisted) });
}
