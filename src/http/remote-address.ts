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
