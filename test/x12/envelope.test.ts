/**
 * Envelopes as written: ISA width, control numbers from the caller, exact counts, multiple groups
 * and sets, trailing-empty suppression, delimiter choice, and reading back odd delimiters and CRLF.
 */
import { describe, expect, it } from 'vitest';
import {
  InMemoryControlNumbers, parseX12, validateX12, writeX12, X12WriteError, type ControlNumbers, type InterchangeInput,
} from '../../src/x12/index.ts';
import { interchangeOf, req270, resp271, writeOptions } from './fixtures.ts';

const segmentsOf = (text: string, term = '~') => text.split(term).filter((s) => s.trim() !== '').map((s) => s.trim());

describe('ISA', () => {
  it('is exactly 106 characters with fixed-width fields', () => {
    const text = writeX12(interchangeOf('270'), writeOptions());
    const isa = text.slice(0, text.indexOf('~') + 1);
    expect(isa).toHaveLength(106);
    expect(isa).toBe('ISA*00*          *00*          *ZZ*PRIORGATE      *ZZ*ACMEPAYER      *250102*0304*^*00501*000000001*0*T*:~');
  });

  it('rejects an ID that does not fit its fixed width with a typed error', () => {
    const ic = { ...interchangeOf('270'), sender: { qualifier: 'ZZ', id: 'A-SENDER-ID-LONGER-THAN-15' } };
    expect(() => writeX12(ic, writeOptions())).toThrow(X12WriteError);
    try {
      writeX12(ic, writeOptions());
    } catch (e) {
      expect((e as X12WriteError).code).toBe('FIELD_TOO_LONG');
    }
  });
});

describe('control numbers come from the caller', () => {
  it('asks for ISA, GS and ST numbers per sender and writes them in header and trailer', () => {
    const calls: string[] = [];
    const numbers: ControlNumbers = { next: (kind, sender) => (calls.push(`${kind}:${sender}`), kind === 'ISA' ? 907 : kind === 'GS' ? 55 : 12) };
    const text = writeX12(interchangeOf('270'), writeOptions({ controlNumbers: numbers }));
    expect(calls).toEqual(['ISA:PRIORGATE', 'GS:PRIORGATE', 'ST:PRIORGATE']);
    const segs = segmentsOf(text);
    expect(segs[0]).toContain('*000000907*');
    expect(segs[1]).toMatch(/\*55\*X\*005010X279A1$/);
    expect(segs[2]).toBe('ST*270*0012*005010X279A1');
    expect(segs.at(-3)).toBe(`SE*${req270().length + 2}*0012`);
    expect(segs.at(-2)).toBe('GE*1*55');
    expect(segs.at(-1)).toBe('IEA*1*000000907');
  });

  it('the in-memory implementation counts per kind and sender', () => {
    const n = new InMemoryControlNumbers(41);
    expect([n.next('ST', 'A'), n.next('ST', 'A'), n.next('ST', 'B'), n.next('GS', 'A')]).toEqual([41, 42, 41, 41]);
  });

  it('refuses numbers outside 1..999999999', () => {
    const numbers: ControlNumbers = { next: () => 1_000_000_000 };
    expect(() => writeX12(interchangeOf('270'), writeOptions({ controlNumbers: numbers }))).toThrow(/outside 1\.\.999999999/);
  });
});

describe('counts and multiple sets / groups', () => {
  it('writes exact SE01, GE01 and IEA01 for 2 groups of 3 and 2 sets', () => {
    const a = interchangeOf('270', 3);
    const b = interchangeOf('271', 2);
    const ic: InterchangeInput = { ...a, groups: [...a.groups, ...b.groups] };
    const text = writeX12(ic, writeOptions());
    const segs = segmentsOf(text);
    expect(segs.filter((s) => s.startsWith('GE*'))).toEqual(['GE*3*1', 'GE*2*2']);
    expect(segs.at(-1)).toBe('IEA*2*000000001');
    expect(segs.filter((s) => s.startsWith('SE*')).map((s) => s.split('*')[1])).toEqual([
      ...Array(3).fill(String(req270().length + 2)),
      ...Array(2).fill(String(resp271().length + 2)),
    ]);
    const parsed = parseX12(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.interchanges[0]!.groups.map((g) => g.transactions.map((t) => t.controlNumber))).toEqual([
      ['0001', '0002', '0003'],
      ['0004', '0005'],
    ]);
  });
});

