/**
 * The address a request came from: the TCP peer of the connection (proxy headers are not trusted:
 * a client could write any X-Forwarded-For it likes). Undefined when there is no socket, as with
 * `app.request()` in tests. An IPv4 peer on a dual-stack socket is given as plain IPv4.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

export function remoteAddress(c: Context): string | undefined {
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
  return address?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '') || undefined;
}

/**
 * The client's address: the TCP peer, unless the peer is one of `trustedProxies`, in which case the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy (what the nearest untrusted
 * hop told the proxy). Entries left of it could be written by anyone and are ignored.
 */
export function clientAddress(c: Context, trustedProxies: readonly string[] = []): string | undefined {
  const peer = remoteAddress(c);
  if (!peer || !trustedProxies.includes(peer)) return peer;
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
    if (!trustedProxies.includes(hop)) return /^[0-9a-fA-F:.]{2,45}$/.test(hop) ? hop : peer;
  }
  return peer;
}
