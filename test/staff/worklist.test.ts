import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { verifyInclusion } from '../../src/audit/index.ts';
import { seal } from '../helpers/audit.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveMessage, updateItemDecisions } from '../../src/db/queries/requests.ts';
import { auditEvents, requests } from '../../src/db/schema.ts';
import type { TestApp } from '../helpers/app.ts';
import { addStaff, Client, responseBundle, seedOrgs, seedRequest, staffTestApp } from './helpers.ts';

let t: TestApp;
let admin: Client;
let viewer: Client;
let clerk: Client;
let auditor: Client;
const ids: Record<string, string> = {};
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

const X12_278 =
  'ISA*00*          *00*          *ZZ*DEMOPAYER      *ZZ*PRIORGATE      *261125*0940*^*00501*000075119*0*T*:~GS*HI*DEMOPAYER*PRIORGATE*20261125*0940*75119*X*005010X217~ST*278*75119*005010X217~BHT*0007*11*t1*20261125*0940~HL*1**20*1~NM1*X3*2*Plan*****PI*99999~HL*2*1*21*1~NM1*1P*2*Clinic*****XX*8189991234~HL*3*2*22*1~NM1*IL*1*DOE*JO****MI*W123D~HL*4*3*EV*0~TRN*2*T1*9012345678~UM*SC*I*3*11:B~HCR*A3**0U~SE*12*75119~GE*1*75119~IEA*1*000075119~';

beforeAll(async () => {
  t = await staffTestApp();
  const db = t.deps.db;
  await seedOrgs(db);
  await addStaff(db, 'wadmin', 'admin');
  await addStaff(db, 'wview', 'viewer');
  await addStaff(db, 'wstaff', 'staff');
  await addStaff(db, 'waudit', 'auditor');
  const A = { orgId: 'org-a', payerId: 'pay-one' };
  // Submitted 8 days ago, standard (7 days): overdue while pended.
  ids.overdue = await seedRequest(db, { ...A, submitted: hoursAgo(192), memberId: 'MEMBER0001P', steps: [{ to: 'pended', at: 1 }] });
  // Expedited, 60 h ago: 12 h left → due within 24 h.
  ids.soon = await seedRequest(db, { ...A, urgency: 'expedited', submitted: hoursAgo(60), memberId: 'MEMBER0002P', steps: [{ to: 'pended', at: 1 }] });
  ids.denied = await seedRequest(db, { ...A, payerId: 'pay-two', submitted: hoursAgo(30), memberId: 'MEMBER0003D', patient: ['<script>x</script>', 'Evans'], steps: [{ to: 'denied', at: 2 }] });
  ids.rejected = await seedRequest(db, { ...A, submitted: hoursAgo(20), memberId: 'MEMBER0004R', steps: [{ to: 'sent', at: 0 }, { to: 'rejected', at: 1 }] });
  ids.certified = await seedRequest(db, { ...A, submitted: hoursAgo(10), memberId: 'MEMBER0005A', steps: [{ to: 'certified', at: 1 }] });
  await updateItemDecisions(db, ids.denied, [{ sequence: 1, decision: 'A3' }]);
  const denial = responseBundle({ items: [{ code: 'A3', reason: '0U', note: 'Not covered under the member plan' }], disposition: 'Not Certified' });
  await saveMessage(db, { orgId: 'org-a', requestId: ids.denied, direction: 'in', format: 'x12', transactionSet: 'x12-in', controlNumber: '000075119', payload: X12_278 });
  await saveMessage(db, { orgId: 'org-a', requestId: ids.denied, direction: 'out', format: 'fhir', transactionSet: 'pas-response', payload: JSON.stringify(denial) });
  const aaa = responseBundle({ errors: [{ code: '72', followUp: 'C', loop: '2010C' }] });
  await saveMessage(db, { orgId: 'org-a', requestId: ids.rejected, direction: 'out', format: 'fhir', transactionSet: 'pas-response', payload: JSON.stringify(aaa) });
  admin = await new Client(t).loggedIn('wadmin');
  viewer = await new Client(t).loggedIn('wview');
  clerk = await new Client(t).loggedIn('wstaff');
  auditor = await new Client(t).loggedIn('waudit');
});
afterAll(() => t.close());

