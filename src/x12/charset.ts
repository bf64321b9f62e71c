/**
 * What a payer can read: its X12 character set and, when its companion guide pins them, its
 * delimiters. Values are made to fit before they are written, and every change is reported (by
 * segment and element position, never by value), so nothing changes silently:
 *
 * - basic character set (X12.6): upper-case letters, digits, space and `! " & ' ( ) * + , - . / : ; ? =`;
 *   letters are upper-cased;
 * - extended: basic plus lower-case letters and `% @ [ ] _ { } \ | < > # $`;
 * - other letters are transliterated (`Núñez-Łukasz` → `Nunez-Lukasz`, `Ærøskøbing` → `Aeroskobing`:
 *   accents dropped by Unicode decomposition, the letters that do not decompose from a table),
 *   typographic punctuation becomes its ASCII form, and anything still outside the set a space;
 * - a pinned delimiter inside a value (an apostrophe when `'` ends segments) becomes a space
 *   instead of re-delimiting the interchange.
 *
 * Pure: segments in, new segments and the list of changes out.
 */
import type { Delimiters } from './model.ts';
import type { Element, ElementValue, Segment } from './types.ts';

export type CharacterSet = 'basic' | 'extended';

const BASIC = new Set(`ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !"&'()*+,-./:;?=`);
const EXTENDED = new Set([...BASIC, ...'abcdefghijklmnopqrstuvwxyz%@[]_{}\\|<>#$']);

/** Letters Unicode decomposition leaves alone, and punctuation with a plain ASCII form. */
const TRANSLIT: Readonly<Record<string, string>> = {
  Ł: 'L', ł: 'l', Ø: 'O', ø: 'o', Đ: 'D', đ: 'd', Ð: 'D', ð: 'd', Æ: 'AE', æ: 'ae', Œ: 'OE', œ: 'oe',
  ß: 'ss', ẞ: 'SS', Þ: 'TH', þ: 'th', ı: 'i', Ħ: 'H', ħ: 'h', Ŧ: 'T', ŧ: 't', ĸ: 'k', Ŋ: 'N', ŋ: 'n', ſ: 's',
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u201c': '"', '\u201d': '"', '\u201e': '"',
  '\u00ab': '"', '\u00bb': '"', '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-',
  '\u2026': '...', '\u00a0': ' ', '\u00b4': "'", '\u02bc': "'", '\u2044': '/',
};

export interface CharacterChange {
  /** 0-based index of the segment in the body given. */
  segment: number;
  tag: string;
  /** `NM103`, `PER04`, `HI01-2`. */
  position: string;
  kind: 'transliterated' | 'delimiter-replaced';
}

/** One value made to fit `set`; unchanged values come back as the same string. */
export function toCharacterSet(value: string, set: CharacterSet): string {
  const allowed = set === 'basic' ? BASIC : EXTENDED;
  let fits = true;
  for (const ch of value) if (!allowed.has(ch)) {
    fits = false;
    break;
  }
  if (fits) return value;
  let out = '';
  const chars = [...value];
  chars.forEach((ch, i) => {
    let mapped = TRANSLIT[ch] ?? ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
    // Æ in Ærøskøbing is Ae, in ÆRØ AE.
    const next = chars[i + 1] ?? '';
    if (mapped.length > 1 && mapped === mapped.toUpperCase() && next !== next.toUpperCase()) mapped = mapped[0] + mapped.slice(1).toLowerCase();
    for (const c of mapped) {
      // A decomposition may itself hold typographic characters (½ → 1⁄2).
      const plain = TRANSLIT[c] ?? c;
      const cased = set === 'basic' ? plain.toUpperCase() : plain;
      out += [...cased].every((x) => allowed.has(x)) ? cased : ' ';
    }
  });
  return out.replace(/ {2,}/g, ' ').trim();
}

function label(tag: string, element: number, component?: number): string {
  return `${tag}${String(element).padStart(2, '0')}${component ? `-${component}` : ''}`;
}

/**
 * Binary data elements (BIN02, BDS03): bytes whose length the segment states, never text in the
 * interchange's character set. Fitting them would corrupt the content (base64 is case-sensitive).
 */
const BINARY_ELEMENT: Readonly<Record<string, number>> = { BIN: 2, BDS: 3 };

/**
 * Fits every value of a transaction body to the payer: its character set, then its pinned
 * delimiters. Returns the new body and what changed where. Binary data is left as it is.
 *
 * @example fitForPayer(segments, { characterSet: 'basic', delimiters: { element: '*', component: ':', repetition: '^', segment: "'" } })
 */
export function fitForPayer(
  body: Segment[],
  opts: { characterSet: CharacterSet; delimiters?: Delimiters },
): { segments: Segment[]; changes: CharacterChange[] } {
  const changes: CharacterChange[] = [];
  const pinned = opts.delimiters ? new Set(Object.values(opts.delimiters)) : undefined;
  const segments = body.map((seg, i) => {
    let touched = false;
    const fit = (v: string, element: number, component?: number): string => {
      let out = toCharacterSet(v, opts.characterSet);
      if (out !== v) changes.push({ segment: i, tag: seg.tag, position: label(seg.tag, element, component), kind: 'transliterated' });
      if (pinned && [...out].some((c) => pinned.has(c))) {
        out = [...out].map((c) => (pinned.has(c) ? ' ' : c)).join('').replace(/ {2,}/g, ' ').trim();
        changes.push({ segment: i, tag: seg.tag, position: label(seg.tag, element, component), kind: 'delimiter-replaced' });
      }
      if (out !== v) touched = true;
      return out;
    };
    const value = (v: ElementValue, element: number): ElementValue =>
      typeof v === 'string' ? fit(v, element) : v.map((c, k) => fit(c, element, k + 1));
    const elements = seg.elements.map((e: Element, k): Element =>
      BINARY_ELEMENT[seg.tag] === k + 1 ? e : typeof e === 'object' && !Array.isArray(e) ? { repeats: e.repeats.map((r) => value(r, k + 1)) } : value(e, k + 1),
    );
    return touched ? { tag: seg.tag, elements } : seg;
  });
  return { segments, changes };
}
