/**
 * Streaming: any chunking gives the same result as reading the whole text; 'loops' mode emits each
 * subscriber as it completes and keeps nothing; validation streams too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  parseX12, parseX12Stream, validateX12, validateX12Stream, writeX12, x12Transactions, type Loop,
} from '../../src/x12/index.ts';
import { IssueBudget } from '../../src/x12/issue-budget.ts';
import { write271 } from './big271.ts';
import { interchangeOf, REQ278_LINES, writeOptions } from './fixtures.ts';
import { req278With } from './helpers.ts';
import { X12_SAMPLES } from '../helpers/corpus.ts';

const DIR = `${X12_SAMPLES}/`;
const corpus = readdirSync(DIR).filter((f) => !f.endsWith('.md')).map((f) => [f, readFileSync(DIR + f, 'utf8')] as const);

function chunks(text: string, size: number, asBuffer = true): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const parts: (Buffer | string)[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(asBuffer ? bytes.subarray(i, i + size) : bytes.subarray(i, i + size).toString('latin1'));
  return Readable.from(parts, { objectMode: true });
}

const generated = [
  ['CRLF 271 x2', writeX12(interchangeOf('271', 2), writeOptions({ lineBreak: '\r\n' }))],
  ['pipe-delimited 278', writeX12(interchangeOf('278 request'), writeOptions({ delimiters: { element: '|', component: '>', repetition: '{', segment: '~' } }))],
  ['UTF-8 names', writeX12((() => {
    const ic = interchangeOf('270');
    ic.groups[0]!.transactions[0]!.segments[7] = { tag: 'NM1', elements: ['IL', '1', 'MÜLLER-ÉTÉ', 'ZOË 😀', '', '', '', 'MI', 'M1'] };
    return ic;
  })(), writeOptions())],
] as const;

describe('parseX12Stream equals parseX12, whatever the chunking', () => {
  const all = [...corpus, ...generated];
  for (const size of [1, 7, 105, 4096]) {
    it.each(all)(`%s in ${size}-byte chunks`, async (_name, text) => {
      const seen: string[] = [];
      const streamed = await parseX12Stream(chunks(text, size), (tx) => void seen.push(`${tx.setId}/${tx.controlNumber}`));
      const whole = parseX12(text);
      expect(streamed).toEqual(whole);
      expect(seen).toEqual(whole.interchanges.flatMap((i) => i.groups.flatMap((g) => g.transactions.map((t) => `${t.setId}/${t.controlNumber}`))));
    });
  }

  it('UTF-8 split inside a character is decoded correctly', async () => {
    const text = generated[2][1];
    const result = await parseX12Stream(chunks(text, 1), () => {});
    expect(result.interchanges[0]!.groups[0]!.transactions[0]!.segments[8]!.elements.slice(2, 4)).toEqual(['MÜLLER-ÉTÉ', 'ZOË 😀']);
  });
});

describe("'loops' mode", () => {
  let text = '';
  write271(5 * 15 + 11, (c) => (text += c));

  it('emits each 2000C as it completes, children attached, and detaches it from its parent', async () => {
    const emitted: [string, number, string[]][] = [];
    let last: Loop | undefined;
    const result = await parseX12Stream(chunks(text, 64), {
      onLoop: (loop, ctx) => {
        emitted.push([loop.id, loop.children.length, ctx.ancestors.map((a) => a.id)]);
        if (loop.id === '2000C') last = loop;
      },
    });
    expect(result.errors).toEqual([]);
    expect(emitted.map((e) => e[0])).toEqual(['HEADER', '2000C', '2000C', '2000C', '2000C', '2000C', '2000B', '2000A', 'TRAILER']);
    expect(emitted[1]).toEqual(['2000C', 1, ['2000A', '2000B']]);
    expect(emitted[6]).toEqual(['2000B', 1, ['2000A']]);
    expect(last!.children[0]!.id).toBe('2100C');
    expect(last!.children[0]!.children.map((c) => c.id)).toEqual(['2110C', '2110C', '2110C', '2110C']);
    const tx = result.interchanges[0]!.groups[0]!.transactions;
    expect(tx).toEqual([]);
  });

  it('hands the transaction without its segments', async () => {
    const txs: number[] = [];
    await parseX12Stream(chunks(text, 512), { onLoop: () => {}, onTransaction: (t) => void txs.push(t.segments.length, t.segmentCount) });
    expect(txs).toEqual([0, 5 * 15 + 7]); // ST, BHT, 2 HL + 2 NM1, 5 subscribers, SE
  });

  it('awaits async handlers before reading on (back-pressure)', async () => {
    const order: string[] = [];
    await parseX12Stream(chunks(text, 100_000), {
      onLoop: async (loop) => {
        order.push(`start ${loop.id}`);
        await new Promise((r) => setTimeout(r, 1));
        order.push(`end ${loop.id}`);
      },
    });
    expect(order.filter((o) => o.startsWith('end')).length).toBe(9);
  });
});

describe('x12Transactions generator', () => {
  it('yields every set of several interchanges in order', async () => {
    const text = writeX12(interchangeOf('270', 2), writeOptions()) + writeX12(interchangeOf('270', 1), writeOptions({ controlNumbers: { next: () => 77 } }));
    const got: string[] = [];
    for await (const { tx, interchange } of x12Transactions(chunks(text, 33))) got.push(`${interchange.controlNumber}:${tx.controlNumber}:${tx.segments.length}`);
    expect(got).toEqual(['000000001:0001:18', '000000001:0002:18', '000000077:0077:18']);
  });
});

describe('validateX12Stream equals validateX12', () => {
  const invalid = [
    ['bad element', req278With((l) => (l[9] = 'UM*HS*X*3'))],
    ['missing segment', req278With((l) => l.splice(9, 1))],
    ['SE count', req278With(() => {}, { se: 'SE*3*0001~' })],
    ['IEA control', req278With(() => {}, { iea: 'IEA*1*000000009~' })],
  ] as const;
  it.each([...corpus, ...generated, ...invalid])('%s', async (_name, text) => {
    const streamed = await validateX12Stream(chunks(text, 11));
    const whole = validateX12(text);
    expect(streamed.ack).toBe(whole.ack);
    expect(streamed.accepted).toBe(whole.accepted);
    expect(streamed.errors.map((e) => [e.code, e.segmentPosition, e.elementPosition])).toEqual(whole.errors.map((e) => [e.code, e.segmentPosition, e.elementPosition]));
  });
});

describe('past the 10,000 issues a reading keeps in detail, the acknowledgment is still whole', () => {
  // Set 0001: some 10,100 service loops, each with a bad UM02 (an element error apiece). Set 0002,
  // after them: one bad UM02. GE01 says 3 sets where there are 2. Before issue budgets, a parse kept
  // the first 10,000 issues only, so its 999 accepted set 0002 (IK5 A) and lost the GE01 count
  // (AK9 P) while the streamed 999 rejected both: one file, two verdicts.
  const service = (i: number) => [`HL*${5 + i}*4*SS*0`, 'UM*HS*X*3', 'SV1*HC:72148*1500*UN*1'];
  const body = (lines: string[], cn: string) => [`ST*278*${cn}*005010X217`, ...lines, `SE*${lines.length + 2}*${cn}`];
  const head = REQ278_LINES.slice(0, REQ278_LINES.indexOf('HL*5*4*SS*0'));
  const first = body([...head, ...Array.from({ length: 10_100 }, (_, i) => service(i)).flat()], '0001');
  const second = body([...head, ...service(0)], '0002');
  const text = [
    'ISA*00*          *00*          *ZZ*PRIORGATE      *ZZ*ACMEPAYER      *250102*0304*^*00501*000000001*0*T*:~GS*HI*PRIORGATE*ACMEPAYER*20250102*0304*1*X*005010X217',
    ...first, ...second, 'GE*3*1', 'IEA*1*000000001',
  ].join('~') + '~';

  it('rejects a set whose only error comes after the cap, keeps the group error, and streams to the same 999', async () => {
    const whole = validateX12(text);
    const streamed = await validateX12Stream(chunks(text, 4096));
    const verdicts = (ack: string) => ack.split('~').filter((s) => /^(AK2|IK5|AK9)\*/.test(s));
    expect(verdicts(whole.ack)).toEqual(['AK2*278*0001*005010X217', 'IK5*R*5', 'AK2*278*0002*005010X217', 'IK5*R*5', 'AK9*R*3*2*0*5']);
    expect(whole.accepted).toBe(false);
    // The details stop near the cap: the set's 10,100 bad elements are not all listed.
    const ik4 = whole.ack.split('~').filter((s) => s.startsWith('IK4')).length;
    expect(ik4).toBeGreaterThan(9_000);
    expect(ik4).toBeLessThan(10_100);
    expect(streamed.ack).toBe(whole.ack);
    // The same issues (a parse lists its group's issues before its sets'; a stream in file order).
    const listed = (r: typeof whole) => r.errors.map((e) => `${e.level} ${e.code} ${e.transactionControlNumber ?? ''} ${e.segmentPosition ?? ''}`).sort();
    expect(listed(streamed)).toEqual(listed(whole));
  });
});

describe('IssueBudget', () => {
  const issue = (level: 'element' | 'group', code: string, severity: 'error' | 'warning' = 'error') => ({ level, code, severity, message: '' }) as const;
  it('keeps everything up to the cap, then only the first issue of each kind (level, severity, code) per list', () => {
    const budget = new IssueBudget(3);
    const setA: object = [];
    const setB: object = [];
    const group: object = [];
    const kept = [
      budget.keeps(issue('element', '7'), setA),
      budget.keeps(issue('element', '7'), setA),
      budget.keeps(issue('element', '7'), setA), // the cap is reached here
      budget.keeps(issue('element', '7'), setA), // a kind this set already holds
      budget.keeps(issue('element', '7', 'warning'), setA), // a new kind for the set: its E status depends on it
      budget.keeps(issue('element', '7'), setB), // another set's first error: its R status depends on it
      budget.keeps(issue('element', '6'), setB), // another code in that set
      budget.keeps(issue('element', '6'), setB),
      budget.keeps(issue('group', '5'), group),
      budget.keeps(issue('group', '5'), group),
      budget.keeps(issue('group', '4'), undefined), // outside every envelope: its own list
    ];
    expect(kept).toEqual([true, true, true, false, true, true, true, false, true, false, true]);
  });
});
