/**
 * Kept-alive connections to payers (src/net/tls.ts `keepAliveAgent`): reused while busy, closed by
 * us before the server closes them — after our idle limit, or a second before the server's own
 * `Keep-Alive: timeout=` — so no request is written on a connection the server is just closing (an
 * ECONNRESET, and a delivery that waits for its retry). The idle limit never cuts a request that is
 * still waiting for a slow answer. Real HTTP on loopback; the server counts its connections.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { keepAliveAgent, sendRequest } from '../../src/net/index.ts';

interface CountingServer {
  url: URL;
  connections: () => number;
  close: () => Promise<void>;
}

async function server(opts: { keepAliveMs: number; answerAfterMs?: number }): Promise<CountingServer> {
  let connections = 0;
  const s = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.end('ok'), opts.answerAfterMs ?? 0));
  });
  s.keepAliveTimeout = opts.keepAliveMs;
  s.on('connection', () => connections++);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    connections: () => connections,
    close: () => new Promise((resolve) => (s.closeAllConnections(), s.close(() => resolve()))),
  };
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function post(s: CountingServer, agent: http.Agent) {
  const r = await sendRequest(s.url, { method: 'POST', body: 'ISA*...', timeoutMs: 10_000, maxResponseBytes: 100, agent });
  expect(r).toMatchObject({ kind: 'response', status: 200 });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kept-alive connections to a payer', () => {
  it('are reused while requests follow each other', async () => {
    const s = await server({ keepAliveMs: 60_000 });
    const agent = keepAliveAgent(s.url, {}, { idleMs: 2000 });
    cleanup.push(() => agent.destroy(), s.close);
    for (let i = 0; i < 5; i++) await post(s, agent);
    expect(s.connections()).toBe(1);
  });

  /** Connections the server saw for two requests `idleMs` apart. */
  async function twoRequestsApart(keepAliveMs: number, agentIdleMs: number, idleMs: number): Promise<number> {
    const s = await server({ keepAliveMs });
    const agent = keepAliveAgent(s.url, {}, { idleMs: agentIdleMs });
    cleanup.push(() => agent.destroy(), s.close);
    await post(s, agent);
    await pause(idleMs);
    await post(s, agent);
    return s.connections();
  }

  it('are closed by us once idle longer than our limit, though the server would keep them', async () => {
    expect(await twoRequestsApart(60_000, 300, 600)).toBe(2);
  });

  it("are closed by us before the server's own shorter Keep-Alive timeout", async () => {
    // Node's server says `Keep-Alive: timeout=3` and closes at 3 s; our limit is longer. At 2.5 s
    // the connection is still open on the server's side: we must not write on it.
    expect(await twoRequestsApart(3000, 60_000, 2500)).toBe(2);
  });

  it('do not cut a request waiting longer than the idle limit for its answer', async () => {
    const s = await server({ keepAliveMs: 60_000, answerAfterMs: 900 });
    const agent = keepAliveAgent(s.url, {}, { idleMs: 200 });
    cleanup.push(() => agent.destroy(), s.close);
    await post(s, agent);
    expect(s.connections()).toBe(1);
  });
});
