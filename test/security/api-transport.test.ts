/**
 * Transport security: TLS termination in the server (TLS 1.2 and 1.3 only), outbound TLS to payers
 * that is always verified (unknown CA refused unless PRIORGATE_CA_FILE or the payer's `tlsCa` names
 * it), mutual TLS with the client certificate a payer file configures, and deadlines on every
 * inbound request and outbound call. Certificates are made with `openssl` at test time.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientKeys } from '../../src/auth/index.ts';
import { operatorCall } from '../../src/cli/database.ts';
import { createEhrClient } from '../../src/ehr/index.ts';
import { localClientTls, sendRequest } from '../../src/net/index.ts';
import { postHook } from '../../src/notify/index.ts';
import { connectorFor } from '../../src/payers/connector.ts';
import { payerTls } from '../../src/payers/tls.ts';
import { loadPayers, PayerSchema, type PayerConfig } from '../../src/rules/payers.ts';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { signAssertionWithJwk } from '../helpers/jwk.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { makePki, type Pki } from './tls-kit.ts';
import { pasTo278Text } from './x12-kit.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let pki: Pki;
beforeAll(() => {
  pki = makePki();
});
afterAll(() => pki.cleanup());

/** A TLS handshake at exactly one protocol version; resolves to the version spoken or the error code. */
function handshake(port: number, version: tls.SecureVersion, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'gateway.test', ca, minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' }, () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.destroy();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(`error ${e.code}`));
  });
}

describe('TLS termination in the server (PRIORGATE_TLS_CERT_FILE / PRIORGATE_TLS_KEY_FILE)', () => {
  let gw: TestGateway;
  let port: number;
  const call = async (method: 'GET' | 'POST', p: string, headers: Record<string, string> = {}, body?: string) => {
    const r = await sendRequest(new URL(`${gw.url}${p}`), { method, headers, body, timeoutMs: 10_000, maxResponseBytes: 8 << 20, tls: { ca: [pki.pem('server-ca.crt')], servername: 'gateway.test' } });
    if (r.kind !== 'response') throw new Error(JSON.stringify(r));
    return { status: r.status, text: r.body.toString('utf8') };
  };

  beforeAll(async () => {
    gw = await testGateway({
      PRIORGATE_TLS_CERT_FILE: pki.file('gateway.crt'),
      PRIORGATE_TLS_KEY_FILE: pki.file('gateway.key'),
      // Local callers (the demo payer simulator's pushes, operator commands) trust the server CA.
      PRIORGATE_CA_FILE: pki.file('server-ca.crt'),
      PRIORGATE_HEADERS_TIMEOUT_MS: '1000',
      PRIORGATE_REQUEST_TIMEOUT_MS: '2000',
    });
    port = gw.port;
  });
  afterAll(() => gw.stop());

  it('serves HTTPS on its one port', async () => {
    expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await call('GET', '/healthz')).status).toBe(200);
  });

  it('speaks TLS 1.2 and TLS 1.3', async () => {
    expect(await handshake(port, 'TLSv1.2', pki.pem('server-ca.crt'))).toBe('TLSv1.2');
    expect(await handshake(port, 'TLSv1.3', pki.pem('server-ca.crt'))).toBe('TLSv1.3');
  });

  it('refuses TLS 1.1 (protocol version alert), which the same client can speak to a permissive server', async () => {
    const permissive = tls.createServer({ cert: pki.pem('gateway.crt'), key: pki.pem('gateway.key'), minVersion: 'TLSv1', ciphers: 'DEFAULT@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((r) => permissive.listen(0, '127.0.0.1', r));
    try {
      expect(await handshake((permissive.address() as AddressInfo).port, 'TLSv1.1', pki.pem('server-ca.crt'))).toBe('TLSv1.1');
    } finally {
      permissive.close();
    }
    expect(await handshake(port, 'TLSv1.1', pki.pem('server-ca.crt'))).toBe('error ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('answers nothing in clear text on the TLS port', async () => {
    const r = await sendRequest(new URL(`http://127.0.0.1:${port}/healthz`), { method: 'GET', timeoutMs: 3000, maxResponseBytes: 1024 });
    expect(r.kind === 'response' && r.status === 200).toBe(false);
  });

  it('the whole flow works over HTTPS: SMART token, $submit, and the payer simulator pushing the late decision back over HTTPS', async () => {
    const jwk = JSON.parse(readFileSync(path.join(gw.dataDir, 'demo', 'demo-clinic-a.private.jwk'), 'utf8'));
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await signAssertionWithJwk(jwk, 'demo-clinic-a', `${gw.url}/auth/token`),
    }).toString();
    const tok = await call('POST', '/auth/token', { 'content-type': 'application/x-www-form-urlencoded' }, form);
    expect(tok.status, tok.text).toBe(200);
    const auth = { authorization: `Bearer ${JSON.parse(tok.text).access_token}`, 'content-type': 'application/fhir+json' };
    const submitted = await call('POST', '/fhir/Claim/$submit', auth, JSON.stringify(pasExample('Bundle-SurgicalRequestBundleExample.json', 'W901P')));
    expect(submitted.status, submitted.text.slice(0, 300)).toBe(200);
    const id = JSON.parse(submitted.text).entry[0].resource.id;
    await expect
      .poll(async () => reviewCodes(JSON.parse((await call('GET', `/fhir/ClaimResponse/${id}`, auth)).text)), { timeout: 10_000, interval: 250 })
      .toContain('A1');
  });

  it('operator commands reach the running HTTPS server, trusting its certificate (PRIORGATE_CA_FILE) by its DNS name', async () => {
    const { secret } = JSON.parse(readFileSync(path.join(gw.dataDir, 'operator.json'), 'utf8'));
    const r = await operatorCall<{ access_token?: string }>({ url: gw.url, secret, tls: localClientTls(pki.pem('gateway.crt'), pki.pem('server-ca.crt')) }, 'token', { client: 'demo-clinic-a' });
    expect(r.status).toBe(200);
    expect(r.body.access_token).toBeTruthy();
    // Without the CA the same call is refused: verification is never skipped.
    await expect(operatorCall({ url: gw.url, secret, tls: localClientTls(pki.pem('gateway.crt')) }, 'token', { client: 'demo-clinic-a' })).rejects.toThrow(/UNABLE_TO_VERIFY/);
  });

  it('closes a connection whose request head does not arrive within PRIORGATE_HEADERS_TIMEOUT_MS (slowloris)', async () => {
    const started = Date.now();
    const closed = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'gateway.test', ca: pki.pem('server-ca.crt') }, () => s.write('GET /healthz HTTP/1.1\r\nHost: gateway.test\r\n'));
      let got = '';
      s.on('data', (d) => (got += d));
      s.on('close', () => resolve(got));
      s.on('error', () => {});
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(closed).toMatch(/^(HTTP\/1\.1 408|$)/);
  });

  it('closes a connection whose body does not arrive within PRIORGATE_REQUEST_TIMEOUT_MS', async () => {
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'gateway.test', ca: pki.pem('server-ca.crt') }, () =>
        s.write('POST /auth/token HTTP/1.1\r\nHost: gateway.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type='),
      );
      s.on('data', () => {});
      s.on('close', () => resolve());
      s.on('error', () => {});
    });
    expect(Date.now() - started).toBeLessThan(6000);
  });
});

