/**
 * `POST /payer/x12`: payers deliver late 278 decisions. Authenticated per payer, matched to the
 * request by the trace number we sent, acknowledged with a 999, duplicates refused by control number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, issuePayerSecret } from '../../src/payers/inbound-auth.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { respond278 } from '../../src/sim/decide-278.ts';
import { seg } from '../../src/translate/x12-util.ts';
import type { Segment } from '../../src/x12/types.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { payer278s, sent278 } from '../helpers/payer-answers.ts';

let gw: TestGateway;
let token: string;
let secret: string;

beforeAll(async () => {
  // A long simulator delay: the test, not the simulator, delivers the final decision.
  gw = await testGateway({ PRIORGATE_SIM_PEND_MS: '600000' });
  token = await gw.token();
  secret = (await issuePayerSecret(gw.database.db, 'demo-payer'))!;
});
afterAll(() => gw.stop());

function post(body: string, auth?: string) {
  return fetch(`${gw.url}/payer/x12`, { method: 'POST', body, headers: { 'content-type': 'application/edi-x12', ...(auth ? { authorization: auth } : {}) } });
}

describe('POST /payer/x12', () => {
  it('records a late decision for a pended request, acknowledges it with a 999, and refuses the same interchange twice', async () => {
    const cr = (await gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', 'W300P'), token)).body.entry[0].resource;
    expect(reviewCodes(cr)).toContain('A4');
    const { tx } = await sent278(gw.database.db, cr.id);
    const final = payer278s([respond278(bodyOf(tx), { now: new Date(), authNumber: 'LATE1', final: true })], 4242);

    expect((await post(final)).status).toBe(401);
    expect((await post(final, basicAuth('demo-payer', 'wrong'))).status).toBe(401);

    const ok = await post(final, basicAuth('demo-payer', secret));
    const ack = await ok.text();
    expect(ok.status).toBe(200);
    expect(ack).toMatch(/AK9\*A\*1\*1\*1/);
    const now = await (await fetch(`${gw.url}/fhir/ClaimResponse/${cr.id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(reviewCodes(now)).toContain('A1');
    expect(JSON.stringify(now)).toContain('LATE1');

    const again = await (await post(final, basicAuth('demo-payer', secret))).text();
    expect(again).toMatch(/^ISA/);
    expect(again).toMatch(/TA1\*0+4242\*\d+\*\d+\*R\*025/);
  });

  it('rejects, and records nothing from, a set whose only error comes after the 10,000 issues a reading keeps in detail', async () => {
    const cr = (await gw.submit(pasExample('Bundle-SurgicalRequestBundleExample.json', 'W301P'), token)).body.entry[0].resource;
    expect(reviewCodes(cr)).toContain('A4');
    const request = bodyOf((await sent278(gw.database.db, cr.id)).tx);
    const decision = (authNumber: string) => respond278(request, { now: new Date(), authNumber, final: true });
    // Set 1: the decision followed by 10,100 segments nobody defined (an issue apiece). Set 2, after
    // them: the decision again, its one fault a UM02 (request category) that is no code.
    const noisy = [...decision('NOISY1'), ...Array.from({ length: 10_100 }, (_, i) => seg('ZZZ', String(i)))];
    const faulty = decision('LATE2').map((s): Segment => (s.tag === 'UM' ? { ...s, elements: ['HS', 'X', ...s.elements.slice(2)] } : s));
    expect(faulty.some((s) => s.tag === 'UM')).toBe(true);
    const both = payer278s([noisy, faulty], 4343);
    const r = await post(both, basicAuth('demo-payer', secret));
    const ack = await r.text();
    expect(r.status).toBe(200);
    // Both sets rejected (before issue budgets the second was acknowledged IK5 A).
    expect(ack.split('~').filter((x) => x.startsWith('IK5'))).toEqual(['IK5*R*5', 'IK5*R*5']);
    expect(ack).toMatch(/AK9\*R\*2\*2\*0/);
    // An interchange with a rejected set is not taken in (no inbox row, no job): neither decision
    // is recorded, the request is still pended. (Before issue budgets, too: set 0001's errors made
    // the group partly rejected, so the wrongly accepted set was never processed; this holds it.)
    const now = await (await fetch(`${gw.url}/fhir/ClaimResponse/${cr.id}`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(reviewCodes(now)).toEqual(['A4']);
    expect(JSON.stringify(now)).not.toMatch(/LATE2|NOISY1/);
  }, 60_000);

  it('answers a syntactically broken interchange with a 999 naming the segment, and changes nothing', async () => {
    const broken = 'ISA*00*          *00*          *ZZ*DEMOPAYER      *ZZ*PRIORGATE      *261125*1200*^*00501*000009999*0*T*:~GS*HI*DEMOPAYER*PRIORGATE*20261125*1200*1*X*005010X217~ST*278*0001*005010X217~BHT*0007*11*X*20261125*1200~HL*1**20*1~SE*4*0001~GE*1*1~IEA*1*000009999~';
    const r = await post(broken, basicAuth('demo-payer', secret));
    const text = await r.text();
    expect(r.status).toBe(200);
    expect(text).toMatch(/IK5\*R/);
    expect(text).toMatch(/AK9\*R/);
  });
});
