/**
 * Issue 14 through the whole gateway (real HTTP, the payer simulator, the worker, the database):
 * update and cancel 278s carry the payer's numbers; documents announced with PWK*..*EL follow as an
 * X12 275 (after or with the 278) that the payer acknowledges, and the request's timeline shows it;
 * a payer without a 275 route is named in PWK02 and the provider told; names fitted to a payer's
 * basic character set and pinned delimiters; a payer's late 999 rejecting a 278 makes the request
 * rejected with the 999's errors; a late 271 answers its eligibility request; and a payer's named
 * 004010-era envelope habits are accepted as warnings while another payer's are refused.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobsOfKind } from '../../src/db/queries/jobs.ts';
import { latestMessage, requestById } from '../../src/db/queries/requests.ts';
import { timelineOf } from '../../src/db/queries/staff.ts';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { respond271 } from '../../src/sim/decide-270.ts';
import { createPayerSim } from '../../src/sim/payer-server.ts';
import { el, read275 } from '../../src/translate/index.ts';
import { InMemoryControlNumbers, parseX12, writeX12, type Segment } from '../../src/x12/index.ts';
import { eligibilityBundle } from '../eligibility/fixtures.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { payerRules } from '../helpers/payer-rules.ts';
import { sleep, until } from '../helpers/wait.ts';
import { x12File } from '../helpers/x12-files.ts';

const MRI = path.resolve('src/sim/examples/Bundle-MriLumbarRequestExample.json');
let gw: TestGateway;
let token: string;
let rules: string;
let ownSim: ServerType;
const sim = createPayerSim({ pendMs: 600_000, interchangeId: 'OTHERPAYER' });
let ownSimUrl = '';
let demoSecret = '';

beforeAll(async () => {
  ownSimUrl = await new Promise<string>((resolve) => {
    ownSim = serve({ fetch: sim.app.fetch, port: 0, hostname: '127.0.0.1' }, (i) => resolve(`http://127.0.0.1:${i.port}`));
  });
  const endpoint = `${ownSimUrl}/core`;
  rules = payerRules('pg-fidelity-rules-', [
    { id: 'with-payer', umoId: '55502', endpoint, x12: '  attachments:\n    route: x12-275\n    timing: with-278' },
    { id: 'fax-payer', umoId: '55501', endpoint, x12: '  attachments:\n    route: fax\n    instructions: fax 1-800-555-0199, cover sheet with the reference number' },
    { id: 'basic-payer', umoId: '55503', endpoint, x12: "  characterSet: basic\n  delimiters:\n    element: '*'\n    component: ':'\n    repetition: '^'\n    segment: \"'\"" },
    { id: 'lenient-payer', umoId: '55504', endpoint, x12: '  leniency: [isa12-version-00401, isa11-standards-identifier]' },
  ]);
  // The demo simulator holds pended answers: the tests deliver the late messages themselves.
  gw = await testGateway({ PRIORGATE_RULES_DIR: rules, PRIORGATE_SIM_PEND_MS: '600000' });
  token = await gw.token();
  demoSecret = (await issuePayerSecret(gw.database.db, 'demo-payer'))!;
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  sim.close();
  ownSim?.close();
  rmSync(rules, { recursive: true, force: true });
});

const db = () => gw.database.db;
const actions = async (id: string) => (await timelineOf(db(), id)).map((e) => e.action);
const sent278 = async (id: string) => (await latestMessage(db(), id, 'x12-278-request'))!.payload;
const body278 = (text: string): Segment[] => bodyOf(parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!);
const segs = (body: Segment[], tag: string, first?: string) => body.filter((s) => s.tag === tag && (!first || el(s, 1) === first));
const demoStats = async () => (await (await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/stats`)).json()) as { attachments: { controlNumber: string; contentType: string; bytes: number; matched: boolean }[] };
const forPayer = (bundle: any, umoId: string) => {
  const insurer = bundle.entry.find((e: any) => e.resource.resourceType === 'Organization' && e.fullUrl.endsWith('InsurerExample')).resource;
  insurer.identifier = [{ system: 'urn:test:payer', value: umoId }];
  return bundle;
};
const mri = (memberId: string, id: string) => {
  const b = JSON.parse(readFileSync(MRI, 'utf8'));
  b.identifier.value = id;
  b.entry[0].resource.identifier[0].value = id;
  for (const e of b.entry) if (e.resource.resourceType === 'Coverage') e.resource.subscriberId = memberId;
  return b;
};
/** $submit that must be answered (200), its ClaimResponse. */
async function submitted(bundle: unknown): Promise<any> {
  const r = await gw.submit(bundle, token);
  expect(r.status, JSON.stringify(r.body).slice(0, 600)).toBe(200);
  return r.body.entry[0].resource;
}

