/**
 * What every string of a FHIR JSON body must be before anything reads it: Unicode text (no unpaired
 * UTF-16 surrogate: `\ud800` parses in JSON but is no character, and Postgres refuses it), without
 * the control characters FHIR forbids (below U+0020 other than tab, CR and LF: a NUL cannot even be
 * stored), and of a sensible length; arrays of a sensible length. Each problem names its element
 * (`Bundle.entry[0].resource.identifier[0].value`) and never quotes the value back.
 */
export interface TextLimits {
  /** Longest string, except base64 `data` and narrative `div`, which only the body limit bounds. */
  maxString: number;
  /** Most items in any one array. */
  maxArray: number;
}

export interface TextProblem {
  severity: 'error';
  code: 'invalid' | 'too-costly';
  diagnostics: string;
  expression: string[];
  /** 413 for sizes, 400 for characters. */
  tooLarge: boolean;
}

/** Elements whose values are documents rather than text fields (FHIR base64Binary `data`, xhtml `div`). */
const DOCUMENT_ELEMENTS = new Set(['data', 'div']);
/** Problems reported at most (a body full of NULs gets the first few, not one per string). */
const MAX_PROBLEMS = 20;

/** The first character that may not appear in a FHIR string, as `U+XXXX`, or undefined. */
export function badCharacter(s: string): { code: string; kind: 'control' | 'surrogate' } | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return { code: hex(c), kind: 'control' };
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return { code: hex(c), kind: 'surrogate' };
    } else if (c >= 0xdc00 && c <= 0xdfff) return { code: hex(c), kind: 'surrogate' };
  }
  return undefined;
}

const hex = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

interface Frame {
  value: unknown;
  key: string | number;
  parent?: Frame;
}

function pathOf(f: Frame): string {
  const parts: string[] = [];
  for (let at: Frame | undefined = f; at; at = at.parent) {
    parts.push(typeof at.key === 'number' ? `[${at.key}]` : at.parent ? `.${at.key}` : at.key);
  }
  return parts.reverse().join('');
}

function characterIssue(where: string, bad: { code: string; kind: 'control' | 'surrogate' }, ofName: boolean): TextProblem {
  const what = ofName ? `a property name of ${where}` : where;
  const diagnostics =
    bad.kind === 'control'
      ? `${what} contains the control character ${bad.code}, which is not accepted (FHIR strings carry no characters below U+0020 other than tab, carriage return and line feed)`
      : `${what} contains an unpaired UTF-16 surrogate (${bad.code}), which is not a Unicode character`;
  return { severity: 'error', code: 'invalid', diagnostics, expression: [where], tooLarge: false };
}

/**
 * Every string and property name of `value` (rooted at `root`, e.g. `Bundle`), every array length.
 * Iterative, so nesting depth costs no stack.
 */
export function checkText(value: unknown, root: string, limits: TextLimits): TextProblem[] {
  const problems: TextProblem[] = [];
  const stack: Frame[] = [{ value, key: root }];
  while (stack.length > 0 && problems.length < MAX_PROBLEMS) {
    const f = stack.pop()!;
    const v = f.value;
    if (typeof v === 'string') {
      const bad = badCharacter(v);
      if (bad) problems.push(characterIssue(pathOf(f), bad, false));
      else if (v.length > limits.maxString && !(typeof f.key === 'string' && DOCUMENT_ELEMENTS.has(f.key))) {
        const where = pathOf(f);
        problems.push({ severity: 'error', code: 'too-costly', diagnostics: `${where} is longer than ${limits.maxString} characters`, expression: [where], tooLarge: true });
      }
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      if (v.length > limits.maxArray) {
        const where = pathOf(f);
        problems.push({ severity: 'error', code: 'too-costly', diagnostics: `${where} has ${v.length} items; at most ${limits.maxArray} are accepted`, expression: [where], tooLarge: true });
        continue;
      }
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: f });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const bad = badCharacter(k);
      if (bad) {
        problems.push(characterIssue(pathOf(f), bad, true));
        continue;
      }
      stack.push({ value: (v as Record<string, unknown>)[k], key: k, parent: f });
    }
  }
  return problems;
}
