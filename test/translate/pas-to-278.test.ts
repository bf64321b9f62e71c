/**
 * PAS request Bundle → 278 request: every request example of the IG translates to a 278 with the
 * expected key segments; the surgical and referral examples match their golden segment lists.
 */
import { describe, expect, it } from 'vitest';
import { pasRequestTo278 } from '../../src/translate/index.ts';
import { example, golden } from './helpers/corpus.ts';
import { fromText, toText } from './helpers/x12-text.ts';
import { hlShape, lines } from './helpers/segments.ts';

const now = new Date('2024-03-01T12:00:00Z');
const translate = (name: string) => pasRequestTo278(example(name), { now });

const PAYER_AND_REQUESTER = [
  'NM1*X3*2*MARYLAND CAPITAL INSURANCE COMPANY*****XX*1234567893',
  'NM1*1P*2*DR. JOE SMITH CORPORATION*****XX*8189991234',
  'NM1*IL*1*SMITH*JOE****MI*1122334455',
];

describe('PAS request examples → 278 request (use-2, spec-12)', () => {
  it('surgical request matches its golden segment list exactly', () => {
    const { segments, trace } = translate('Bundle-SurgicalRequestBundleExample.json');
    expect(toText(segments)).toBe(toText(fromText(golden('surgical-request.278.txt'))));
    expect(trace).toBe('16139462398');
  });

  it('referral request matches its golden segment list exactly', () => {
    const { segments } = translate('Bundle-ReferralAuthorizationBundleExample.json');
    expect(toText(segments)).toBe(toText(fromText(golden('referral-request.278.txt'))));
  });

  it('surgical: institutional claim → SV2 with the HCPCS procedure, admission review with CL1 and admission dates', () => {
    const { segments } = translate('Bundle-SurgicalRequestBundleExample.json');
    expect(lines(segments, 'BHT')).toEqual(['BHT*0007*13*16139462398*20200624*0734']);
    expect(hlShape(segments)).toEqual(['1//20/1', '2/1/21/1', '3/2/22/1', '4/3/EV/1', '5/4/SS/0']);
    expect(lines(segments, 'UM')).toEqual(['UM*AR*I*2*21:B**E', 'UM*AR*I*2*21:B']);
    expect(lines(segments, 'HI')).toEqual(['HI*ABK:C189:D8:20200624']);
    expect(lines(segments, 'SV2')).toEqual(['SV2**HC:33510']);
    expect(lines(segments, 'SV1')).toEqual([]);
    expect(lines(segments, 'CL1')).toEqual(['CL1*2*5*30']);
    expect(lines(segments, 'DTP')).toEqual(['DTP*435*RD8*20200702-20200709']);
  });

  it('surgical: the care team PractitionerRole points at a Practitioner missing from the Bundle → warning, no 2010EA', () => {
    const { segments, warnings } = translate('Bundle-SurgicalRequestBundleExample.json');
    expect(lines(segments, 'NM1').map((l) => l.split('*')[1])).toEqual(['X3', '1P', 'IL']);
    expect(warnings).toContainEqual(
      expect.objectContaining({ code: 'unresolved-reference', expression: 'Bundle.entry[0].resource.careTeam[0].provider.practitioner' }),
    );
  });

  it('referral: specialty care review, urgent, service type only (no SV1), quantity in HSD, document in PWK, provider in 2010EA', () => {
    const { segments, trace, warnings } = translate('Bundle-ReferralAuthorizationBundleExample.json');
    expect(trace).toBe('111099');
    expect(lines(segments, 'NM1')).toEqual([...PAYER_AND_REQUESTER, 'NM1*SJ*1*WATSON*SUSAN****XX*1234567893']);
    expect(lines(segments, 'TRN')).toEqual(['TRN*1*111099*9012345678*223412', 'TRN*1*1122334*9012345678']);
    expect(lines(segments, 'UM')).toEqual(['UM*SC*I*3*11:B**U', 'UM*SC*I*3*11:B']);
    expect(lines(segments, 'SV1')).toEqual([]);
    expect(lines(segments, 'HSD')).toEqual(['HSD*VS*1']);
    expect(lines(segments, 'PWK')[0]).toMatch(/^PWK\*PY\*EL\*\*\*AC\*111222\*A procedure note/);
    // PWK07 holds 80 characters; the example's description is longer.
    expect(warnings.map((w) => w.code)).toContain('truncated');
  });

  it('medical services reservation: BHT06 RU, UM01 IN, SV1 with the CPT code and DTP*472 service date', () => {
    const { segments } = translate('Bundle-MedicalServicesAuthorizationBundleExample.json');
    expect(lines(segments, 'BHT')).toEqual(['BHT*0007*13*5269367*20050502*1101*RU']);
    expect(hlShape(segments)).toEqual(['1//20/1', '2/1/21/1', '3/2/22/1', '4/3/EV/1', '5/4/SS/0']);
    expect(lines(segments, 'UM')).toEqual(['UM*IN*I*1*11:B', 'UM*IN*I*1*11:B']);
    expect(lines(segments, 'SV1')).toEqual(['SV1*HC:99212']);
    expect(lines(segments, 'DTP')).toEqual(['DTP*472*D8*20050510']);
    expect(lines(segments, 'REF')).toEqual(['REF*BB*1122344', 'REF*NT*33441122']);
    // No itemTraceNumber: the item trace is <claim trace>-<sequence>.
    expect(lines(segments, 'TRN')).toEqual(['TRN*1*111099*9012345678', 'TRN*1*111099-1*9012345678']);
    expect(lines(segments, 'HI')).toEqual([]);
  });

  it('homecare: two HCPCS lines → two 2000F loops with SV1, CR6 home health information', () => {
    const { segments } = translate('Bundle-HomecareAuthorizationBundleExample.json');
    expect(lines(segments, 'BHT')).toEqual(['BHT*0007*13*B56789*20190720*1101']);
    expect(hlShape(segments)).toEqual(['1//20/1', '2/1/21/1', '3/2/22/1', '4/3/EV/1', '5/4/SS/0', '6/4/SS/0']);
    expect(lines(segments, 'UM')).toEqual(['UM*HS*I*42*11:B', 'UM*HS*I*42*11:B', 'UM*HS*I*42*11:B']);
    expect(lines(segments, 'SV1')).toEqual(['SV1*HC:G0154', 'SV1*HC:B4184']);
    expect(lines(segments, 'CR6')).toEqual(['CR6*1*20050502']);
    expect(lines(segments, 'NM1')).toEqual(PAYER_AND_REQUESTER);
  });

  it('homecare update: only changed and added items travel, the cancelled one with UM02 3 (spec-69, spec-70, prof-7)', () => {
    const { segments, trace, warnings } = translate('Bundle-HomecareAuthorizationUpdateBundleExample.json');
    expect(trace).toBe('111099-UPDATE');
    expect(hlShape(segments)).toEqual(['1//20/1', '2/1/21/1', '3/2/22/1', '4/3/EV/1', '5/4/SS/0', '6/4/SS/0']);
    // 2000E revised (S); item 2 cancelled (3), item 3 added (I); item 1 unchanged stays out.
    expect(lines(segments, 'UM')).toEqual(['UM*HS*S*42*11:B', 'UM*HS*3*42*11:B', 'UM*HS*I*42*11:B']);
    expect(lines(segments, 'SV1')).toEqual(['SV1*HC:B4184', 'SV1*HC:B4185']);
    expect(warnings).toContainEqual(expect.objectContaining({ code: 'missing-element', message: expect.stringContaining('REF*BB') }));
  });

  it('every request example yields NM1 ids for UMO (XX), requester (XX) and subscriber (MI)', () => {
    for (const name of [
      'Bundle-SurgicalRequestBundleExample.json',
      'Bundle-ReferralAuthorizationBundleExample.json',
      'Bundle-MedicalServicesAuthorizationBundleExample.json',
      'Bundle-HomecareAuthorizationBundleExample.json',
      'Bundle-HomecareAuthorizationUpdateBundleExample.json',
    ]) {
      const { segments } = translate(name);
      expect(lines(segments, 'NM1').slice(0, 3), name).toEqual(PAYER_AND_REQUESTER);
      expect(segments[0]?.tag, name).toBe('BHT');
      expect(segments.some((s) => s.tag === 'ST' || s.tag === 'SE'), name).toBe(false);
    }
  });

  it('is pure: the same Bundle and clock give the same segments', () => {
    const a = translate('Bundle-ReferralAuthorizationBundleExample.json');
    const b = translate('Bundle-ReferralAuthorizationBundleExample.json');
    expect(b).toEqual(a);
  });
});
