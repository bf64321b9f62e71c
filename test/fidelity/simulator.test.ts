/**
 * The payer simulator as a protocol peer for issue 14 (through its HTTP app, pushes over real
 * loopback): it refuses an update or cancel that names no case it issued (AAA 15 at 2000E), accepts
 * and acknowledges a 275 (recording which documents a 278 announced), rejects one whose BIN is not
 * its declared length, de-duplicates a resent 275, and for `L` members pushes a 999 rejecting the
 * 278 after its pended answer, or acknowledges a 270 and pushes the 271 later.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { el, pasRequestTo278, pasTo275, promisedDocuments, inquiryTo270, readEligibilityRequest, type Bundle } from '../../src/translate/index.ts';
import { InMemoryControlNumbers, parseX12, writeX12, type Segment } from '../../src/x12/index.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';

const now = new Date(Date.UTC(2025, 0, 2, 3, 4));
let numbers = 5000;
const wrap = (functionalId: string, version: string, setId: string, segments: Segment[]) =>
  writeX12(
    { sender: { qualifier: 'ZZ', id: 'PRIORGATE' }, receiver: { qualifier: 'ZZ', id: 'DEMOPAYER' }, usage: 'T', groups: [{ functionalId, applicationSender: 'PRIORGATE', applicationReceiver: 'DEMOPAYER', version, transactions: [{ setId, segments }] }] },
    { controlNumbers: new InMemoryControlNumbers(numbers++), now },
  );
const example = (name: string, memberId: string): Bundle => {
  const b = JSON.parse(readFileSync(path.join(PAS_EXAMPLES, name), 'utf8'));
  for (const e of b.entry) if (e.resource.resourceType === 'Coverage') e.resource.subscriberId = memberId;
  return b;
};
const answer = (text: string) => parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!.segments;

let pushes: string[] = [];
let receiver: Server;
let sim: ReturnType<typeof createPayerSim>;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      pushes.push(body);
      res.end('');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  sim = createPayerSim({ pendMs: 50, callbackUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/payer/x12` });
});
afterAll(() => {
  sim.close();
  receiver.close();
});

const post = async (text: string) => (await sim.app.request('/x12', { method: 'POST', body: text })).text();
const until = async (probe: () => boolean) => {
  for (let i = 0; i < 100 && !probe(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('the simulator links revisions to the cases it issued', () => {
  it('an update naming no case it issued is refused with AAA 15 at 2000E; one quoting its number is decided', async () => {
    const original = answer(await post(wrap('HI', '005010X217', '278', pasRequestTo278(example('Bundle-HomecareAuthorizationBundleExample.json', 'SM100A'), { now }).segments)));
    const auth = el(original.find((s) => s.tag === 'REF' && el(s, 1) === 'BB')!, 2);
    const update = example('Bundle-HomecareAuthorizationUpdateBundleExample.json', 'SM100A');
    const unlinked = answer(await post(wrap('HI', '005010X217', '278', pasRequestTo278(update, { now }).segments)));
    expect(unlinked.filter((s) => s.tag === 'AAA').map((s) => s.elements)).toEqual([['N', '', '15', 'C']]);
    const linked = answer(await post(wrap('HI', '005010X217', '278', pasRequestTo278(update, { now, prior: { authNumber: auth } }).segments)));
    expect(linked.some((s) => s.tag === 'AAA')).toBe(false);
    expect(linked.filter((s) => s.tag === 'HCR').length).toBeGreaterThan(0);
  });
});

describe('the simulator takes 275s', () => {
  const bundle = example('Bundle-ReferralAuthorizationBundleExample.json', 'SM200A');
  const documents = promisedDocuments(bundle).documents;
  const t275 = () => wrap('PI', '005010X210', '275', pasTo275(bundle, { now, payer: { id: '99999', name: 'Demo' }, submitter: { id: 'PRIORGATE', name: 'PRIORGATE' }, documents }));

  it('acknowledges a 275 with a 999, matches its documents to the 278 that announced them, and counts a resend once', async () => {
    await post(wrap('HI', '005010X217', '278', pasRequestTo278(bundle, { now }).segments));
    const text = t275();
    const ack = await post(text);
    expect(ack).toContain('AK1*PI*');
    expect(ack).toMatch(/AK9\*A\*1\*1\*1/);
    expect(await post(text)).toBe(ack);
    expect(sim.state.attachments.filter((a) => a.controlNumber === '111222')).toEqual([expect.objectContaining({ contentType: 'text/plain', matched: true })]);
  });

  it('over CORE the 275 has its own payload type and the answer is a 999 payload', async () => {
    const { buildCoreEnvelope, parseCoreEnvelope, PAYLOAD_TYPES } = await import('../../src/payers/core-soap.ts');
    const env = buildCoreEnvelope('Request', { payloadType: PAYLOAD_TYPES['275-request'], processingMode: 'RealTime', payloadId: 'p1', timestamp: now.toISOString(), senderId: 'PRIORGATE', receiverId: 'DEMOPAYER', coreRuleVersion: '2.2.0', payload: t275() });
    const res = parseCoreEnvelope(await (await sim.app.request('/core', { method: 'POST', body: env })).text());
    expect([res.payloadType, res.errorCode]).toEqual(['X12_999_Response_005010X231A1', 'Success']);
    expect(res.payload).toMatch(/AK9\*A/);
  });

  it('a BIN whose length is not BIN01 is rejected (IK3 BIN, IK4 785)', async () => {
    const broken = t275().replace(/BIN\*(\d+)\*/, (_m, n: string) => `BIN*${Number(n) + 4}*`);
    const ack = await post(broken);
    expect(ack).toMatch(/IK3\*BIN\*\d+\*2100A\*8~IK4\*2\*785\*7~IK5\*R\*5~AK9\*R\*1\*1\*0~/);
  });
});

