import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EhrError } from '../../src/ehr/index.ts';
import { startEhr, type RunningEhr } from './helpers.ts';

let ehr: RunningEhr;
let clock = new Date('2025-03-10T15:00:00Z');
beforeAll(async () => {
  ehr = await startEhr({ now: () => clock, tokenTtlS: 300 });
});
afterAll(() => ehr.close());
beforeEach(() => {
  ehr.sim.state.fail5xx = 0;
  ehr.sim.state.delayMs = 0;
});

describe('EHR simulator (FHIR on loopback)', () => {
  it('publishes its SMART configuration and refuses FHIR reads without a token', async () => {
    const conf = await (await fetch(`${ehr.url}/.well-known/smart-configuration`)).json();
    expect(conf).toMatchObject({ token_endpoint: `${ehr.url}/auth/token`, grant_types_supported: ['client_credentials'], token_endpoint_auth_methods_supported: ['private_key_jwt'] });
    const res = await fetch(`${ehr.url}/Condition?patient=pat-lbp-ready`);
    expect(res.status).toBe(401);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });

  it('refuses a client assertion signed with another key', async () => {
    const other = await startEhr();
    try {
      const client = ehr.client({ privateKey: other.privateJwk });
      await expect(client.search('Condition?patient=pat-lbp-ready')).rejects.toMatchObject({ name: 'EhrError', kind: 'auth', retryable: false });
    } finally {
      await other.close();
    }
  });

  it('searches by patient, code (system|code) and date', async () => {
    const client = ehr.client({ now: () => clock });
    const lbp = await client.search('Condition?patient=pat-lbp-ready&code=http://hl7.org/fhir/sid/icd-10-cm|M54.50');
    expect(lbp.map((r) => r.id)).toEqual(['pat-lbp-ready-lbp']);
    expect(await client.search('Condition?patient=pat-lbp-ready&code=http://snomed.info/sct|M54.50')).toEqual([]);
    const recent = await client.search('Observation?patient=pat-many-obs&date=ge2025-03-05');
    expect(recent.map((r) => r.id).sort()).toEqual(['pat-many-obs-hr-1', 'pat-many-obs-hr-2', 'pat-many-obs-hr-3', 'pat-many-obs-hr-4', 'pat-many-obs-hr-5']);
    expect((await client.read('Patient', 'pat-lbp-ready')).id).toBe('pat-lbp-ready');
  });
});

describe('EHR client', () => {
  it('follows link[next] through every page', async () => {
    const before = ehr.sim.state.requests.length;
    const all = await ehr.client({ now: () => clock }).search('Observation?patient=pat-many-obs&_count=10');
    expect(all).toHaveLength(25);
    expect(new Set(all.map((r) => r.id)).size).toBe(25);
    expect(ehr.sim.state.requests.slice(before)).toHaveLength(3);
  });

  it('caches the access token and gets a new one shortly before it expires', async () => {
    const client = ehr.client({ now: () => clock, refreshSkewS: 60 });
    const issued = ehr.sim.state.tokensIssued;
    await client.search('Condition?patient=pat-lbp-ready');
    await client.search('Procedure?patient=pat-lbp-ready');
    expect(ehr.sim.state.tokensIssued).toBe(issued + 1);
    clock = new Date(clock.getTime() + 230_000); // 70 s left of 300: still used
    await client.search('Condition?patient=pat-lbp-ready');
    expect(ehr.sim.state.tokensIssued).toBe(issued + 1);
    clock = new Date(clock.getTime() + 20_000); // 50 s left: refreshed before expiry
    await client.search('Condition?patient=pat-lbp-ready');
    expect(ehr.sim.state.tokensIssued).toBe(issued + 2);
  });

  it('on 401 gets a fresh token and retries once', async () => {
    const client = ehr.client({ now: () => clock });
    await client.search('Condition?patient=pat-lbp-ready');
    const issued = ehr.sim.state.tokensIssued;
    ehr.sim.revokeTokens();
    const found = await client.search('Condition?patient=pat-lbp-ready');
    expect(found).toHaveLength(1);
    expect(ehr.sim.state.tokensIssued).toBe(issued + 1);
  });

  it('retries 5xx answers, and gives up with a retryable error', async () => {
    const client = ehr.client({ now: () => clock, retries: 2 });
    ehr.sim.state.fail5xx = 2;
    expect(await client.search('Condition?patient=pat-lbp-ready')).toHaveLength(1);
    ehr.sim.state.fail5xx = 5;
    const err = await client.search('Condition?patient=pat-lbp-ready').catch((e) => e);
    expect(err).toBeInstanceOf(EhrError);
    expect(err).toMatchObject({ kind: 'http', status: 503, retryable: true });
  });

  it('times out a slow EHR', async () => {
    const client = ehr.client({ now: () => clock, timeoutMs: 100, retries: 1 });
    await client.accessToken();
    ehr.sim.state.delayMs = 400;
    const started = Date.now();
    const err = await client.search('Condition?patient=pat-lbp-ready').catch((e) => e);
    expect(err).toMatchObject({ name: 'EhrError', kind: 'timeout', retryable: true });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports an unreachable EHR as a retryable network error', async () => {
    const client = ehr.client({ baseUrl: 'http://127.0.0.1:9', tokenUrl: 'http://127.0.0.1:9/auth/token', retries: 0 });
    await expect(client.search('Condition?patient=x')).rejects.toMatchObject({ kind: 'network', retryable: true });
  });
});
