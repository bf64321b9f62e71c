/**
 * The pure parts of the pre-send checks: the NPI check digit, the shipped code lists and their
 * versions, and the rule-file keys (`dataQuality.refuse`, `requiredElements`) validated at load
 * with their line numbers.
 */
import { mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isValidNpi, luhnCheckDigit } from '../../src/fhir/npi.ts';
import { checkCode, codeSetFor, versionOf } from '../../src/quality/index.ts';
import { codeFindings, npiFindings } from '../../src/quality/checks.ts';
import { differences, normalName } from '../../src/quality/demographics.ts';
import { loadRuleSet } from '../../src/rules/index.ts';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';

describe('NPI check digit (Luhn over 80840 + nine digits)', () => {
  it('accepts the CMS worked example and the demo organizations, refuses one-digit slips and transpositions', () => {
    // CMS: 123456789 → 80840123456789 → check digit 3.
    expect(luhnCheckDigit('80840123456789')).toBe(3);
    for (const ok of ['1234567893', '1987654328', '8189991234']) expect(isValidNpi(ok), ok).toBe(true);
    for (const bad of ['1234567890', '1234567839', '2134567893', '123456789', '12345678931', '12345678a3', '']) expect(isValidNpi(bad), bad).toBe(false);
  });

  it('finds NPIs anywhere in a Bundle (logical references too) and names the element, not the value', () => {
    const bundle = {
      resourceType: 'Bundle',
      entry: [
        { resource: { resourceType: 'Claim', careTeam: [{ provider: { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567890' } } }] } },
        { resource: { resourceType: 'PractitionerRole', identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NPI' }] }, value: '99' }, { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }] } },
      ],
    };
    const found = npiFindings(bundle as never);
    expect(found.map((f) => f.expression)).toEqual(['Bundle.entry[0].resource.careTeam[0].provider.identifier.value', 'Bundle.entry[1].resource.identifier[0].value']);
    expect(found[0]!.message).toMatch(/check digit/);
    expect(found[1]!.message).toMatch(/ten digits/);
    expect(JSON.stringify(found)).not.toContain('1234567890');
  });
});

describe('shipped code lists', () => {
  const icd = codeSetFor(ICD)!;
  const hcpcs = codeSetFor(HCPCS)!;

  it('ICD-10-CM versions run October to September; HCPCS by calendar year', () => {
    expect(versionOf(icd, '2024-09-30')).toBe('FY2024');
    expect(versionOf(icd, '2024-10-01')).toBe('FY2025');
    expect(versionOf(hcpcs, '2026-12-05')).toBe('2026');
  });

  it('M54.5 was valid through FY2021 and replaced by M54.50/51/59 from FY2022 (with or without the dot)', () => {
    expect(checkCode(icd, 'M54.5', '2021-09-30')).toMatchObject({ valid: true, version: 'FY2021' });
    expect(checkCode(icd, 'M54.5', '2021-10-01')).toMatchObject({ valid: false, version: 'FY2022', reason: expect.stringContaining('use M54.50, M54.51, M54.59') });
    expect(checkCode(icd, 'M5450', '2021-10-01')).toMatchObject({ valid: true, display: 'Low back pain, unspecified' });
    expect(checkCode(icd, 'M54.51', '2021-09-30')).toMatchObject({ valid: false, reason: expect.stringContaining('valid only from 2021-10-01') });
  });

  it('E66.8 became a category in FY2025 (obesity classes E66.811-E66.813)', () => {
    expect(checkCode(icd, 'E66.8', '2024-09-30')).toMatchObject({ valid: true });
    expect(checkCode(icd, 'E66.8', '2024-10-01')).toMatchObject({ valid: false });
    expect(checkCode(icd, 'E66.813', '2025-01-15')).toMatchObject({ valid: true, display: 'Obesity, class 3' });
  });

  it('a category header is not billable; an unknown code under a complete category is no code; elsewhere the list cannot tell', () => {
    expect(checkCode(icd, 'G89.2', '2023-05-01')).toMatchObject({ valid: false, reason: expect.stringContaining('category') });
    expect(checkCode(icd, 'M54.99', '2023-05-01')).toMatchObject({ valid: false, reason: 'this is not a ICD-10-CM code' });
    expect(checkCode(icd, 'J45.909', '2023-05-01')).toBeUndefined();
    // After the versions shipped, only what the list knows for certain (deletions) is reported.
    expect(checkCode(icd, 'M54.99', '2026-12-01')).toBeUndefined();
    expect(checkCode(icd, 'M54.5', '2026-12-01')).toMatchObject({ valid: false, version: 'FY2027' });
  });

  it('HCPCS G0154 was deleted on 2016-01-01 (G0299/G0300); CPT codes are not shipped and never judged', () => {
    expect(checkCode(hcpcs, 'G0154', '2015-12-31')).toMatchObject({ valid: true });
    expect(checkCode(hcpcs, 'G0154', '2026-02-01')).toMatchObject({ valid: false, reason: expect.stringContaining('G0299, G0300') });
    expect(checkCode(hcpcs, 'G0151', '2026-02-01')).toMatchObject({ valid: true });
    expect(checkCode(hcpcs, '33510', '2026-02-01')).toBeUndefined();
    expect(codeSetFor('http://www.ama-assn.org/go/cpt')).toBeUndefined();
  });

  it('diagnoses are judged by the first line’s service date, lines by their own, undated ones by the submission day', () => {
    const claim = {
      resourceType: 'Claim',
      diagnosis: [{ diagnosisCodeableConcept: { coding: [{ system: ICD, code: 'M54.5' }] } }],
      item: [
        { servicedDate: '2021-06-01', productOrService: { coding: [{ system: HCPCS, code: 'G0154' }] } },
        { productOrService: { coding: [{ system: HCPCS, code: 'G0154' }] } },
      ],
    };
    const found = codeFindings({ resourceType: 'Bundle', entry: [{ resource: claim }] } as never, new Date('2015-06-01T00:00:00Z'));
    // M54.5 is fine in FY2021; G0154 is deleted by 2021 but valid for the undated line (submitted 2015).
    expect(found.map((f) => f.expression)).toEqual(['Bundle.entry[0].resource.item[0].productOrService.coding[0].code']);
  });
});

describe('patient demographics', () => {
  it('names compare without case, accents, punctuation or middle names', () => {
    expect(normalName("O'Néil", 'Zoë')).toBe('ONEIL ZOE');
    expect(differences({ memberIds: [], name: 'SMITH JOE', birthDate: '1970-01-01' }, { memberIds: [], name: 'SMITH JOE', birthDate: '1970-01-02', gender: 'M' })).toEqual(['birthDate']);
  });
});

describe('rule files: dataQuality and requiredElements are checked at load, with lines', () => {
  const RULES = path.resolve('rules');
  const withPayer = (lines: string[]) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pg-quality-load-'));
    cpSync(RULES, dir, { recursive: true });
    const file = path.join(dir, 'prior-auth/demo-payer.yaml');
    writeFileSync(file, lines.join('\n'));
    return { dir, file };
  };
  const HEAD = ['payer: demo-payer', 'services:', '  - id: mri', '    description: MRI', '    codes: ["72148"]', '    priorAuth: required'];

  it('the shipped rules load', () => {
    expect(loadRuleSet(RULES).problems).toEqual([]);
  });

  it('an unknown warning kind in dataQuality.refuse', () => {
    const { dir, file } = withPayer([...HEAD, 'dataQuality:', '  refuse: [npi-check-digit, spelling]']);
    expect(loadRuleSet(dir).problems).toEqual([{ file, line: 8, column: 29, message: expect.stringMatching(/^dataQuality\.refuse\.1: /) }]);
  });

  it('a required element with invalid FHIRPath, a bad element path, a duplicate id', () => {
    const { dir, file } = withPayer([
      ...HEAD,
      '    requiredElements:',
      '      - id: dx',
      '        description: a diagnosis',
      '        expression: "%claim.diagnosis.exists("',
      '      - id: dx',
      '        description: units',
      '        expression: "%item.quantity.exists()"',
    ]);
    const problems = loadRuleSet(dir).problems;
    expect(problems.map((p) => [p.file, p.line, p.message.split(':')[0]])).toEqual([
      [file, 11, 'services.0.requiredElements.1.id'],
      [file, 10, 'services.0.requiredElements.0.expression'],
    ]);
    const bad = withPayer([...HEAD, '    requiredElements:', '      - id: dx', '        description: a diagnosis', '        expression: "true"', '        element: Claim.diagnosis']);
    expect(loadRuleSet(bad.dir).problems).toEqual([{ file: bad.file, line: 11, column: 18, message: expect.stringMatching(/^services\.0\.requiredElements\.0\.element: must be a Claim element path/) }]);
  });
});
