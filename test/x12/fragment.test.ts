/**
 * `singleSetInterchange`: what the gateway stores per answered request (one set of a payer's
 * interchange, as an interchange of its own). Over every public sample and every TR3-style file,
 * including the envelope quirks real payers send — ISA11 `U` (004010, no repetition separator) and
 * ISA11 = ISA16 (`^` for both, as in the X279A1 271 examples) — each set cut out reads back with
 * the same envelope, delimiters and segments (issue 15: these used to throw, a latent 500).
 */
import { describe, expect, it } from 'vitest';
import { hlBranch, parseX12, singleSetInterchange, validateX12, type Interchange } from '../../src/x12/index.ts';
import { parse271All } from '../../src/translate/index.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { allX12Files, x12File } from '../helpers/x12-files.ts';

const LENIENT = ['isa12-version-00401', 'isa11-standards-identifier'] as never;
const read = (text: string) => parseX12(text, { lenient: LENIENT });
const trimmed = (ic: Interchange) => ic.header.elements.map((e) => String(e).trim());

function cutAndRead(text: string) {
  const ic = read(text).interchanges[0]!;
  return ic.groups.flatMap((g) =>
    g.transactions.map((tx) => {
      const piece = singleSetInterchange(ic, g, tx);
      return { ic, group: g, tx, piece, back: read(piece).interchanges };
    }),
  );
}

describe('singleSetInterchange', () => {
  it.each(allX12Files().map((f) => [f.name, f.text] as const))('%s: every set reads back alone with the received envelope and delimiters', (_name, text) => {
    const cuts = cutAndRead(text);
    expect(cuts.length).toBeGreaterThan(0);
    for (const { ic, group, tx, piece, back } of cuts) {
      expect(back, piece.slice(0, 300)).toHaveLength(1);
      const one = back[0]!;
      expect(one.delimiters).toEqual(ic.delimiters);
      expect(trimmed(one)).toEqual(trimmed(ic));
      expect(one.groups).toHaveLength(1);
      expect(one.groups[0]!.header.elements).toEqual(group.header.elements);
      expect(one.groups[0]!.transactions).toHaveLength(1);
      expect(one.groups[0]!.transactions[0]!.segments).toEqual(tx.segments);
      expect(piece.length).toBeLessThanOrEqual(text.length + 106);
    }
  });

  it('ISA11 U (a 004010-era 278): the ISA is written back as received, padded, with no repetition separator invented', () => {
    const [cut] = cutAndRead(x12File('envelope-4010-all.x12').text);
    expect(cut!.piece.slice(0, 106)).toBe('ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*PROVIDERSYS    *250115*1030*U*00401*000009103*0*T*:~');
    expect(cut!.piece).toMatch(/GE\*1\*\d+~IEA\*1\*000009103~$/);
  });

  it('ISA11 = ISA16 (^ for both, a 271): the repetitions of EB03 and the EB13 composite come back as they were read', () => {
    const cuts = cutAndRead(x12File('x279-271-shared-separator.x12').text);
    const eb = cuts[0]!.back[0]!.groups[0]!.transactions[0]!.segments.filter((s) => s.tag === 'EB');
    expect(eb.some((s) => typeof s.elements[2] === 'object' && !Array.isArray(s.elements[2]))).toBe(true);
    expect(cuts[0]!.piece).toContain('*T*^~');
  });

  it('several sets of a real 999 (two groups, two sets each): each stored alone, naming its own group', () => {
    const cuts = cutAndRead(x12File('pyx12__834_lui_id_5010.999.txt').text);
    expect(cuts).toHaveLength(4);
    for (const c of cuts) expect(c.piece.match(/~ST\*/g)).toHaveLength(1);
  });
});

describe('hlBranch: one member of a 271 answering several', () => {
  const members = (text: string) => {
    const ic = read(text).interchanges[0]!;
    const tx = ic.groups[0]!.transactions[0]!;
    return { ic, tx, answers: parse271All(bodyOf(tx)) };
  };
  const hls = (segments: { tag: string; elements: unknown[] }[]) => segments.filter((s) => s.tag === 'HL').map((s) => s.elements[0]);

  it('four subscribers (TR3-style): each branch keeps the source, the receiver and its own subscriber only, and is a valid 271', () => {
    const { ic, tx, answers } = members(x12File('x279-271-multi-subscriber.x12').text);
    expect(answers).toHaveLength(4);
    const ids = answers.map((a) => a.subscriber!.party!.id!);
    expect(new Set(ids).size).toBe(4);
    for (const [i, a] of answers.entries()) {
      const branch = hlBranch(tx, a.subscriber!.hlId);
      expect(hls(branch.segments)).toEqual(['1', '2', a.subscriber!.hlId]);
      const piece = singleSetInterchange(ic, ic.groups[0]!, branch);
      expect(validateX12(piece).accepted, validateX12(piece).ack).toBe(true);
      const back = parse271All(bodyOf(read(piece).interchanges[0]!.groups[0]!.transactions[0]!));
      expect(back.map((b) => b.subscriber!.party!.id)).toEqual([ids[i]]);
      for (const other of ids.filter((_, j) => j !== i)) expect(piece).not.toContain(other);
    }
  });

  it('a dependent (the public lfh-x12 sample): its branch keeps the subscriber above it', () => {
    const { tx, answers } = members(x12File('lfh-x12__dependent-health-benefit-check.271').text);
    const branch = hlBranch(tx, answers[0]!.dependent!.hlId);
    expect(hls(branch.segments)).toEqual(['1', '2', '3', '4']);
    expect(branch.segments).toEqual(tx.segments.slice(0, -1).concat([{ ...tx.segments.at(-1)!, elements: [String(tx.segments.length), ...tx.segments.at(-1)!.elements.slice(1)] }]));
  });

  it('an HL that is not there leaves the set as it is', () => {
    const { tx } = members(x12File('x279-271-multi-subscriber.x12').text);
    expect(hlBranch(tx, '99')).toBe(tx);
  });
});
