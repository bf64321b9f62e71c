/**
 * 278 request mapping rules beyond the IG examples, on synthetic variants of the referral example
 * (never real PHI): dependents, ZIP+4, whole-request cancel, diagnosis order, service segments,
 * HSD timing, payer override, and the inputs that cannot make a 278.
 */
import { describe, expect, it } from 'vitest';
import { pasRequestTo278, TranslateError, type Bundle } from '../../src/translate/index.ts';
import { example } from './helpers/corpus.ts';
import { hlShape, lines } from './helpers/segments.ts';

type Json = Record<string, any>;
const now = new Date('2024-03-01T12:34:00Z');
const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';

function referral(): Json {
  return structuredClone(example<Json>('Bundle-ReferralAuthorizationBundleExample.json'));
}
const claimOf = (b: Json): Json => b['entry'][0].resource;
const entryOf = (b: Json, type: string): Json => b['entry'].find((e: Json) => e.resource.resourceType === type).resource;
const run = (b: Json, opts: Partial<Parameters<typeof pasRequestTo278>[1]> = {}) => pasRequestTo278(b as Bundle, { now, ...opts });

describe('278 request mapping rules', () => {
  it('patient who is not the subscriber → 2000C subscriber (NM1*IL) and 2000D dependent (NM1*QC, DMG, INS*N*19), ZIP+4 without its dash (prof-ben-1)', () => {
    const b = referral();
    const coverage = entryOf(b, 'Coverage');
    coverage.relationship = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship', code: 'child' }] };
    coverage.subscriber = { reference: 'Patient/SyntheticSubscriber' };
    b['entry'].push({
      fullUrl: 'urn:uuid:0f0c4a4e-0000-4000-8000-000000000001',
      resource: { resourceType: 'Patient', id: 'SyntheticSubscriber', name: [{ family: 'DOE', given: ['JANE', 'Q'] }], gender: 'female', birthDate: '1980-02-03' },
    });
    Object.assign(entryOf(b, 'Patient'), { birthDate: '2010-01-01', address: [{ line: ['1 MAIN ST'], city: 'SAN DIEGO', state: 'CA', postalCode: '92101-1234' }] });
    const { segments } = run(b);
    expect(hlShape(segments)).toEqual(['1//20/1', '2/1/21/1', '3/2/22/1', '4/3/23/1', '5/4/EV/1', '6/5/SS/0']);
    expect(lines(segments, 'NM1').slice(2, 4)).toEqual(['NM1*IL*1*DOE*JANE*Q***MI*1122334455', 'NM1*QC*1*SMITH*JOE']);
    expect(lines(segments, 'DMG')).toEqual(['DMG*D8*20100101*M']);
    expect(lines(segments, 'INS')).toEqual(['INS*N*19******RU']);
    // prof-ben-1: the dash of ZIP+4 is removed for X12.
    expect(lines(segments, 'N4')).toContain('N4*SAN DIEGO*CA*921011234');
  });

  it('subscriber ZIP+4 loses its dash (prof-sub-1) and a birth date gives DMG with gender', () => {
    const b = referral();
    Object.assign(entryOf(b, 'Patient'), { birthDate: '1970-12-31', gender: 'unknown', address: [{ line: ['9 ELM'], city: 'BOSTON', state: 'MA', postalCode: '02110-0001' }] });
    const { segments, warnings } = run(b);
    expect(lines(segments, 'N4')[1]).toBe('N4*BOSTON*MA*021100001');
    expect(lines(segments, 'DMG')).toEqual(['DMG*D8*19701231*U']);
    expect(warnings.map((w) => w.message)).not.toContain('birthDate missing: DMG not sent');
  });

  it('certificationType 3 on the Claim cancels the whole request: UM02 3 at 2000E and no service lines', () => {
    const b = referral();
    claimOf(b).extension.push({ url: `${PAS}extension-certificationType`, valueCodeableConcept: { coding: [{ system: 'https://codesystem.x12.org/005010/1322', code: '3' }] } });
    const { segments } = run(b);
    expect(lines(segments, 'UM')).toEqual(['UM*SC*3*3*11:B**U']);
    expect(hlShape(segments).at(-1)).toBe('4/3/EV/0');
  });

  it('diagnoses: the one typed principal leads (ABK), admitting is ABJ, the rest ABF, dots removed, at most 12', () => {
    const b = referral();
    const dx = (sequence: number, code: string, type?: string) => ({
      sequence,
      diagnosisCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code }] },
      ...(type ? { type: [{ coding: [{ system: 'http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASTempCodes', code: type }] }] } : {}),
    });
    claimOf(b).diagnosis = [dx(1, 'E11.9'), dx(2, 'I10', 'principal'), dx(3, 'R07.89', 'admitting'), ...Array.from({ length: 11 }, (_, i) => dx(4 + i, `Z00.0${i % 10}`))];
    const { segments, warnings } = run(b);
    const hi = lines(segments, 'HI')[0]!.split('*');
    expect(hi.slice(1, 4)).toEqual(['ABK:I10', 'ABF:E119', 'ABJ:R0789']);
    expect(hi).toHaveLength(13);
    expect(warnings).toContainEqual(expect.objectContaining({ code: 'limit-exceeded', expression: 'Bundle.entry[0].resource.diagnosis' }));
  });

  it('professional line: SV1 with modifiers, charge = unit price × quantity, unit basis UN', () => {
    const b = referral();
    Object.assign(claimOf(b).item[0], {
      productOrService: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '99213' }] },
      modifier: [{ coding: [{ code: '25' }] }, { coding: [{ code: '59' }] }],
      quantity: { value: 2 },
      unitPrice: { value: 75, currency: 'USD' },
    });
    // The referral item's nursingHomeLevelOfCare (2) rides in SV120.
    expect(lines(run(b).segments, 'SV1')).toEqual([`SV1*HC:99213:25:59*150*UN*2${'*'.repeat(16)}2`]);
  });

  it('dental claim: SV3 with the CDT code; institutional claim with a revenue code: SV2 with SV206 rate', () => {
    const oral = referral();
    claimOf(oral).type = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'oral' }] };
    Object.assign(claimOf(oral).item[0], { productOrService: { coding: [{ system: 'http://www.ada.org/cdt', code: 'D1110' }] }, quantity: { value: 1 } });
    expect(lines(run(oral).segments, 'SV3')).toEqual(['SV3*AD:D1110*****1']);
    const inst = referral();
    claimOf(inst).type = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' }] };
    Object.assign(claimOf(inst).item[0], { revenue: { coding: [{ code: '0120' }] }, quantity: { value: 3, code: 'DA' } });
    // Referral item: revenueUnitRateLimit 100, nursing home residential status 2, level of care 2.
    expect(lines(run(inst).segments, 'SV2')).toEqual(['SV2*0120***DA*3*100***2*2']);
  });

  it('requested service timing → HSD: 12 visits, 3 a week, for 4 weeks', () => {
    const b = referral();
    Object.assign(entryOf(b, 'ServiceRequest'), {
      quantityQuantity: { value: 12, unit: 'visit' },
      occurrenceTiming: { repeat: { frequency: 3, period: 1, periodUnit: 'wk', boundsDuration: { value: 4, code: 'wk' } } },
    });
    expect(lines(run(b).segments, 'HSD')).toEqual(['HSD*VS*12*WK*3*35*4']);
  });

  it('a configured payer id wins in 2010A (PI by default); Claim.created absent → BHT04/05 from opts.now', () => {
    const b = referral();
    delete claimOf(b).created;
    const { segments } = run(b, { payer: { id: 'DEMO01', name: 'DEMO PAYER' } });
    expect(lines(segments, 'NM1')[0]).toBe('NM1*X3*2*DEMO PAYER*****PI*DEMO01');
    expect(lines(segments, 'BHT')[0]).toBe('BHT*0007*13*A12345*20240301*1234');
  });

  it('long names are cut to the X12 maximum with a warning naming the element', () => {
    const b = referral();
    entryOf(b, 'Organization').name = 'X'.repeat(70);
    const { segments, warnings } = run(b);
    expect(lines(segments, 'NM1')[1]).toBe(`NM1*1P*2*${'X'.repeat(60)}*****XX*8189991234`);
    expect(warnings).toContainEqual(expect.objectContaining({ code: 'truncated', expression: 'Bundle.entry[0].resource.provider' }));
  });

  it('rejects what cannot make a 278 with a TranslateError and an expression (spec-12)', () => {
    const notClaim = referral();
    notClaim['entry'].reverse();
    expect(() => run(notClaim)).toThrowError(expect.objectContaining({ code: 'invalid', expression: 'Bundle.entry[0].resource' }));
    const noInsurer = referral();
    claimOf(noInsurer).insurer = { reference: 'Organization/Nowhere' };
    expect(() => run(noInsurer)).toThrowError(TranslateError);
    expect(() => run(noInsurer)).toThrowError(expect.objectContaining({ expression: 'Bundle.entry[0].resource.insurer' }));
    // …unless the payer is configured.
    expect(lines(run(noInsurer, { payer: { id: 'P1', name: 'P' } }).segments, 'NM1')[0]).toBe('NM1*X3*2*P*****PI*P1');
    expect(() => run({ resourceType: 'Patient' })).toThrowError(TranslateError);
  });
});
