/**
 * "Minimum necessary": without `requests.read.phi` (viewer) member ids come as their last four
 * characters and birth dates as the year, and message bodies not at all — in the HTML and in the
 * /api JSON alike, decided on the server (the full values are nowhere in what is sent). Staff and
 * admin see them whole; an auditor sees no request at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveMessage } from '../../src/db/queries/requests.ts';
import type { Role } from '../../src/staff/index.ts';
import { addStaff, Client, seedOrgs, seedRequest, staffSecurityApp, type ClockedApp } from './staff-kit.ts';

let t: ClockedApp;
let id: string;
const clients = {} as Record<Role, Client>;
const MEMBER = 'MASKME12345678Z';
const BORN = '1957-03-14';
const X12 = `ISA*00*          *00*          *ZZ*DEMOPAYER      *ZZ*PRIORGATE      *261125*0940*^*00501*000075119*0*T*:~ST*278*0001~NM1*IL*1*DOE*JO****MI*${MEMBER}~DMG*D8*19570314~SE*4*0001~`;

beforeAll(async () => {
  t = await staffSecurityApp();
  await seedOrgs(t.deps.db);
  id = await seedRequest(t.deps.db, {
    orgId: 'org-a',
    payerId: 'pay-one',
    submitted: new Date(Date.now() - 3_600_000).toISOString(),
    memberId: MEMBER,
    birthDate: BORN,
    claimIdentifier: 'CLAIM-0042',
    steps: [{ to: 'pended', at: 0.2 }],
  });
  await saveMessage(t.deps.db, { orgId: 'org-a', requestId: id, direction: 'out', format: 'x12', transactionSet: 'x12-out', controlNumber: '000075119', payload: X12 });
  for (const role of ['viewer', 'staff', 'admin', 'auditor'] as Role[]) {
    await addStaff(t.deps.db, `m-${role}`, role, 'org-a');
    clients[role] = await new Client(t).loggedIn(`m-${role}`);
  }
});
afterAll(() => t.close());

const PAGES = () => ['/ui', '/ui/worklist/rows', `/ui/requests/${id}`, '/api/requests', `/api/requests/${id}`];
const text = async (c: Client, path: string) => {
  const res = await c.get(path);
  expect(res.status, path).toBe(200);
  return res.text();
};

describe('masking per role', () => {
  it('viewer: last four of the member id and the birth year, in HTML and JSON; no message bodies; the full values nowhere', async () => {
    for (const path of PAGES()) {
      const body = await text(clients.viewer, path);
      expect(body, path).not.toContain(MEMBER);
      expect(body, path).not.toContain('MASKME');
      expect(body, path).not.toContain(BORN);
      expect(body, path).not.toContain('19570314');
      expect(body, path).toContain('678Z');
    }
    const list = JSON.parse(await text(clients.viewer, '/api/requests'));
    expect(list.items[0]).toMatchObject({ memberId: '•••••••••••678Z', birthDate: '1957' });
    const one = JSON.parse(await text(clients.viewer, `/api/requests/${id}`));
    expect(one).toMatchObject({ memberId: '•••••••••••678Z', birthDate: '1957' });
    const page = await text(clients.viewer, `/ui/requests/${id}`);
    expect(page).toMatch(/<dt>Birth date<\/dt><dd>1957<\/dd>/);
    expect(page).not.toContain('<pre>');
    expect(page).toContain('The contents hold PHI your role does not see');
  });

  for (const role of ['staff', 'admin'] as Role[]) {
    it(`${role}: member id and birth date whole, in HTML and JSON, with the message bodies`, async () => {
      const page = await text(clients[role], `/ui/requests/${id}`);
      expect(page).toContain(`<dd>${MEMBER}</dd>`);
      expect(page).toMatch(new RegExp(`<dt>Birth date</dt><dd>${BORN}</dd>`));
      expect(page).toContain(`MI*${MEMBER}`);
      expect(await text(clients[role], '/ui')).toContain(MEMBER);
      const list = JSON.parse(await text(clients[role], '/api/requests'));
      expect(list.items[0]).toMatchObject({ memberId: MEMBER, birthDate: BORN });
      expect(JSON.parse(await text(clients[role], `/api/requests/${id}`))).toMatchObject({ memberId: MEMBER, birthDate: BORN });
    });
  }

  it('auditor: no request data at all (403), and the audit export carries ids, not PHI', async () => {
    for (const path of PAGES()) expect((await clients.auditor.get(path)).status, path).toBe(403);
    const exported = await text(clients.auditor, '/fhir/AuditEvent?_count=500');
    expect(exported).toContain(id);
    expect(exported).not.toContain('MASKME');
    expect(exported).not.toContain(BORN);
  });

  it('records in the audit trail whether a read was masked', async () => {
    const bundle = JSON.parse(await text(clients.admin, `/fhir/AuditEvent?entity=${id}&_count=500`));
    const reads = bundle.entry.map((e: any) => e.resource).filter((r: any) => r.subtype[0].code === 'phi.read');
    const masked = (actor: string) =>
      reads.filter((r: any) => r.agent[0].who.display === actor).flatMap((r: any) => r.entity[0].detail.filter((d: any) => d.type === 'masked').map((d: any) => d.valueString));
    expect(new Set(masked('staff:m-viewer'))).toEqual(new Set(['true']));
    expect(new Set(masked('staff:m-staff'))).toEqual(new Set(['false']));
  });
});
