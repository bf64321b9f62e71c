/**
 * The implementation-guide tables are data; these checks keep them coherent (every segment defined,
 * HL loops keyed by level code, the segments the guides need present).
 */
import { describe, expect, it } from 'vitest';
import { SPECS, selectSpec } from '../../src/x12/index.ts';
import { compile, type CompiledLoop } from '../../src/x12/spec/compile.ts';
import { DICTIONARY } from '../../src/x12/spec/dictionary.ts';
import type { ElementSpec } from '../../src/x12/spec/types.ts';

function loops(l: CompiledLoop, out: CompiledLoop[] = []): CompiledLoop[] {
  out.push(l);
  for (const item of l.items) if (item.loop && !out.includes(item.loop)) loops(item.loop, out);
  return out;
}

describe.each(SPECS.map((s) => [s.name, s] as const))('%s table', (_name, spec) => {
  const compiled = compile(spec);
  const all = loops(compiled.root);

  it('starts with ST and ends with SE', () => {
    expect(compiled.root.items[0]!.tag).toBe('ST');
    expect(compiled.root.items.at(-1)!.tag).toBe('SE');
  });

  it('gives each loop id one name', () => {
    const names = new Map<string, string>();
    for (const l of all) {
      expect(names.get(l.id) ?? l.name).toBe(l.name);
      names.set(l.id, l.name);
    }
  });

  it('keys every HL loop by its level code, and every level has a parent rule', () => {
    for (const l of all.filter((x) => x.items[0]!.tag === 'HL')) {
      const trigger = l.items[0]!;
      expect(trigger.whenElement).toBe(3);
      for (const level of trigger.whenValues!) expect(spec.hierarchy![level]).toBeDefined();
    }
  });

  it('uses only segments of the dictionary, with sane element definitions', () => {
    for (const tag of compiled.tags) {
      const def = DICTIONARY[tag]!;
      expect(def, tag).toBeDefined();
      const check = (e: ElementSpec) => {
        expect(e.min, `${tag} ${e.name}`).toBeLessThanOrEqual(e.max);
        if (e.codes) expect(e.type, `${tag} ${e.name}`).toBe('ID');
        e.components?.forEach(check);
      };
      def.elements.forEach(check);
    }
  });
});

describe('segment coverage named by the guides', () => {
  const tagsOf = (name: string) => compile(SPECS.find((s) => s.name === name)!).tags;
  it('278 request and response', () => {
    const both = new Set([...tagsOf('278 request'), ...tagsOf('278 response')]);
    for (const tag of ['BHT', 'HL', 'NM1', 'N3', 'N4', 'PER', 'PRV', 'DMG', 'INS', 'REF', 'TRN', 'UM', 'HCR', 'HI', 'DTP', 'HSD',
      'CL1', 'CR1', 'CR2', 'CR5', 'CR6', 'PWK', 'MSG', 'AAA', 'SV1', 'SV2', 'SV3', 'TOO', 'CRC']) expect(both.has(tag), tag).toBe(true);
  });
  it('270 and 271', () => {
    const both = new Set([...tagsOf('270'), ...tagsOf('271')]);
    for (const tag of ['BHT', 'HL', 'TRN', 'NM1', 'REF', 'N3', 'N4', 'PRV', 'DMG', 'INS', 'HI', 'DTP', 'EQ', 'AMT', 'III', 'EB', 'HSD',
      'MSG', 'LS', 'LE', 'AAA', 'PER']) expect(both.has(tag), tag).toBe(true);
  });
  it('the envelope and acknowledgment segments are defined', () => {
    for (const tag of ['ISA', 'IEA', 'GS', 'GE', 'ST', 'SE', 'TA1', 'AK1', 'AK2', 'IK3', 'IK4', 'IK5', 'AK9', 'CTX', 'CR7']) expect(DICTIONARY[tag], tag).toBeDefined();
  });
});

describe('selectSpec', () => {
  const bht = (purpose: string) => ({ tag: 'BHT', elements: ['0007', purpose] });
  it('tells the 278 request from the response by BHT02', () => {
    expect(selectSpec('278', '005010X217', bht('13'))!.name).toBe('278 request');
    expect(selectSpec('278', '005010X217', bht('01'))!.name).toBe('278 request');
    expect(selectSpec('278', '005010X217', bht('11'))!.name).toBe('278 response');
  });
  it('knows 999 under both X231 labels, and nothing for other versions', () => {
    expect(selectSpec('999', '005010X231')!.name).toBe('999');
    expect(selectSpec('999', '005010X231A1')!.name).toBe('999');
    expect(selectSpec('270', '004010X092A1')).toBeUndefined();
  });
});
