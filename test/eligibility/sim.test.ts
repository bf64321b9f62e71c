/**
 * The payer simulator as an eligibility peer: 270s in over CORE SOAP (payload type
 * X12_270_Request_005010X279A1) and plain X12, 271s out that pass X279A1 validation, decided by the
 * member id (I inactive, R AAA 72, else active), echoing our trace, slowed by `delayMs`.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCoreEnvelope, parseCoreEnvelope, PAYLOAD_TYPES } from '../../src/payers/core-soap.ts';
import { eligibilityBehaviourFor } from '../../src/sim/decide-270.ts';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { inquiryTo270, parse271, readEligibilityRequest, summarize271 } from '../../src/translate/eligibility/index.ts';
import { validateX12 } from '../../src/x12/index.ts';
import { bodyOfText, eligibilityBundle, interchange } from './fixtures.ts';

const now = new Date('2026-03-04T10:00:00Z');

function request270(memberId: string, dependent = false): string {
  const inquiry = readEligibilityRequest(eligibilityBundle({ memberId, dependent, serviceTypes: ['30', '98'] })).inquiry!;
  return interchange('270', inquiryTo270(inquiry, { now, trace: `T${memberId}`, originator: '9PRIORGATE' }).segments);
}

async function core(sim: ReturnType<typeof createPayerSim>, payload: string, payloadType: string = PAYLOAD_TYPES['270-request']) {
  const envelope = buildCoreEnvelope('Request', { payloadType, processingMode: 'RealTime', payloadId: randomUUID(), timestamp: '2026-03-04T10:00:00Z', senderId: 'PRIORGATE', receiverId: 'DEMOPAYER', coreRuleVersion: '2.2.0', payload });
  const res = await sim.app.request('/core', { method: 'POST', body: envelope, headers: { 'content-type': 'application/soap+xml' } });
  return parseCoreEnvelope(await res.text());
}

describe('payer simulator: eligibility', () => {
  it.each([
    ['E1A', 'active'],
    ['E1I', 'inactive'],
    ['E1R', 'reject'],
    ['E1', 'active'],
    ['e1r', 'reject'],
  ])('member %s → %s', (id, behaviour) => expect(eligibilityBehaviourFor(id)).toBe(behaviour));

  it('answers a 270 over CORE with a 271 (payload type 271) that passes X279A1 validation and echoes the trace', async () => {
    const sim = createPayerSim({ pendMs: 1000, now: () => now });
    const env = await core(sim, request270('S1A'));
    expect(env).toMatchObject({ payloadType: PAYLOAD_TYPES['271-response'], errorCode: 'Success' });
    const check = validateX12(env.payload);
    expect(check.errors, JSON.stringify(check.errors)).toEqual([]);
    const parsed = parse271(bodyOfText(env.payload));
    expect(parsed.subscriber!.traces).toContainEqual({ type: '2', value: 'TS1A', originator: '9PRIORGATE' });
    expect(summarize271(parsed, '98')).toMatchObject({ status: 'active', copay: 25 });
    expect(sim.state.eligibility).toBe(1);
  });

  it.each([
    ['inactive', 'S2I', false, 'inactive'],
    ['AAA 72', 'S2R', false, 'error'],
    ['dependent', 'S2A', true, 'active'],
    ['inactive dependent', 'S3I', true, 'inactive'],
  ])('%s: a valid 271 with status %s', async (_n, id, dependent, status) => {
    const sim = createPayerSim({ pendMs: 1000, now: () => now });
    const res = await sim.app.request('/x12', { method: 'POST', body: request270(id, dependent), headers: { 'content-type': 'application/edi-x12' } });
    const text = await res.text();
    expect(validateX12(text).errors, `${res.status}: ${text.slice(0, 300)}`).toEqual([]);
    const parsed = parse271(bodyOfText(text));
    expect(summarize271(parsed).status).toBe(status);
    expect(Boolean(parsed.dependent)).toBe(dependent && status !== 'error');
  });

  it('refuses an unknown CORE payload type and answers a broken 270 with a 999', async () => {
    const sim = createPayerSim({ pendMs: 1000 });
    expect((await core(sim, request270('S4A'), 'X12_999_Request')).errorCode).toBe('PayloadTypeIncorrect');
    const broken = request270('S4A').replace(/SE\*\d+\*/, 'SE*99*');
    const env = await core(sim, broken);
    expect(env.payload).toMatch(/ST\*999\*/);
  });

  it('delayMs slows every answer (load tests)', async () => {
    const sim = createPayerSim({ pendMs: 1000, delayMs: 150 });
    const started = Date.now();
    await core(sim, request270('S5A'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
