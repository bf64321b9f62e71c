/**
 * Segment and element rules, each proven with a hand-made invalid 278 request (or 270) and the exact
 * IK3/IK4 lines of the resulting 999: positions count from ST = 1, loop ids are the TR3's.
 * Body line i sits at position i + 2 (see REQ278_LINES).
 */
import { describe, expect, it } from 'vitest';
import { parseX12 } from '../../src/x12/index.ts';
import { rawInterchange } from './fixtures.ts';
import { ACCEPTED_278, ackBody, rejected278, req278With } from './helpers.ts';

describe('the unmodified hand-made 278 request is accepted', () => {
  it('has no notes', () => expect(ackBody(req278With(() => {}))).toEqual(ACCEPTED_278));
});

describe('IK4 element errors (IK3 code 8)', () => {
  const cases: [string, (l: string[]) => void, string[]][] = [
    ['1 required element missing (UM01)', (l) => (l[9] = 'UM**I*3'), ['IK3*UM*11*2000E*8', 'IK4*1*1525*1']],
    ['2 conditional element missing (NM1 P0809 in 2010EA)', (l) => l.splice(11, 0, 'NM1*SJ*1*SMITH*ANNA****XX'), ['IK3*NM1*13*2010EA*8', 'IK4*9*67*2']],
    ['3 too many data elements (TRN)', (l) => (l[8] = 'TRN*1*TRACE0001*9123456789*X*Y'), ['IK3*TRN*10*2000E*8', 'IK4*5**3']],
    ['4 data element too short (N401 city)', (l) => l.splice(5, 0, 'N4*X*IL*62701'), ['IK3*N4*7*2010B*8', 'IK4*1*19*4*X']],
    ['5 data element too long (NM103, 61 characters)', (l) => (l[2] = `NM1*X3*2*${'A'.repeat(61)}*****PI*12345`), ['IK3*NM1*4*2010A*8', `IK4*3*1035*5*${'A'.repeat(61)}`]],
    ['6 invalid character in a numeric (SV102)', (l) => (l[13] = 'SV1*HC:72148*15O0*UN*1'), ['IK3*SV1*15*2000F*8', 'IK4*2*782*6*15O0']],
    ['7 invalid code value (UM02)', (l) => (l[9] = 'UM*HS*X*3'), ['IK3*UM*11*2000E*8', 'IK4*2*1322*7*X']],
    ['8 invalid date (DTP03 RD8, 30 February)', (l) => (l[10] = 'DTP*AAH*RD8*20250230-20250301'), ['IK3*DTP*12*2000E*8', 'IK4*3*1251*8*20250230-20250301']],
    ['8 invalid date (DMG02 D8)', (l) => l.splice(7, 0, 'DMG*D8*19801301'), ['IK3*DMG*9*2010C*8', 'IK4*2*1251*8*19801301']],
    ['9 invalid time (BHT05)', (l) => (l[0] = 'BHT*0007*13*REF47517*20250102*2561'), ['IK3*BHT*2**8', 'IK4*5*337*9*2561']],
    ['10 exclusion condition violated (N4 E0207)', (l) => l.splice(5, 0, 'N4*SPRINGFIELD*IL*62701*US***ON'), ['IK3*N4*7*2010B*8', 'IK4*7*1715*10']],
    ['12 too many repetitions (UM03 is not repeatable)', (l) => (l[9] = 'UM*HS*I*3^4'), ['IK3*UM*11*2000E*8', 'IK4*3*1365*12']],
    ['13 too many components (UM04 has three)', (l) => (l[9] = 'UM*HS*I*3*11:B:1:X'), ['IK3*UM*11*2000E*8', 'IK4*4*0*13'.replace('*0*', '**')]],
    ['I10 not-used element present (NM106)', (l) => (l[6] = 'NM1*IL*1*DOE*JOHN**MR**MI*MEM123456A'), ['IK3*NM1*8*2010C*8', 'IK4*6*1038*I10*MR']],
    ['1 required component missing (SV101-1)', (l) => (l[13] = 'SV1*:72148*1500*UN*1'), ['IK3*SV1*15*2000F*8', 'IK4*1:1*235*1']],
    ['7 invalid code in a qualifier-selected loop (HL03)', (l) => (l[11] = 'HL*5*4*XX*0'), ['IK3*HL*13*2000F*8', 'IK4*3*735*7*XX']],
  ];
  it.each(cases)('%s', (_name, edit, notes) => {
    expect(ackBody(req278With(edit))).toEqual(rejected278(notes));
  });

  it('reports several element errors of one segment under one IK3, in element order', () => {
    expect(ackBody(req278With((l) => (l[9] = 'UM*ZZ*X*3')))).toEqual(rejected278(['IK3*UM*11*2000E*8', 'IK4*1*1525*7*ZZ', 'IK4*2*1322*7*X']));
  });

  it('reports the repetition position of a bad repeated value (270 EQ01)', () => {
    const text = rawInterchange('270', 'HS', '005010X279A1', [
      'BHT*0022*13*10001234*20250102*0304', 'HL*1**20*1', 'NM1*PR*2*ACME*****PI*12345', 'HL*2*1*21*1',
      'NM1*1P*2*CLINIC*****XX*1234567893', 'HL*3*2*22*0', 'NM1*IL*1*DOE*JOHN****MI*M1', 'EQ*30^ABC^1',
    ]);
    expect(ackBody(text)).toContain('IK4*1:0:2*1365*5*ABC'.replace(':0:', '::'));
  });
});