describe('late messages (member ids ending in L)', () => {
  it('a 278: pended now, then a 999 rejecting it pushed to the gateway (naming our GS06 and ST02)', async () => {
    pushes = [];
    const text = wrap('HI', '005010X217', '278', pasRequestTo278(example('Bundle-SurgicalRequestBundleExample.json', 'SM300L'), { now }).segments);
    const sent = parseX12(text).interchanges[0]!;
    const first = answer(await post(text));
    expect(first.filter((s) => s.tag === 'HCR').map((s) => el(s, 1))).toContain('A4');
    await until(() => pushes.length > 0);
    const pushed = parseX12(pushes[0]!).interchanges[0]!.groups[0]!;
    expect(pushed.functionalId).toBe('FA');
    const segs = pushed.transactions[0]!.segments.map((s) => s.tag + '*' + s.elements.map(String).join('*'));
    expect(segs).toEqual(expect.arrayContaining([`AK1*HI*${sent.groups[0]!.controlNumber}*005010X217`, `AK2*278*${sent.groups[0]!.transactions[0]!.controlNumber}*005010X217`, 'IK5*R*5']));
  });

  it('a 270: acknowledged with a 999 now, the 271 pushed later', async () => {
    pushes = [];
    const eb = JSON.parse(readFileSync('src/sim/examples/Bundle-EligibilityRequestExample.json', 'utf8'));
    const { inquiry } = readEligibilityRequest(eb);
    inquiry!.subscriber.memberId = 'SM400L';
    const now999 = await post(wrap('HS', '005010X279A1', '270', inquiryTo270(inquiry!, { now, trace: 'SIMLATE1', originator: '9PRIORGATE' }).segments));
    expect(now999).toMatch(/AK1\*HS\*.*AK9\*A\*1\*1\*1/);
    await until(() => pushes.length > 0);
    const pushed = parseX12(pushes[0]!).interchanges[0]!.groups[0]!.transactions[0]!;
    expect(pushed.setId).toBe('271');
    expect(pushed.segments.find((s) => s.tag === 'TRN' && el(s, 1) === '2')!.elements[1]).toBe('SIMLATE1');
  });
});

describe('the simulator counts what is on the wire', () => {
  it('`inFlight` is the payer traffic it has not answered yet: 0 when idle (its own /stats not counted), 1 while it thinks over a 278', async () => {
    const slow = createPayerSim({ pendMs: 50, delayMs: 300 });
    const inFlight = async () => ((await (await slow.app.request('/stats')).json()) as { inFlight: number }).inFlight;
    try {
      expect(await inFlight()).toBe(0);
      const sent = slow.app.request('/x12', { method: 'POST', body: wrap('HI', '005010X217', '278', pasRequestTo278(example('Bundle-SurgicalRequestBundleExample.json', 'SM300A'), { now }).segments) });
      await new Promise((r) => setTimeout(r, 50));
      expect(await inFlight()).toBe(1);
      await sent;
      expect(await inFlight()).toBe(0);
    } finally {
      slow.close();
    }
  });
});
