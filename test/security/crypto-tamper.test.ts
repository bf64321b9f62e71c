/**
 * Encrypted values are bound to their row and column and authenticated: a value altered in the
 * database, moved to another row, relabelled with another key id, or replaced by plaintext does
 * not decrypt. The caller gets a 500 OperationOutcome with the request id and no PHI (never
 * garbage or another patient's data); the log names table, column, row and key id, not the value.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.ts';
import { DecryptError } from '../../src/db/crypto/index.ts';
import { requestById } from '../../src/db/queries/requests.ts';
import { messages } from '../../src/db/schema.ts';
import { inquiryFor, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { canary, needles, pasWithCanary, until, type Canary } from './crypto-kit.ts';

let gw: TestGateway;
let token: string;

interface Submitted {
  c: Canary;
  id: string;
  claimIdentifier: string;
  request: any;
}

async function submit(tag: string): Promise<Submitted> {
  const c = canary(tag);
  const b = pasWithCanary(c);
  const r = await gw.submit(b, token);
  expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
  return { c, id: r.body.entry[0].resource.id, claimIdentifier: b.entry[0].resource.identifier[0].value, request: b };
}

async function responseMessage(requestId: string): Promise<{ id: string; payload: string }> {
  const [m] = await rows<{ id: string; payload: string }>(
    gw.database.db,
    sql`select id, payload from messages where request_id = ${requestId} and transaction_set = 'pas-response' order by seq desc limit 1`,
  );
  return m!;
}

const setPayload = (id: string, payload: string) => gw.database.db.update(messages).set({ payload }).where(eq(messages.id, id));

async function readClaimResponse(id: string) {
  const res = await fetch(`${gw.url}/fhir/ClaimResponse/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text(), requestId: res.headers.get('x-request-id') };
}

/** A 500 that says nothing but "internal error" and the request id: no PHI, no stack, no garbage. */
function expectOpaque500(r: { status: number; text: string; requestId: string | null }, c: Canary) {
  expect(r.status, r.text).toBe(500);
  const body = JSON.parse(r.text);
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0]).toMatchObject({ severity: 'error', code: 'exception' });
  expect(body.issue[0].diagnostics).toContain(r.requestId);
  for (const n of needles(c)) expect(r.text).not.toContain(n);
}

beforeAll(async () => {
  gw = await testGateway();
  token = await gw.token();
});
afterAll(() => gw?.stop());

describe('tampered or misplaced ciphertext', () => {
  it('one altered character of a stored response: 500 without PHI, and the log names the row, not the value', async () => {
    const a = await submit('TA');
    const m = await responseMessage(a.id);
    const i = m.payload.length - 30;
    await setPayload(m.id, m.payload.slice(0, i) + (m.payload[i] === 'A' ? 'B' : 'A') + m.payload.slice(i + 1));
    const r = await readClaimResponse(a.id);
    expectOpaque500(r, a.c);
    const log = gw.logText();
    expect(log).toContain(`cannot decrypt messages.payload of row ${m.id}`);
    expect(log).toContain('authentication failed');
    for (const n of needles(a.c)) expect(log).not.toContain(n);
  });

  it("a response moved to another request's row does not decrypt there (associated data binds the row)", async () => {
    const [b, c] = [await submit('TB'), await submit('TC')];
    const fromB = await responseMessage(b.id);
    const ofC = await responseMessage(c.id);
    await setPayload(ofC.id, fromB.payload);
    expectOpaque500(await readClaimResponse(c.id), b.c);
    expect((await readClaimResponse(b.id)).status).toBe(200);
  });

  it('summary PHI swapped between two requests fails to decrypt in the query layer and in $inquire', async () => {
    const [d, e] = [await submit('TD'), await submit('TE')];
    const [rd] = await rows<{ summary_phi: string }>(gw.database.db, sql`select summary_phi from requests where id = ${d.id}`);
    await gw.database.db.execute(sql`update requests set summary_phi = ${rd!.summary_phi} where id = ${e.id}`);
    await expect(requestById(gw.database.db, e.id)).rejects.toThrow(DecryptError);
    await expect(requestById(gw.database.db, e.id)).rejects.toThrow(`requests.summary_phi of row ${e.id}`);
    expect((await requestById(gw.database.db, d.id))!.summary.memberIds).toContain(d.c.memberId);
    const inquiry = await gw.submit(inquiryFor(e.claimIdentifier, e.request), token, 'Claim/$inquire');
    expect(inquiry.status).toBe(500);
    for (const n of [...needles(d.c), ...needles(e.c)]) expect(JSON.stringify(inquiry.body)).not.toContain(n);
  });

  it('an envelope relabelled with another key id is refused (the key id is authenticated too)', async () => {
    const f = await submit('TF');
    const m = await responseMessage(f.id);
    const kid = gw.dataKeys.cipher.ring.currentId;
    await setPayload(m.id, m.payload.replace(`v1.${kid}.`, 'v1.someotherkey.'));
    expectOpaque500(await readClaimResponse(f.id), f.c);
    expect(gw.logText()).toMatch(/cannot decrypt messages\.payload of row [0-9a-f-]+: it was encrypted under data key \\"someotherkey\\", which the key ring does not hold/);
  });

  it('plaintext written over a value is refused once every row has been encrypted', async () => {
    // The first start's pass has covered the (empty) tables: from then on plaintext is no longer legacy.
    await until('the first encryption pass', () => !gw.dataKeys.cipher.acceptPlaintext || undefined);
    const g = await submit('TG');
    const m = await responseMessage(g.id);
    const forged = JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'ClaimResponse', id: g.id, outcome: 'complete' } }] });
    await setPayload(m.id, forged);
    expectOpaque500(await readClaimResponse(g.id), g.c);
    expect(gw.logText()).toContain(`refusing messages.payload of row ${m.id}: the stored value is not encrypted`);
  });
});
