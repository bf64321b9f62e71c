/**
 * The payer connector's transport (keep-alive node:http via src/net) and its reading of HTTP
 * answers, against a real loopback server that misbehaves on purpose.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor } from '../../src/payers/connector.ts';
import { PayerSchema } from '../../src/rules/payers.ts';

let server: http.Server;
let base = '';
let connections = 0;
const hits: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      switch (req.url) {
        case '/echo':
          res.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${bytes} bytes`);
          break;
        case '/silent':
          break; // never answers
        case '/huge':
          res.writeHead(200, { 'content-type': 'text/plain' });
          for (let i = 0; i < 330; i++) res.write('x'.repeat(64 * 1024)); // past the connector's 20 MB cap
          res.end();
          break;
        case '/busy':
          res.writeHead(503).end('busy');
          break;
        case '/moved':
          res.writeHead(302, { location: `${base}/echo` }).end();
          break;
        default:
          res.writeHead(404).end();
      }
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('connector reading of HTTP answers', () => {
  // 500 ms for the silent peer; the 20 MB answer gets time to stream even on a loaded machine, so
  // only the size cap can end it.
  const payer = (endpoint: string, timeoutMs = 500) =>
    connectorFor(PayerSchema.parse({ id: 'p', name: 'P', connector: 'https-x12', timeoutMs, x12: { interchangeId: 'PAYER', applicationId: 'PAYER', umoId: '1' } }), endpoint);
  const out = { payload: 'ISA*...~', payloadType: '278-request' as const, senderId: 'S' };

  it('a 503 is retryable, a 302 is not and is not followed', async () => {
    const busy = await payer(`${base}/busy`).send(out);
    expect(busy).toMatchObject({ ok: false, retryable: true, status: 503 });
    const before = hits.filter((h) => h === '/echo').length;
    const moved = await payer(`${base}/moved`).send(out);
    expect(moved).toMatchObject({ ok: false, retryable: false, status: 302 });
    expect(hits.filter((h) => h === '/echo').length).toBe(before);
  });

  it('a timeout is retryable, an oversized answer is not', async () => {
    expect(await payer(`${base}/silent`).send(out)).toMatchObject({ ok: false, retryable: true, error: 'no answer within 500 ms' });
    expect(await payer(`${base}/huge`, 30_000).send(out)).toMatchObject({ ok: false, retryable: false, error: 'response too large' });
  });

  it('posts the payload and reads the answer, keeping one connection alive across sends', async () => {
    const c = payer(`${base}/echo`);
    const before = connections;
    for (let i = 0; i < 5; i++) expect(await c.send({ ...out, payload: 'é'.repeat(10) })).toMatchObject({ ok: true, status: 200, body: 'got 20 bytes', contentType: 'text/plain' });
    expect(connections - before).toBe(1);
  });

  it('a refused connection is retryable and says so', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await payer(`http://127.0.0.1:${port}/`).send(out)).toMatchObject({ ok: false, retryable: true, error: expect.stringContaining('ECONNREFUSED') });
  });
});