describe('outbound TLS to payers', () => {
  interface SimServer {
    url: string;
    sim: ReturnType<typeof createPayerSim>;
    peers: (string | undefined)[];
    server: ServerType;
  }
  const servers: SimServer[] = [];
  async function payerSim(opts: { clientCa?: string }): Promise<SimServer> {
    const sim = createPayerSim({ pendMs: 60_000 });
    const peers: (string | undefined)[] = [];
    const serverOptions: https.ServerOptions = {
      cert: pki.pem('payer.crt'),
      key: pki.pem('payer.key'),
      ...(opts.clientCa ? { requestCert: true, rejectUnauthorized: true, ca: opts.clientCa } : {}),
    };
    const { server, port } = await new Promise<{ server: ServerType; port: number }>((resolve) => {
      const s = serve({ fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1', createServer: https.createServer, serverOptions }, (info) => resolve({ server: s, port: info.port }));
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => peers.push((socket.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN));
    const s = { url: `https://127.0.0.1:${port}/core`, sim, peers, server };
    servers.push(s);
    return s;
  }
  afterAll(async () => {
    for (const s of servers) {
      s.sim.close();
      (s.server as unknown as { closeAllConnections(): void }).closeAllConnections();
      await new Promise((r) => s.server.close(() => r(undefined)));
    }
  });

  const payer = (extra: Record<string, unknown> = {}): PayerConfig =>
    PayerSchema.parse({
      id: 'tls-payer',
      name: 'TLS Plan',
      connector: 'core-soap',
      x12: { interchangeId: 'DEMOPAYER', applicationId: 'DEMOPAYER', umoId: '99999' },
      timeoutMs: 5000,
      ...extra,
    });
  const x12 = () => (pasTo278Text(pasExample('Bundle-SurgicalRequestBundleExample.json', 'W902A')) as { text: string }).text;
  const send = (p: PayerConfig, endpoint: string, ctx: { caPem?: string; env?: Record<string, string> } = {}) =>
    connectorFor(p, endpoint, payerTls(p, { baseDir: pki.dir, env: (n) => ctx.env?.[n], caPem: ctx.caPem })).send({ payload: x12(), payloadType: '278-request', senderId: 'PRIORGATE' });

  it('refuses a payer whose certificate comes from an unknown CA: nothing is sent', async () => {
    const s = await payerSim({});
    const r = await send(payer(), s.url);
    expect(r).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/) });
    expect(s.sim.state.received.size).toBe(0);
  });

  it('trusts that CA once PRIORGATE_CA_FILE names it', async () => {
    const s = await payerSim({});
    const r = await send(payer(), s.url, { caPem: pki.pem('server-ca.crt') });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect((r as { body: string }).body).toMatch(/^ISA/);
  });

  it("or once the payer's own tlsCa (a path relative to the payer directory) names it", async () => {
    const s = await payerSim({});
    const r = await send(payer({ tlsCa: 'server-ca.crt' }), s.url);
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it('still checks the host name against the certificate', async () => {
    const s = await payerSim({});
    const r = await send(payer({ tlsCa: 'server-ca.crt' }), s.url.replace('127.0.0.1', 'localhost'));
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/ERR_TLS_CERT_ALTNAME_INVALID/) });
  });

  it('mutual TLS: a payer requiring a client certificate refuses a gateway without one', async () => {
    const s = await payerSim({ clientCa: pki.pem('client-ca.crt') });
    const r = await send(payer({ tlsCa: 'server-ca.crt' }), s.url);
    expect(r.ok).toBe(false);
    expect(s.sim.state.received.size).toBe(0);
  });

  it('mutual TLS: the configured client certificate (tlsClientCert: env:NAME, tlsClientKey: file) is accepted', async () => {
    const s = await payerSim({ clientCa: pki.pem('client-ca.crt') });
    const p = payer({ tlsCa: 'server-ca.crt', tlsClientCert: 'env:TEST_PAYER_CERT', tlsClientKey: 'client.key' });
    const r = await send(p, s.url, { env: { TEST_PAYER_CERT: pki.pem('client.crt') } });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(s.peers).toContain('priorgate-client');
  });

  it('mutual TLS: a client certificate from another CA is refused by the payer', async () => {
    const s = await payerSim({ clientCa: pki.pem('client-ca.crt') });
    const r = await send(payer({ tlsCa: 'server-ca.crt', tlsClientCert: 'rogue.crt', tlsClientKey: 'rogue.key' }), s.url);
    expect(r.ok).toBe(false);
    expect(s.sim.state.received.size).toBe(0);
  });

  it('payer files take TLS material by reference only, and a bad reference is named at start', () => {
    expect(PayerSchema.safeParse({ ...payer(), tlsClientCert: '-----BEGIN CERTIFICATE-----\nMIIB' }).success).toBe(false);
    expect(PayerSchema.safeParse({ ...payer(), tlsClientKeyPassphrase: 'hunter2' }).success).toBe(false);
    expect(PayerSchema.safeParse({ ...payer(), tlsClientCert: 'client.crt' }).success).toBe(false);
    expect(() => payerTls(payer({ tlsClientCert: 'env:MISSING_CERT', tlsClientKey: 'client.key' }), { baseDir: pki.dir, env: () => undefined })).toThrow(/payer tls-payer: tlsClientCert: environment variable MISSING_CERT is not set/);
    expect(() => payerTls(payer({ tlsCa: 'nope.crt' }), { baseDir: pki.dir, env: () => undefined })).toThrow(/payer tls-payer: tlsCa: cannot read/);
  });

  it('end to end: the gateway delivers a 278 to an mTLS payer configured in rules/payers and gets it certified', async () => {
    const s = await payerSim({ clientCa: pki.pem('client-ca.crt') });
    const rules = mkdtempSync(path.join(tmpdir(), 'pg-rules-'));
    cpSync(path.join(ROOT, 'rules'), rules, { recursive: true });
    cpSync(pki.file('server-ca.crt'), path.join(rules, 'payers', 'mtls-ca.crt'));
    writeFileSync(
      path.join(rules, 'payers', 'mtls-payer.yaml'),
      [
        'id: mtls-payer',
        'name: Mutual TLS Plan',
        'connector: core-soap',
        `endpoint: ${s.url}`,
        'x12: { interchangeId: DEMOPAYER, applicationId: DEMOPAYER, umoId: "88888" }',
        'tlsCa: mtls-ca.crt',
        'tlsClientCert: env:PRIORGATE_TEST_MTLS_CERT',
        `tlsClientKey: ${pki.file('client.key')}`,
        'usage: T',
      ].join('\n'),
    );
    const gw = await testGateway({ PRIORGATE_RULES_DIR: rules, PRIORGATE_DEFAULT_PAYER: 'mtls-payer', PRIORGATE_TEST_MTLS_CERT: pki.pem('client.crt') });
    try {
      expect(loadPayers(path.join(rules, 'payers')).problems).toEqual([]);
      const r = await gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', 'W903A'), await gw.token());
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
      expect(reviewCodes(r.body.entry[0].resource)).toContain('A1');
      expect(s.peers).toContain('priorgate-client');
    } finally {
      await gw.stop();
      rmSync(rules, { recursive: true, force: true });
    }
  });
});

