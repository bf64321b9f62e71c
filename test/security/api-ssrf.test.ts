/**
 * SSRF: URLs a caller chooses and the gateway then calls — Subscription rest-hook endpoints and
 * client JWKS URLs — must not reach loopback, private, link-local (cloud metadata), unique-local or
 * IPv4-mapped addresses in any spelling, nor names resolving there (at registration and again at
 * call time: DNS may change), nor be redirected there. Tests use the allowlists to permit their own
 * loopback receivers, and prove the refusal without them.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateClient, clientKeys } from '../../src/auth/index.ts';
import { upsertClient, upsertOrganization } from '../../src/db/queries/clients.ts';
import { attemptsOf, subscriptionById } from '../../src/db/queries/subscriptions.ts';
import type { TestApp } from '../helpers/app.ts';
import { cli } from '../helpers/process.ts';
import { call, fakeResolver, notifyApp, pasSubscription, provider, runNotifyJobs, type Provider } from '../notify/helpers.ts';
import { trap, type Trap } from './trap.ts';

const ORIGIN = 'http://gateway.test';
const TOKEN_URL = `${ORIGIN}/auth/token`;

/** Every way of writing an address the gateway must never call (host part of an https URL). */
const FORBIDDEN_HOSTS: [string, string][] = [
  ['loopback', '127.0.0.1'],
  ['another loopback address', '127.8.9.10'],
  ['localhost', 'localhost'],
  ['localhost with a trailing dot, upper case', 'LOCALHOST.'],
  ['a *.localhost name', 'api.localhost'],
  ['IPv6 loopback', '[::1]'],
  ['10/8', '10.1.2.3'],
  ['172.16/12 (low end)', '172.16.0.1'],
  ['172.16/12 (high end)', '172.31.255.254'],
  ['192.168/16', '192.168.0.10'],
  ['169.254/16 link-local', '169.254.10.20'],
  ['the cloud metadata address', '169.254.169.254'],
  ['the unspecified address', '0.0.0.0'],
  ['carrier-grade NAT', '100.64.0.1'],
  ['fc00::/7 (fc)', '[fc00::1]'],
  ['fc00::/7 (fd)', '[fd12:3456::1]'],
  ['fe80::/10 link-local', '[fe80::1]'],
  ['IPv4-mapped loopback (dotted)', '[::ffff:127.0.0.1]'],
  ['IPv4-mapped loopback (hex)', '[::ffff:7f00:1]'],
  ['IPv4-mapped metadata', '[::ffff:169.254.169.254]'],
  ['IPv4-mapped private', '[::ffff:10.0.0.1]'],
  ['NAT64 of loopback', '[64:ff9b::7f00:1]'],
  ['6to4 of a private address', '[2002:c0a8:0001::1]'],
  ['loopback as a decimal number', '2130706433'],
  ['loopback in octal', '0177.0.0.1'],
  ['loopback in hex, short form', '0x7f.1'],
  ['loopback as one hex number', '0x7f000001'],
  ['loopback, short form', '127.1'],
  ['metadata as a decimal number', '2852039166'],
  ['private in octal', '012.0.0.1'],
];

/** Names and what a (test) DNS says they resolve to. */
const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.216.34'],
  'internal.example.com': ['10.20.30.40'],
  'metadata.example.com': ['169.254.169.254'],
  'loop6.example.com': ['::1'],
  'mixed.example.com': ['93.184.216.34', '192.168.1.1'],
  'ula.example.com': ['fd00::abcd'],
};

let t: TestApp;
let a: Provider;

beforeAll(async () => {
  t = await notifyApp({ resolve: fakeResolver(DNS), allowlist: '' });
  a = await provider(t, '1234567893');
});
afterAll(() => t.close());

describe('Subscription endpoints are refused at creation (422, OperationOutcome at Subscription.channel.endpoint)', () => {
  const cases: [string, string][] = [
    ...FORBIDDEN_HOSTS.map(([what, host]): [string, string] => [what, `https://${host}/hook`]),
    ['plain http to a public name', 'http://hooks.example.com/hook'],
    ['a name resolving to 10/8', 'https://internal.example.com/hook'],
    ['a name resolving to the metadata address', 'https://metadata.example.com/latest/meta-data/'],
    ['a name resolving to ::1', 'https://loop6.example.com/hook'],
    ['a name with one private address among public ones', 'https://mixed.example.com/hook'],
    ['a name resolving to fd00::/8', 'https://ula.example.com/hook'],
    ['credentials in the URL', 'https://user:secret@hooks.example.com/hook'],
    ['a non-http scheme', 'file:///etc/passwd'],
    ['gopher', 'gopher://hooks.example.com:70/_x'],
  ];
  for (const [what, endpoint] of cases) {
    it(`refuses ${what} (${endpoint})`, async () => {
      const r = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(a.npi, endpoint));
      expect(r.status, r.body).toBe(422);
      expect(r.json.resourceType).toBe('OperationOutcome');
      expect(r.json.issue[0]).toMatchObject({ code: 'security', expression: ['Subscription.channel.endpoint'] });
    });
  }

  it('control: https to a name with public addresses only is accepted', async () => {
    const r = await call(t, a, 'POST', '/fhir/Subscription', pasSubscription(a.npi, 'https://hooks.example.com/hook'));
    expect(r.status, r.body).toBe(201);
  });
});