async function api(path: string, c = viewer) {
  const res = await c.get(path);
  const text = await res.text();
  return { status: res.status, text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
}

describe('worklist /ui and GET /api/requests', () => {
  it('lists requests with status, payer, initials, a masked member id, service and time left', async () => {
    const res = await viewer.get('/ui?view=all');
    const html = await res.text();
    expect(res.status, html).toBe(200);
    expect(html).toContain(ids.overdue!.slice(0, 8));
    expect(html).toContain('A.L.');
    expect(html).toContain('•••••••001P');
    expect(html).not.toContain('MEMBER0001P');
    expect(html).toContain('99212 Established office visit');
    expect(html).toMatch(/class="left overdue">[^<]*<span class="sub">overdue by 2[34] h/);
    expect(html).toMatch(/class="left due-soon">[^<]*<span class="sub">1[12] h/);
  });

  it('escapes whatever came in the Bundle', async () => {
    const html = await (await viewer.get('/ui?view=all')).text();
    expect(html).not.toContain('<script>x');
    expect(html).toContain('&lt;.E.');
  });

  it('filters by status, payer, overdue and free text, on the page and in the API', async () => {
    const pended = await api('/api/requests?status=pended');
    expect(pended.body.items.map((i: { id: string }) => i.id).sort()).toEqual([ids.overdue, ids.soon].sort());
    expect((await api('/api/requests?payer=pay-two')).body.items.map((i: { id: string }) => i.id)).toEqual([ids.denied]);
    expect((await api('/api/requests?overdue=1')).body.items.map((i: { id: string }) => i.id)).toEqual([ids.overdue]);
    // A whole member id is found by those who may see it whole (staff); a viewer's search does not confirm it.
    expect((await api('/api/requests?text=member0004r', clerk)).body.items.map((i: { id: string }) => i.id)).toEqual([ids.rejected]);
    expect((await api('/api/requests?text=member0004r')).body.items).toEqual([]);
    expect((await api('/api/requests?status=denied,rejected')).body.total).toBe(2);
    const page = await (await viewer.get('/ui?status=denied')).text();
    expect(page).toContain(ids.denied!.slice(0, 8));
    expect(page).not.toContain(ids.overdue!.slice(0, 8));
    expect(page).toMatch(/<option value="denied" selected="">/);
  });

  it('sorts and pages', async () => {
    const byDeadline = await api('/api/requests?sort=deadline&dir=asc');
    expect(byDeadline.body.items[0].id).toBe(ids.overdue);
    const p1 = await api('/api/requests?size=2&page=1');
    const p3 = await api('/api/requests?size=2&page=3');
    expect(p1.body).toMatchObject({ total: 5, pages: 3, pageSize: 2 });
    expect(p1.body.items[0].id).toBe(ids.certified);
    expect(p3.body.items.map((i: { id: string }) => i.id)).toEqual([ids.overdue]);
    const html = await (await viewer.get('/ui?size=2')).text();
    expect(html).toContain('href="/ui?page=2&amp;size=2"');
    // Every column sorts in its useful direction first: deadlines soonest first.
    expect(html).toContain('href="/ui?sort=deadline&amp;dir=asc&amp;size=2"');
  });

  it('refuses bad filters with 400', async () => {
    expect((await api('/api/requests?status=bogus')).status).toBe(400);
    expect((await api('/api/requests?size=1000')).status).toBe(400);
    // A yes/no filter that is neither is refused, not read as "no".
    expect((await api('/api/requests?overdue=bogus')).status).toBe(400);
    expect((await api('/api/requests?overdue=0')).status).toBe(200);
    expect((await viewer.get('/ui?sort=nope')).status).toBe(400);
  });

  it('serves the worklist body as a fragment for the live refresh', async () => {
    const res = await viewer.get('/ui/worklist/rows?status=pended', { 'x-priorgate-refresh': '1' });
    const html = await res.text();
    expect(html.startsWith('<tbody id="worklist-rows"')).toBe(true);
    expect(html).toContain('data-refresh="/ui/worklist/rows?status=pended"');
    expect(html).toContain(ids.soon!.slice(0, 8));
  });
});

describe('request detail', () => {
  it('shows the decision per service line with its X12 306 code and meaning, the timeline and the messages', async () => {
    // Message bodies hold PHI: a role with requests.read.phi (staff) sees them.
    const res = await clerk.get(`/ui/requests/${ids.denied}`);
    const html = await res.text();
    expect(res.status, html).toBe(200);
    expect(html).toContain('<span class="mono">A3</span> Not certified');
    expect(html).toContain('a reconsideration or appeal may be filed');
    // pay-two has no companion-guide words for 0U: the code is named for what it is.
    expect(html).toContain("0U (decision reason, X12 code list 886: see the payer&#39;s companion guide)");
    expect(html).toContain('Not covered under the member plan');
    expect(html).toContain('Status changed: sent → denied');
    expect(html).toContain('by payer:test');
    expect(html).toContain('2000E         HCR*A3**0U');
    expect(html).toContain('&quot;resourceType&quot;: &quot;ClaimResponse&quot;');
  });

  it('explains AAA errors with the follow-up action in plain words', async () => {
    const html = await (await viewer.get(`/ui/requests/${ids.rejected}`)).text();
    expect(html).toContain('Invalid/missing subscriber/insured ID');
    expect(html).toContain('Next step: Correct the request and resubmit it.');
    expect(html).toContain('loop 2010C');
  });

  it('audits each view as phi.read by staff:<username>', async () => {
    await viewer.get(`/ui/requests/${ids.certified}`);
    await api(`/api/requests/${ids.certified}`);
    const reads = await t.deps.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'phi.read'), eq(auditEvents.entityId, ids.certified!)));
    expect(reads.filter((r) => r.actor === 'staff:wview')).toHaveLength(2);
  });

  it('gives one request with its timeline in the API', async () => {
    const r = await api(`/api/requests/${ids.denied}`);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ id: ids.denied, status: 'denied', payerId: 'pay-two', lines: [{ sequence: 1, decision: 'A3', meaning: 'Not certified' }] });
    expect(r.body.timeline.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(['request.transition', 'phi.read']));
    expect(r.body.timeline.find((e: { to?: string }) => e.to === 'denied')).toMatchObject({ from: 'sent', actor: 'payer:test' });
    expect(r.body.messages[0]).not.toHaveProperty('text');
  });

  it('answers 404 for an unknown request', async () => {
    expect((await viewer.get('/ui/requests/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api('/api/requests/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await api('/api/requests/not-a-uuid')).status).toBe(404);
  });
});

