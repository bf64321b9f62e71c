/**
 * Public sample files, read in place from the shared corpus (see its SOURCES.md): their quirks
 * (qualifier-30 IDs, '|' as component separator, CRLF, several groups and sets, repetition inside
 * CTX01, a deliberate SE02 mismatch) must be read correctly or reported precisely.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseX12, validateX12, type Loop, type TransactionSet } from '../../src/x12/index.ts';
import { X12_SAMPLES } from '../helpers/corpus.ts';

const DIR = X12_SAMPLES;
const read = (name: string) => readFileSync(path.join(DIR, name), 'utf8');
const only = (name: string): TransactionSet => parseX12(read(name)).interchanges[0]!.groups[0]!.transactions[0]!;
const find = (loops: Loop[], id: string): Loop[] => loops.flatMap((l) => [...(l.id === id ? [l] : []), ...find(l.children, id)]);

describe('LinuxForHealth TR3 examples (270/271, one segment per line)', () => {
  it.each([
    'lfh-x12__subscriber-health-benefit-check.270',
    'lfh-x12__dependent-health-benefit-check.270',
    'lfh-x12__subscriber-health-benefit-check.271',
    'lfh-x12__dependent-health-benefit-check.271',
  ])('%s is accepted', (name) => {
    const v = validateX12(read(name));
    expect(v.errors, JSON.stringify(v.errors, null, 1)).toEqual([]);
    expect(v.accepted).toBe(true);
  });

  it('reads qualifier-30 sender and receiver IDs and ISA01 = 03', () => {
    const ic = parseX12(read('lfh-x12__subscriber-health-benefit-check.270')).interchanges[0]!;
    expect(ic.sender).toEqual({ qualifier: '30', id: '000000005' });
    expect(ic.receiver).toEqual({ qualifier: '30', id: '12345' });
    expect(ic.header.elements[0]).toBe('03');
    expect(ic.ackRequested).toBe(true);
  });

  it('puts the dependent inquiry under 2000D / 2100D / 2110D', () => {
    const tx = only('lfh-x12__dependent-health-benefit-check.270');
    const dependent = find(tx.loops, '2000D')[0]!;
    expect(dependent.segments.map((s) => s.tag)).toEqual(['HL', 'TRN']);
    expect(find(dependent.children, '2100D')[0]!.segments.map((s) => s.tag)).toEqual(['NM1', 'DMG', 'DTP']);
    expect(find(dependent.children, '2110D')[0]!.segments).toEqual([{ tag: 'EQ', elements: ['30'] }]);
  });

  it('reads EB03 repetitions, decimals and the LS/LE-bounded 2120C loop', () => {
    const tx = only('lfh-x12__subscriber-health-benefit-check.271');
    const benefits = find(tx.loops, '2110C');
    expect(benefits).toHaveLength(5);
    expect(benefits[1]!.segments.map((s) => s.tag)).toEqual(['EB', 'LS', 'LE']);
    expect(benefits[1]!.children[0]).toMatchObject({ id: '2120C', name: 'Benefit Related Entity Name' });
    expect(benefits[3]!.segments[0]!.elements).toEqual([
      'B', '', { repeats: ['1', '33', '35', '47', '86', '88', '98', 'AL', 'MH', 'UC'] }, 'HM', 'GOLD 123 PLAN', '27', '10.00', '', '', '', '', 'Y',
    ]);
  });

  it('reads INS in the dependent name loop of the 271', () => {
    const tx = only('lfh-x12__dependent-health-benefit-check.271');
    expect(find(tx.loops, '2100D')[0]!.segments.find((s) => s.tag === 'INS')!.elements).toEqual(['N', '19']);
  });

  it('reports the deliberate SE02 mismatch (4323 vs 4321) as IK5 3, and nothing else', () => {
    const v = validateX12(read('lfh-x12__subscriber-health-benefit-check-error.271'));
    expect(v.errors.map((e) => [e.level, e.code])).toEqual([['transaction', '3']]);
    expect(v.ack).toContain('AK2*271*4321*005010X279A1~IK5*R*3~AK9*R*1*1*0~');
    const tx = only('lfh-x12__subscriber-health-benefit-check-error.271');
    expect(find(tx.loops, '2100B')[0]!.segments.at(-1)).toEqual({ tag: 'AAA', elements: ['Y', '', '50', 'N'] });
  });
});

describe('eMedNY samples', () => {
  it('278 response: accepted, with its loop tree and the SV1 composite', () => {
    const v = validateX12(read('herophilus__278DVSResponseSample.txt'));
    expect(v.errors).toEqual([]);
    const tx = only('herophilus__278DVSResponseSample.txt');
    expect(tx.specName).toBe('278 response');
    expect(tx.segments).toHaveLength(22);
    expect(find(tx.loops, '2010EA').map((l) => l.segments[0]!.elements[0])).toEqual(['DK', 'QV']);
    expect(find(tx.loops, '2000F')[0]!.segments.at(-1)).toEqual({ tag: 'SV1', elements: [['HC', 'A4927', 'RT'], '', 'UN', '1'] });
  });

  it('999 with "|" as component separator: read, and its own IK3 content is data', () => {
    const result = parseX12(read('herophilus__999_Sample_Rejected.txt'));
    expect(result.interchanges[0]!.delimiters).toEqual({ element: '*', component: '|', repetition: '^', segment: '~' });
    const tx = result.interchanges[0]!.groups[0]!.transactions[0]!;
    expect(find(tx.loops, '2100')[0]!.segments[0]).toEqual({ tag: 'IK3', elements: ['NM', '17', '', '1'] });
    expect(validateX12(read('herophilus__999_Sample_Rejected.txt')).accepted).toBe(true);
  });
});

describe('999s from other tools', () => {
  it('pyx12: two groups of two 999s each', () => {
    const result = parseX12(read('pyx12__834_lui_id_5010.999.txt'));
    expect(result.errors).toEqual([]);
    expect(result.interchanges[0]!.groups.map((g) => [g.controlNumber, g.transactions.map((t) => t.controlNumber)])).toEqual([
      ['344666205', ['0001', '0002']],
      ['102', ['0003', '0004']],
    ]);
    const v = validateX12(read('pyx12__834_lui_id_5010.999.txt'));
    expect(v.counts).toEqual({ '999': 4 });
    expect(v.accepted).toBe(true);
    // A 999 is never acknowledged with a 999: the interchange gets TA1 A/000 and nothing else.
    expect(v.ack).toContain('TA1*308082146*130808*2146*A*000~');
    expect(v.ack).not.toContain('AK1');
  });

  it('staedi: CTX01 uses the repetition separator (C998 repeats in X231A1) and is read as repeats', () => {
    const tx = only('staedi__simple999.edi');
    const ctx = find(tx.loops, '2100')[1]!.segments[1]!;
    expect(ctx.elements[0]).toEqual({ repeats: ['SITUATIONAL TRIGGER', ['SITUATIONAL TRIGGER', '2'], ['SITUATIONAL TRIGGER', '3']] });
    expect(ctx.elements.slice(1)).toEqual(['CLM', '43', '', ['5', '3'], '1325']);
    expect(validateX12(read('staedi__simple999.edi')).errors).toEqual([]);
  });
});
