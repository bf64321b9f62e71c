/**
 * Write → read gives back the same objects, and what the codec writes passes its own validation.
 */
import { describe, expect, it } from 'vitest';
import { parseX12, validateX12, writeTransaction, writeX12, type InterchangeInput } from '../../src/x12/index.ts';
import { GROUPS, interchangeOf, NOW, req278, TA1_SEGMENT, writeOptions } from './fixtures.ts';

const names = Object.keys(GROUPS) as (keyof typeof GROUPS)[];

describe('round trip: writeX12 then parseX12', () => {
  it.each(names)('%s: the body segments come back identical', (name) => {
    const input = interchangeOf(name, 2);
    const parsed = parseX12(writeX12(input, writeOptions()));
    expect(parsed.errors, JSON.stringify(parsed.errors, null, 1)).toEqual([]);
    const ic = parsed.interchanges[0]!;
    expect(ic.sender).toEqual({ qualifier: 'ZZ', id: 'PRIORGATE' });
    expect(ic.receiver).toEqual({ qualifier: 'ZZ', id: 'ACMEPAYER' });
    expect(ic.usage).toBe('T');
    const group = ic.groups[0]!;
    expect(group.functionalId).toBe(GROUPS[name]!.functionalId);
    expect(group.version).toBe(GROUPS[name]!.version);
    expect(group.transactions).toHaveLength(2);
    for (const tx of group.transactions) {
      expect(tx.setId).toBe(GROUPS[name]!.setId);
      expect(tx.segments.slice(1, -1)).toEqual(input.groups[0]!.transactions[0]!.segments);
      expect(tx.segments[0]!.tag).toBe('ST');
      expect(tx.segments.at(-1)!.tag).toBe('SE');
    }
  });

  it('TA1: an interchange carrying only a TA1 comes back with it and no groups', () => {
    const input: InterchangeInput = { ...interchangeOf('270'), groups: [], ta1: [TA1_SEGMENT] };
    const text = writeX12(input, writeOptions());
    expect(text).toMatch(/~TA1\*000000042\*250102\*0304\*R\*025~IEA\*0\*000000001~$/);
    const ic = parseX12(text).interchanges[0]!;
    expect(ic.ta1).toEqual([TA1_SEGMENT]);
    expect(ic.groups).toEqual([]);
    const v = validateX12(text);
    expect(v.errors).toEqual([]);
    expect(v.ackKind).toBe('TA1');
    expect(v.ack).toContain('TA1*000000001*250102*0304*A*000~');
  });

  it('keeps the loop tree of a 278 request (2000A > 2000B > 2000C > 2000E > 2000F)', () => {
    const tx = parseX12(writeX12(interchangeOf('278 request'), writeOptions())).interchanges[0]!.groups[0]!.transactions[0]!;
    expect(tx.specName).toBe('278 request');
    const ids = (l: { id: string; children: { id: string; children: unknown[] }[] }): unknown => [l.id, l.children.map((c) => ids(c as never))];
    expect(tx.loops.map((l) => ids(l))).toEqual([
      ['HEADER', []],
      ['2000A', [['2010A', []], ['2000B', [['2010B', []], ['2000C', [['2010C', []], ['2000E', [['2010EA', []], ['2000F', []]]]]]]]]],
      ['TRAILER', []],
    ]);
    const event = tx.loops[1]!.children[1]!.children[1]!.children[1]!;
    expect(event.name).toBe('Patient Event Level');
    expect(event.segments.map((s) => s.tag)).toEqual(['HL', 'TRN', 'UM', 'DTP', 'HI', 'MSG']);
  });
});

describe('every transaction the codec writes validates with zero errors', () => {
  it.each(names)('%s', (name) => {
    const v = validateX12(writeX12(interchangeOf(name, 3), writeOptions()));
    expect(v.errors, JSON.stringify(v.errors, null, 1)).toEqual([]);
    expect(v.accepted).toBe(true);
    if (name === '999') {
      // Acknowledgments are not acknowledged with a 999: the interchange gets its TA1 alone.
      expect(v.ackKind).toBe('TA1');
      expect(v.ack).toMatch(/TA1\*\d{9}\*\d{6}\*\d{4}\*A\*000~/);
      expect(v.ack).not.toContain('AK1');
    } else {
      expect(v.ackKind).toBe('999');
      expect(v.ack).toContain('AK9*A*3*3*3~');
    }
  });

  it('the 999s the validator writes are themselves valid 999s', () => {
    const ack = validateX12(writeX12(interchangeOf('278 request'), writeOptions())).ack;
    const again = validateX12(ack);
    expect(again.errors).toEqual([]);
    expect(again.counts).toEqual({ '999': 1 });
  });
});

describe('writeTransaction (golden)', () => {
  it('writes exactly ST..SE with the given control number', () => {
    const text = writeTransaction({ setId: '278', segments: req278().slice(0, 3) }, { controlNumber: 7, version: '005010X217' });
    expect(text).toBe(
      'ST*278*0007*005010X217~BHT*0007*13*REF47517*20250102*0304~HL*1**20*1~NM1*X3*2*ACME HEALTH PLAN*****PI*12345~SE*5*0007~',
    );
  });

  it('honours a line break after each terminator', () => {
    const text = writeTransaction({ setId: '270', segments: [{ tag: 'BHT', elements: ['0022', '13'] }] }, { controlNumber: '0001', version: '005010X279A1', lineBreak: '\r\n' });
    expect(text).toBe('ST*270*0001*005010X279A1~\r\nBHT*0022*13~\r\nSE*3*0001~\r\n');
  });
});

it('dates in envelopes come from `now`, in UTC', () => {
  const text = writeX12(interchangeOf('270'), writeOptions({ now: new Date(Date.UTC(2031, 11, 31, 23, 59)) }));
  expect(text.slice(70, 81)).toBe('311231*2359');
  expect(text).toContain('*20311231*2359*1*X*005010X279A1~');
  expect(NOW.getUTCFullYear()).toBe(2025);
});