describe('staff actions feeding the metrics', () => {
  it('lets an admin record an appeal outcome (CSRF-checked, audited)', async () => {
    const page = await (await admin.get(`/ui/requests/${ids.denied}`)).text();
    const res = await admin.post(`/ui/requests/${ids.denied}/appeal`, { _csrf: Client.csrfOf(page), outcome: 'approved' });
    expect(res.status, await res.text()).toBe(303);
    const [row] = await t.deps.db.select().from(requests).where(eq(requests.id, ids.denied!));
    expect(row!.summary).toMatchObject({ appeal: true, appealOutcome: 'approved', appealBy: 'staff:wadmin' });
    const after = await (await admin.get(`/ui/requests/${ids.denied}?done=appeal`)).text();
    expect(after).toContain('Appeal recorded: approved');
  });

  it('lets an admin record an extension, which moves the deadline by 14 days', async () => {
    const [before] = await t.deps.db.select().from(requests).where(eq(requests.id, ids.soon!));
    const page = await (await admin.get(`/ui/requests/${ids.soon}`)).text();
    expect((await admin.post(`/ui/requests/${ids.soon}/extension`, { _csrf: Client.csrfOf(page) })).status).toBe(303);
    const [row] = await t.deps.db.select().from(requests).where(eq(requests.id, ids.soon!));
    expect(row!.summary.extended).toBe(true);
    expect(row!.deadlineAt!.getTime() - before!.deadlineAt!.getTime()).toBe(14 * 86_400_000);
  });

  it('refuses an appeal on a request that was not denied, and any action by a viewer', async () => {
    const page = await (await admin.get(`/ui/requests/${ids.certified}`)).text();
    expect((await admin.post(`/ui/requests/${ids.certified}/appeal`, { _csrf: Client.csrfOf(page), outcome: 'approved' })).status).toBe(409);
    const vpage = await (await viewer.get(`/ui/requests/${ids.denied}`)).text();
    expect(vpage).not.toContain('Record appeal');
    expect((await viewer.post(`/ui/requests/${ids.denied}/appeal`, { _csrf: Client.csrfOf(vpage), outcome: 'upheld' })).status).toBe(403);
  });
});

