/**
 * PHI canaries: a distinctive fake patient (name, member id, birth date, address) is driven through
 * every path PHI takes — `$submit` (decided and pended), the late decision and its Subscription
 * notification, `$inquire`, eligibility, and invalid requests that carry it — and must never show
 * up in a log line, in an error body (to its own organization: CONTRACT "never PHI echoed back"; to
 * another organization: nothing at all), or in a URL the gateway makes (Location, links, fullUrls).
 * Logs are captured at debug level, the most talkative.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inquiryFor, pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { pasSubscription } from '../notify/helpers.ts';

const FAMILY = 'Quillfeatherton';
const GIVEN = 'Zyxandra';
const BIRTH = '1911-11-07';
const STREET = '77 Canarywharf Lane';
/** Member ids: the last letter drives the simulator (A approve, P pend then approve). */
const MEMBER = 'CNRY7734';
const CANARIES = [FAMILY, GIVEN, BIRTH, BIRTH.replace(/-/g, ''), STREET, MEMBER];
const ELIGIBILITY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/sim/examples/Bundle-EligibilityRequestExample.json');

let gw: TestGateway;
let tokenA: string;
let tokenB: string;
let hook: { server: Server; url: string; received: string[] };
/** Every URL the gateway handed out during the test (headers, links, fullUrls). */
const urls: string[] = [];
/** Every body the gateway sent to organization B. */
const toB: string[] = [];

function found(text: string): string[] {
  const lower = text.toLowerCase();
  return CANARIES.filter((c) => lower.includes(c.toLowerCase()));
}

function collectUrls(body: unknown, headers?: Headers) {
  for (const h of ['location', 'content-location', 'link']) {
    const v = headers?.get(h);
    if (v) urls.push(v);
  }
  JSON.stringify(body ?? null, (k, v) => {
    if ((k === 'fullUrl' || k === 'url' || k === 'reference') && typeof v === 'string' && /^(https?:|urn:|[A-Z][A-Za-z]+\/)/.test(v)) urls.push(v);
    return v;
  });
}

async function call(token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(`${gw.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  collectUrls(json, res.headers);
  if (token === tokenB) toB.push(text);
  return { status: res.status, text, json, headers: res.headers };
}

/** The surgical example as the canary patient. */
function canaryClaim(memberSuffix: string) {
  const b = pasExample('Bundle-SurgicalRequestBundleExample.json', `${MEMBER}${memberSuffix}`);
  const patient = b.entry.find((e: any) => e.resource.resourceType === 'Patient').resource;
  patient.name = [{ family: FAMILY, given: [GIVEN] }];
  patient.birthDate = BIRTH;
  patient.address = [{ line: [STREET], city: 'Baltimore', state: 'MD', postalCode: '21201' }];
  return b;
}

function canaryEligibility(memberSuffix: string) {
  const b = JSON.parse(readFileSync(ELIGIBILITY, 'utf8'));
  b.entry[0].resource.identifier[0].value = `phi-${randomUUID()}`;
  const patient = b.entry.find((e: any) => e.resource.resourceType === 'Patient').resource;
  patient.name = [{ family: FAMILY, given: [GIVEN] }];
  patient.birthDate = BIRTH;
  b.entry.find((e: any) => e.resource.resourceType === 'Coverage').resource.subscriberId = `${MEMBER}${memberSuffix}`;
  return b;
}

beforeAll(async () => {
  gw = await testGateway({ LOG_LEVEL: 'debug' });
  tokenA = await gw.token('demo-clinic-a');
  tokenB = await gw.token('demo-clinic-b');
  const received: string[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      received.push(data);
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hook = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pas`, received };
});
afterAll(async () => {
  hook.server.closeAllConnections();
  await new Promise((r) => hook.server.close(r));
  await gw.stop();
});

