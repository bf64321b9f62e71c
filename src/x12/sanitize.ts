/**
 * The escape policy. X12 has no escape character, so a value can never carry a delimiter.
 *
 * 1. The writer first chooses delimiters that occur in no value of the interchange (see
 *    `chooseDelimiters`); `O'Brien*Smith` then simply travels with `*` not being the element
 *    separator.
 * 2. Whatever still collides (delimiters forced by the caller, or data using every candidate) is
 *    replaced by a space, and so is every control character (U+0000-U+001F, U+007F-U+009F):
 *    CR/LF/TAB would be eaten or mistaken for terminators by receivers.
 * 3. Lone UTF-16 surrogates (not encodable as UTF-8) become U+FFFD.
 * 4. The result is trimmed with String.prototype.trim: X12 suppresses trailing spaces, and the
 *    reader (x12-parser) trims every element and component, so a value's outer whitespace could
 *    never survive a round trip anyway.
 *
 * Guarantee (property-tested): parseX12(writeX12(x)) yields `sanitizeValue(v)` for every value v.
 */
import type { Delimiters } from './model.ts';

export type Forbidden = Uint8Array;

/** ASCII lookup: 1 for delimiters and control characters. */
export function forbiddenTable(d: Delimiters): Forbidden {
  const t = new Uint8Array(128);
  for (let c = 0; c < 32; c++) t[c] = 1;
  t[127] = 1;
  for (const ch of [d.element, d.component, d.repetition, d.segment]) {
    if (ch && ch.charCodeAt(0) < 128) t[ch.charCodeAt(0)] = 1;
  }
  return t;
}

function isTrimmedSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Applies the policy; returns the value itself when it is already clean (the common case). */
export function sanitizeValue(v: string, t: Forbidden): string {
  const n = v.length;
  if (n === 0) return v;
  let dirty = isTrimmedSpace(v.charCodeAt(0)) || isTrimmedSpace(v.charCodeAt(n - 1));
  for (let i = 0; !dirty && i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 128 ? t[c] === 1 : c <= 0x9f || (c >= 0xd800 && c <= 0xdfff)) dirty = true;
  }
  return dirty ? clean(v, t) : v;
}

function clean(v: string, t: Forbidden): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 128) out += t[c] === 1 ? ' ' : v[i];
    else if (c <= 0x9f) out += ' ';
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = v.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += v[i]! + v[i + 1]!;
        i++;
      } else out += '\ufffd';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '\ufffd';
    else out += v[i];
  }
  return out.trim();
}

/** Preferred characters per role, then a shared pool of printable ASCII punctuation. */
const PREFERRED: Readonly<Record<keyof Delimiters, readonly string[]>> = {
  segment: ['~', "'", '`'],
  element: ['*', '|', '!'],
  component: [':', '>', '\\'],
  repetition: ['^', '{', '}'],
};
const POOL = ['~', '*', ':', '^', '|', '>', '\\', '{', '}', '!', '`', '@', '$', '%', ';', '"', '[', ']', '<', '=', '?', '+',
  '_', '#', '&', "'", '(', ')', '/', ',', '.', '-'];

/**
 * Delimiters that appear in none of `values`: each role takes its first free preferred character,
 * else the first free one from the pool. Roles fixed by the caller are kept as given. When every
 * candidate is used by the data (adversarial input) the default for that role is taken and the
 * colliding characters get replaced by `sanitizeValue`.
 */
export function chooseDelimiters(values: Iterable<string>, fixed: Partial<Delimiters> = {}): Delimiters {
  const used = new Uint8Array(128);
  for (const v of values) for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 128) used[c] = 1;
  }
  const taken = new Set<string>(Object.values(fixed).filter((x): x is string => !!x));
  const pick = (role: keyof Delimiters, fallback: string): string => {
    const given = fixed[role];
    if (given) return given;
    for (const ch of [...PREFERRED[role], ...POOL]) {
      if (!used[ch.charCodeAt(0)] && !taken.has(ch)) {
        taken.add(ch);
        return ch;
      }
    }
    if (!taken.has(fallback)) {
      taken.add(fallback);
      return fallback;
    }
    for (const ch of POOL) {
      if (!taken.has(ch)) {
        taken.add(ch);
        return ch;
      }
    }
    return fallback;
  };
  const segment = pick('segment', '~');
  const element = pick('element', '*');
  const component = pick('component', ':');
  const repetition = pick('repetition', '^');
  return { element, component, repetition, segment };
}

/**
 * Single printable, non-alphanumeric, non-space, pairwise distinct characters.
 *
 * With `received`, the delimiters are those a reader found in a received interchange, which may
 * name no repetition separator (ISA11 `U`, the 004010 standards identifier, or any 004010
 * interchange: `repetition` is '') or the component separator as the repetition separator too
 * (ISA11 = ISA16, as the X279A1 271 examples do; the reader tells repetitions from components by
 * the element definitions, so writing them back with the same character reads back the same).
 * The writer of our own interchanges never asks for either.
 */
export function delimiterProblem(d: Delimiters, opts: { received?: boolean } = {}): string | undefined {
  const shared = opts.received && (d.repetition === '' || d.repetition === d.component);
  const all = shared ? [d.element, d.component, d.segment] : [d.element, d.component, d.repetition, d.segment];
  for (const ch of all) {
    if (ch.length !== 1 || /[A-Za-z0-9\s]/.test(ch) || ch.charCodeAt(0) < 32) return `'${ch}' cannot be a delimiter`;
  }
  return new Set(all).size === all.length ? undefined : `delimiters must be ${all.length === 4 ? 'four' : 'three'} different characters`;
}
