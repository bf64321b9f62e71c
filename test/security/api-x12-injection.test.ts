/**
 * X12 delimiter injection: free text from a provider's FHIR Bundle ends up inside X12 segments. No
 * value, whatever it contains (`~ * : ^ > |`, CR/LF, "ISA*", "SE*", "IEA*"), may add, end or split a
 * segment: the writer picks delimiters absent from the data and replaces what still collides
 * (src/x12/README.md, escape policy), and the translator refuses identifiers too long for their
 * element instead of sending a 278 the payer would reject.
 *
 * Every string of every PAS request example and of the eligibility example is tried, and the
 * result is read back with our own reader and validator.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestMessage } from '../../src/db/queries/requests.ts';
import { OUTBOUND_278 } from '../../src/payers/deliver.ts';
import { OUTBOUND_270 } from '../../src/payers/eligibility-deliver.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  ALL_PUNCTUATION,
  eligibilityTo270Text,
  INJECTIONS,
  LEAF_POISON,
  pasTo278Text,
  readBack,
  stringLeaves,
  withValue,
  type Path,
  type PipelineResult,
} from './x12-kit.ts';

const REQUEST_EXAMPLES = [
  'Bundle-SurgicalRequestBundleExample.json',
  'Bundle-ReferralAuthorizationBundleExample.json',
  'Bundle-HomecareAuthorizationBundleExample.json',
  'Bundle-HomecareAuthorizationUpdateBundleExample.json',
  'Bundle-MedicalServicesAuthorizationBundleExample.json',
];
const ELIGIBILITY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/sim/examples/Bundle-EligibilityRequestExample.json');

const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

/**
 * Whatever the pipeline did with a poisoned value, it did safely: refused it, or wrote X12 that
 * reads back as exactly the segments the translator produced (ST + body + SE, one transaction in
 * one group in one interchange) and that our validator accepts.
 */
function expectSafe(result: PipelineResult, where: string) {
  if (result.kind === 'refused') return;
  const back = readBack(result.text);
  const expected = ['ST', ...result.segments.map((s) => s.tag), 'SE'];
  expect({ where, interchanges: back.interchanges, groups: back.groups, transactions: back.transactions, tags: back.tags }).toEqual({
    where,
    interchanges: 1,
    groups: 1,
    transactions: 1,
    tags: expected,
  });
  expect(back.errors, `${where}\n${result.text}`).toEqual([]);
  expect(back.accepted).toBe(true);
}

describe('every string of the PAS request examples, poisoned, reaches the 278 safely', () => {
  for (const name of REQUEST_EXAMPLES) {
    it(`${name}: each string leaf with delimiters appended (and a 300-character tail) is refused or written intact`, { timeout: 120_000 }, () => {
      const base = load(path.join(PAS_EXAMPLES, name));
      const baseline = pasTo278Text(base);
      expect(baseline.kind).toBe('written');
      let written = 0;
      for (const leaf of stringLeaves(base)) {
        for (const inj of LEAF_POISON) {
          const r = pasTo278Text(withValue(base, leaf, (v) => v + inj));
          expectSafe(r, `${leaf.join('.')} + ${JSON.stringify(inj.slice(0, 20))}`);
          if (r.kind === 'written') written++;
        }
      }
      // The test means something only if much of the poison got through validation into X12.
      expect(written).toBeGreaterThan(20);
    });
  }
});

