/**
 * JWT attacks on the SMART token endpoint (client assertions) and on the bearer tokens it issues.
 * Every refusal is a 401 without a token; headers that point at keys (`jku`, `x5u`, `jwk`, `x5c`)
 * are refused without being followed: the loopback listener they name receives nothing.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FHIR_OPERATIONS } from '../../src/fhir/operations/index.ts';
import { subscriptionRoutes } from '../../src/notify/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { clientAssertion, registerClient, tokenForm, unsignedJwt, type TestClient } from '../helpers/clients.ts';
import { trap, type Trap } from './trap.ts';

const ORIGIN = 'http://gateway.test';
const TOKEN_URL = `${ORIGIN}/auth/token`;

let t: TestApp;
let a: TestClient;
let b: TestClient;
let bait: Trap;
let attacker: { privateKey: CryptoKey; publicJwk: Record<string, unknown> };

const nowS = () => Math.floor(Date.now() / 1000);

async function postToken(body: string) {
  const res = await t.app.request(TOKEN_URL, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** A signed assertion with full control over header and claims. */
function assertion(key: CryptoKey, header: Record<string, unknown>, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES384', typ: 'JWT', ...header }).sign(key);
}

const claimsFor = (c: TestClient, over: JWTPayload = {}): JWTPayload => ({ iss: c.id, sub: c.id, aud: TOKEN_URL, jti: randomUUID(), iat: nowS(), exp: nowS() + 240, ...over });

async function accessToken(c: TestClient, scope?: string): Promise<string> {
  const r = await postToken(tokenForm(await clientAssertion(c, TOKEN_URL), scope));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.access_token!;
}

