import { describe, expect, it } from 'vitest';
import { buildCoreEnvelope, CoreEnvelopeError, PAYLOAD_TYPES, parseCoreEnvelope } from './core-soap.ts';

const base = {
  payloadType: PAYLOAD_TYPES['278-request'],
  processingMode: 'RealTime' as const,
  payloadId: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  timestamp: '2026-11-25T10:20:34Z',
  senderId: 'PRIORGATE',
  receiverId: 'DEMOPAYER',
  coreRuleVersion: '2.2.0',
};

describe('CAQH CORE SOAP envelope', () => {
  it('round-trips an X12 payload with XML-special characters intact', () => {
    const payload = 'ISA*00*          *00*<&>"\'*ZZ*X~NM1*IL*1*O&apos;Brien<x>~';
    const xml = buildCoreEnvelope('Request', { ...base, payload });
    expect(xml).toContain('COREEnvelopeRealTimeRequest');
    expect(xml).toContain('http://www.w3.org/2003/05/soap-envelope');
    const back = parseCoreEnvelope(xml);
    expect(back.kind).toBe('Request');
    expect(back.payload).toBe(payload);
    expect(back.payloadType).toBe('X12_278_Request_005010X217E1_2');
  });

  it('carries ErrorCode on responses', () => {
    const xml = buildCoreEnvelope('Response', { ...base, payloadType: PAYLOAD_TYPES['278-response'], payload: 'ISA~', errorCode: 'Success' });
    expect(parseCoreEnvelope(xml)).toMatchObject({ kind: 'Response', errorCode: 'Success', payload: 'ISA~' });
  });

  it('refuses what is not a CORE envelope with a typed error', () => {
    expect(() => parseCoreEnvelope('<a><b/></a>')).toThrow(CoreEnvelopeError);
    expect(() => parseCoreEnvelope('not xml at all <<<')).toThrow(CoreEnvelopeError);
    const noSender = buildCoreEnvelope('Request', { ...base, senderId: '', payload: 'x' });
    expect(() => parseCoreEnvelope(noSender)).toThrow(/SenderID/);
  });
});
