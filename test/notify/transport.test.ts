/** The guarded rest-hook POST itself: bounded reads, deadlines, refusals, and the injected-fetch path. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { postHook } from '../../src/notify/index.ts';
import { fakeResolver } from './helpers.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/hook`;
}

const base = { headers: { 'Content-Type': 'application/fhir+json' }, body: '{}', allowlist: ['127.0.0.1'], timeoutMs: 2000 };

describe('postHook', () => {
  it('reads no more than a small part of an endless answer, and the connection is cut', async () => {
    let closed = false;
    const url = await serve((req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => (closed = true));
      pump();
    });
    expect(await postHook({ ...base, endpoint: url, maxResponseBytes: 1024 })).toEqual({ kind: 'response', status: 200 });
    await expect.poll(() => closed, { timeout: 3000 }).toBe(true);
  });

  it('connects to an allowlisted name through the guarded lookup (the checked address is the one used)', async () => {
    const url = await serve((req, res) => {
      res.writeHead(204);
      res.end();
    });
    const named = url.replace('127.0.0.1', 'hook.test');
    const resolve = fakeResolver({ 'hook.test': ['127.0.0.1'] });
    expect(await postHook({ ...base, endpoint: named, allowlist: ['hook.test'], resolve })).toEqual({ kind: 'response', status: 204 });
    // the same name, not allowlisted (and over https), is refused at the lookup
    const https = named.replace('http:', 'https:');
    expect(await postHook({ ...base, endpoint: https, allowlist: [], resolve })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/loopback/) });
  });

  it('gives up after the deadline', async () => {
    const url = await serve(() => {});
    const started = Date.now();
    expect(await postHook({ ...base, endpoint: url, timeoutMs: 100 })).toEqual({ kind: 'network', error: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports a refused connection as a network failure (retryable)', async () => {
    const url = await serve(() => {});
    servers[0]!.close();
    servers[0]!.closeAllConnections();
    const r = await postHook({ ...base, endpoint: url });
    expect(r).toMatchObject({ kind: 'network', error: 'ECONNREFUSED' });
  });

  it('refuses, without connecting, an endpoint the rules forbid', async () => {
    expect(await postHook({ ...base, endpoint: 'https://169.254.169.254/latest', allowlist: [] })).toMatchObject({ kind: 'refused' });
    expect(await postHook({ ...base, endpoint: 'http://127.0.0.1:1/hook', allowlist: [] })).toMatchObject({ kind: 'refused' });
    const resolve = fakeResolver({ 'inside.test': ['10.9.8.7'] });
    expect(await postHook({ ...base, endpoint: 'https://inside.test/hook', allowlist: [], resolve })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/10\.9\.8\.7/) });
  });

  it('with an injected fetch: posts, does not follow redirects, and still checks resolved addresses', async () => {
    let got = '';
    const url = await serve((req, res) => {
      req.on('data', (c) => (got += c));
      req.on('end', () => {
        res.writeHead(req.url === '/hook' ? 202 : 302, { Location: 'http://127.0.0.1:1/elsewhere' });
        res.end();
      });
    });
    expect(await postHook({ ...base, endpoint: url, body: '{"a":1}', fetch })).toEqual({ kind: 'response', status: 202 });
    expect(got).toBe('{"a":1}');
    expect(await postHook({ ...base, endpoint: url.replace('/hook', '/moved'), fetch })).toEqual({ kind: 'response', status: 302 });
    const resolve = fakeResolver({ 'inside.test': ['fd00::5'] });
    expect(await postHook({ ...base, endpoint: 'https://inside.test/hook', allowlist: [], resolve, fetch })).toMatchObject({ kind: 'refused' });
  });
});