describe('suppression of trailing empties', () => {
  it('drops trailing empty elements and components, keeps inner ones', () => {
    const ic = interchangeOf('270');
    ic.groups[0]!.transactions[0]!.segments = [
      { tag: 'BHT', elements: ['0022', '13', '', '', '', ''] },
      { tag: 'NM1', elements: ['IL', '1', '', 'JOHN', '', ''] },
      { tag: 'SV1', elements: [['HC', '72148', '', ''], '', { repeats: ['1', '', ''] }] },
    ];
    const segs = segmentsOf(writeX12(ic, writeOptions()));
    expect(segs.slice(3, 6)).toEqual(['BHT*0022*13', 'NM1*IL*1**JOHN', 'SV1*HC:72148**1']);
  });
});

describe('delimiter choice', () => {
  it('picks delimiters that do not occur in the data', () => {
    const ic = interchangeOf('270');
    ic.groups[0]!.transactions[0]!.segments[7] = { tag: 'NM1', elements: ['IL', '1', "O'BRIEN*SMITH", 'ANN~MARIE', 'A:B', '', 'X^Y', 'MI', 'M1'] };
    const text = writeX12(ic, writeOptions());
    const parsed = parseX12(text);
    const d = parsed.interchanges[0]!.delimiters;
    expect([d.element, d.segment, d.component, d.repetition]).not.toContain('*');
    expect([d.element, d.segment, d.component, d.repetition]).not.toContain('~');
    expect(new Set([d.element, d.segment, d.component, d.repetition]).size).toBe(4);
    const nm1 = parsed.interchanges[0]!.groups[0]!.transactions[0]!.segments[8]!;
    expect(nm1.elements).toEqual(['IL', '1', "O'BRIEN*SMITH", 'ANN~MARIE', 'A:B', '', 'X^Y', 'MI', 'M1']);
    expect(validateX12(text).errors).toEqual([]);
  });

  it('replaces delimiter characters with a space when the caller forces the delimiters', () => {
    const ic = interchangeOf('270');
    ic.groups[0]!.transactions[0]!.segments[7] = { tag: 'NM1', elements: ['IL', '1', 'O*BRIEN', 'ANN~MARIE', 'A:B^C', '', '', 'MI', 'M1'] };
    const text = writeX12(ic, writeOptions({ delimiters: { element: '*', component: ':', repetition: '^', segment: '~' } }));
    const nm1 = parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!.segments[8]!;
    expect(nm1.elements).toEqual(['IL', '1', 'O BRIEN', 'ANN MARIE', 'A B C', '', '', 'MI', 'M1']);
  });

  it('rejects delimiters that are not four distinct punctuation characters', () => {
    expect(() => writeX12(interchangeOf('270'), writeOptions({ delimiters: { element: 'A' } }))).toThrow(X12WriteError);
    expect(() => writeX12(interchangeOf('270'), writeOptions({ delimiters: { element: '|', component: '|' } }))).toThrow(/four different/);
  });
});

describe('reading what others write: odd delimiters and line ends', () => {
  const cases: [string, { element: string; component: string; repetition: string; segment: string }, string][] = [
    ['pipe elements, caret components', { element: '|', component: '^', repetition: '{', segment: '~' }, ''],
    ['colon elements', { element: ':', component: '>', repetition: '^', segment: "'" }, ''],
    ['caret elements, CRLF after terminators', { element: '^', component: '\\', repetition: '{', segment: '~' }, '\r\n'],
    ['newline-only after terminators', { element: '*', component: ':', repetition: '^', segment: '~' }, '\n'],
  ];
  it.each(cases)('%s', (_name, delimiters, lineBreak) => {
    const input = interchangeOf('271', 2);
    const text = writeX12(input, writeOptions({ delimiters, lineBreak: lineBreak as '' }));
    expect(text[3]).toBe(delimiters.element);
    expect(text.indexOf(delimiters.segment)).toBe(105);
    const parsed = parseX12(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.interchanges[0]!.delimiters).toEqual(delimiters);
    expect(parsed.interchanges[0]!.groups[0]!.transactions[1]!.segments.slice(1, -1)).toEqual(resp271());
  });

  it('reads a file with a BOM and blank lines before the ISA', () => {
    const text = `\ufeff\r\n\n${writeX12(interchangeOf('270'), writeOptions())}\r\n`;
    const parsed = parseX12(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.interchanges[0]!.groups[0]!.transactions[0]!.segments.slice(1, -1)).toEqual(req270());
  });

  it('reads an ISA whose fields are not padded (and reports the widths)', () => {
    const text = writeX12(interchangeOf('270'), writeOptions()).replace('PRIORGATE      *', 'PRIORGATE*');
    const parsed = parseX12(text);
    expect(parsed.errors.map((e) => e.code)).toEqual(['006']);
    expect(parsed.interchanges[0]!.groups[0]!.transactions[0]!.segments.slice(1, -1)).toEqual(req270());
  });
});
