/**
 * Envelope rules: IK5 transaction-set codes, AK9 functional-group codes, TA1 interchange codes,
 * duplicate interchanges, and the promise that no input makes the module throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseX12, validateX12, writeX12, type Party } from '../../src/x12/index.ts';
import { interchangeOf, rawInterchange, REQ278_LINES, writeOptions } from './fixtures.ts';
import { ackBody, rejected278, req278With } from './helpers.ts';

const SE_OK = `SE*${REQ278_LINES.length + 2}*0001~`;

describe('IK5 transaction set codes', () => {
  it('4: SE01 does not match the segment count', () => {
    expect(ackBody(req278With(() => {}, { se: 'SE*99*0001~' }))).toEqual(rejected278([], 'IK5*R*4'));
  });
  it('3: SE02 does not match ST02', () => {
    expect(ackBody(req278With(() => {}, { se: `SE*${REQ278_LINES.length + 2}*0002~` }))).toEqual(rejected278([], 'IK5*R*3'));
  });
  it('2: SE missing (GE arrives inside the set)', () => {
    expect(ackBody(req278With(() => {}, { se: '' }))).toEqual(rejected278([], 'IK5*R*2'));
  });
  it('1: transaction set not supported', () => {
    const text = rawInterchange('837', 'HI', '005010X217', ['BHT*0019*00*1*20250102*0304*CH']);
    expect(ackBody(text)).toEqual(['AK1*HI*1*005010X217', 'AK2*837*0001*005010X217', 'IK5*R*1', 'AK9*R*1*1*0']);
  });
  it('19: implementation convention not supported for the set', () => {
    const text = req278With(() => {}).replace('ST*278*0001*005010X217', 'ST*278*0001*004010X094A1');
    expect(ackBody(text)).toEqual(['AK1*HI*1*005010X217', 'AK2*278*0001*004010X094A1', 'IK5*R*19', 'AK9*R*1*1*0']);
  });
  it('6: a set in the wrong functional group (270 in HI)', () => {
    const text = rawInterchange('270', 'HI', '005010X217', ['BHT*0022*13*1*20250102*0304']);
    expect(ackBody(text)).toContain('IK5*R*6');
  });
  it('23: ST02 repeated within the group; both sets listed, only the second rejected', () => {
    const one = req278With(() => {});
    const st = one.slice(one.indexOf('ST*278'), one.indexOf('GE*'));
    const text = one.replace(/GE\*1\*1~/, `${st}GE*2*1~`);
    expect(ackBody(text)).toEqual([
      'AK1*HI*1*005010X217', 'AK2*278*0001*005010X217', 'IK5*A', 'AK2*278*0001*005010X217', 'IK5*R*23', 'AK9*P*2*2*1',
    ]);
  });
  it('5 with segment notes: IK5 carries 5 when any segment is in error', () => {
    expect(ackBody(req278With((l) => (l[9] = 'UM*HS*X*3'))).at(-2)).toBe('IK5*R*5');
  });
});

describe('AK9 functional group codes', () => {
  // A group rejected for its own envelope accepts none of its sets (AK904 0), and a set without
  // findings of its own gets no AK2 loop: no IK5*A under an AK9 that says nothing was accepted.
  it('5: GE01 does not match the number of sets', () => {
    expect(ackBody(req278With(() => {}, { ge: 'GE*2*1~' }))).toEqual(['AK1*HI*1*005010X217', 'AK9*R*2*1*0*5']);
  });
  it('5 with a set in error: its AK2 loop stays, the counts agree', () => {
    expect(ackBody(req278With((l) => (l[9] = 'UM*HS*X*3'), { ge: 'GE*2*1~' })).slice(-2)).toEqual(['IK5*R*5', 'AK9*R*2*1*0*5']);
  });
  it('4: GE02 does not match GS06', () => {
    expect(ackBody(req278With(() => {}, { ge: 'GE*1*7~' })).at(-1)).toBe('AK9*R*1*1*0*4');
  });
  it('3: GE missing', () => {
    expect(ackBody(req278With(() => {}, { ge: '' })).at(-1)).toBe('AK9*R*1*1*0*3');
  });
  it('2: version not supported for the functional group', () => {
    const text = req278With(() => {}).replace('*X*005010X217~', '*X*004010X094A1~');
    expect(ackBody(text).at(-1)).toMatch(/^AK9\*R\*1\*1\*\d\*2$/);
  });
  it('one 999 per group; the partial group is P', () => {
    const ok = req278With(() => {});
    const bad = req278With((l) => (l[9] = 'UM*HS*X*3')).replace(/GS\*HI\*PRIORGATE\*ACMEPAYER\*20250102\*0304\*1\*/, 'GS*HI*PRIORGATE*ACMEPAYER*20250102*0304*2*').replace('GE*1*1~', 'GE*1*2~');
    const groupOf = (t: string) => t.slice(t.indexOf('GS*'), t.indexOf('IEA*'));
    const text = ok.replace(groupOf(ok), groupOf(ok) + groupOf(bad)).replace('IEA*1*', 'IEA*2*');
    const v = validateX12(text);
    expect(v.accepted).toBe(false);
    expect(v.ack.match(/ST\*999\*/g)).toHaveLength(2);
    expect(ackBody(text).filter((s) => s.startsWith('AK9'))).toEqual(['AK9*A*1*1*1', 'AK9*R*1*1*0']);
  });
});

