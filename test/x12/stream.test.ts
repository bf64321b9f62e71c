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
import { write271 } from './big271.ts';
import { interchangeOf, writeOptions } from './fixtures.ts';
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