describe('the canary patient through every path', () => {
  let decidedId = '';

  it('subscribes for notifications (the handshake makes it active)', async () => {
    const r = await call(tokenA, 'POST', '/fhir/Subscription', pasSubscription('1234567893', hook.url));
    expect(r.status, r.text).toBe(201);
    await expect.poll(async () => (await call(tokenA, 'GET', `/fhir/Subscription/${r.json.id}`)).json.status, { timeout: 8000 }).toBe('active');
  });

  it('$submit, decided at once', async () => {
    const r = await call(tokenA, 'POST', '/fhir/Claim/$submit', canaryClaim('A'));
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    decidedId = r.json.entry[0].resource.id;
  });

  it('$submit, pended, then decided by the payer later and notified to the subscriber', async () => {
    const r = await call(tokenA, 'POST', '/fhir/Claim/$submit', canaryClaim('P'));
    expect(r.status).toBe(200);
    // The notification carries the decision (PHI, to the subscriber: expected) ...
    await expect.poll(() => hook.received.filter((b) => b.includes(`${MEMBER}P`) && /"code":"A1"/.test(b)).length, { timeout: 10_000 }).toBeGreaterThan(0);
    for (const body of hook.received) collectUrls(JSON.parse(body));
  });

  it('$inquire by the canary claim, and reading the ClaimResponse', async () => {
    const request = canaryClaim('A');
    const claimId = request.entry[0].resource.identifier[0].value;
    expect((await call(tokenA, 'POST', '/fhir/Claim/$inquire', inquiryFor(claimId, request))).status).toBe(200);
    expect((await call(tokenA, 'GET', `/fhir/ClaimResponse/${decidedId}`)).status).toBe(200);
  });

  it('eligibility, active and rejected by the payer (AAA)', async () => {
    for (const suffix of ['A', 'R']) {
      const r = await call(tokenA, 'POST', '/fhir/CoverageEligibilityRequest/$submit', canaryEligibility(suffix));
      expect(r.status, r.text.slice(0, 300)).toBe(200);
    }
  });

  it('invalid requests carrying the canary: the OperationOutcome names elements, never the values', async () => {
    const badGender = canaryClaim('A');
    badGender.entry.find((e: any) => e.resource.resourceType === 'Patient').resource.gender = FAMILY;
    const badDate = canaryClaim('A');
    badDate.entry.find((e: any) => e.resource.resourceType === 'Patient').resource.birthDate = `${BIRTH}T99:${FAMILY}`;
    const badRef = canaryClaim('A');
    badRef.entry[0].resource.patient = { reference: `Patient/${FAMILY}-${MEMBER}` };
    const badEligibility = canaryEligibility('A');
    badEligibility.entry.find((e: any) => e.resource.resourceType === 'Patient').resource.birthDate = `${FAMILY}`;
    const tooLong = canaryClaim('A');
    tooLong.entry[0].resource.identifier[0].value = `${MEMBER}${FAMILY}${'9'.repeat(40)}`;
    const cases: [string, string, unknown][] = [
      ['gender', '/fhir/Claim/$submit', badGender],
      ['birthDate', '/fhir/Claim/$submit', badDate],
      ['reference', '/fhir/Claim/$submit', badRef],
      ['eligibility birthDate', '/fhir/CoverageEligibilityRequest/$submit', badEligibility],
      ['over-long identifier', '/fhir/Claim/$submit', tooLong],
      ['malformed JSON', '/fhir/Claim/$submit', `{"resourceType":"Bundle","x":"${FAMILY}`],
    ];
    for (const [what, p, body] of cases) {
      const res = await fetch(`${gw.url}${p}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenA}`, 'content-type': 'application/fhir+json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      expect(res.status, `${what}: ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
      expect(found(text), `${what}: ${text.slice(0, 500)}`).toEqual([]);
    }
  });

  it("organization B probing with the canary's identifiers learns nothing", async () => {
    await call(tokenB, 'GET', `/fhir/ClaimResponse/${decidedId}`);
    const inq = inquiryFor(`nothing-${randomUUID().slice(0, 6)}`, canaryClaim('A'));
    for (const e of inq.entry) if (e.resource.resourceType === 'Coverage') e.resource.subscriberId = `${MEMBER}A`;
    await call(tokenB, 'POST', '/fhir/Claim/$inquire', inq);
    await call(tokenB, 'POST', '/fhir/Claim/$inquire', inquiryFor(canaryClaim('A').entry[0].resource.identifier[0].value, canaryClaim('A')));
    await call(tokenB, 'GET', '/fhir/Subscription');
    // B sent the member id itself in one probe; what must not come back is anything else of A's patient.
    for (const body of toB) expect(found(body).filter((c) => !c.startsWith(MEMBER)), body.slice(0, 300)).toEqual([]);
  });
});

describe('where the canary must not be', () => {
  it('no log line of the gateway (debug level) carries it', () => {
    const lines = gw.logText().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(20);
    const leaking = lines.filter((l) => found(l).length > 0);
    expect(leaking.map((l) => l.slice(0, 400))).toEqual([]);
  });

  it('no URL the gateway generated carries it (Location headers, links, fullUrls, references it made)', () => {
    expect(urls.length).toBeGreaterThan(5);
    const leaking = urls.filter((u) => found(decodeURIComponent(u)).length > 0);
    expect(leaking).toEqual([]);
  });
});