describe('TA1 for envelope errors', () => {
  const ta1 = (text: string, opts = {}) => {
    const v = validateX12(text, opts);
    expect(v.ackKind).toBe('TA1');
    expect(v.accepted).toBe(false);
    return v.ack.split('~').find((s) => s.startsWith('TA1'));
  };
  it('001: IEA02 does not match ISA13', () => expect(ta1(req278With(() => {}, { iea: 'IEA*1*000000002~' }))).toBe('TA1*000000001*250102*0304*R*001'));
  it('021: IEA01 does not match the number of groups', () => expect(ta1(req278With(() => {}, { iea: 'IEA*3*000000001~' }))).toBe('TA1*000000001*250102*0304*R*021'));
  it('023: IEA missing', () => expect(ta1(req278With(() => {}, { iea: '' }))).toBe('TA1*000000001*250102*0304*R*023'));
  it('006: sender ID not padded to 15', () => {
    expect(ta1(req278With(() => {}).replace('PRIORGATE      *', 'PRIORGATE*'))).toBe('TA1*000000001*250102*0304*R*006');
  });
  it('014: invalid interchange date', () => expect(ta1(req278With(() => {}).replace('*250102*0304*', '*251302*0304*'))).toMatch(/\*R\*014$/));
  it('the TA1 goes back to the sender: ISA sender and receiver swapped', () => {
    const v = validateX12(req278With(() => {}, { iea: '' }));
    expect(v.ack.slice(0, 106)).toBe('ISA*00*          *00*          *ZZ*ACMEPAYER      *ZZ*PRIORGATE      *250102*0304*^*00501*000000001*0*T*:~');
  });
});

describe('duplicate interchanges (same sender, same ISA13)', () => {
  const text = writeX12(interchangeOf('270'), writeOptions());
  it('a Set of seen keys: second time is TA1 025, and the key is recorded', () => {
    const seen = new Set<string>();
    expect(validateX12(text, { seen }).accepted).toBe(true);
    expect([...seen]).toEqual(['ZZ/PRIORGATE/000000001']);
    const again = validateX12(text, { seen });
    expect(again.errors.map((e) => e.code)).toEqual(['025']);
    expect(again.ack).toContain('TA1*000000001*250102*0304*R*025~');
  });
  it('a callback decides; another sender with the same ISA13 is not a duplicate', () => {
    const calls: string[] = [];
    const seen = (sender: Party, n: string) => (calls.push(`${sender.id}/${n}`), sender.id === 'PRIORGATE');
    expect(validateX12(text, { seen }).errors.map((e) => e.code)).toEqual(['025']);
    const other = text.replace('PRIORGATE      *ZZ', 'OTHERSENDER    *ZZ');
    expect(validateX12(other, { seen }).accepted).toBe(true);
    expect(calls).toEqual(['PRIORGATE/000000001', 'OTHERSENDER/000000001']);
  });
  it('works on a ParseResult too', () => {
    const seen = new Set(['ZZ/PRIORGATE/000000001']);
    expect(validateX12(parseX12(text), { seen }).errors.map((e) => e.code)).toEqual(['025']);
  });
});

describe('invalid input never throws', () => {
  it.each([
    ['empty', ''],
    ['whitespace', ' \r\n '],
    ['JSON', '{"resourceType":"Bundle"}'],
    ['half an ISA', 'ISA*00*          *00*   '],
    ['ISA with a letter as separator', 'ISAA00A'],
    ['only an ISA', 'ISA*00*          *00*          *ZZ*A              *ZZ*B              *250102*0304*^*00501*000000001*0*T*:~'],
    ['segments outside any envelope', `${req278With(() => {})}ST*278*0009~BHT*0007~SE*3*0009~GE*1*9~`],
  ])('%s', (_name, text) => {
    const v = validateX12(text);
    expect(v.accepted).toBe(false);
    expect(v.errors.length).toBeGreaterThan(0);
  });

  it('reports non-X12 input as such', () => {
    const v = validateX12('hello world');
    expect(v).toMatchObject({ isX12: false, accepted: false, ack: '' });
    expect(v.errors[0]!.message).toMatch(/not X12/);
  });

  it('arbitrary damage to a valid file yields issues, never an exception', () => {
    const valid = writeX12(interchangeOf('278 request'), writeOptions());
    const edit = fc.tuple(fc.nat(valid.length), fc.nat(20), fc.string({ maxLength: 6, unit: fc.constantFrom('*', '~', ':', '^', 'A', '1', ' ', 'HL', 'SE', 'ISA', '\n') }));
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
      let text = valid;
      for (const [at, cut, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + cut);
      const v = validateX12(text);
      expect(v.accepted || v.errors.length > 0).toBe(true);
      // An acknowledgment exists exactly when an interchange header could be read.
      expect(v.ack === '').toBe(parseX12(text).interchanges.length === 0);
    }), { numRuns: 300 });
  });

  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
      expect(() => validateX12(s)).not.toThrow();
      expect(() => validateX12(`ISA*00*${s}`)).not.toThrow();
    }), { numRuns: 200 });
  });
});

it('SE_OK helper matches the hand-made file', () => expect(req278With(() => {})).toContain(SE_OK));

it('junk after the last IEA rejects the file without blaming the interchange before it', () => {
  const text = `${req278With(() => {})}NM1*IL*1*STRAY~`;
  const v = validateX12(text);
  expect(v.accepted).toBe(false);
  expect(v.errors.map((e) => [e.level, e.code, e.segmentIndex])).toEqual([['interchange', '024', 21]]);
  expect(v.ack).toContain('AK9*A*1*1*1~');
});
