import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCount } from '../../src/audit/index.ts';
import { createSigningKey } from '../../src/auth/index.ts';
import { testApp, type TestApp } from '../helpers/app.ts';
import { clientAssertion, registerClient, tokenForm, unsignedJwt, type TestClient } from '../helpers/clients.ts';

const ORIGIN = 'http://gateway.test';
const TOKEN_URL = `${ORIGIN}/auth/token`;

let t: TestApp;
let es: TestClient;
let rs: TestClient;

async function postToken(body: string) {
  const res = await t.app.request(TOKEN_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** A protected FHIR path: with a good token it gets past auth (404: no such claim operation). */
async function callProtected(token: string | undefined) {
  const res = await t.app.request(`${ORIGIN}/fhir/ClaimResponse/${randomUUID()}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

beforeAll(async () => {
  t = await testApp();
  es = await registerClient(t.deps.db, { alg: 'ES384' });
  rs = await registerClient(t.deps.db, { alg: 'RS384', scopes: ['system/Claim.r'] });
});
afterAll(() => t.close());

describe('POST /auth/token (SMART Backend Services)', () => {
  it('issues a bearer token for an ES384 client assertion, and the token opens protected paths', async () => {
    const r = await postToken(tokenForm(await clientAssertion(es, TOKEN_URL)));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.token_type).toBe('bearer');
    expect(Number(r.body.expires_in)).toBeGreaterThan(0);
    expect(r.body.scope!.split(' ')).toContain('system/Claim.c');
    const p = await callProtected(r.body.access_token);
    expect(p.status, p.body).not.toBe(401);
    expect(p.status, p.body).not.toBe(403);
  });

  it('issues a token for an RS384 client and narrows scopes to what the client is registered for', async () => {
    const r = await postToken(tokenForm(await clientAssertion(rs, TOKEN_URL), 'system/Claim.r system/Claim.c'));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.scope).toBe('system/Claim.r');
  });

  it('refuses a scope the client is not registered for with invalid_scope', async () => {
    const r = await postToken(tokenForm(await clientAssertion(rs, TOKEN_URL), 'system/Claim.c'));
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('invalid_scope');
  });

  const refusals: [string, () => Promise<string>][] = [
    ['alg none', async () => unsignedJwt({ alg: 'none', kid: es.kid }, { iss: es.id, sub: es.id, aud: TOKEN_URL, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 60 })],
    [
      'HS256 (a shared secret)',
      async () =>
        new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: es.kid }).setIssuer(es.id).setSubject(es.id).setAudience(TOKEN_URL).setJti(randomUUID()).setExpirationTime('2m').sign(new TextEncoder().encode('x'.repeat(32))),
    ],
    ['an expired assertion', () => clientAssertion(es, TOKEN_URL, { expInS: -120 })],
    ['a wrong aud', () => clientAssertion(es, 'https://elsewhere.example/token')],
    ['an unknown kid', () => clientAssertion(es, TOKEN_URL, { kid: 'nobody' })],
    ['an unknown client', () => clientAssertion(es, TOKEN_URL, { iss: 'ghost', sub: 'ghost' })],
    ['iss differing from sub', () => clientAssertion(es, TOKEN_URL, { sub: rs.id })],
    ['a key the client did not register', async () => clientAssertion(es, TOKEN_URL, { key: (await generateKeyPair('ES384')).privateKey })],
    ['an exp more than five minutes ahead', () => clientAssertion(es, TOKEN_URL, { expInS: 3600 })],
  ];
  for (const [what, make] of refusals) {
    it(`refuses ${what} with 401 invalid_client`, async () => {
      const r = await postToken(tokenForm(await make()));
      expect(r.status, JSON.stringify(r.body)).toBe(401);
      expect(r.body.error).toBe('invalid_client');
      expect(r.body.access_token).toBeUndefined();
    });
  }

  it('refuses a replayed jti', async () => {
    const assertion = await clientAssertion(es, TOKEN_URL);
    expect((await postToken(tokenForm(assertion))).status).toBe(200);
    const again = await postToken(tokenForm(assertion));
    expect(again.status).toBe(401);
    expect(again.body.error_description).toMatch(/jti/);
  });

  it('refuses other grant types and a missing assertion with 400', async () => {
    expect((await postToken('grant_type=password&username=a&password=b')).body.error).toBe('unsupported_grant_type');
    expect((await postToken('grant_type=client_credentials')).body.error).toBe('invalid_request');
  });

  it('audits issued and refused tokens of known clients', async () => {
    const before = await auditCount(t.deps.db);
    await postToken(tokenForm(await clientAssertion(es, TOKEN_URL)));
    await postToken(tokenForm(await clientAssertion(es, TOKEN_URL, { expInS: -120 })));
    expect(await auditCount(t.deps.db)).toBe(before + 2);
  });
});

describe('access tokens on protected paths', () => {
  it('refuses a missing token with 401 and a WWW-Authenticate challenge', async () => {
    const p = await callProtected(undefined);
    expect(p.status).toBe(401);
    // RFC 6750 §3.1: no token was sent, so the challenge names no error.
    expect(p.headers.get('www-authenticate')).toBe('Bearer realm="priorgate"');
    expect(JSON.parse(p.body).resourceType).toBe('OperationOutcome');
  });

  it('refuses a token signed by another key (forged) with 401', async () => {
    const good = (await postToken(tokenForm(await clientAssertion(es, TOKEN_URL)))).body.access_token!;
    const [h, payload] = good.split('.');
    const { privateKey } = await generateKeyPair('ES384');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
    const forged = await new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
    expect((await callProtected(forged)).status).toBe(401);
    // A tampered payload (another organization) under the real signature fails too.
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, org: 'other' })).toString('base64url')}.${good.split('.')[2]}`;
    expect((await callProtected(tampered)).status).toBe(401);
  });

  it('refuses an alg:none access token with 401', async () => {
    const kid = t.deps.keys.current().signer.kid;
    const none = unsignedJwt({ alg: 'none', kid }, { iss: 'urn:priorgate:gateway', aud: 'urn:priorgate:gateway', sub: es.id, org: es.orgId, scope: 'system/Claim.r', exp: Math.floor(Date.now() / 1000) + 60 });
    expect((await callProtected(none)).status).toBe(401);
  });

  it('refuses an expired access token with 401', async () => {
    const { signer } = t.deps.keys.current();
    const expired = await new SignJWT({ org: es.orgId, scope: 'system/ClaimResponse.r' })
      .setProtectedHeader({ alg: 'ES384', kid: signer.kid })
      .setIssuer('urn:priorgate:gateway')
      .setAudience('urn:priorgate:gateway')
      .setSubject(es.id)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 900)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 600)
      .sign(signer.key);
    expect((await callProtected(expired)).status).toBe(401);
  });

  it('keeps accepting tokens signed before a key rotation, and signs new ones with the new key', async () => {
    const before = (await postToken(tokenForm(await clientAssertion(es, TOKEN_URL)))).body.access_token!;
    const newKid = await createSigningKey(t.deps.db);
    await new Promise((r) => setTimeout(r, 1100)); // refresh is rate-limited to once a second
    await t.deps.keys.refresh();
    expect(t.deps.keys.current().signer.kid).toBe(newKid);
    expect((await callProtected(before)).status).not.toBe(401);
    const after = (await postToken(tokenForm(await clientAssertion(es, TOKEN_URL)))).body.access_token!;
    expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid).toBe(newKid);
    expect((await callProtected(after)).status).not.toBe(401);
  });
});