describe('rest-hook delivery checks again, and never follows a redirect', () => {
  let receiver: Trap;
  beforeAll(async () => {
    receiver = await trap();
  });
  afterAll(() => receiver.close());

  async function subscribedAt(endpoint: string, allowlist: string[], resolve = fakeResolver(DNS)) {
    const app = await notifyApp({ resolve, allowlist: allowlist.join(',') });
    const p = await provider(app, '1234567893');
    const r = await call(app, p, 'POST', '/fhir/Subscription', pasSubscription(p.npi, endpoint));
    expect(r.status, r.body).toBe(201);
    return { app, id: r.json.id as string };
  }
  async function handshake(app: TestApp, id: string, extra: Parameters<typeof runNotifyJobs>[2]) {
    await runNotifyJobs(app, async () => (await subscriptionById(app.deps.db, id))?.status !== 'requested', extra);
    return { status: (await subscriptionById(app.deps.db, id))?.status, attempts: await attemptsOf(app.deps.db, id) };
  }

  it('allowlisted loopback receiver (PRIORGATE_HOOK_ALLOWLIST) gets the handshake — the control', async () => {
    const { app, id } = await subscribedAt(`${receiver.url}/allowed`, ['127.0.0.1']);
    const before = receiver.hits.length;
    const r = await handshake(app, id, {});
    expect(r.status).toBe('active');
    expect(receiver.hits.slice(before)).toEqual(['POST /allowed']);
    await app.close();
  });

  it('the same receiver, once the allowlist no longer names it, is refused at delivery: nothing sent', async () => {
    const { app, id } = await subscribedAt(`${receiver.url}/revoked`, ['127.0.0.1']);
    const before = receiver.connections();
    const r = await handshake(app, id, { config: { ...app.deps.config, hookAllowlist: [] } });
    expect(r.status).toBe('error');
    expect(r.attempts[0]).toMatchObject({ status: 'refused' });
    expect(receiver.connections()).toBe(before);
    await app.close();
  });

  it('a name that was public at creation and resolves to loopback at delivery (DNS rebinding) is refused: nothing sent', async () => {
    const { app, id } = await subscribedAt(`https://rebind.example.com:${receiver.port}/hook`, [], fakeResolver({ 'rebind.example.com': ['93.184.216.34'] }));
    const before = receiver.connections();
    const r = await handshake(app, id, { resolve: fakeResolver({ 'rebind.example.com': ['127.0.0.1'] }) });
    expect(r.status).toBe('error');
    expect(r.attempts[0]!.error).toMatch(/loopback/);
    expect(receiver.connections()).toBe(before);
    await app.close();
  });

  it('a public-looking endpoint that answers 302 to a private address: the redirect is not followed', async () => {
    const target = await trap();
    const redirector = await trap((_req, res) => {
      res.writeHead(302, { Location: `${target.url}/metadata` });
      res.end();
    });
    // hooks.public.test "is public": allowlisted by name so the test can run it on loopback.
    const resolve = fakeResolver({ 'hooks.public.test': ['127.0.0.1'] });
    const { app, id } = await subscribedAt(`http://hooks.public.test:${redirector.port}/hook`, ['hooks.public.test'], resolve);
    const r = await handshake(app, id, { resolve });
    expect(redirector.hits).toEqual(['POST /hook']);
    expect(target.connections()).toBe(0);
    expect(r.attempts[0]).toMatchObject({ status: 'failed', httpStatus: 302 });
    expect(r.status).toBe('error');
    await Promise.all([app.close(), target.close(), redirector.close()]);
  });
});

