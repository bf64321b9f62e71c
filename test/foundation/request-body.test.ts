/**
 * Request bodies read from Node's own request stream (src/http/body.ts), over real HTTP on
 * @hono/node-server: the text is what `Request.text()` would give, a later `c.req.text()`/`json()`
 * gets it too, the limit holds for declared and chunked bodies, and every path where something
 * else already reads the body falls back to Hono's reading. Then the gateway's own 413 over HTTP.
 */
import http from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyLimit, requestText } from '../../src/http/body.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

const LIMIT = 64 * 1024;

/** Whether @hono/node-server has built the web Request (and its body stream) behind `c.req.raw`. */
function webRequestBuilt(raw: Request): boolean {
  const key = Object.getOwnPropertySymbols(raw).find((s) => s.description === 'requestCache');
  return key !== undefined && (raw as unknown as Record<symbol, unknown>)[key] !== undefined;
}

function listen(app: Hono): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve({ server, port: info.port }));
  });
}

/** One request over a fresh connection: `chunks` written one by one (chunked unless a length is given). */
function post(port: number, path: string, chunks: Buffer[], opts: { length?: boolean } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const size = chunks.reduce((n, c) => n + c.length, 0);
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'text/plain', ...(opts.length === false ? {} : { 'content-length': String(size) }) } }, (res) => {
      const got: Buffer[] = [];
      res.on('data', (d: Buffer) => got.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(got).toString('utf8') }));
    });
    // A refused body may be cut off while it is still being written.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve({ status: -1, body: '' }) : reject(e)));
    let i = 0;
    const next = () => {
      if (i === chunks.length) return req.end();
      req.write(chunks[i++]);
      setTimeout(next, 2);
    };
    next();
  });
}

describe('request bodies read from the Node request (src/http/body.ts)', () => {
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    const app = new Hono();
    app.use(bodyLimit(LIMIT, (c) => c.text('too large', 413)));
    // What requestText read, and what Hono's own readers then give.
    app.post('/echo', async (c) => {
      const text = await requestText(c);
      const built = webRequestBuilt(c.req.raw);
      const again = await c.req.text();
      return c.json({ text, again, same: text === again, built });
    });
    app.post('/json', async (c) => {
      await requestText(c);
      return c.json({ parsed: await c.req.json() });
    });
    // Someone read the body the web way first: requestText must not wait on a drained stream.
    app.post('/read-first', async (c) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      return c.json({ first: bytes.length, text: await requestText(c) });
    });
    app.get('/plain', (c) => c.json({ built: webRequestBuilt(c.req.raw) }));
    app.post('/raw-first', async (c) => {
      void c.req.raw.body; // builds the web Request: its stream now owns the Node body
      return c.json({ built: webRequestBuilt(c.req.raw), text: await requestText(c) });
    });
    ({ server, port } = await listen(app));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('gives the body split over many TCP writes, multi-byte characters cut between them, as Request.text() would', async () => {
    const text = `{"name":"Zoë Ångström – 東京","note":"${'é'.repeat(20_000)}"}`;
    const bytes = Buffer.from(text, 'utf8');
    // Cut every 997 bytes: most cuts fall inside a two-byte é.
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 997) chunks.push(bytes.subarray(i, i + 997));
    const res = await post(port, '/echo', chunks);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { text: string; same: boolean; built: boolean };
    expect(body.text).toBe(text);
    expect(body.same).toBe(true);
    // Read from the Node request: neither the limit nor the reading built the web Request.
    expect(body.built).toBe(false);
  });

  it('drops a leading byte-order mark and replaces malformed bytes exactly as Request.text() does', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"x'), Buffer.from([0xff, 0xc3]), Buffer.from('"}')]);
    const expected = await new Response(bytes).text();
    const res = await post(port, '/echo', [bytes]);
    const body = JSON.parse(res.body) as { text: string; again: string };
    expect(body.text).toBe(expected);
    expect(body.text.startsWith('{')).toBe(true);
    expect(body.text).toContain('\uFFFD');
    expect(body.again).toBe(expected);
  });

  it('leaves the text where c.req.json() finds it', async () => {
    const res = await post(port, '/json', [Buffer.from('{"resourceType":"Bundle","n":3}')]);
    expect(JSON.parse(res.body)).toEqual({ parsed: { resourceType: 'Bundle', n: 3 } });
  });

  it('falls back to Hono when the body was already read through the web Request', async () => {
    const res = await post(port, '/read-first', [Buffer.from('abc'), Buffer.from('def')]);
    expect(JSON.parse(res.body)).toEqual({ first: 6, text: 'abcdef' });
  });

  it('falls back to Hono when the web Request was built (its stream owns the Node body)', async () => {
    const res = await post(port, '/raw-first', [Buffer.from('x'.repeat(5000)), Buffer.from('y')]);
    expect(JSON.parse(res.body)).toEqual({ built: true, text: `${'x'.repeat(5000)}y` });
  });

  it('refuses a declared length over the limit with 413 before reading it, and keeps serving', async () => {
    const res = await post(port, '/echo', [Buffer.alloc(LIMIT + 1, 'a')]);
    expect([413, -1]).toContain(res.status);
    if (res.status === -1) throw new Error('connection cut before the 413 arrived');
    expect(res.body).toBe('too large');
    const ok = await post(port, '/echo', [Buffer.alloc(LIMIT, 'a')]);
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as { text: string }).text.length).toBe(LIMIT);
  });

  it('counts a chunked body as it comes: over the limit 413, within it read whole', async () => {
    const over = await post(port, '/echo', Array.from({ length: 9 }, () => Buffer.alloc(8 * 1024, 'b')), { length: false });
    expect(over.status).toBe(413);
    const within = await post(port, '/echo', [Buffer.from('chunk one,'), Buffer.from(' chunk two')], { length: false });
    expect(within.status).toBe(200);
    expect((JSON.parse(within.body) as { text: string }).text).toBe('chunk one, chunk two');
  });

  it('lets a request without a body (a GET) through without building the web Request', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/plain`);
    expect(await res.json()).toEqual({ built: false });
  });

  it('works under app.request() too, where there is no Node request', async () => {
    const app = new Hono();
    app.use(bodyLimit(16, (c) => c.text('too large', 413)));
    app.post('/echo', async (c) => c.text(await requestText(c)));
    expect(await (await app.request('/echo', { method: 'POST', body: 'hello' })).text()).toBe('hello');
    expect((await app.request('/echo', { method: 'POST', body: 'x'.repeat(17) })).status).toBe(413);
  });
});

describe('the gateway over HTTP: FHIR bodies read from the Node request', () => {
  let t: TestApp;
  let server: ServerType;
  let port: number;
  beforeAll(async () => {
    t = await testApp({ env: { PRIORGATE_BODY_LIMIT_BYTES: '4096' } });
    ({ server, port } = await listen(t.app as unknown as Hono));
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await t.close();
  });

  it('answers a body over the limit with 413 and an OperationOutcome, declared or chunked', async () => {
    for (const length of [true, false]) {
      const res = await post(port, '/fhir/Claim/$submit', [Buffer.alloc(3000, ' '), Buffer.alloc(3000, ' ')], { length });
      expect(res.status).toBe(413);
      const outcome = JSON.parse(res.body) as { resourceType: string; issue: { code: string; diagnostics: string }[] };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]!.diagnostics).toContain('4096');
    }
  });
});