describe('every outbound call has a deadline', () => {
  let silent: Server;
  let silentUrl: string;
  beforeAll(async () => {
    // Accepts connections and requests, never answers.
    silent = createHttpServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise((r) => silent.close(r));
  });

  const within = async <T>(ms: number, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const out = await fn();
    expect(Date.now() - started).toBeLessThan(ms);
    return out;
  };

  it('payers: the payer file timeoutMs bounds the whole exchange (retryable)', async () => {
    const p = PayerSchema.parse({ id: 'slow', name: 'Slow', connector: 'https-x12', x12: { interchangeId: 'X', applicationId: 'X', umoId: '1' }, timeoutMs: 300 });
    const r = await within(2000, () => connectorFor(p, `${silentUrl}/x12`).send({ payload: 'ISA', payloadType: '278-request', senderId: 'PRIORGATE' }));
    expect(r).toEqual({ ok: false, retryable: true, error: 'no answer within 300 ms' });
  });

  it('rest-hooks: the delivery deadline', async () => {
    const r = await within(2000, () => postHook({ endpoint: `${silentUrl}/hook`, headers: {}, body: '{}', allowlist: ['127.0.0.1'], timeoutMs: 300 }));
    expect(r).toEqual({ kind: 'network', error: 'timeout' });
  });

  it('the EHR: its timeout, with the retries it is given', async () => {
    const { privateKey } = await generateKeyPair('ES384');
    const ehr = createEhrClient({ baseUrl: `${silentUrl}/fhir`, clientId: 'c', privateKey, kid: 'k', alg: 'ES384', timeoutMs: 300, retries: 1, backoffMs: 10, tokenUrl: `${silentUrl}/token` });
    await within(3000, () => expect(ehr.accessToken()).rejects.toMatchObject({ kind: 'timeout' }));
  });

  it('client JWKS URLs: the fetch deadline', async () => {
    const keysOf = clientKeys({ allowlist: ['127.0.0.1'], timeoutMs: 300 });
    const getKey = keysOf({ id: 'c', orgId: 'o', jwks: null, jwksUrl: `${silentUrl}/jwks.json`, scopes: [], active: true } as never);
    await within(2000, () => expect(getKey({ alg: 'ES384', kid: 'k' }, {} as never)).rejects.toBeTruthy());
  });

  it('no outbound call site in src/ lacks a deadline (a new one must pass one, or go through src/net)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.tsx?$/.test(e.name) && !e.name.endsWith('.test.ts')) files.push(p);
      }
    };
    walk(path.join(ROOT, 'src'));
    // Browser code served to staff pages runs in the user's browser, not in the gateway.
    const BROWSER = [path.join('src', 'staff', 'assets.ts')];
    const CALL = /\b(fetch|fetchImpl|https?\.request|https?\.get|mod\.request)\s*\(|\?\?\s*fetch\)\s*\(/g;
    const missing: string[] = [];
    for (const file of files) {
      if (BROWSER.some((b) => file.endsWith(b))) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(CALL)) {
        const line = text.slice(0, m.index).split('\n').length;
        const src = text.split('\n')[line - 1]!.trim();
        if (src.startsWith('*') || src.startsWith('//')) continue;
        const around = text.slice(m.index, m.index! + 500);
        if (!/AbortSignal\.timeout|timeoutMs/.test(around)) missing.push(`${path.relative(ROOT, file)}:${line}: ${src}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('a raw TCP client that never finishes its request is cut off by the plain-HTTP server too', async () => {
    const gw = await testGateway({ PRIORGATE_HEADERS_TIMEOUT_MS: '1000', PRIORGATE_REQUEST_TIMEOUT_MS: '1500' });
    try {
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const s = netConnect(gw.port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
        s.on('data', () => {});
        s.on('close', () => resolve());
        s.on('error', () => {});
      });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await gw.stop();
    }
  });
});