async function postX12(text: string, payerId = 'demo-payer', secret = demoSecret) {
  const res = await fetch(`${gw.url}/payer/x12`, { method: 'POST', body: text, headers: { 'content-type': 'application/edi-x12', authorization: basicAuth(payerId, secret) } });
  return { status: res.status, text: await res.text() };
}
const fromPayer = (groups: Parameters<typeof writeX12>[0]['groups'], seq: number) =>
  writeX12({ sender: { qualifier: 'ZZ', id: 'DEMOPAYER' }, receiver: { qualifier: 'ZZ', id: 'PRIORGATE' }, usage: 'T', groups }, { controlNumbers: new InMemoryControlNumbers(seq), now: new Date() });

describe('updates and cancels name the case they change (issue 14.1)', () => {
  it('spec-65: an update carries the prior answer\'s authorization number (REF*BB at 2000E and per line) and the payer accepts it', async () => {
    const original = await submitted(pasExample('Bundle-HomecareAuthorizationBundleExample.json', 'HC100A', 'fid-hc-orig'));
    expect(reviewCodes(original)).toContain('A1');
    const update = pasExample('Bundle-HomecareAuthorizationUpdateBundleExample.json', 'HC100A', 'fid-hc-upd');
    // (the example's related claim points at the original example by its resource id, as here)
    const r = await gw.submit(update, token);
    expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
    const cr = r.body.entry[0].resource;
    expect((await requestById(db(), cr.id))!.priorRequestId).toBe(original.id);
    const body = body278(await sent278(cr.id));
    const auth = (await requestById(db(), original.id))!.summary.authNumber as string;
    expect(auth).toMatch(/^SIM\d+$/);
    expect(segs(body, 'REF', 'BB').map((s) => el(s, 2))).toContain(auth);
    // The payer (simulator) refuses revisions that name no case it issued: it accepted this one.
    expect(cr.error, JSON.stringify(cr.error)).toBeUndefined();
    expect(reviewCodes(cr).length).toBeGreaterThan(0);
  });

  it('a whole-request cancel of a pended request goes out as BHT02 01 with the payer\'s administrative reference (REF*NT)', async () => {
    const pended = await submitted(pasExample('Bundle-HomecareAuthorizationBundleExample.json', 'HC200P', 'fid-hc-pend'));
    expect(reviewCodes(pended)).toContain('A4');
    const cancel = pasExample('Bundle-HomecareAuthorizationUpdateBundleExample.json', 'HC200P', 'fid-hc-cancel');
    const claim = cancel.entry[0].resource;
    claim.related = [{ claim: { identifier: { value: (await requestById(db(), pended.id))!.summary.claimIdentifier } }, relationship: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship', code: 'prior' }] } }];
    claim.extension = [...(claim.extension ?? []), { url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-certificationType', valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/1322', code: '3' }] } }];
    const cr = await submitted(cancel);
    const body = body278(await sent278(cr.id));
    expect(el(segs(body, 'BHT')[0]!, 2)).toBe('01');
    expect(el(segs(body, 'UM')[0]!, 2)).toBe('3');
    expect(segs(body, 'REF', 'NT').map((s) => el(s, 2))).toEqual([expect.stringMatching(/^SIM\d+P$/)]);
    expect((await requestById(db(), cr.id))!.status).toBe('cancelled');
    expect((await requestById(db(), pended.id))!.status).toBe('cancelled');
  });
});