describe('IK3 segment errors', () => {
  it('3 required segment missing: UM removed from 2000E, reported at the next segment', () => {
    expect(ackBody(req278With((l) => l.splice(9, 1)))).toEqual(rejected278(['IK3*UM*11*2000E*3']));
  });

  it('3 required loop missing: 2010A (UMO name) reported with its trigger and loop id', () => {
    expect(ackBody(req278With((l) => l.splice(2, 1)))).toEqual(rejected278(['IK3*NM1*4*2010A*3']));
  });

  it('2 unexpected segment: a segment the tables do not know, inside 2000E', () => {
    expect(ackBody(req278With((l) => l.splice(9, 0, 'ZZZ*1')))).toEqual(rejected278(['IK3*ZZZ*11*2000E*2']));
  });

  it('2 unexpected segment: a known segment that has no place in this loop (EB in a 278)', () => {
    expect(ackBody(req278With((l) => l.splice(9, 0, 'EB*1')))).toEqual(rejected278(['IK3*EB*11*2000E*2']));
  });

  it('1 unrecognized segment ID: not a segment identifier at all', () => {
    expect(ackBody(req278With((l) => l.splice(9, 0, 'um1*HS')))).toEqual(rejected278(['IK3*um1*11*2000E*1']));
  });

  it('7 segment not in proper sequence: TRN after UM in 2000E', () => {
    expect(ackBody(req278With((l) => l.splice(8, 2, 'UM*HS*I*3', 'TRN*1*TRACE0001*9123456789')))).toEqual(
      rejected278(['IK3*TRN*11*2000E*7']),
    );
  });

  it('5 segment exceeds maximum use: two MSG in 2000E', () => {
    expect(ackBody(req278With((l) => l.splice(11, 0, 'MSG*ONE', 'MSG*TWO')))).toEqual(rejected278(['IK3*MSG*14*2000E*5']));
  });

  it('4 loop occurs over maximum times: a second 2010A UMO name', () => {
    expect(ackBody(req278With((l) => l.splice(3, 0, 'NM1*X3*2*OTHER PLAN*****PI*999')))).toEqual(rejected278(['IK3*NM1*5*2010A*4']));
  });
});

describe('HL hierarchy', () => {
  it('HL02 that names no open HL (I12 on HL02)', () => {
    expect(ackBody(req278With((l) => (l[5] = 'HL*3*9*22*1')))).toEqual(rejected278(['IK3*HL*7*2000C*8', 'IK4*2*734*I12*9']));
  });

  it('a level under the wrong parent level: subscriber (22) under the UMO (20)', () => {
    expect(ackBody(req278With((l) => (l[5] = 'HL*3*1*22*1')))).toContainEqual('IK4*2*734*I12*1');
  });

  it('a dependent (23) directly under the information receiver (21) in a 270', () => {
    const text = rawInterchange('270', 'HS', '005010X279A1', [
      'BHT*0022*13*10001234*20250102*0304', 'HL*1**20*1', 'NM1*PR*2*ACME*****PI*12345', 'HL*2*1*21*1',
      'NM1*1P*2*CLINIC*****XX*1234567893', 'HL*3*2*23*0', 'NM1*03*1*DOE*MARY', 'EQ*30',
    ]);
    expect(ackBody(text)).toContain('IK4*2*734*I12*2');
  });

  it('HL04 = 1 with no child level', () => {
    expect(ackBody(req278With((l) => (l[11] = 'HL*5*4*SS*1')))).toEqual(rejected278(['IK3*HL*13*2000F*8', 'IK4*4*736*I12*1']));
  });

  it('HL04 = 0 with a child level', () => {
    expect(ackBody(req278With((l) => (l[7] = 'HL*4*3*EV*0')))).toEqual(rejected278(['IK3*HL*9*2000E*8', 'IK4*4*736*I12*0']));
  });

  it('HL01 repeated', () => {
    expect(ackBody(req278With((l) => (l[11] = 'HL*4*4*SS*0')))).toEqual(rejected278(['IK3*HL*13*2000F*8', 'IK4*1*628*I12*4']));
  });

  it('the loop tree follows HL02: an event under the subscriber after a dependent level', () => {
    const body = ['BHT*0007*13*R1*20250102*0304', 'HL*1**20*1', 'NM1*X3*2*PLAN*****PI*12345', 'HL*2*1*21*1', 'NM1*1P*2*CLINIC*****XX*1234567893',
      'HL*3*2*22*1', 'NM1*IL*1*DOE*JOHN****MI*M1', 'HL*4*3*23*1', 'NM1*QC*1*DOE*MARY', 'HL*5*4*EV*0', 'UM*HS*I', 'HL*6*3*EV*0', 'UM*HS*I'];
    const text = rawInterchange('278', 'HI', '005010X217', body);
    expect(ackBody(text)).toEqual(ACCEPTED_278);
    const subscriber = parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!.loops[1]!.children[1]!.children[1]!;
    expect(subscriber.id).toBe('2000C');
    expect(subscriber.children.map((c) => [c.id, c.segments[0]!.elements[0]])).toEqual([['2010C', 'IL'], ['2000D', '4'], ['2000E', '6']]);
    expect(subscriber.children[1]!.children.map((c) => [c.id, c.segments[0]!.elements[0]])).toEqual([['2010D', 'QC'], ['2000E', '5']]);
  });
});