describe('GET /fhir/AuditEvent', () => {
  it('exports the request trail as a searchset Bundle of FHIR AuditEvents', async () => {
    const r = await api(`/fhir/AuditEvent?entity=ClaimResponse/${ids.denied}`, auditor);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    const events = r.body.entry.map((e: { resource: Record<string, any> }) => e.resource);
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (const e of events) {
      expect(e.resourceType).toBe('AuditEvent');
      expect(e.entity[0].what.identifier.value).toBe(ids.denied);
      expect(['0', '4']).toContain(e.outcome);
    }
    const read = events.find((e: { subtype: { code: string }[] }) => e.subtype[0]!.code === 'phi.read');
    expect(read).toMatchObject({ action: 'R', type: { code: '110110' }, agent: [{ who: { identifier: { value: 'staff:wview' } } }] });
  });

  it('pages with a next link', async () => {
    const r = await api(`/fhir/AuditEvent?_count=2`, auditor);
    expect(r.body.entry).toHaveLength(2);
    const next = r.body.link.find((l: { relation: string }) => l.relation === 'next').url as string;
    const r2 = await api(next.replace(/^https?:\/\/[^/]+/, ''), auditor);
    expect(Number(r2.body.entry[0].resource.id)).toBeLessThan(Number(r.body.entry[1].resource.id));
  });

  it('reads one event with its inclusion proof against the latest signed tree head, which checks out', async () => {
    const list = await api(`/fhir/AuditEvent?entity=ClaimResponse/${ids.denied}`, auditor);
    const id = list.body.entry[0].resource.id as string;
    expect((await api(`/fhir/AuditEvent/${id}`, auditor)).body.extension[0].extension, 'not sealed yet: no proof').toEqual([{ url: 'sealed', valueBoolean: false }]);
    await seal(t.deps.db);
    const r = await api(`/fhir/AuditEvent/${id}`, auditor);
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({ resourceType: 'AuditEvent', id });
    const part = (name: string) => r.body.extension[0].extension.filter((x: { url: string }) => x.url === name).map((x: Record<string, unknown>) => Object.values(x)[1]);
    const leafData = Buffer.from(part('leafData')[0], 'base64').toString('utf8');
    expect(JSON.parse(leafData)).toMatchObject({ id: Number(id), entityId: ids.denied });
    const leaf = createHash('sha256').update(Buffer.from([0])).update(leafData).digest();
    expect(leaf.toString('hex')).toBe(part('leafHash')[0]);
    const [jws] = part('signedTreeHead') as string[];
    const head = JSON.parse(Buffer.from(jws!.split('.')[1]!, 'base64url').toString('utf8'));
    expect(head.rootHash).toBe(part('rootHash')[0]);
    const ok = verifyInclusion(Number(part('leafIndex')[0]), Number(part('treeSize')[0]), leaf, part('auditPath').map((h: string) => Buffer.from(h, 'hex')), Buffer.from(head.rootHash, 'hex'));
    expect(ok).toBe(true);
    expect((await api('/fhir/AuditEvent/999999999', auditor)).status).toBe(404);
    expect((await api('/fhir/AuditEvent/not-a-number', auditor)).status).toBe(404);
  });

  it('needs a staff session', async () => {
    expect((await new Client(t).get('/fhir/AuditEvent/1')).status).toBe(401);
    const res = await new Client(t).get(`/fhir/AuditEvent?entity=${ids.denied}`);
    expect(res.status).toBe(401);
    expect((await res.json()).resourceType).toBe('OperationOutcome');
  });
});
