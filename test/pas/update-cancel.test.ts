/**
 * Updates and cancels follow the prior request: an update (Claim.related → the prior Claim) is
 * linked to it; a whole-request cancel (Claim certificationType 3, UM02 = 3) confirmed by the payer
 * (HCR01 C) cancels the prior request too.
 */
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/db/schema.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
let token: string;
const example = (name: string, id: string) => {
  const b = JSON.parse(readFileSync(`${PAS_EXAMPLES}/${name}`, 'utf8'));
  b.identifier.value = id;
  return b;
};
const requestRow = async (id: string) => (await gw.database.db.select().from(requests).where(eq(requests.id, id)))[0]!;

beforeAll(async () => {
  gw = await testGateway();
  token = await gw.token();
});
afterAll(() => gw.stop());

describe('updates and cancels', () => {
  let originalId: string;

  it('spec-65: an update is linked to the request it revises and answered on its own items', async () => {
    const original = (await gw.submit(example('Bundle-HomecareAuthorizationBundleExample.json', 'hc-original'), token)).body.entry[0].resource;
    originalId = original.id;
    expect(reviewCodes(original)).toContain('A1');

    const r = await gw.submit(example('Bundle-HomecareAuthorizationUpdateBundleExample.json', 'hc-update'), token);
    expect(r.status, JSON.stringify(r.body).slice(0, 400)).toBe(200);
    const update = r.body.entry[0].resource;
    expect(update.id).not.toBe(originalId);
    expect(reviewCodes(update).length).toBeGreaterThan(0);
    expect((await requestRow(update.id)).priorRequestId).toBe(originalId);
  });

  it('a cancel (certification type 3) confirmed by the payer cancels the prior request', async () => {
    const cancel = example('Bundle-HomecareAuthorizationUpdateBundleExample.json', 'hc-cancel');
    const claim = cancel.entry[0].resource;
    claim.identifier[0].value = '111099-CANCEL';
    claim.extension = [
      ...(claim.extension ?? []),
      {
        url: 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-certificationType',
        valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/1322', code: '3' }] },
      },
    ];
    const r = await gw.submit(cancel, token);
    expect(r.status, JSON.stringify(r.body).slice(0, 600)).toBe(200);
    const cr = r.body.entry[0].resource;
    expect((await requestRow(cr.id)).status).toBe('cancelled');
    expect((await requestRow(originalId)).status).toBe('cancelled');
  });
});