describe('documents follow as an X12 275 (issue 14.4)', () => {
  it('after the 278: built from the DocumentReference, sent over CORE as its own payload, acknowledged, and in the timeline', async () => {
    const cr = await submitted(mri('MR100A', 'fid-mri-after'));
    expect(reviewCodes(cr)).toContain('A1');
    const body = body278(await sent278(cr.id));
    expect(segs(body, 'PWK').map((s) => [el(s, 1), el(s, 2), el(s, 6)])).toContainEqual(['PY', 'EL', 'MRI-NOTE-1']);
    await until('the 275 acknowledged', async () => (await actions(cr.id)).includes('attachment.acknowledged'));
    const timeline = await actions(cr.id);
    expect(timeline.indexOf('attachment.queued')).toBeGreaterThan(timeline.indexOf('request.transition'));
    expect(timeline).toEqual(expect.arrayContaining(['attachment.queued', 'attachment.send', 'attachment.acknowledged']));
    const sent = await latestMessage(db(), cr.id, 'x12-275-request');
    const parsed = parseX12(sent!.payload);
    expect(parsed.errors).toEqual([]);
    const group = parsed.interchanges[0]!.groups[0]!;
    expect([group.functionalId, group.version, group.transactions[0]!.setId]).toEqual(['PI', '005010X210', '275']);
    const received = read275(bodyOf(group.transactions[0]!));
    const note = received.documents.find((d) => d.controlNumber === 'MRI-NOTE-1')!;
    expect(Buffer.from(note.data, 'base64').toString()).toContain('MRI lumbar spine without contrast requested');
    // The payer's answer gave the authorization number: the 275 quotes it.
    expect(received.refs['BB']).toMatch(/^SIM\d+$/);
    const stats = await demoStats();
    expect(stats.attachments.filter((a) => a.controlNumber === 'MRI-NOTE-1')).toEqual([expect.objectContaining({ contentType: 'text/plain', matched: true })]);
    // The acknowledgment is stored, and resending the same interchange is one attachment at the payer.
    expect((await latestMessage(db(), cr.id, 'x12-275-ack'))!.payload).toMatch(/AK9\*A\*1\*1\*1/);
    const again = await fetch(`${gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '')}/x12`, { method: 'POST', body: sent!.payload });
    expect(await again.text()).toMatch(/AK9\*A/);
    expect((await demoStats()).attachments.filter((a) => a.controlNumber === 'MRI-NOTE-1')).toHaveLength(1);
    // Staff see it on the request.
    const staff = await staffClient();
    const detail = await (await staff(`/api/requests/${cr.id}`)).json();
    expect(detail.attachments).toMatch(/^accepted by the payer \(275 interchange \d{9}\): .*MRI-NOTE-1/);
    expect(detail.timeline.map((e: any) => e.action)).toContain('attachment.acknowledged');
    const page = await (await staff(`/ui/requests/${cr.id}`)).text();
    expect(page).toContain('Documents accepted by the payer (999)');
  });

  it('with the 278: queued in the same transaction as the 278, sent to a payer configured with-278', async () => {
    const before = sim.state.attachments.length;
    const cr = await submitted(forPayer(mri('MR200A', 'fid-mri-with'), '55502'));
    await until('the 275 acknowledged', async () => (await actions(cr.id)).includes('attachment.acknowledged'));
    const timeline = await actions(cr.id);
    // queued at the 278's first send, before the payer's answer was recorded.
    expect(timeline.indexOf('attachment.queued')).toBeLessThan(timeline.lastIndexOf('request.transition'));
    expect(sim.state.attachments.slice(before).map((a) => a.controlNumber)).toContain('MRI-NOTE-1');
    expect((await jobsOfKind(db(), 'payer.attach')).filter((j) => j.requestId === cr.id)).toHaveLength(1);
  });

  it('a payer that takes no 275: PWK02 names its route, the provider is told how to send, nothing is sent', async () => {
    const before = sim.state.attachments.length;
    const cr = await submitted(forPayer(mri('MR300A', 'fid-mri-fax'), '55501'));
    const body = body278(await sent278(cr.id));
    expect(segs(body, 'PWK').map((s) => el(s, 2))).toEqual(segs(body, 'PWK').map(() => 'FX'));
    const note = (cr.processNote ?? []).map((n: any) => n.text).join(' ');
    expect(note).toContain('takes no electronic attachments');
    expect(note).toContain('MRI-NOTE-1');
    expect(note).toContain('by fax (fax 1-800-555-0199');
    expect(await actions(cr.id)).toContain('attachment.route');
    await sleep(500);
    expect((await jobsOfKind(db(), 'payer.attach')).filter((j) => j.requestId === cr.id)).toEqual([]);
    expect(sim.state.attachments.length).toBe(before);
  });
});

