/**
 * A round-robin HTTP forwarder in front of gateway instances: the one address a payer pushes to when
 * the gateway runs scaled out. An instance that does not answer (killed) gets the request a 502, as
 * from a real load balancer; the sender retries and the next turn goes to another instance.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  close(): Promise<void>;
}

/** @param backends the instances' base URLs, read at each request */
export async function startBalancer(backends: () => string[]): Promise<Balancer> {
  let turn = 0;
  const server = createServer((req, res) => {
    const list = backends();
    const target = new URL(req.url ?? '/', list[turn++ % list.length]);
    const forward = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