describe('client JWKS URLs (operator-registered, fetched when an assertion arrives)', () => {
  let jwksHost: Trap;
  let key: { privateKey: CryptoKey; jwks: { keys: Record<string, unknown>[] } };
  beforeAll(async () => {
    const pair = await generateKeyPair('ES384', { extractable: true });
    key = { privateKey: pair.privateKey, jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES384' }] } };
    jwksHost = await trap((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { Location: `${jwksHost.url}/jwks.json` });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(key.jwks));
    });
  });
  afterAll(() => jwksHost.close());

  async function clientAt(jwksUrl: string): Promise<string> {
    const id = `jwks-${randomUUID().slice(0, 8)}`;
    await upsertOrganization(t.deps.db, { id: `org-${id}`, name: 'JWKS org' });
    await upsertClient(t.deps.db, { id, orgId: `org-${id}`, jwksUrl, scopes: ['system/Claim.r'] });
    return id;
  }
  const form = async (client: string) => ({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await new SignJWT({}).setProtectedHeader({ alg: 'ES384', kid: 'k1' }).setIssuer(client).setSubject(client).setAudience(TOKEN_URL).setJti(randomUUID()).setIssuedAt().setExpirationTime('2m').sign(key.privateKey),
  });
  const authenticate = async (client: string, allowlist: string[], resolve = fakeResolver(DNS)) =>
    authenticateClient(t.deps.db, await form(client), [TOKEN_URL], new Date(), clientKeys({ allowlist, resolve, timeoutMs: 2000 })).then(
      () => 'granted',
      (e: Error & { error?: string }) => e.error ?? e.message,
    );

  it('control: an allowlisted loopback JWKS host (PRIORGATE_JWKS_ALLOWLIST) is fetched and the assertion verifies', async () => {
    const client = await clientAt(`${jwksHost.url}/jwks.json`);
    expect(await authenticate(client, ['127.0.0.1'])).toBe('granted');
    expect(jwksHost.hits).toContain('GET /jwks.json');
  });

  const refused: [string, (port: number) => string][] = [
    ['loopback, not allowlisted', (p) => `https://127.0.0.1:${p}/jwks.json`],
    ['loopback over plain http, not allowlisted', (p) => `http://127.0.0.1:${p}/jwks.json`],
    ['loopback as a decimal number', (p) => `https://2130706433:${p}/jwks.json`],
    ['loopback in hex', (p) => `https://0x7f.1:${p}/jwks.json`],
    ['localhost', (p) => `https://localhost:${p}/jwks.json`],
    ['IPv4-mapped loopback', (p) => `https://[::ffff:127.0.0.1]:${p}/jwks.json`],
    ['a name resolving to loopback at fetch time', (p) => `https://rebind.example.com:${p}/jwks.json`],
    ['the metadata address', () => 'https://169.254.169.254/latest/meta-data/jwks'],
    ['a name resolving to 10/8', () => 'https://internal.example.com/jwks.json'],
  ];
  for (const [what, url] of refused) {
    it(`refuses ${what}: invalid_client, and the host receives nothing`, async () => {
      const client = await clientAt(url(jwksHost.port));
      const before = jwksHost.connections();
      expect(await authenticate(client, [], fakeResolver({ ...DNS, 'rebind.example.com': ['127.0.0.1'] }))).toBe('invalid_client');
      expect(jwksHost.connections()).toBe(before);
    });
  }

  it('does not follow a redirect from an allowed JWKS host', async () => {
    const client = await clientAt(`${jwksHost.url}/redirect`);
    const before = jwksHost.hits.length;
    expect(await authenticate(client, ['127.0.0.1'])).toBe('invalid_client');
    expect(jwksHost.hits.slice(before)).toEqual(['GET /redirect']);
  });

  it('through POST /auth/token (no allowlist configured): a loopback JWKS URL is refused and never fetched', async () => {
    const client = await clientAt(`https://127.0.0.1:${jwksHost.port}/jwks.json`);
    const before = jwksHost.connections();
    const res = await t.app.request(TOKEN_URL, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(await form(client)).toString() });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error_description: string }).error_description).toMatch(/JWKS could not be fetched/);
    expect(jwksHost.connections()).toBe(before);
  });

  it('`priorgate client add --jwks-url` refuses private and plain-http URLs before registering', () => {
    for (const url of ['https://10.0.0.5/jwks.json', 'http://keys.example.com/jwks.json', 'https://[::1]/jwks', 'https://0177.0.0.1/jwks']) {
      const r = cli(['client', 'add', '--id', 'x', '--org', 'y', '--jwks-url', url], { PRIORGATE_DATA_DIR: '/nonexistent', DATABASE_URL: '' });
      expect(r.code, `${url}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/--jwks-url refused/);
    }
  });
});
