/**
 * Outbound endpoint safety (no SSRF), for URLs someone other than the operator can make us call:
 * Subscription rest-hooks (a subscriber names a URL and the gateway POSTs PHI to it) and client
 * JWKS URLs (fetched when an assertion arrives). Such a URL must not let its author reach the
 * gateway's own network:
 *
 * - https only, unless the host is allowlisted (PRIORGATE_HOOK_ALLOWLIST, PRIORGATE_JWKS_ALLOWLIST);
 * - no credentials in the URL (rest-hooks send them in `channel.header`);
 * - the host must not be, or resolve to, a loopback, private, link-local, metadata, multicast or
 *   reserved address (see `ip-ranges.ts`) unless it is allowlisted: checked when the URL is
 *   registered and again at every call, against the address actually connected to
 *   (`guarded-request.ts`), so DNS rebinding between the two checks gains nothing.
 *
 * Allowlist entries are host names or IP literals, compared case-insensitively without port.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { blockedReason } from './ip-ranges.ts';

export type EndpointVerdict = { ok: true; url: URL; host: string; allowlisted: boolean } | { ok: false; reason: string };

/** Resolves a host name to its addresses (all families). Injectable for tests. */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

const MAX_URL_LENGTH = 2048;

/** `[::1]` → `::1`, `Example.ORG.` → `example.org`. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

/**
 * The static checks (no DNS): scheme, credentials, allowlist, IP literals, `localhost` names.
 * The WHATWG URL parser has already turned `http://2130706433/` and `0x7f.1` into `127.0.0.1`.
 * @example isEndpointAllowed('https://10.0.0.1/hook', []) // { ok: false, reason: 'the address 10.0.0.1 is private' }
 * @example isEndpointAllowed('http://127.0.0.1:9000/hook', ['127.0.0.1']).ok // true
 */
export function isEndpointAllowed(endpoint: string, allowlist: readonly string[]): EndpointVerdict {
  if (endpoint.length > MAX_URL_LENGTH) return { ok: false, reason: `the endpoint is longer than ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return { ok: false, reason: 'the endpoint is not an absolute URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'the endpoint must be an https URL' };
  if (url.username || url.password) return { ok: false, reason: 'the endpoint must not carry credentials; use channel.header' };
  const host = normalizeHost(url.hostname);
  const allowlisted = allowlist.some((h) => normalizeHost(h) === host);
  if (allowlisted) return { ok: true, url, host, allowlisted };
  if (url.protocol !== 'https:') return { ok: false, reason: 'the endpoint must use https (plain http only for allowlisted hosts)' };
  if (isIP(host)) {
    const why = blockedReason(host);
    if (why) return { ok: false, reason: `the address ${host} is ${why}` };
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    // RFC 6761 §6.3: localhost names resolve to loopback whatever DNS says.
    return { ok: false, reason: `the host ${host} is loopback` };
  }
  return { ok: true, url, host, allowlisted };
}

/** Refuses a resolved address list when any address is blocked (one bad round-robin answer suffices). */
export function checkAddresses(host: string, addresses: readonly { address: string }[]): string | undefined {
  for (const a of addresses) {
    const why = blockedReason(a.address);
    if (why) return `the host ${host} resolves to ${a.address}, which is ${why}`;
  }
  return addresses.length === 0 ? `the host ${host} has no addresses` : undefined;
}

/**
 * Create-time check: the static rules, then DNS. A name that does not resolve (yet) is accepted:
 * delivery checks again and the handshake reports it; a name that resolves to a blocked address
 * is refused. DNS gets `dnsTimeoutMs` before the name is treated as unresolved.
 */
export async function vetEndpoint(
  endpoint: string,
  allowlist: readonly string[],
  resolve: Resolver = systemResolver,
  dnsTimeoutMs = 3000,
): Promise<EndpointVerdict> {
  const verdict = isEndpointAllowed(endpoint, allowlist);
  if (!verdict.ok || verdict.allowlisted || isIP(verdict.host)) return verdict;
  let timer: NodeJS.Timeout | undefined;
  const addresses = await Promise.race([
    resolve(verdict.host).catch(() => undefined),
    new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), dnsTimeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (!addresses) return verdict;
  const why = checkAddresses(verdict.host, addresses);
  return why ? { ok: false, reason: why } : verdict;
}
