/**
 * Pre-send data-quality checks through the real `$submit` and eligibility `$submit` (gateway on a
 * port, payer simulator, Postgres or PGlite): each warning comes back in the response Bundle as an
 * OperationOutcome entry and shows on the staff detail page; a payer's rules turn one into a 422.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualityWarnings, requests } from '../../src/db/schema.ts';
import { PAS_EXAMPLES } from '../helpers/corpus.ts';
import { pasExample, reviewCodes, testGateway, type TestGateway } from '../helpers/gateway.ts';
import { addStaffUser, StaffHttp } from '../helpers/staff-http.ts';
import { kindsOf, qualityIssues, rulesCopy } from './kit.ts';

const SURGICAL = 'Bundle-SurgicalRequestBundleExample.json';
let gw: TestGateway;
let rules: ReturnType<typeof rulesCopy>;
let token: string;
let staff: StaffHttp;

/** The surgical example for a member, with the line quantity this test's CABG rule requires. */
function surgical(member: string, change: (b: any) => void = () => {}) {
  const b = pasExample(SURGICAL, member);
  b.entry[0].resource.item[0].quantity = { value: 1 };
  change(b);
  return b;
}
const entry = (b: any, type: string) => b.entry.find((e: any) => e.resource.resourceType === type).resource;
/** A PractitionerRole identifier with a bad NPI check digit (no PAS profile checks that one). */
const badRoleNpi = (b: any) => (entry(b, 'PractitionerRole').identifier = [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567890' }]);

beforeAll(async () => {
  rules = rulesCopy({
    // The CABG rule requires the number of days or units requested; the FHIR plan refuses bad NPIs.
    'prior-auth/demo-payer.yaml': (t) =>
      t.replace(
        '    placeOfService: ["21"]\n    priorAuth: required\n',
        '    placeOfService: ["21"]\n    priorAuth: required\n    requiredElements:\n      - id: units\n        description: the number of units or days requested (Claim.item.quantity)\n        expression: "%item.quantity.exists()"\n        element: item.quantity\n',
      ),
    'prior-auth/demo-fhir-payer.yaml': (t) => `${t}\ndataQuality:\n  refuse: [npi-check-digit]\n`,
  });
  gw = await testGateway({ PRIORGATE_RULES_DIR: rules.dir });
  token = await gw.token();
  await addStaffUser(gw.database.db, 'quality-staff', 'staff', 'demo-clinic-a');
  staff = await new StaffHttp(gw.url).login('quality-staff');
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  rules?.remove();
});

describe('pre-send warnings on $submit', () => {
  it('spec-30: a clean request is answered as before, with no warnings entry', async () => {
    const r = await gw.submit(surgical('QCLEAN1A'), token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(reviewCodes(r.body.entry[0].resource)).toContain('A1');
    expect(r.body.entry.some((e: any) => e.resource.resourceType === 'OperationOutcome')).toBe(false);
  });

  it('spec-40 spec-30: an NPI failing its check digit: a warning (an OperationOutcome after the ClaimResponse) at its identifier, the request still goes to the payer, and the staff page shows it', async () => {
    // (In the PAS-profiled Organizations and Practitioners the IG's us-core-17 invariant refuses it: 400.)
    const bundle = surgical('QNPI001A', badRoleNpi);
    const r = await gw.submit(bundle, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(reviewCodes(r.body.entry[0].resource)).toContain('A1');
    expect(r.body.entry[0].resource.resourceType).toBe('ClaimResponse');
    expect(r.body.entry[1].resource.resourceType).toBe('OperationOutcome');
    const issues = qualityIssues(r.body);
    expect(kindsOf(issues)).toEqual(['npi-check-digit']);
    const at = bundle.entry.findIndex((e: any) => e.resource.resourceType === 'PractitionerRole');
    expect(issues[0]).toMatchObject({ severity: 'warning', code: 'value', expression: [`Bundle.entry[${at}].resource.identifier[0].value`] });
    // The value sent is never quoted back.
    expect(issues[0]!.diagnostics).not.toContain('1234567890');

    const id = r.body.entry[0].resource.id;
    const page = await staff.text(`/ui/requests/${id}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Data-quality warnings before sending');
    expect(page.body).toContain('NPI fails its check digit');
    expect(page.body).toContain(`Bundle.entry[${at}].resource.identifier[0].value`);
    const api = await staff.json(`/api/requests/${id}`);
    expect(api.body.warnings).toEqual([expect.objectContaining({ kind: 'npi-check-digit', refused: false })]);
  });

  it('a diagnosis and a service code not valid for the service date: ICD-10-CM M54.5 after FY2021, HCPCS G0154 after 2015', async () => {
    const bundle = surgical('QCODE01A', (b) => {
      const claim = b.entry[0].resource;
      claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code = 'M54.5';
      claim.item[0].servicedDate = '2025-03-01';
      claim.item.push({ ...structuredClone(claim.item[0]), sequence: 2, productOrService: { coding: [{ system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'G0154' }] } });
      claim.item[1].extension = claim.item[1].extension.filter((x: any) => !x.url.endsWith('itemTraceNumber'));
    });
    const r = await gw.submit(bundle, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const issues = qualityIssues(r.body);
    expect(kindsOf(issues)).toEqual(['code-not-valid', 'code-not-valid']);
    const dx = issues.find((i) => i.expression[0]!.includes('diagnosis'))!;
    expect(dx).toMatchObject({ code: 'code-invalid', expression: ['Bundle.entry[0].resource.diagnosis[0].diagnosisCodeableConcept.coding[0].code'] });
    expect(dx.diagnostics).toMatch(/deleted after 2021-09-30; use M54\.50, M54\.51, M54\.59 .*FY2025/);
    const hcpcs = issues.find((i) => i.expression[0]!.includes('item[1]'))!;
    expect(hcpcs.diagnostics).toMatch(/HCPCS Level II code was deleted after 2015-12-31; use G0299, G0300/);

    const page = await staff.text(`/ui/requests/${r.body.entry[0].resource.id}`);
    expect(page.body).toContain('Code not valid on the service date');
    expect(page.body).toContain('diagnosis[0].diagnosisCodeableConcept.coding[0].code');
  });

  it('an element the payer requires for the service (rules/prior-auth requiredElements) is missing', async () => {
    const bundle = surgical('QREQ001A', (b) => delete b.entry[0].resource.item[0].quantity);
    const r = await gw.submit(bundle, token);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const issues = qualityIssues(r.body);
    expect(kindsOf(issues)).toEqual(['required-element']);
    expect(issues[0]).toMatchObject({ severity: 'warning', code: 'required', expression: ['Bundle.entry[0].resource.item[0].quantity'] });
    expect(issues[0]!.diagnostics).toContain('cabg-inpatient/units');
    const page = await staff.text(`/ui/requests/${r.body.entry[0].resource.id}`);
    expect(page.body).toContain('Element the payer requires is missing');
  });

  it('the same member id with a different birth date than this organization sent before: a patient-matching warning naming the earlier request', async () => {
    const first = await gw.submit(surgical('QDEMO01A', (b) => (entry(b, 'Patient').birthDate = '1970-01-01')), token);
    expect(qualityIssues(first.body)).toEqual([]);
    const second = await gw.submit(surgical('QDEMO01A', (b) => (entry(b, 'Patient').birthDate = '1971-01-01')), token);
    const issues = qualityIssues(second.body);
    expect(kindsOf(issues)).toEqual(['member-demographics']);
    const at = second.body && surgical('X').entry.findIndex((e: any) => e.resource.resourceType === 'Patient');
    expect(issues[0]).toMatchObject({ code: 'business-rule', expression: [`Bundle.entry[${at}].resource.birthDate`] });
    expect(issues[0]!.diagnostics).toContain(first.body.entry[0].resource.id);
    expect(issues[0]!.diagnostics).toContain('birth date');
    for (const phi of ['1970-01-01', '1971-01-01', 'QDEMO01A']) expect(issues[0]!.diagnostics).not.toContain(phi);
    // A different name spelled the same way (case, accents) is no conflict; the newest request is the reference.
    const third = await gw.submit(surgical('QDEMO01A', (b) => {
      entry(b, 'Patient').birthDate = '1971-01-01';
      entry(b, 'Patient').name = [{ family: 'Smíth', given: ['joe'] }];
    }), token);
    expect(qualityIssues(third.body)).toEqual([]);
    // Another organization's member with the same id is not compared.
    const other = await gw.submit(surgical('QDEMO01A', (b) => (entry(b, 'Patient').birthDate = '1999-09-09')), await gw.token('demo-clinic-b'));
    expect(qualityIssues(other.body)).toEqual([]);
    const page = await staff.text(`/ui/requests/${second.body.entry[0].resource.id}`);
    expect(page.body).toContain('Member sent before with other demographics');
    // Nothing of the patient reached the log.
    expect(gw.logText()).not.toContain('1971-01-01');
  });

  it('a repeated submission (same Bundle.identifier) answers with the warnings stored with the request', async () => {
    const bundle = surgical('QREP001A', badRoleNpi);
    const a = await gw.submit(bundle, token);
    const b = await gw.submit(bundle, token);
    expect(b.body.entry[0].resource.id).toBe(a.body.entry[0].resource.id);
    expect(qualityIssues(b.body)).toEqual(qualityIssues(a.body));
    const stored = await gw.database.db.select().from(qualityWarnings).where(eq(qualityWarnings.requestId, a.body.entry[0].resource.id));
    expect(stored).toHaveLength(1);
  });

  it('the response Bundle with its warnings entry still validates against the PAS response Bundle profile (open entry slicing)', async () => {
    const { compileProfile } = await import('../../src/fhir/validate/compile.ts');
    const { loadDefinitions } = await import('../../src/fhir/validate/definitions.ts');
    const { ProfileWalker } = await import('../../src/fhir/validate/walk.ts');
    const profile = compileProfile(JSON.parse(readFileSync(path.join(PAS_EXAMPLES, '../profiles/StructureDefinition-profile-pas-response-bundle.json'), 'utf8')));
    // The Bundle-level rules (entry slicing, bdl invariants); each resource is its own profile's business.
    const bundleErrors = (b: any) => {
      const sink: import('../../src/fhir/validate/walk.ts').WalkSink = { issues: [], references: [] };
      const entry = b.entry.map((e: any) => ({ ...e, resource: { resourceType: e.resource.resourceType } }));
      new ProfileWalker(loadDefinitions(), () => undefined, sink).validate(profile, { type: 'Bundle', value: { ...b, entry } }, 'Bundle');
      return sink.issues.filter((i) => i.severity === 'error' && !/^Bundle\.entry\[\d+\]\.resource\./.test(i.expression)).map((i) => i.diagnostics);
    };
    const r = await gw.submit(surgical('QPROF01A', badRoleNpi), token);
    expect(qualityIssues(r.body)).toHaveLength(1);
    expect(r.body.entry[1].resource.resourceType).toBe('OperationOutcome');
    expect(bundleErrors(r.body)).toEqual([]);
    // The check has teeth: FHIR's search-mode "outcome" entry is not allowed here, nor a second ClaimResponse.
    const last = r.body.entry.at(-1);
    expect(bundleErrors({ ...r.body, entry: [...r.body.entry.slice(0, -1), { ...last, search: { mode: 'outcome' } }] }).join()).toMatch(/not allowed/);
    expect(bundleErrors({ ...r.body, entry: [...r.body.entry, { ...r.body.entry[0], fullUrl: 'urn:uuid:00000000-0000-4000-8000-000000000000' }] }).join()).toMatch(/ClaimResponse/);
  });
});

describe('a payer rule turns a warning into a refusal', () => {
  it('spec-35: dataQuality.refuse: [npi-check-digit] at the FHIR plan: 422 with a single OperationOutcome, nothing queued, the refusal counted', async () => {
    const bundle = surgical('QREF001A', badRoleNpi);
    // The insurer is the Organization the Claim names.
    const claim = bundle.entry[0].resource;
    const insurerRef = claim.insurer.reference.split('/').pop();
    const insurer = bundle.entry.find((e: any) => e.resource.id === insurerRef).resource;
    insurer.identifier.push({ system: 'urn:test:payer', value: 'demo-fhir-payer' });
    const r = await gw.submit(bundle, token);
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.resourceType).toBe('OperationOutcome');
    const issues = qualityIssues(r.body);
    expect(issues[0]).toMatchObject({ severity: 'error', code: 'value', details: { coding: [expect.objectContaining({ code: 'npi-check-digit' })] } });
    expect(issues[0]!.diagnostics).toContain('this payer refuses such requests');
    const stored = await gw.database.db.select().from(requests).where(eq(requests.idempotencyKey, `${bundle.identifier.system}|${bundle.identifier.value}`));
    expect(stored).toEqual([]);
    const refused = await gw.database.db.select().from(qualityWarnings).where(eq(qualityWarnings.refused, true));
    expect(refused.map((w) => [w.kind, w.requestId, w.payerId])).toEqual([['npi-check-digit', null, 'demo-fhir-payer']]);
    // The same request with a good NPI goes through.
    entry(bundle, 'PractitionerRole').identifier[0].value = '1234567893';
    const ok = await gw.submit(bundle, token);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });
});

describe('pre-send warnings on eligibility requests', () => {
  const eligibility = (member: string, change: (b: any) => void = () => {}) => {
    const b = JSON.parse(readFileSync('src/sim/examples/Bundle-EligibilityRequestExample.json', 'utf8'));
    b.entry[0].resource.identifier = [{ system: 'urn:test', value: `elig-${Math.random().toString(36).slice(2)}` }];
    entry(b, 'Coverage').subscriberId = member;
    change(b);
    return b;
  };
  const submitEligibility = (b: any) => gw.submit(b, token, 'CoverageEligibilityRequest/$submit');

  it('an NPI failing its check digit (the enterer) comes back as a warning entry after the CoverageEligibilityResponse', async () => {
    const r = await submitEligibility(eligibility('QELIG01A', (b) => (b.entry[0].resource.enterer = { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567890' } })));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.entry[0].resource.resourceType).toBe('CoverageEligibilityResponse');
    expect(qualityIssues(r.body)).toEqual([expect.objectContaining({ severity: 'warning', expression: ['Bundle.entry[0].resource.enterer.identifier.value'] })]);
  });

  it('the same subscriber id with another gender than before: a patient-matching warning', async () => {
    expect(qualityIssues((await submitEligibility(eligibility('QELIG02A', (b) => (entry(b, 'Patient').gender = 'female')))).body)).toEqual([]);
    const r = await submitEligibility(eligibility('QELIG02A', (b) => (entry(b, 'Patient').gender = 'male')));
    expect(kindsOf(qualityIssues(r.body))).toEqual(['member-demographics']);
    expect(qualityIssues(r.body)[0]!.diagnostics).toContain('gender');
  });
});
