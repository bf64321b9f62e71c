/**
 * A loopback listener that records every connection and request it gets: the place a malicious
 * header or URL points at, to prove the gateway never went there. Optionally answers like a real
 * server (a JWKS, a redirect) to make the bait convincing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Trap {
  url: string;
  port: number;
  /** Requests received ("METHOD /path"). */
  hits: string[];
  /** TCP connections accepted (even ones that never sent a request). */
  connections(): number;
  close(): Promise<void>;
}

export async function trap(answer?: (req: IncomingMessage, res: ServerResponse) => void): Promise<Trap> {
  const hits: string[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      if (answer) answer(req, res);
      else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
