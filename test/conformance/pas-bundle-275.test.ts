/**
 * PAS 2.2.1 spec-26..28 for X12 payers, through the whole gateway (real HTTP to the payer
 * simulator, the worker, the store): a payer whose `x12.pasBundle275` asks for it receives the
 * entire PAS request Bundle in an X12 275 006020X316 with BDS01 B64 and CAT02 HL, base64 of exactly
 * the bytes the gateway stored; the 275 is written once (a retry resends the same ISA13, the
 * payer counts it once) and acknowledged on the request's timeline; a payer without the setting
 * gets no such 275.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as validateCli } from '../../src/cli/commands/validate.ts';
import { jobsOfKind } from '../../src/db/queries/jobs.ts';
import { latestMessage, requestById } from '../../src/db/queries/requests.ts';
import { timelineOf } from '../../src/db/queries/staff.ts';
import { parseCoreEnvelope, PAYLOAD_TYPES } from '../../src/payers/core-soap.ts';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { el } from '../../src/translate/index.ts';
import { InMemoryControlNumbers, parseX12, validateX12, writeX12, type Segment } from '../../src/x12/index.ts';
import { captureIo } from '../helpers/cli-io.ts';
import { testGateway, type TestGateway } from '../helpers/gateway.ts';
import { payerRules } from '../helpers/payer-rules.ts';
import { StaffHttp } from '../helpers/staff-http.ts';
import { sleep, until } from '../helpers/wait.ts';

const MRI = path.resolve('src/sim/examples/Bundle-MriLumbarRequestExample.json');
let gw: TestGateway;
let token: string;
let rules: string;
let front: ServerType;
const sim = createPayerSim({ pendMs: 600_000, interchangeId: 'BUNDLEPAYER' });

/** Every 275 that reached the payer's front door: its CORE payload type, ISA13, and the HTTP status given. */
const arrived: { payloadType: string; isa13: string; status: number }[] = [];
/** Bundle 275s to refuse with HTTP 503 before the simulator sees them (a payer outage). */
let refuseBundles = 0;

beforeAll(async () => {
  // The payer: the simulator behind a front door that records what arrives and can fail it.
  const url = await new Promise<string>((resolve) => {
    front = serve(
      {
        port: 0,
        hostname: '127.0.0.1',
        fetch: async (req) => {
          const body = await req.text();
          const env = (() => {
            try {
              return parseCoreEnvelope(body);
            } catch {
              return undefined;
            }
          })();
          if (env?.payloadType.startsWith('X12_275')) {
            const isa13 = parseX12(env.payload, { validate: false }).interchanges[0]?.controlNumber ?? '';
            const refused = env.payloadType === PAYLOAD_TYPES['275-bundle-request'] && refuseBundles > 0;
            arrived.push({ payloadType: env.payloadType, isa13, status: refused ? 503 : 200 });
            if (refused) {
              refuseBundles--;
              return new Response('payer busy', { status: 503 });
            }
          }
          return sim.app.fetch(new Request(req.url, { method: req.method, headers: req.headers, body }));
        },
      },
      (i) => resolve(`http://127.0.0.1:${i.port}`),
    );
  });
  const documents = '  attachments:\n    route: x12-275\n    timing: after-278';
  rules = payerRules('pg-bundle275-rules-', [
    { id: 'bundle-payer', umoId: '55510', endpoint: `${url}/core`, x12: `${documents}\n  pasBundle275:\n    form: "006020X316"\n    timing: after-278\n    announce: true` },
    { id: 'plain-payer', umoId: '55511', endpoint: `${url}/core`, x12: documents },
  ]);
  gw = await testGateway({ PRIORGATE_RULES_DIR: rules, PRIORGATE_SIM_PEND_MS: '600000' });
  token = await gw.token();
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  sim.close();
  front?.close();
  rmSync(rules, { recursive: true, force: true });
});

const db = () => gw.database.db;
const actions = async (id: string) => (await timelineOf(db(), id)).map((e) => e.action);
const transaction = (text: string) => parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!;
const segs = (body: Segment[], tag: string) => body.filter((s) => s.tag === tag);

/** The MRI example (it carries a DocumentReference) for one payer, with its own identifiers. */
function mriFor(umoId: string, memberId: string, id: string): unknown {
  const b = JSON.parse(readFileSync(MRI, 'utf8'));
  b.identifier.value = id;
  b.entry[0].resource.identifier[0].value = id;
  for (const e of b.entry) {
    if (e.resource.resourceType === 'Coverage') e.resource.subscriberId = memberId;
    if (e.resource.resourceType === 'Organization' && e.fullUrl.endsWith('InsurerExample')) e.resource.identifier = [{ system: 'urn:test:payer', value: umoId }];
  }
  return b;
}

/** The demo clerk, signed in (demo mode seeds it). */
const staffClient = () => new StaffHttp(gw.url).login('clerk', 'priorgate-demo');

