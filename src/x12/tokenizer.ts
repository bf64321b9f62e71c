/**
 * Tokenizing on `x12-parser` (npm). We use its chunk splitter (`X12parser.processChunk`: CRLF
 * folding, segment-terminator split, carry-over of the partial last segment) and its `Segment`
 * class (element / component split and cleaning), and work around what it cannot do alone:
 *
 * - It reads the delimiters from fixed offsets of the *first chunk* (data[3], [104], [105]), so a
 *   first chunk shorter than 106 characters, a leading BOM or whitespace, or an ISA whose fixed
 *   fields are not padded to width breaks it. We buffer until the whole ISA is in, find its end by
 *   counting the 16 element separators, and hand x12-parser a canonical 106-character ISA built
 *   with the same delimiters, so its fixed-offset detection is always right.
 * - It does not split repetitions (ISA11). Segments containing the repetition separator are
 *   re-split here into `{ repeats: [...] }`.
 * - It trims whitespace from every element and component (String.prototype.trim). Leading and
 *   trailing spaces of values are therefore not preserved; the writer's escape policy normalizes
 *   values the same way so that write → read is exact (see sanitize.ts).
 * - It is a Node object-mode Transform that allocates an object with string keys per segment
 *   ('1', '1-1' ...). We call `processChunk` synchronously and read `Segment.parsed` (arrays)
 *   instead, which keeps the stream machinery and the key objects out of the hot loop (the
 *   benchmark reports both ways).
 * - A second interchange in the same input must use the first one's delimiters (x12-parser fixes
 *   them once); a different set is reported, not guessed.
 */
import { Segment as XSegment, X12parser } from 'x12-parser';
import type { Delimiters } from './model.ts';
import type { Element, ElementValue, Segment } from './types.ts';

export interface TokenizerEvents {
  /** Every segment in order; `raw` (without terminator) is given for ISA segments (fixed widths). */
  segment(seg: Segment, raw?: string): void;
  /**
   * The input cannot be tokenized (not X12, broken ISA); nothing more will be emitted. `head` is the
   * text from ISA on (at most 106 characters) when the input does start with ISA, so the envelope can
   * still be answered (TA1) from the ISA's fixed positions.
   */
  fatal(code: string, message: string, head?: string): void;
}

const noop = () => {};

class Splitter extends X12parser {
  constructor(private readonly sink: (raw: string[]) => void) {
    super('utf8');
  }
  override generateSegments(segments: string[]): void {
    this.sink(segments);
  }
}

export class Tokenizer {
  delimiters?: Delimiters;
  private pending = '';
  private splitter?: Splitter;
  private failed = false;
  private skipSynthetic = true;
  private rep = '';
  private xdelims?: { segment: string; component: string; element: string; repetition: string };
  private cr = '';

  constructor(private readonly events: TokenizerEvents) {}

  feed(text: string): void {
    if (this.failed || text.length === 0) return;
    // x12-parser folds CRLF within a chunk only: a CR that ends a chunk waits for the next one, so
    // how the input was cut never changes what is read.
    text = this.cr + text;
    this.cr = '';
    if (text.endsWith('\r')) {
      this.cr = '\r';
      text = text.slice(0, -1);
      if (text.length === 0) return;
    }
    if (this.splitter) {
      this.splitter.processChunk(text);
      return;
    }
    this.pending += text;
    this.start(false);
  }

  end(): void {
    if (this.failed) return;
    if (this.cr) {
      const cr = this.cr;
      this.cr = '';
      if (this.splitter) this.splitter.processChunk(cr);
      else this.pending += cr;
    }
    if (!this.splitter) this.start(true);
    if (this.splitter && !this.failed) this.splitter._flush(noop);
  }

