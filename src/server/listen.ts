/**
 * How the gateway's port is opened: plain HTTP, or HTTPS when PRIORGATE_TLS_CERT_FILE and
 * PRIORGATE_TLS_KEY_FILE are set (TLS 1.2 and 1.3 only), with deadlines on every inbound request so
 * a slow client cannot hold a connection: the request head (`headersTimeout`) and the whole request
 * (`requestTimeout`, body included) must arrive in time, idle keep-alive connections close.
 */
import https from 'node:https';
import type { ServerType } from '@hono/node-server';
import { serve } from '@hono/node-server';
import type { Config } from '../config/index.ts';
import { MIN_TLS_VERSION } from '../net/index.ts';

/**
 * Idle keep-alive connections are closed after this long. Longer than the idle timeout of the
 * clients and load balancers in front (60 s is the common one), so they close an idle connection
 * before the server does: when the server closes first, a request the client sent on it at that
 * moment is reset (ECONNRESET, a 502 at a load balancer) — seen with Node's default of 5 s whenever
 * the event loop ran late under load.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

type Fetch = (req: Request) => Response | Promise<Response>;

export function listen(fetch: Fetch, config: Config): Promise<{ server: ServerType; url: string; port: number }> {
  const timeouts = {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // Node checks the two deadlines above on this interval (default 30 s, which would let a slow
    // client overstay a short deadline by that much).
    connectionsCheckingInterval: Math.min(1000, config.headersTimeoutMs),
  };
  const transport = config.tls
    ? { createServer: https.createServer, serverOptions: { ...timeouts, cert: config.tls.cert, key: config.tls.key, minVersion: MIN_TLS_VERSION } as https.ServerOptions }
    : { serverOptions: timeouts };
  return new Promise((resolve) => {
    const server = serve({ fetch, port: config.port, hostname: config.host, ...transport }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      resolve({ server, port, url: `${config.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}` });
    });
  });
}