describe('free-text fields keep the 278 structure exactly', () => {
  const base = load(path.join(PAS_EXAMPLES, 'Bundle-ReferralAuthorizationBundleExample.json'));
  const patient = (base.entry as { resource: { resourceType: string } }[]).findIndex((e) => e.resource.resourceType === 'Patient');
  const baselineTags = readBack((pasTo278Text(base) as { text: string }).text).tags;
  // Names, addresses and references: free text in FHIR and in X12 alike (entry 1 is the requester
  // Organization, entry 8 the referral Location, entry 7 the referred-to Practitioner).
  const fields: [string, Path][] = [
    ['patient family name (2010C NM103)', ['entry', patient, 'resource', 'name', 0, 'family']],
    ['patient given name (2010C NM104)', ['entry', patient, 'resource', 'name', 0, 'given', 0]],
    ['requester organization name (2010B NM103)', ['entry', 1, 'resource', 'name']],
    ['requester address line (2010B N301)', ['entry', 1, 'resource', 'address', 0, 'line', 0]],
    ['requester city (2010B N401)', ['entry', 1, 'resource', 'address', 0, 'city']],
    ['practitioner family name (2010EA NM103)', ['entry', 7, 'resource', 'name', 0, 'family']],
    ['location address line (2010EA N301)', ['entry', 8, 'resource', 'address', 'line', 0]],
    ['Bundle identifier (BHT03)', ['identifier', 'value']],
  ];
  // Each short enough for the narrowest of these elements (BHT03, 50), so none is cut or refused.
  const values = ['A~ISA*00*~GS*HI~ST*278*2~', '*X*Y:Z^R~SE*3*0001~GE*1*1~IEA*1*1~', "O'Brien|Smith>Jr\r\nSE*2*0001~", ALL_PUNCTUATION, 'ISA*00*', 'IEA*1*000000001', 'SE*25*0001'];
  for (const [what, at] of fields) {
    for (const value of values) {
      it(`${what} = ${JSON.stringify(value).slice(0, 30)}: same segments as the clean request, validator accepts`, () => {
        const r = pasTo278Text(withValue(base, at, () => value));
        expect(r.kind, JSON.stringify(r)).toBe('written');
        expectSafe(r, what);
        expect(readBack((r as { text: string }).text).tags).toEqual(baselineTags);
      });
    }
  }

  it('a free-form message (MSG01) and a document description (PWK07) full of delimiters stay inside their segment', () => {
    const b = structuredClone(base) as any;
    const claim = b.entry[0].resource;
    claim.supportingInfo.push({
      sequence: 99,
      category: { coding: [{ system: 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes', code: 'freeFormMessage' }] },
      valueString: `see notes${INJECTIONS.join('')}`,
    });
    const r = pasTo278Text(b);
    expectSafe(r, 'MSG');
    const text = (r as { text: string }).text;
    expect(readBack(text).tags.filter((t) => t === 'MSG')).toHaveLength(1);
    expect(readBack(text).tags.filter((t) => t === 'ISA' || t === 'IEA' || t === 'GS')).toEqual([]);
  });

  it('an identifier longer than its element is refused at the FHIR element (422), never cut or sent', () => {
    const b = withValue(base, ['entry', 0, 'resource', 'identifier', 0, 'value'], () => 'T'.repeat(51));
    expect(pasTo278Text(b)).toEqual({ kind: 'refused', by: 'translation', expression: 'Bundle.entry[0].resource.identifier' });
    const state = withValue(base, ['entry', 1, 'resource', 'address', 0, 'state'], () => 'California');
    expect(pasTo278Text(state)).toMatchObject({ kind: 'refused', expression: expect.stringMatching(/address\.state$/) });
  });
});

describe('every string of the eligibility request, poisoned, reaches the 270 safely', () => {
  it('each string leaf with each injection appended is refused (400 with an expression) or written intact', { timeout: 120_000 }, () => {
    const base = load(ELIGIBILITY);
    expect(eligibilityTo270Text(base).kind).toBe('written');
    let written = 0;
    for (const leaf of stringLeaves(base)) {
      for (const inj of [...INJECTIONS, `${INJECTIONS[1]}${'L'.repeat(300)}`]) {
        const r = eligibilityTo270Text(withValue(base, leaf, (v) => v + inj));
        expectSafe(r, `${leaf.join('.')} + ${JSON.stringify(inj.slice(0, 20))}`);
        if (r.kind === 'refused') expect(r.expression, leaf.join('.')).toMatch(/^Bundle/);
        else written++;
      }
    }
    expect(written).toBeGreaterThan(20);
  });
});

describe('through the running gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testGateway();
  });
  afterAll(() => gw.stop());

  it('$submit with delimiters in the patient name and address: the 278 on the wire reads back intact and the payer certifies it', async () => {
    const token = await gw.token();
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W700A');
    const patient = bundle.entry.find((e: any) => e.resource.resourceType === 'Patient').resource;
    patient.name[0].family = `Smith${INJECTIONS[0]}`;
    patient.name[0].given = [`Ann${INJECTIONS[2]}`];
    patient.address = [{ line: [`1 Main St${INJECTIONS[1]}`], city: 'Springfield~IEA*1', state: 'MD', postalCode: '21201' }];
    const r = await gw.submit(bundle, token);
    expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
    const cr = r.body.entry[0].resource;
    expect(reviewCodes(cr)).toContain('A1');
    const sent = await latestMessage(gw.database.db, cr.id, OUTBOUND_278);
    expect(sent, 'the outbound 278 is stored').toBeDefined();
    const back = readBack(sent!.payload);
    expect(back).toMatchObject({ interchanges: 1, groups: 1, transactions: 1, accepted: true, errors: [] });
    expect(back.tags.filter((t) => t === 'NM1' || t === 'N3' || t === 'N4').length).toBeGreaterThan(3);
    expect(back.tags.filter((t) => t === 'ST' || t === 'SE')).toEqual(['ST', 'SE']);
  });

  it('CoverageEligibilityRequest/$submit with delimiters in the names: the 270 on the wire reads back intact', async () => {
    const token = await gw.token();
    const bundle = load(ELIGIBILITY) as any;
    bundle.entry[0].resource.identifier[0].value = `elig-inj-${Date.now()}`;
    const patient = bundle.entry.find((e: any) => e.resource.resourceType === 'Patient').resource;
    patient.name[0].family = `Doe${INJECTIONS[0]}`;
    patient.name[0].given = [`Jane${INJECTIONS[3]}${INJECTIONS[2]}`];
    const r = await gw.submit(bundle, token, 'CoverageEligibilityRequest/$submit');
    expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
    const id = r.body.entry[0].resource.id;
    const sent = await latestMessage(gw.database.db, id, OUTBOUND_270);
    expect(sent, 'the outbound 270 is stored').toBeDefined();
    const back = readBack(sent!.payload);
    expect(back).toMatchObject({ interchanges: 1, groups: 1, transactions: 1, accepted: true, errors: [] });
    expect(back.tags.filter((t) => t === 'NM1')).toHaveLength(3);
  });

  it('an over-long Claim identifier is refused with 422 at its expression, and nothing is queued', async () => {
    const token = await gw.token();
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json', 'W701A');
    bundle.entry[0].resource.identifier[0].value = 'X'.repeat(60);
    const r = await gw.submit(bundle, token);
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.issue[0].expression).toEqual(['Bundle.entry[0].resource.identifier']);
  });
});