  private start(final: boolean): void {
    const s = this.pending;
    let i = 0;
    while (i < s.length && (s.charCodeAt(i) <= 32 || s.charCodeAt(i) === 0xfeff)) i++;
    if (s.length - i < 4) {
      if (final) this.fail('022', s.trim() === '' ? 'input is empty' : 'input is not X12: it does not start with ISA');
      return;
    }
    if (s.slice(i, i + 3) !== 'ISA') return this.fail('022', 'input is not X12: it does not start with ISA');
    // A broken ISA is answered with a TA1 that reads ISA13 and the date from their fixed places:
    // wait for a whole ISA's worth of text (106 characters) before giving up on it.
    const head = s.slice(i, i + 106);
    const refuse = (code: string, message: string) => (final || head.length === 106 ? this.fail(code, message, head) : undefined);
    const e = s[i + 3]!;
    if (/[A-Za-z0-9\s]/.test(e)) return refuse('026', `'${e}' cannot be the data element separator`);
    let j = i + 3;
    let count = 0;
    while (j < s.length && count < 16) if (s[j++] === e) count++;
    if (count < 16 || j + 1 >= s.length) {
      if (final || s.length - i > 4096) this.fail('023', 'the ISA segment is incomplete', head);
      return;
    }
    const component = s[j]!;
    const segment = s[j + 1]!;
    const raw = s.slice(i, j + 2);
    const fields = raw.slice(0, -2).split(e);
    const repField = fields[11] ?? '';
    const rep = repField.length === 1 && (fields[12] ?? '') >= '00501' && !/[A-Za-z0-9 ]/.test(repField) ? repField : '';
    if (component === e || /[A-Za-z0-9]/.test(component)) return refuse('027', `'${component}' cannot be the component element separator`);
    if (segment === e || segment === component || /[A-Za-z0-9]/.test(segment)) return refuse('004', `'${segment}' cannot be the segment terminator`);
    // ISA11 = ISA16 (the TR3 271 examples do it): x12-parser splits on the component separator,
    // and the reader resolves repetitions by the element definitions (repetition.ts).
    this.rep = rep === e || rep === component || rep === segment ? '' : rep;
    this.delimiters = { element: e, component, repetition: rep === component ? rep : this.rep, segment };
    this.xdelims = { segment, component, element: e, repetition: this.rep };
    this.events.segment(isaSegment(raw.slice(0, -1), e), raw.slice(0, -1));
    const synthetic = canonicalIsa(e, component, segment, this.rep || '^');
    this.pending = '';
    this.splitter = new Splitter((list) => this.emit(list));
    this.splitter.processChunk(synthetic + s.slice(j + 2));
  }

  private emit(list: string[]): void {
    const d = this.xdelims!;
    for (const raw of list) {
      if (raw.length === 0 || (raw.charCodeAt(0) <= 32 && raw.trim() === '')) continue;
      if (this.skipSynthetic) {
        this.skipSynthetic = false;
        continue;
      }
      const x = new XSegment(raw, d);
      const tag = x.name;
      if (tag === 'ISA') {
        const trimmed = raw.trimStart();
        this.events.segment(isaSegment(trimmed, d.element), trimmed);
        continue;
      }
      this.events.segment(toSegment(tag, x.parsed, raw, this.rep, d.component));
    }
  }

  private fail(code: string, message: string, head?: string): void {
    this.failed = true;
    this.pending = '';
    this.events.fatal(code, message, head);
  }
}

/** Reuses x12-parser's arrays in place (they are ours once `parsed` is read): no copy per segment. */
function toSegment(tag: string, parsed: string[][], raw: string, rep: string, component: string): Segment {
  const elements = parsed as unknown as Element[];
  const hasRep = rep !== '' && raw.indexOf(rep) !== -1;
  for (let k = 0; k < parsed.length; k++) {
    const parts = parsed[k]!;
    if (hasRep) {
      const joined = parts.join(component);
      if (joined.indexOf(rep) !== -1) {
        elements[k] = { repeats: joined.split(rep).map((r) => one(r.split(component).map((t) => t.trim()))) };
        continue;
      }
    }
    if (parts.length === 1) elements[k] = parts[0]!;
  }
  return { tag, elements };
}

function one(parts: string[]): ElementValue {
  return parts.length === 1 ? parts[0]! : parts;
}

/** ISA elements are never split into components; values trimmed like every other element. */
function isaSegment(body: string, e: string): Segment {
  const parts = body.split(e);
  const elements = parts.slice(1).map((v, i) => (i === 15 ? v : v.trim()));
  return { tag: 'ISA', elements };
}

/** A correctly padded ISA carrying only the delimiters; x12-parser reads them at fixed offsets. */
function canonicalIsa(e: string, c: string, s: string, r: string): string {
  const f = ['ISA', '00', ' '.repeat(10), '00', ' '.repeat(10), 'ZZ', ' '.repeat(15), 'ZZ', ' '.repeat(15), '000101', '0000',
    r, '00501', '000000000', '0', 'P', c];
  return f.join(e) + s;
}
