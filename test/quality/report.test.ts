/**
 * The data-quality report through a real gateway: the demo payer simulator answers AAA 72/73/75
 * (and a 999 refusing the member id) for a share of the requests; the report shows each reason
 * with the right counts per organization, submitting client and provider NPI, the CSV matches the
 * JSON, the staff page draws it, and one organization never sees another's numbers.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRejection } from '../../src/sim/payer-server.ts';
import { pasExample, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { addStaffUser, StaffHttp } from '../helpers/staff-http.ts';

const SHARES = [
  { code: '72', share: 0.2 },
  { code: '73', share: 0.15 },
  { code: '75', share: 0.15 },
  { code: '999', share: 0.1 },
];
/** How many requests of clinic A get each answer (approved: none of the shares). */
const WANT: Record<string, number> = { '72': 5, '73': 4, '75': 3, '999': 2, approved: 4 };

let gw: TestGateway;
let a: StaffHttp;
/** The AAA03 (or 999/TA1 code) each of clinic A's responses carried, as the provider saw them. */
const seenByProvider: Record<string, number> = {};

/** Surgical requests whose trace numbers fall in each share, so the counts are known exactly. */
function requestsFor(want: Record<string, number>, tag: string): any[] {
  const left = { ...want };
  const out: any[] = [];
  for (let i = 0; Object.values(left).some((n) => n > 0); i++) {
    const b = pasExample('Bundle-SurgicalRequestBundleExample.json', `Q${tag}${i}A`, `rep-${tag}-${i}-${Math.random().toString(36).slice(2, 8)}`);
    const code = sharedRejection(b.entry[0].resource.identifier[0].value, SHARES) ?? 'approved';
    if ((left[code] ?? 0) > 0) {
      left[code]!--;
      out.push(b);
    }
  }
  return out;
}

async function submitAll(bundles: any[], token: string) {
  const out = [];
  for (let i = 0; i < bundles.length; i += 6) out.push(...(await Promise.all(bundles.slice(i, i + 6).map((b) => gw.submit(b, token)))));
  return out;
}

