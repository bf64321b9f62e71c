/** A payer that refuses our interchange with a 999 (or TA1) has rejected the request: an error, not a retry, not a denial. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRow } from '../../src/db/queries/requests.ts';
import { readPayerReply } from '../../src/payers/reply.ts';
import type { PayerRuntime } from '../../src/payers/registry.ts';
import { stateOf } from '../../src/requests/index.ts';
import { validateX12, writeX12 } from '../../src/x12/index.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';
import { interchangeOf, writeOptions } from '../x12/fixtures.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await testDatabase();
});
afterAll(() => t.close());

const request = { id: '00000000-0000-4000-8000-000000000001', orgId: 'org-x' } as RequestRow;
const payer = { config: { id: 'p', connector: 'core-soap' } } as unknown as PayerRuntime;
const BROKEN_278 =
  'ISA*00*          *00*          *ZZ*PRIORGATE      *ZZ*DEMOPAYER      *261125*1200*^*00501*000000042*0*T*:~GS*HI*PRIORGATE*DEMOPAYER*20261125*1200*7*X*005010X217~ST*278*0001*005010X217~BHT*0007*13*X*20261125*1200~HL*1**20*1~SE*4*0001~GE*1*7~IEA*1*000000042~';

describe('payer acknowledgements', () => {
  it('a 999 rejecting our 278 becomes a rejected request with a ClaimResponse error', async () => {
    const ack = validateX12(BROKEN_278);
    expect(ack.ackKind).toBe('999');
    const reply = await readPayerReply(t.db, { request, payer, body: ack.ack, contentType: 'application/edi-x12', now: new Date() });
    expect(reply.kind).toBe('answer');
    if (reply.kind !== 'answer') return;
    expect(reply.summary.overall).toBe('rejected');
    expect(stateOf(reply.summary)).toBe('rejected');
    const cr = reply.bundle.entry?.[0]?.resource as any;
    expect(cr.outcome).toBe('error');
    // First the PAS error a provider system acts on: X12 901 code 33 (input errors), correct and resubmit.
    expect(cr.error[0].code.coding[0]).toMatchObject({ system: 'https://codesystem.x12.org/005010/901', code: '33' });
    // Then the 999's own errors: segment (IK304, X12 620), element (IK403, 621) and set (IK502, 618) codes.
    const own = cr.error.slice(1);
    expect(own.map((e: any) => e.code.coding[0].system)).toContain('https://codesystem.x12.org/005010/618');
    expect(own.every((e: any) => /^https:\/\/codesystem\.x12\.org\/005010\/(620|621|618|716)$/.test(e.code.coding[0].system))).toBe(true);
    expect(own[0].code.text).toMatch(/^999 IK/);
  });

  it('a 999 accepting our 278 without a 278 response: the payer answers later (a batch-style payer), not a failure', async () => {
    const ack = validateX12(writeX12(interchangeOf('278 request'), writeOptions())).ack;
    expect(ack).toMatch(/AK9\*A/);
    const reply = await readPayerReply(t.db, { request, payer, body: ack, contentType: 'application/edi-x12', now: new Date() });
    expect(reply.kind).toBe('accepted');
  });

  it('a TA1 rejecting the envelope is a rejection too', async () => {
    const ack = validateX12(BROKEN_278.replace('IEA*1*000000042', 'IEA*1*000000043'));
    expect(ack.ackKind).toBe('TA1');
    const reply = await readPayerReply(t.db, { request, payer, body: ack.ack, contentType: 'application/edi-x12', now: new Date() });
    expect(reply.kind === 'answer' && reply.summary.overall).toBe('rejected');
  });

  it('an answer that is not X12 at all is unreadable, not a decision', async () => {
    const reply = await readPayerReply(t.db, { request, payer, body: '<html>oops</html>', contentType: 'text/html', now: new Date() });
    expect(reply.kind).toBe('unreadable');
  });
});
