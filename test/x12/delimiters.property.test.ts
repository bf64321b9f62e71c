/**
 * The escape policy, proven on arbitrary Unicode: whatever the values, a written interchange
 * re-reads to the same structure and to the same values modulo the documented replacement
 * (control and delimiter characters → space, lone surrogates → U+FFFD, outer whitespace trimmed).
 * The expected values are computed here independently of the writer's own code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseDelimiters, parseX12, writeX12, type Delimiters, type Element, type InterchangeInput, type Segment } from '../../src/x12/index.ts';
import { interchangeOf, writeOptions } from './fixtures.ts';

const tricky = fc.constantFrom('*', '~', ':', '^', '|', '>', '\\', '{', '}', "'", '!', '`', '\r', '\n', '\t', '\u0000', '\u0085',
  '\u00a0', '\u2028', '\ufeff', ' ', 'é', '\ud83d', '\ude00', '😀', 'A', '0');
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.oneof(tricky, codeUnit), maxLength: 12 }),
  fc.string({ unit: tricky, maxLength: 8 }),
);
const element: fc.Arbitrary<Element> = fc.oneof(
  { weight: 4, arbitrary: value },
  { weight: 2, arbitrary: fc.array(value, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 3 }).map((repeats) => ({ repeats })) },
);
const segment: fc.Arbitrary<Segment> = fc.record({
  tag: fc.constantFrom('NM1', 'N3', 'REF', 'MSG', 'PER', 'HI', 'EB', 'III', 'ZZ9'),
  elements: fc.array(element, { maxLength: 8 }),
});

// ---- the documented policy, restated independently ----
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
function expectedValue(v: string, d: Delimiters): string {
  let out = v.replace(LONE, '\ufffd').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  for (const ch of [d.element, d.component, d.repetition, d.segment]) out = out.split(ch).join(' ');
  return out.trim();
}
function dropTrailing<T>(list: T[]): T[] {
  const out = [...list];
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
function expectedComposite(parts: string[], d: Delimiters): string | string[] {
  const c = dropTrailing(parts.map((p) => expectedValue(p, d)));
  return c.length === 0 ? '' : c.length === 1 ? c[0]! : c;
}
function expectedElement(e: Element, d: Delimiters): Element {
  if (typeof e === 'string') return expectedValue(e, d);
  if (Array.isArray(e)) return expectedComposite(e, d);
  const r = dropTrailing(e.repeats.map((x) => (typeof x === 'string' ? expectedValue(x, d) : expectedComposite(x, d))));
  return r.length === 0 ? '' : r.length === 1 ? r[0]! : { repeats: r };
}
function expectedSegment(s: Segment, d: Delimiters): Segment {
  return { tag: s.tag, elements: dropTrailing(s.elements.map((e) => expectedElement(e, d))) };
}

function withBody(body: Segment[]): InterchangeInput {
  const ic = interchangeOf('270');
  ic.groups[0]!.transactions[0]!.segments = body;
  return ic;
}

function roundTrip(body: Segment[], forced?: Delimiters) {
  const text = writeX12(withBody(body), writeOptions(forced ? { delimiters: forced } : {}));
  const parsed = parseX12(text, { validate: false });
  const envelopeErrors = parsed.errors.filter((e) => e.level === 'interchange' || e.level === 'group' || e.level === 'transaction');
  expect(envelopeErrors).toEqual([]);
  const ic = parsed.interchanges[0]!;
  const tx = ic.groups[0]!.transactions[0]!;
  expect(tx.segments.length).toBe(body.length + 2);
  expect(tx.segments.slice(1, -1)).toEqual(body.map((s) => expectedSegment(s, ic.delimiters)));
  return ic.delimiters;
}

describe('delimiter safety (property-based)', () => {
  it('arbitrary values re-read to the same values modulo the documented replacement', () => {
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (body) => {
      roundTrip(body);
    }), { numRuns: 300 });
  });

  it('the same holds when the caller forces delimiters that occur in the data', () => {
    const forced = { element: '*', component: ':', repetition: '^', segment: '~' };
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 6 }), (body) => {
      expect(roundTrip(body, forced)).toEqual(forced);
    }), { numRuns: 200 });
  });

  it('chosen delimiters never occur in the data while a free candidate exists', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: fc.constantFrom('*', '~', ':', '^', '|', '>', 'a', '{', "'", ' '), maxLength: 10 })), (values) => {
      const d = chooseDelimiters(values);
      const used = new Set(values.join(''));
      for (const ch of [d.element, d.component, d.repetition, d.segment]) expect(used.has(ch)).toBe(false);
      expect(new Set([d.element, d.component, d.repetition, d.segment]).size).toBe(4);
    }));
  });

  it.each([
    ["O'Brien*Smith", "O'Brien*Smith"],
    ['Ann~Marie', 'Ann~Marie'],
    ['A:B', 'A:B'],
    ['x^y', 'x^y'],
    ['  line1\r\nline2\t ', 'line1  line2'],
  ])('names like %j survive the round trip as %j', (name, expected) => {
    const [nm1] = [{ tag: 'NM1', elements: ['IL', '1', name, 'JOHN'] }];
    const text = writeX12(withBody([nm1]), writeOptions());
    const tx = parseX12(text).interchanges[0]!.groups[0]!.transactions[0]!;
    expect(tx.segments[1]!.elements[2]).toBe(expected);
    expect(tx.segments).toHaveLength(3);
  });
});
