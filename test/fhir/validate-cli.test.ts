/**
 * `priorgate validate` on FHIR (issue 13 #8): PAS request, inquiry, response and inquiry-response
 * Bundles validated by the server's own validator, an OperationOutcome on stdout, exit 0 accepted,
 * 1 rejected, 2 unreadable — as CONTRACT.md promises.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { validatePasRequestBundle } from '../../src/fhir/validate/index.ts';
import { runCommand } from '../helpers/cli-io.ts';
import { infernoFixture, pasExample } from './helpers/pas-corpus.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'pg-validate-'));
const file = (name: string, value: unknown) => {
  const p = path.join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
};
const validate = (args: string[], stdin?: string) => runCommand(main, ['validate', ...args], stdin === undefined ? {} : { stdin });

describe('priorgate validate FILE (FHIR)', () => {
  it('issue 13 #8: a valid PAS request Bundle → exit 0 and an OperationOutcome saying what it was validated as', async () => {
    const r = await validate([file('surgical.json', pasExample('Bundle-SurgicalRequestBundleExample.json'))]);
    expect(r.code, r.text).toBe(0);
    const outcome = JSON.parse(r.stdout);
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.at(-1)).toMatchObject({ severity: 'information', diagnostics: 'validated as a PAS Request Bundle (PAS 2.2.1): valid' });
  });

  it('spec-35: an invalid request → exit 1, the same issues and expressions the server answers with', async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json') as any;
    bundle.entry[0].resource.use = 'claim';
    const r = await validate([file('bad.json', bundle)]);
    expect(r.code).toBe(1);
    const errors = JSON.parse(r.stdout).issue.filter((i: any) => i.severity === 'error');
    const server = validatePasRequestBundle(bundle).filter((i) => i.severity === 'error');
    expect(errors.map((i: any) => i.expression[0])).toEqual(server.map((i) => i.expression));
    expect(errors.map((i: any) => i.expression[0])).toContain('Bundle.entry[0].resource.use');
  });

  it('an empty string (Patient.name.family: "") → exit 1 naming the element: FHIR JSON has no empty values', async () => {
    const bundle = pasExample('Bundle-SurgicalRequestBundleExample.json') as any;
    bundle.entry[4].resource.name[0].family = '';
    const r = await validate([file('empty-family.json', bundle), '--summary']);
    expect(r.code, r.text).toBe(1);
    expect(r.stdout).toMatch(/^rejected: 1 error, first: Bundle\.entry\[4\]\.resource\.name\[0\]\.family: Empty string/);
  });

  it('spec-30: a response Bundle is validated against the PAS response profile — sub-extension urls included', async () => {
    const response = pasExample('Bundle-ReferralPendingAuthorizationResponseBundleExample.json') as any;
    // The IG example's requestor is not in the Bundle: put it there, and it is valid.
    response.entry.push({ fullUrl: 'http://example.org/fhir/PractitionerRole/ReferralPractitionerRoleExample', resource: { resourceType: 'PractitionerRole', id: 'ReferralPractitionerRoleExample', practitioner: { reference: 'Practitioner/ReferralPractitionerExample' }, organization: { reference: 'Organization/UMOExample' }, telecom: [{ system: 'phone', value: '4029993456' }] } });
    const ok = await validate([file('pended.json', response)]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(JSON.parse(ok.stdout).issue.at(-1).diagnostics).toBe('validated as a PAS Response Bundle (PAS 2.2.1): valid');
    const action = response.entry[0].resource.item[0].adjudication[0].extension[0];
    action.extension.push({ url: 'code', valueCodeableConcept: action.extension[0].valueCodeableConcept });
    const bad = await validate([file('pended-code.json', response), '--summary']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^rejected: 1 error, first: Bundle\.entry\[0\]\.resource\.item\[0\]\.adjudication\[0\]\.extension\[0\]\.extension\[1\]: Sub-extension url 'code' is not defined by the Extension ReviewAction/);
  });

  it('a saved $inquire answer (Parameters of `return` Bundles) is validated Bundle by Bundle as inquiry responses', async () => {
    const response = infernoFixture('valid_pa_inquire_response_bundle.json') as any;
    const r = await validate([file('inquire.json', { resourceType: 'Parameters', parameter: [{ name: 'return', resource: response }] })]);
    const outcome = JSON.parse(r.stdout);
    expect(outcome.issue.at(-1).diagnostics).toMatch(/^validated as a PAS Inquiry Response Bundle/);
    expect(outcome.issue.filter((i: any) => i.severity === 'error').every((i: any) => i.expression[0].startsWith('Parameters.parameter[0].resource'))).toBe(true);
  });

  it('reads stdin too; unreadable input (not JSON, not a Bundle) → exit 2 with the reason on stderr', async () => {
    expect((await validate(['-'], JSON.stringify(pasExample('Bundle-PASClaimInquiryBundleExample.json')))).code).toBe(0);
    const notJson = await validate([file('broken.json', '{"resourceType": "Bundle",')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toBe('priorgate validate: not valid JSON\n');
    const patient = await validate([file('patient.json', { resourceType: 'Patient' })]);
    expect(patient.code).toBe(2);
    expect(patient.stderr).toMatch(/expected a PAS Bundle/);
    // --summary keeps to one line for unreadable input too.
    const short = await validate([file('broken.json', '{"resourceType": "Bundle",'), '--summary']);
    expect(short.code).toBe(2);
    expect(short.stdout).toBe('unreadable: not valid JSON\n');
  });
});