async function submitted(bundle: unknown): Promise<any> {
  const r = await gw.submit(bundle, token);
  expect(r.status, JSON.stringify(r.body).slice(0, 600)).toBe(200);
  return r.body.entry[0].resource;
}

describe('the entire PAS Bundle to an X12 payer as a 275 (spec-26..28)', () => {
  it('spec-28: an X12 payer configured for it receives a 275 006020X316 with BDS01 B64 and CAT02 HL whose BDS03 decodes to exactly the stored request Bundle; a retry keeps the ISA13 and the payer counts it once', async () => {
    refuseBundles = 1;
    const cr = await submitted(mriFor('55510', 'BDL100A', 'spec28-bundle-a'));
    expect(cr.outcome, JSON.stringify(cr)).toBe('complete');
    const stored = (await latestMessage(db(), cr.id, 'pas-request'))!.payload;
    // The 278 announces the Bundle (the payer's `announce`): its own PWK*OZ*EL with the control number.
    const body278 = bodyOf(transaction((await latestMessage(db(), cr.id, 'x12-278-request'))!.payload));
    const announced = segs(body278, 'PWK').filter((s) => el(s, 7) === 'PAS request Bundle');
    expect(announced.map((s) => [el(s, 1), el(s, 2), el(s, 5)])).toEqual([['OZ', 'EL', 'AC']]);
    const control = el(announced[0]!, 6);

    await until('the Bundle 275 acknowledged', async () => (await actions(cr.id)).includes('attachment.bundle.acknowledged'));
    const sent = (await latestMessage(db(), cr.id, 'x12-275-bundle-request'))!;
    const group = parseX12(sent.payload).interchanges[0]!.groups[0]!;
    expect([group.functionalId, group.version, group.transactions[0]!.setId, group.transactions[0]!.version]).toEqual(['PI', '006020X316', '275', '006020X316']);
    const body = bodyOf(group.transactions[0]!);
    const cat = segs(body, 'CAT');
    const bds = segs(body, 'BDS');
    expect(cat.map((s) => [el(s, 1), el(s, 2)])).toEqual([['AE', 'HL']]);
    expect(bds.map((s) => el(s, 1))).toEqual(['B64']);
    expect(Number(el(bds[0]!, 2))).toBe(el(bds[0]!, 3).length);
    expect(Buffer.from(el(bds[0]!, 3), 'base64').toString('utf8')).toBe(stored);
    // Linked as the documents' 275 is: the patient's member id, and TRN02 = the 278's PWK06.
    expect(segs(body, 'TRN').map((s) => el(s, 2))).toEqual([control]);
    expect(segs(body, 'NM1').filter((s) => el(s, 1) === 'QC').map((s) => el(s, 9))).toEqual(['BDL100A']);
    // The payer's answer gave its authorization number: the 275 quotes it.
    expect(segs(body, 'REF').filter((s) => el(s, 1) === 'BB').map((s) => el(s, 2))).toEqual([expect.stringMatching(/^SIM\d+$/)]);

    // Our validator accepts what we sent, `priorgate validate` too.
    expect(validateX12(sent.payload).accepted).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-bundle275-'));
    writeFileSync(path.join(dir, 'sent.x12'), sent.payload);
    const cli = captureIo();
    expect(await validateCli([path.join(dir, 'sent.x12'), '--summary'], cli.io)).toBe(0);
    expect(cli.stdout()).toBe('accepted: 275 x1 (0 errors)\n');
    rmSync(dir, { recursive: true, force: true });

    // The payer received the same Bundle bytes, announced by the 278, once.
    const received = sim.state.bundles.filter((b) => b.controlNumber === control);
    expect(received.map((b) => [b.filter, b.format, b.matched, b.interchange.endsWith(`/${sent.controlNumber}`)])).toEqual([['B64', 'HL', true, true]]);
    expect(received[0]!.text).toBe(stored);

    // The first attempt met a payer outage (503); the retry resent the stored interchange.
    const attempts = arrived.filter((a) => a.payloadType === PAYLOAD_TYPES['275-bundle-request']);
    expect(attempts).toEqual([{ payloadType: PAYLOAD_TYPES['275-bundle-request'], isa13: sent.controlNumber, status: 503 }, { payloadType: PAYLOAD_TYPES['275-bundle-request'], isa13: sent.controlNumber, status: 200 }]);
    // Resending that interchange to the payer: the same 999, still one Bundle at the payer.
    const again = await fetch(`${String(gw.deps.services!.payers.get('bundle-payer')!.endpoint).replace(/\/core$/, '')}/x12`, { method: 'POST', body: sent.payload });
    expect(await again.text()).toMatch(/AK9\*A\*1\*1\*1/);
    expect(sim.state.bundles.filter((b) => b.controlNumber === control)).toHaveLength(1);

    // One job, one stored 275 and its acknowledgment; the timeline shows each step.
    expect((await jobsOfKind(db(), 'payer.attach-bundle')).filter((j) => j.requestId === cr.id)).toHaveLength(1);
    expect((await latestMessage(db(), cr.id, 'x12-275-bundle-ack'))!.payload).toMatch(/AK1\*PI\*\d+\*006020X316/);
    const timeline = await actions(cr.id);
    expect(timeline.filter((a) => a.startsWith('attachment.bundle.'))).toEqual(['attachment.bundle.queued', 'attachment.bundle.send', 'attachment.bundle.acknowledged']);
    // Staff see it on the request.
    const staff = await staffClient();
    expect((await staff.json(`/api/requests/${cr.id}`)).body.pasBundle275).toBe(`accepted by the payer (275 interchange ${sent.controlNumber}): ${control}`);
    expect((await staff.text(`/ui/requests/${cr.id}`)).body).toContain('PAS Bundle accepted by the payer (999)');
    // The documents still go in their own 275 (005010X210, BIN).
    await until('the documents 275 acknowledged', async () => (await actions(cr.id)).includes('attachment.acknowledged'));
    expect(transaction((await latestMessage(db(), cr.id, 'x12-275-request'))!.payload).version).toBe('005010X210');
  });

  it('a late 999 rejecting the Bundle\'s 275, pushed to /payer/x12, is stored as its acknowledgment and shown on the timeline; the request keeps its answer', async () => {
    const cr = await submitted(mriFor('55510', 'BDL300A', 'spec28-bundle-late'));
    await until('the Bundle 275 acknowledged', async () => (await actions(cr.id)).includes('attachment.bundle.acknowledged'));
    const status = (await requestById(db(), cr.id))!.status;
    const ours = parseX12((await latestMessage(db(), cr.id, 'x12-275-bundle-request'))!.payload).interchanges[0]!;
    const tx = ours.groups[0]!.transactions[0]!;
    const ack = writeX12(
      {
        sender: { qualifier: 'ZZ', id: 'BUNDLEPAYER' },
        receiver: { qualifier: 'ZZ', id: 'PRIORGATE' },
        usage: 'T',
        groups: [{ functionalId: 'FA', applicationSender: 'BUNDLEPAYER', applicationReceiver: 'PRIORGATE', version: '005010X231A1', transactions: [{ setId: '999', segments: [
          { tag: 'AK1', elements: ['PI', ours.groups[0]!.controlNumber, '006020X316'] },
          { tag: 'AK2', elements: ['275', tx.controlNumber, '006020X316'] },
          { tag: 'IK5', elements: ['R', '5'] },
          { tag: 'AK9', elements: ['R', '1', '1', '0'] },
        ] }] }],
      },
      { controlNumbers: new InMemoryControlNumbers(9901), now: new Date() },
    );
    const secret = (await issuePayerSecret(db(), 'bundle-payer'))!;
    const res = await fetch(`${gw.url}/payer/x12`, { method: 'POST', body: ack, headers: { 'content-type': 'application/edi-x12', authorization: basicAuth('bundle-payer', secret) } });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await actions(cr.id)).filter((a) => a.startsWith('attachment.bundle.'))).toEqual(['attachment.bundle.queued', 'attachment.bundle.send', 'attachment.bundle.acknowledged', 'attachment.bundle.rejected']);
    expect((await latestMessage(db(), cr.id, 'x12-275-bundle-ack'))!.payload).toContain('AK9*R*1*1*0');
    expect((await requestById(db(), cr.id))!.status).toBe(status);
  });

  it('spec-28: a payer not configured for it gets no Bundle 275 (its 278 announces none; its documents still go as a 005010X210 275)', async () => {
    const before = sim.state.bundles.length;
    const cr = await submitted(mriFor('55511', 'BDL200A', 'spec28-bundle-b'));
    const body278 = bodyOf(transaction((await latestMessage(db(), cr.id, 'x12-278-request'))!.payload));
    expect(segs(body278, 'PWK').filter((s) => el(s, 7) === 'PAS request Bundle')).toEqual([]);
    await until('the documents 275 acknowledged', async () => (await actions(cr.id)).includes('attachment.acknowledged'));
    await sleep(500);
    expect((await actions(cr.id)).filter((a) => a.startsWith('attachment.bundle.'))).toEqual([]);
    expect((await jobsOfKind(db(), 'payer.attach-bundle')).filter((j) => j.requestId === cr.id)).toEqual([]);
    expect(await latestMessage(db(), cr.id, 'x12-275-bundle-request')).toBeUndefined();
    expect(sim.state.bundles.length).toBe(before);
    expect((await (await staffClient()).json(`/api/requests/${cr.id}`)).body.pasBundle275).toBeNull();
  });
});