/** A protected read: 404 (not found) once the token is accepted, 401/403 otherwise. */
async function probe(token: string, path = `/fhir/ClaimResponse/${randomUUID()}`, method = 'GET') {
  const res = await t.app.request(`${ORIGIN}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text(), challenge: res.headers.get('www-authenticate') };
}

beforeAll(async () => {
  // The real FHIR routes (the operations answer 404 for an unknown id once a token is accepted).
  t = await testApp({ extra: [subscriptionRoutes, ...FHIR_OPERATIONS] });
  a = await registerClient(t.deps.db, { alg: 'ES384' });
  b = await registerClient(t.deps.db, { alg: 'RS384' });
  const pair = await generateKeyPair('ES384', { extractable: true });
  attacker = { privateKey: pair.privateKey, publicJwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker', alg: 'ES384' } };
  // The bait answers like a JWKS host serving the attacker's key.
  bait = await trap((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [attacker.publicJwk] }));
  });
});
afterAll(async () => {
  await bait.close();
  await t.close();
});

describe('client assertions at POST /auth/token', () => {
  it('control: a well-formed assertion gets a token', async () => {
    const r = await postToken(tokenForm(await assertion(a.privateKey, { kid: a.kid }, claimsFor(a))));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });

  const refusals: [string, () => Promise<string>][] = [
    ['alg none', async () => unsignedJwt({ alg: 'none', kid: a.kid }, claimsFor(a))],
    ['alg None (case variant)', async () => unsignedJwt({ alg: 'None', kid: a.kid }, claimsFor(a))],
    [
      "HS256 keyed with the client's own public key (algorithm confusion)",
      async () => {
        const { publicKey } = await generateKeyPair('ES384', { extractable: true });
        const pem = await exportSPKI(publicKey);
        return new SignJWT(claimsFor(a)).setProtectedHeader({ alg: 'HS256', kid: a.kid }).sign(new TextEncoder().encode(pem));
      },
    ],
    ['an expired assertion', () => assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { iat: nowS() - 600, exp: nowS() - 300 }))],
    ['nbf in the future (not yet valid)', () => assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { nbf: nowS() + 600 }))],
    ['iat in the future', () => assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { iat: nowS() + 600, exp: nowS() + 240 }))],
    ['exp more than five minutes ahead', () => assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { exp: nowS() + 3600 }))],
    ['a lifetime (exp - iat) over five minutes', () => assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { iat: nowS() - 420, exp: nowS() + 60 }))],
    ['no exp', () => assertion(a.privateKey, { kid: a.kid }, { iss: a.id, sub: a.id, aud: TOKEN_URL, jti: randomUUID() })],
    ['no jti', () => assertion(a.privateKey, { kid: a.kid }, { iss: a.id, sub: a.id, aud: TOKEN_URL, exp: nowS() + 60 })],
    ['a wrong aud', () => assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { aud: 'https://other.example/auth/token' }))],
    ['aud naming the FHIR base instead of the token endpoint', () => assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { aud: `${ORIGIN}/fhir` }))],
    ['iss differing from sub', () => assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { sub: b.id }))],
    ['an unknown kid', () => assertion(a.privateKey, { kid: 'no-such-kid' }, claimsFor(a))],
    ['no kid', () => new SignJWT(claimsFor(a)).setProtectedHeader({ alg: 'ES384' }).sign(a.privateKey)],
    ["another client's key, claiming to be this client", () => new SignJWT(claimsFor(a)).setProtectedHeader({ alg: 'RS384', kid: b.kid }).sign(b.privateKey)],
    ["this client's key, claiming to be another client", () => assertion(a.privateKey, { kid: a.kid }, claimsFor(b))],
    ['a key nobody registered, with a registered kid', () => assertion(attacker.privateKey, { kid: a.kid }, claimsFor(a))],
  ];
  for (const [what, make] of refusals) {
    it(`refuses ${what} with 401 invalid_client and no token`, async () => {
      const r = await postToken(tokenForm(await make()));
      expect(r.status, JSON.stringify(r.body)).toBe(401);
      expect(r.body.error).toBe('invalid_client');
      expect(r.body.access_token).toBeUndefined();
    });
  }

  const locators: [string, () => Record<string, unknown>][] = [
    ['jku', () => ({ kid: 'attacker', jku: `${bait.url}/jwks.json` })],
    ['x5u', () => ({ kid: 'attacker', x5u: `${bait.url}/cert.pem` })],
    ['jwk (an embedded key)', () => ({ kid: 'attacker', jwk: attacker.publicJwk })],
    ['x5c (an embedded certificate chain)', () => ({ kid: 'attacker', x5c: ['MIIB'] })],
  ];
  for (const [what, header] of locators) {
    it(`refuses a ${what} header, signed by the key it points at, and never fetches anything`, async () => {
      const before = bait.connections();
      const r = await postToken(tokenForm(await assertion(attacker.privateKey, header(), claimsFor(a))));
      expect(r.status, JSON.stringify(r.body)).toBe(401);
      expect(r.body.error).toBe('invalid_client');
      expect(r.body.error_description).toMatch(/must not carry/);
      await new Promise((res) => setTimeout(res, 100));
      expect(bait.connections()).toBe(before);
      expect(bait.hits).toEqual([]);
    });
  }

  it("refuses a jku header even on an assertion correctly signed with the client's registered key", async () => {
    const r = await postToken(tokenForm(await assertion(a.privateKey, { kid: a.kid, jku: `${bait.url}/jwks.json` }, claimsFor(a))));
    expect(r.status).toBe(401);
    expect(bait.hits).toEqual([]);
  });

  it('refuses a replayed jti, also when the replay comes with a new signature', async () => {
    const jti = randomUUID();
    const first = await assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { jti }));
    expect((await postToken(tokenForm(first))).status).toBe(200);
    const again = await postToken(tokenForm(first));
    expect(again.status).toBe(401);
    expect(again.body.error_description).toMatch(/jti/);
    const resigned = await assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { jti, exp: nowS() + 200 }));
    expect((await postToken(tokenForm(resigned))).status).toBe(401);
  });

  it("one client's jti does not block another client's", async () => {
    const jti = randomUUID();
    expect((await postToken(tokenForm(await assertion(a.privateKey, { kid: a.kid }, claimsFor(a, { jti }))))).status).toBe(200);
    const rs = await new SignJWT(claimsFor(b, { jti })).setProtectedHeader({ alg: 'RS384', kid: b.kid }).sign(b.privateKey);
    expect((await postToken(tokenForm(rs))).status).toBe(200);
  });
});

describe('bearer access tokens on the FHIR API (spec-4: HRex security, SMART Backend Services)', () => {
  /** The claims and header of a real token, to forge variants of. */
  async function realParts() {
    const token = await accessToken(a);
    const [h, p, s] = token.split('.') as [string, string, string];
    return {
      token,
      header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
      claims: JSON.parse(Buffer.from(p, 'base64url').toString()) as JWTPayload,
      h,
      p,
      s,
    };
  }
  const gatewaySign = (header: Record<string, unknown>, claims: JWTPayload) => {
    const { signer } = t.deps.keys.current();
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES384', kid: signer.kid, typ: 'at+jwt', ...header }).sign(signer.key);
  };

  it('control: a real token reaches the handler (404 for an unknown id, from the handler itself)', async () => {
    const { token } = await realParts();
    const r = await probe(token);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).issue[0].diagnostics).toBe('ClaimResponse not found');
  });

  const forgeries: [string, () => Promise<string>][] = [
    [
      'a tampered payload under the real signature (another organization)',
      async () => {
        const r = await realParts();
        return `${r.h}.${Buffer.from(JSON.stringify({ ...r.claims, org: b.orgId })).toString('base64url')}.${r.s}`;
      },
    ],
    [
      'a tampered payload under the real signature (more scopes)',
      async () => {
        const r = await realParts();
        return `${r.h}.${Buffer.from(JSON.stringify({ ...r.claims, scope: 'system/*.*' })).toString('base64url')}.${r.s}`;
      },
    ],
    ['a token signed by a key that is not the gateway’s, under the gateway’s kid', async () => {
      const r = await realParts();
      return new SignJWT(r.claims).setProtectedHeader(r.header as never).sign(attacker.privateKey);
    }],
    ['alg none', async () => {
      const r = await realParts();
      return unsignedJwt({ ...r.header, alg: 'none' }, r.claims);
    }],
    ['HS256 keyed with the gateway’s public JWK', async () => {
      const r = await realParts();
      const jwk = t.deps.keys.current().jwks.keys[0];
      return new SignJWT(r.claims).setProtectedHeader({ ...r.header, alg: 'HS256' } as never).sign(new TextEncoder().encode(JSON.stringify(jwk)));
    }],
    ['an expired token', async () => gatewaySign({}, { ...(await realParts()).claims, iat: nowS() - 900, exp: nowS() - 600 })],
    ['a token not valid yet (nbf)', async () => gatewaySign({}, { ...(await realParts()).claims, nbf: nowS() + 600 })],
    ['a wrong audience', async () => gatewaySign({}, { ...(await realParts()).claims, aud: 'https://elsewhere.example' })],
    ['a wrong issuer', async () => gatewaySign({}, { ...(await realParts()).claims, iss: 'https://elsewhere.example' })],
    ['a jku header on a gateway-signed token', async () => gatewaySign({ jku: `${bait.url}/jwks.json` }, (await realParts()).claims)],
    ['a JWT that is not an access token (typ JWT), signed by the gateway key', async () => gatewaySign({ typ: 'JWT' }, (await realParts()).claims)],
    ['a client assertion presented as a bearer token', () => clientAssertion(a, TOKEN_URL)],
    ['an unknown kid', async () => gatewaySign({ kid: 'rotated-away' }, (await realParts()).claims)],
    ['garbage', async () => 'not.a.jwt'],
  ];
  for (const [what, make] of forgeries) {
    it(`refuses ${what} with 401 and a Bearer challenge`, async () => {
      const r = await probe(await make());
      expect(r.status, r.body).toBe(401);
      // RFC 6750 §3.1: a token was sent and refused.
      expect(r.challenge).toMatch(/^Bearer realm="priorgate", error="invalid_token", error_description="[^"]+"$/);
      expect(JSON.parse(r.body).resourceType).toBe('OperationOutcome');
    });
  }
  it('never contacts a host named in a forged token', () => {
    expect(bait.hits).toEqual([]);
  });

  const scopeCases: [string, string, string, string][] = [
    ['system/ClaimResponse.r', 'POST', '/fhir/Claim/$submit', 'system/Claim.c'],
    ['system/Claim.c', 'POST', '/fhir/Claim/$inquire', 'system/Claim.r'],
    ['system/Claim.c', 'GET', `/fhir/ClaimResponse/${randomUUID()}`, 'system/ClaimResponse.r'],
    ['system/Claim.c', 'POST', '/fhir/CoverageEligibilityRequest/$submit', 'system/CoverageEligibilityRequest.c'],
    ['system/Claim.c', 'GET', '/fhir/Subscription', 'system/Subscription.r'],
    ['system/Claim.c', 'POST', '/fhir/Subscription', 'system/Subscription.c'],
    ['system/Claim.c', 'DELETE', `/fhir/Subscription/${randomUUID()}`, 'system/Subscription.d'],
  ];
  it('a known FHIR operation asked with another method is 405 with Allow, once the token is accepted', async () => {
    const token = await accessToken(a);
    for (const [method, path, allow] of [['GET', '/fhir/Claim/$submit', 'POST'], ['PATCH', `/fhir/Subscription/${randomUUID()}`, 'DELETE, GET, HEAD, PUT']] as const) {
      const res = await t.app.request(`${ORIGIN}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
    }
  });

  for (const [granted, method, path, needed] of scopeCases) {
    it(`a token with only ${granted} gets 403 on ${method} ${path.replace(/[0-9a-f-]{36}/, '{id}')} (needs ${needed})`, async () => {
      const r = await probe(await accessToken(a, granted), path, method);
      expect(r.status, r.body).toBe(403);
      expect(JSON.parse(r.body).issue[0].diagnostics).toContain(needed);
      // RFC 6750 §3.1: the scope the request needs, in the challenge.
      expect(r.challenge).toBe(`Bearer realm="priorgate", error="insufficient_scope", scope="${needed}"`);
    });
  }
});
