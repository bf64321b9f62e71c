/**
 * The payer transport (src/payers/http-post.ts) and the connector's reading of HTTP answers,
 * against real loopback servers that misbehave on purpose.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor } from '../../src/payers/connector.ts';
import { postClient, PostError } from '../../src/payers/http-post.ts';
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
          for (let i = 0; i < 64; i++) res.write('x'.repeat(64 * 1024));
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

describe('payer transport', () => {
  it('posts the body and reads status, content type and text', async () => {
    const c = postClient({ maxBytes: 1 << 20 });
    const r = await c.post(`${base}/echo`, 'é'.repeat(10), { 'content-type': 'text/plain' }, 2000);
    expect(r).toEqual({ status: 200, contentType: 'text/plain', text: 'got 20 bytes' });
    c.close();
  });

  it('keeps the connection alive between calls', async () => {
    const c = postClient({ maxBytes: 1 << 20 });
    const before = connections;
    for (let i = 0; i < 5; i++) await c.post(`${base}/echo`, 'x', {}, 2000);
    expect(connections - before).toBe(1);
    c.close();
  });

  it('gives up after the timeout with a timeout error', async () => {
    const c = postClient({ maxBytes: 1 << 20 });
    const started = Date.now();
    const err = await c.post(`${base}/silent`, 'x', {}, 300).catch((e) => e);
    expect(err).toBeInstanceOf(PostError);
    expect(err.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5000);
    c.close();
  });

  it('refuses an answer larger than the limit while reading it', async () => {
    const c = postClient({ maxBytes: 1024 * 1024 });
    const err = await c.post(`${base}/huge`, 'x', {}, 5000).catch((e) => e);
    expect(err).toBeInstanceOf(PostError);
    expect(err.kind).toBe('too-large');
    c.close();
  });

  it('reports a refused connection as a connection error', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const c = postClient({ maxBytes: 1024 });
    const err = await c.post(`http://127.0.0.1:${port}/`, 'x', {}, 2000).catch((e) => e);
    expect(err).toBeInstanceOf(PostError);
    expect(err.kind).toBe('connection');
    expect(err.message).toContain('ECONNREFUSED');
    c.close();
  });
});

describe('connector reading of HTTP answers', () => {
  const payer = (endpoint: string) =>
    connectorFor(PayerSchema.parse({ id: 'p', name: 'P', connector: 'https-x12', timeoutMs: 500, x12: { interchangeId: 'PAYER', applicationId: 'PAYER', umoId: '1' } }), endpoint);
  const out = { payload: 'ISA*...~', payloadType: '278-request' as const, senderId: 'S' };

  it('a 503 is retryable, a 302 is not and is not followed', async () => {
    const busy = await payer(`${base}/busy`).send(out);
    expect(busy).toMatchObject({ ok: false, retryable: true, status: 503 });
    const before = hits.filter((h) => h === '/echo').length;
    const moved = await payer(`${base}/moved`).send(out);
    expect(moved).toMatchObject({ ok: false, retryable: false, status: 302 });
    expect(hits.filter((h) => h === '/echo').length).toBe(before);
  });

  it('a timeout is retryable', async () => {
    expect(await payer(`${base}/silent`).send(out)).toMatchObject({ ok: false, retryable: true, error: 'no answer within 500 ms' });
  });
});