describe('what a payer can read (issue 14.8, 14.9)', () => {
  it('non-ASCII names are transliterated to the payer\'s basic set; a pinned delimiter in a value is replaced; the timeline says where', async () => {
    const b = forPayer(pasExample('Bundle-SurgicalRequestBundleExample.json', 'BS100A', 'fid-basic'), '55503');
    const patient = b.entry.find((e: any) => e.resource.resourceType === 'Patient').resource;
    patient.name = [{ family: 'Núñez-Łukasz', given: ["D'Ærøskøbing"] }];
    const cr = await submitted(b);
    expect(reviewCodes(cr)).toContain('A1');
    const text = await sent278(cr.id);
    expect(text[105]).toBe("'");
    // Every character is of the basic set (the repetition separator ^ is a delimiter, not data).
    expect([...text].filter((c) => !/[A-Z0-9 !"&'()*+,\-./:;?=^]/.test(c)), text).toEqual([]);
    const nm1 = segs(body278(text), 'NM1', 'IL')[0]!;
    expect([el(nm1, 3), el(nm1, 4)]).toEqual(['NUNEZ-LUKASZ', 'D AEROSKOBING']);
    // Written once when the request was accepted: the timeline names what was fitted, and where.
    const fitEvent = (await timelineOf(db(), cr.id)).find((e) => e.action === 'request.fit')!;
    expect((fitEvent.detail as { fittedToPayer: string[] }).fittedToPayer).toEqual(expect.arrayContaining(['NM103 transliterated', 'NM104 transliterated', 'NM104 delimiter-replaced']));
  });
});

describe('a payer\'s late acknowledgments and answers (issue 14.12)', () => {
  it('a late 999 rejecting our 278: the request becomes rejected with the 999\'s errors, and gets a TA1, never a 999 of a 999', async () => {
    const cr = await submitted(pasExample('Bundle-SurgicalRequestBundleExample.json', 'LT100P', 'fid-late999'));
    expect(reviewCodes(cr)).toContain('A4');
    const ours = parseX12(await sent278(cr.id)).interchanges[0]!;
    const tx = ours.groups[0]!.transactions[0]!;
    const position = tx.segments.findIndex((s) => s.tag === 'NM1' && el(s, 1) === 'IL') + 1;
    const ack = fromPayer([{ functionalId: 'FA', applicationSender: 'DEMOPAYER', applicationReceiver: 'PRIORGATE', version: '005010X231A1', transactions: [{ setId: '999', segments: [
      { tag: 'AK1', elements: ['HI', ours.groups[0]!.controlNumber, '005010X217'] },
      { tag: 'AK2', elements: ['278', tx.controlNumber, '005010X217'] },
      { tag: 'IK3', elements: ['NM1', String(position), '2010C', '8'] },
      { tag: 'IK4', elements: ['9', '67', '6'] },
      { tag: 'IK5', elements: ['R', '5'] },
      { tag: 'AK9', elements: ['R', '1', '1', '0'] },
    ] }] }], 8801);
    const answer = await postX12(ack);
    expect(answer.status).toBe(200);
    expect(answer.text).toMatch(/TA1\*0+8801\*\d{6}\*\d{4}\*A\*000~/);
    expect(answer.text).not.toContain('AK1');
    expect((await requestById(db(), cr.id))!.status).toBe('rejected');
    const now = await (await fetch(`${gw.url}/fhir/ClaimResponse/${cr.id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(now.outcome).toBe('error');
    const codes = now.error.map((e: any) => e.code.coding[0]);
    expect(codes).toContainEqual({ system: 'https://codesystem.x12.org/005010/621', code: '6' });
    expect(codes).toContainEqual({ system: 'https://codesystem.x12.org/005010/618', code: '5' });
    const element = now.error[0].extension.find((x: any) => x.url.endsWith('extension-errorElement')).extension[0].valueString;
    expect(element).toBe(`2010C NM109 (segment ${position})`);
    expect(now.error[0].extension.find((x: any) => x.url.endsWith('extension-errorPath')).valueString).toContain('subscriberId');
    expect(await actions(cr.id)).toEqual(expect.arrayContaining(['payer.acknowledgment', 'request.transition']));
  });

  it('a late 271 after a batch-style acknowledgment of the 270 answers the eligibility request', async () => {
    const r = await gw.submit(eligibilityBundle({ memberId: 'EL100L', id: 'fid-late271' }), token, 'CoverageEligibilityRequest/$submit');
    const cer = r.body.entry[0].resource;
    expect(cer.outcome).toBe('queued');
    const request = await until('the 270 acknowledged', async () => {
      const row = await requestById(db(), cer.id);
      return row?.status === 'sent' && (await latestMessage(db(), cer.id, 'x12-in')) ? row : undefined;
    });
    const sent = parseX12((await latestMessage(db(), cer.id, 'x12-270-request'))!.payload).interchanges[0]!.groups[0]!.transactions[0]!;
    const late = fromPayer([{ functionalId: 'HB', applicationSender: 'DEMOPAYER', applicationReceiver: 'PRIORGATE', version: '005010X279A1', transactions: [{ setId: '271', segments: respond271(bodyOf(sent), { now: new Date(), trace: 'LATE271' }) }] }], 8802);
    const answer = await postX12(late);
    expect(answer.text).toMatch(/AK9\*A\*1\*1\*1/);
    const after = await requestById(db(), request.id);
    expect(after!.status).toBe('certified');
    const again = await gw.submit(eligibilityBundle({ memberId: 'EL100L', id: 'fid-late271' }), token, 'CoverageEligibilityRequest/$submit');
    expect(again.body.entry[0].resource.insurance?.[0]?.inforce).toBe(true);
  });
});

describe('per-partner leniency for 004010-era envelopes (issue 14.14)', () => {
  it('the payer that names them gets TA1 E and a 999 saying E; another payer sending the same is refused', async () => {
    const text = x12File('envelope-4010-version.x12').text.replaceAll('000009203', '000009999');
    const lenient = await postX12(text, 'lenient-payer', (await issuePayerSecret(db(), 'lenient-payer'))!);
    expect(lenient.text).toMatch(/TA1\*000009999\*\d{6}\*\d{4}\*E\*017~/);
    expect(lenient.text).toMatch(/AK9\*E\*1\*1\*1/);
    const strict = await postX12(text.replaceAll('000009999', '000009998'));
    expect(strict.text).toMatch(/TA1\*000009998\*\d{6}\*\d{4}\*R\*017~/);
  });
});

/** A clerk's session (demo staff user) on this gateway: a fetch that keeps its cookies. */
async function staffClient() {
  const cookies = new Map<string, string>();
  const call = async (p: string, init: RequestInit = {}) => {
    const res = await fetch(`${gw.url}${p}`, { redirect: 'manual', ...init, headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: gw.url, 'sec-fetch-site': 'same-origin', ...(init.headers as Record<string, string>) } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [k, ...v] = pair!.split('=');
      cookies.set(k!, v.join('='));
    }
    return res;
  };
  const page = await (await call('/ui/login')).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  const res = await call('/ui/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: 'clerk', password: 'priorgate-demo', _csrf: csrf }).toString() });
  if (res.status !== 303) throw new Error(`clerk login: ${res.status}`);
  return call;
}