beforeAll(async () => {
  gw = await testGateway();
  const sim = gw.deps.services!.payers.get('demo-payer')!.endpoint!.replace(/\/core$/, '');
  const set = await fetch(`${sim}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rejectShare: SHARES }) });
  expect(set.status).toBe(200);
  for (const r of await submitAll(requestsFor(WANT, 'A'), await gw.token('demo-clinic-a'))) {
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const cr = r.body.entry[0].resource;
    const code = cr.outcome === 'error' ? cr.error[0].code.coding[0].code : 'approved';
    seenByProvider[code] = (seenByProvider[code] ?? 0) + 1;
  }
  // Clinic B: its own rejections, which clinic A's staff must never count.
  for (const r of await submitAll(requestsFor({ '72': 2, approved: 1 }, 'B'), await gw.token('demo-clinic-b'))) expect(r.status).toBe(200);
  await addStaffUser(gw.database.db, 'report-a', 'staff', 'demo-clinic-a');
  await addStaffUser(gw.database.db, 'report-b', 'staff', 'demo-clinic-b');
  a = await new StaffHttp(gw.url).login('report-a');
}, 240_000);
afterAll(() => gw?.stop());

describe('the data-quality report', () => {
  it('the payer rejections came back to the provider as ClaimResponse errors (never denials)', () => {
    // A refused 278 (the payer's 999) answers X12 901 code 33, input errors, with the 999's own
    // errors after it; AAA rejections their AAA03.
    expect(seenByProvider).toEqual({ '72': 5, '73': 4, '75': 3, '33': 2, approved: 4 });
  });

  it('shows each rejection reason with its count for the organization: AAA 72/73/75 at 2010C, the 999 with loop and element', async () => {
    const { status, body } = await a.json('/api/quality');
    expect(status).toBe(200);
    expect(body.groups.map((g: any) => g.key)).toEqual(['demo-clinic-a']);
    const g = body.groups[0];
    expect(g.requests).toBe(18);
    const count = (source: string, code: string) => g.rejections.reasons.filter((r: any) => r.source === source && r.code === code).reduce((n: number, r: any) => n + r.count, 0);
    expect([count('AAA', '72'), count('AAA', '73'), count('AAA', '75')]).toEqual([5, 4, 3]);
    expect(g.rejections.reasons.find((r: any) => r.code === '72')).toMatchObject({ loop: '2010C', label: 'Invalid/missing subscriber/insured ID', requests: 5 });
    expect(g.rejections.reasons.find((r: any) => r.code === '75')).toMatchObject({ label: 'Subscriber/insured not found' });
    // The payer's 999 named the segment, loop and element it could not accept (IK3/IK4).
    const ack = g.rejections.reasons.filter((r: any) => r.source === '999');
    expect(ack.length).toBeGreaterThan(0);
    for (const r of ack) expect(r).toMatchObject({ loop: '2010C', element: 'NM109', requests: 2 });
    expect(ack.map((r: any) => r.code)).toContain('1');
    expect(ack.find((r: any) => r.code === '1').label).toBe('Required data element missing');
    expect(body.totals.rejections).toBe(12 + ack.reduce((n: number, r: any) => n + r.count, 0));
    expect(body.trend.reduce((n: number, t: any) => n + t.rejections, 0)).toBe(body.totals.rejections);
  });

  it('the CSV has the same numbers as the JSON', async () => {
    const json = (await a.json('/api/quality')).body;
    const res = await a.fetch('/api/quality?format=csv');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];
    const fromCsv = rows.filter((r) => r.category === 'rejection').map((r) => [r.group, r.source, r.code, r.loop, r.element, Number(r.count), Number(r.requests)]);
    const fromJson = json.groups.flatMap((g: any) => g.rejections.reasons.map((r: any) => [g.key, r.source, r.code, r.loop ?? '', r.element ?? '', r.count, r.requests]));
    expect(fromCsv).toEqual(fromJson);
    expect(rows.filter((r) => r.category === 'requests').map((r) => [r.group, Number(r.count)])).toEqual(json.groups.map((g: any) => [g.key, g.requests]));
    const trend = rows.filter((r) => r.category === 'trend-rejections').reduce((n, r) => n + Number(r.count), 0);
    expect(trend).toBe(json.totals.rejections);
  });

  it('per submitting client and per provider NPI', async () => {
    const byClient = (await a.json('/api/quality?group=client')).body;
    expect(byClient.groups.map((g: any) => [g.key, g.requests, g.rejections.total])).toEqual([['demo-clinic-a', 18, expect.any(Number)]]);
    const byNpi = (await a.json('/api/quality?group=npi&bucket=week')).body;
    expect(byNpi.groups.map((g: any) => g.key)).toEqual(['8189991234']);
    expect(byNpi.groups[0].rejections.total).toBe(byClient.groups[0].rejections.total);
    expect(byNpi.bucket).toBe('week');
  });

  it('another organization sees its own numbers only; bad parameters are a 400 OperationOutcome', async () => {
    const b = await new StaffHttp(gw.url).login('report-b');
    const body = (await b.json('/api/quality')).body;
    expect(body.groups.map((g: any) => [g.key, g.requests])).toEqual([['demo-clinic-b', 3]]);
    expect(body.reasons.map((r: any) => [r.code, r.count])).toEqual([['72', 2]]);
    const bad = await b.json('/api/quality?group=payer');
    expect(bad.status).toBe(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
    expect((await b.json('/api/quality?from=2026-13-01')).status).toBe(400);
  });

  it('members with conflicting demographics: counted once per member, named in full for staff and masked for a viewer', async () => {
    const token = await gw.token('demo-clinic-a');
    const patient = (b: any) => b.entry.find((e: any) => e.resource.resourceType === 'Patient').resource;
    for (const birthDate of ['1980-05-05', '1981-05-05', '1982-05-05']) {
      // Requests the payer approves: the rejection counts above stay as they are.
      let b;
      do b = pasExample('Bundle-SurgicalRequestBundleExample.json', 'QMATCH77A');
      while (sharedRejection(b.entry[0].resource.identifier[0].value, SHARES));
      patient(b).birthDate = birthDate;
      expect((await gw.submit(b, token)).status).toBe(200);
    }
    const staff = (await a.json('/api/quality')).body;
    expect(staff.groups[0].conflictingMembers).toBe(1);
    expect(staff.groups[0].warnings.kinds).toContainEqual(expect.objectContaining({ kind: 'member-demographics', count: 2 }));
    expect(staff.conflicts).toEqual([expect.objectContaining({ member: 'QMATCH77A', group: 'demo-clinic-a', element: expect.stringMatching(/\.birthDate$/) })]);
    await addStaffUser(gw.database.db, 'report-viewer', 'viewer', 'demo-clinic-a');
    const viewer = await new StaffHttp(gw.url).login('report-viewer');
    const masked = (await viewer.json('/api/quality')).body;
    expect(masked.conflicts[0].member).toBe('•••••H77A');
    expect(JSON.stringify(masked)).not.toContain('QMATCH77A');
    const page = await viewer.text('/ui/quality');
    expect(page.body).toContain('•••••H77A');
    expect(page.body).not.toContain('QMATCH77A');
  });

  it('the staff page draws the reasons and the trend, and links the CSV', async () => {
    const page = await a.text('/ui/quality');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<figure class="chart" id="chart-rejections"');
    expect(page.body).toContain('Payer rejections by reason');
    const row73 = /<tr class="reason" data-source="AAA" data-code="73">([\s\S]*?)<\/tr>/.exec(page.body)?.[1];
    expect(row73, page.body.slice(0, 3000)).toMatch(/<td>4<\/td>/);
    expect(page.body).toContain('/api/quality?');
    expect(page.body).toContain('format=csv');
  });
});
