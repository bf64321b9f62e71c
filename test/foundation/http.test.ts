import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteGroup } from '../../src/http/app.ts';
import { testApp, type TestApp } from '../helpers/app.ts';

const BASE = 'http://gateway.test';
let t: TestApp;

/** A route that fails the way a bug would, to exercise the 500 path. */
const faulty: RouteGroup = (app) => {
  app.get('/boom', () => {
    throw new Error('database password is hunter2 at /srv/app.ts:12');
  });
};

beforeAll(async () => {
  t = await testApp({ extra: [faulty], env: { PRIORGATE_BODY_LIMIT_BYTES: '2048' } });
});
afterAll(() => t.close());

const get = (path: string, init?: RequestInit) => t.app.request(`${BASE}${path}`, init);

describe('health and readiness', () => {
  it('GET /healthz answers 200', async () => {
    expect((await get('/healthz')).status).toBe(200);
  });
  it('GET /readyz reports ready with every migration applied', async () => {
    const res = await get('/readyz');
    const body = (await res.json()) as { status: string; migrations: number };
    expect(res.status).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.migrations).toBeGreaterThan(0);
  });
});

describe('FHIR metadata and SMART discovery', () => {
  it('GET /fhir/metadata is a FHIR 4.0.1 CapabilityStatement declaring $submit and $inquire', async () => {
    const res = await get('/fhir/metadata');
    expect(res.headers.get('content-type')).toMatch(/application\/fhir\+json/);
    const cs = (await res.json()) as any;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.kind).toBe('instance');
    expect(['draft', 'active', 'retired', 'unknown']).toContain(cs.status);
    expect(cs.date).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const claim = cs.rest[0].resource.find((r: any) => r.type === 'Claim');
    expect(claim.operation.map((o: any) => o.name).sort()).toEqual(['inquire', 'submit']);
  });

  for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
    it(`GET ${path} offers client_credentials with private_key_jwt`, async () => {
      const body = (await (await get(path)).json()) as any;
      expect(body.token_endpoint).toBe(`${BASE}/auth/token`);
      expect(body.grant_types_supported).toContain('client_credentials');
      expect(body.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
      expect(body.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    });
  }
});

describe('errors', () => {
  it('answers unknown /fhir routes with a 404 OperationOutcome', async () => {
    const res = await get('/fhir/Nothing/here');
    expect(res.status).toBe(404);
    const oo = (await res.json()) as any;
    expect(oo.resourceType).toBe('OperationOutcome');
    expect(oo.issue[0].code).toBe('not-found');
  });

  it('answers a known path asked with another method 405 with the methods it takes (Allow), and an unknown path 404', async () => {
    for (const [method, path, allow] of [['GET', '/auth/token', 'POST'], ['DELETE', '/healthz', 'GET, HEAD'], ['PUT', '/boom', 'GET, HEAD'], ['POST', '/.well-known/smart-configuration', 'GET, HEAD']] as const) {
      const res = await get(path, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      const oo = (await res.json()) as any;
      expect(oo.issue[0]).toMatchObject({ severity: 'error', code: 'not-supported' });
      expect(oo.issue[0].diagnostics).toBe(`${method} is not supported here; this path takes ${allow}`);
    }
    const unknown = await get('/auth/token/more');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).issue[0].diagnostics).toBe('no route for this path');
  });

  it('refuses a body over the limit with 413 and an OperationOutcome', async () => {
    const res = await get('/auth/token', { method: 'POST', body: 'x'.repeat(4096), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).issue[0].code).toBe('too-costly');
  });

  it('turns an uncaught error into a 500 OperationOutcome with the request id and no stack or message', async () => {
    const res = await get('/boom');
    const text = await res.text();
    expect(res.status).toBe(500);
    const rid = res.headers.get('x-request-id');
    expect(rid).toBeTruthy();
    expect(text).toContain(rid!);
    expect(text).not.toMatch(/hunter2|\.ts:\d+|at /);
    expect(JSON.parse(text).resourceType).toBe('OperationOutcome');
    // The detail goes to the log (stack trace), not to the caller; the log line carries the id.
    expect(t.logText()).toContain(rid!);
    expect(t.logText()).not.toContain('hunter2');
  });

  it('echoes a caller-supplied X-Request-Id', async () => {
    const res = await get('/healthz', { headers: { 'X-Request-Id': 'caller-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('caller-abc-123');
  });
});

describe('GET /metrics', () => {
  it('exposes request counts and latency histograms by route pattern', async () => {
    await get('/healthz');
    await get('/fhir/metadata');
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/priorgate_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toMatch(/priorgate_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/fhir\/metadata"\}/);
    // Unknown paths are not turned into labels (no cardinality explosion, no ids in metrics).
    expect(text).not.toContain('/fhir/Nothing/here');
  });

  it('answers only a scraper with the metrics token when PRIORGATE_METRICS_TOKEN is set', async () => {
    const token = 'scrape-me-please-0123456789';
    const guarded = await testApp({ env: { PRIORGATE_METRICS_TOKEN: token } });
    try {
      const ask = (auth?: string) => guarded.app.request(`${BASE}/metrics`, { headers: auth ? { authorization: auth } : {} });
      for (const auth of [undefined, 'Bearer wrong', `Bearer ${token}x`, `Basic ${token}`]) {
        const res = await ask(auth);
        expect(res.status, String(auth)).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="priorgate-metrics"');
        expect(await res.text()).not.toContain('priorgate_http_requests_total');
      }
      const ok = await ask(`Bearer ${token}`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('priorgate_http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});
