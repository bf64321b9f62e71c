/**
 * Element-level validation of one segment against its effective definition: presence, usage,
 * repetitions, components, X12 data types (AN ID DT TM N0 N2 R), lengths, code lists, dates and
 * the X12 syntax notes (P paired, R required-one, E exclusion, C conditional, L list). Reports
 * the 5010 IK403 codes. Written with char-code loops rather than regular expressions: it runs on
 * every element of every segment when validating.
 */
import type { CompiledSegment } from './spec/compile.ts';
import type { ElementSpec } from './spec/types.ts';
import type { Element, ElementValue } from './types.ts';

export interface ElementProblem {
  elementPosition: number;
  componentPosition?: number;
  repetitionPosition?: number;
  elementRef?: number;
  /** IK403 code. */
  code: string;
  message: string;
  value?: string;
}

type Sink = (p: ElementProblem) => void;

export function isEmptyElement(e: Element | undefined): boolean {
  if (e === undefined) return true;
  if (typeof e === 'string') return e === '';
  if (Array.isArray(e)) return e.every((c) => c === '');
  return e.repeats.every((r) => isEmptyElement(r));
}

/** First component / first repetition as a plain string (qualifier lookups). */
export function firstValue(e: Element | undefined): string {
  if (e === undefined) return '';
  if (typeof e === 'string') return e;
  if (Array.isArray(e)) return e[0] ?? '';
  return firstValue(e.repeats[0]);
}

export function checkSegmentElements(seg: { elements: Element[] }, def: CompiledSegment, out: Sink): void {
  const defs = def.elements;
  const values = seg.elements;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const spec = defs[i];
    if (!spec) {
      if (!isEmptyElement(value)) {
        out({ elementPosition: i + 1, code: '3', message: `${def.tag} has ${values.length} elements; only ${defs.length} are defined` });
        return;
      }
      continue;
    }
    if (isEmptyElement(value)) continue;
    checkElement(value as Element, spec, i + 1, values, out, def.tag);
  }
  for (let i = 0; i < defs.length; i++) {
    const spec = defs[i]!;
    if (spec.usage === 'R' && isEmptyElement(values[i])) {
      out({ elementPosition: i + 1, elementRef: spec.ref || undefined, code: '1', message: `${label(def.tag, i + 1)} (${spec.name}) is required` });
    }
  }
  for (const rule of def.rules) checkRule(rule, values, defs, def.tag, out);
}

function label(tag: string, pos: number): string {
  return `${tag}${String(pos).padStart(2, '0')}`;
}

function checkElement(value: Element, spec: ElementSpec, pos: number, all: Element[], out: Sink, tag: string): void {
  const ref = spec.ref || undefined;
  if (spec.usage === 'N') {
    out({ elementPosition: pos, elementRef: ref, code: 'I10', message: `${label(tag, pos)} is not used in this implementation`, value: flat(value) });
    return;
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    const max = spec.repeat ?? 1;
    if (value.repeats.length > max) {
      out({ elementPosition: pos, elementRef: ref, code: '12', message: `${label(tag, pos)} repeats ${value.repeats.length} times; at most ${max}` });
    }
    value.repeats.forEach((r, k) => {
      if (!isEmptyElement(r)) checkValue(r, spec, pos, max > 1 ? k + 1 : undefined, all, out, tag);
    });
    return;
  }
  checkValue(value, spec, pos, undefined, all, out, tag);
}

function checkValue(v: ElementValue, spec: ElementSpec, pos: number, rep: number | undefined, all: Element[], out: Sink, tag: string): void {
  const ref = spec.ref || undefined;
  if (spec.components) {
    const comps = typeof v === 'string' ? [v] : v;
    if (comps.length > spec.components.length) {
      out({ elementPosition: pos, repetitionPosition: rep, elementRef: ref, code: '13', message: `${label(tag, pos)} has ${comps.length} components; at most ${spec.components.length}` });
    }
    spec.components.forEach((cspec, k) => {
      const c = comps[k] ?? '';
      if (c === '') {
        if (cspec.usage === 'R') {
          out({ elementPosition: pos, componentPosition: k + 1, repetitionPosition: rep, elementRef: cspec.ref || undefined, code: '1', message: `${label(tag, pos)}-${k + 1} (${cspec.name}) is required` });
        }
        return;
      }
      const problem = checkSimple(c, cspec, undefined);
      if (problem) out({ elementPosition: pos, componentPosition: k + 1, repetitionPosition: rep, elementRef: cspec.ref || undefined, code: problem, message: message(problem, `${label(tag, pos)}-${k + 1}`, cspec, c), value: c });
    });
    return;
  }
  if (typeof v !== 'string') {
    out({ elementPosition: pos, repetitionPosition: rep, elementRef: ref, code: '13', message: `${label(tag, pos)} is a simple element but holds components`, value: v.join(' ') });
    return;
  }
  const qualifier = spec.dateByQualifier ? firstValue(all[pos - 2]) : undefined;
  const problem = checkSimple(v, spec, qualifier);
  if (problem) out({ elementPosition: pos, repetitionPosition: rep, elementRef: ref, code: problem, message: message(problem, label(tag, pos), spec, v), value: v });
}

function message(code: string, where: string, spec: ElementSpec, v: string): string {
  switch (code) {
    case '4': return `${where} (${spec.name}) is shorter than ${spec.min}`;
    case '5': return `${where} (${spec.name}) is longer than ${spec.max}`;
    case '6': return `${where} (${spec.name}) has a character not allowed for type ${spec.type}`;
    case '7': return `${where} (${spec.name}) value '${v}' is not a valid code here`;
    case '8': return `${where} (${spec.name}) '${v}' is not a valid date`;
    case '9': return `${where} (${spec.name}) '${v}' is not a valid time`;
    default: return `${where} (${spec.name}) is invalid`;
  }
}

/** Returns the IK403 code of the first problem, or undefined. */
export function checkSimple(v: string, spec: ElementSpec, qualifier: string | undefined): string | undefined {
  if (spec.codes) return spec.codes.includes(v) ? undefined : '7';
  if (qualifier !== undefined && qualifier !== '') {
    const fmt = DATE_FORMATS[qualifier];
    if (fmt && !fmt(v)) return '8';
  }
  switch (spec.type) {
    case 'N0':
    case 'N2':
    case 'R': {
      const digits = countDigits(v, spec.type === 'R');
      if (digits < 0) return '6';
      return digits < spec.min ? '4' : digits > spec.max ? '5' : undefined;
    }
    case 'DT':
      if (!allDigits(v)) return '8';
      if (v.length < spec.min) return '4';
      if (v.length > spec.max) return '5';
      return isDate(v) ? undefined : '8';
    case 'TM':
      if (!allDigits(v)) return '9';
      if (v.length < spec.min) return '4';
      if (v.length > spec.max) return '5';
      return isTime(v) ? undefined : '9';
    default:
      if (hasControlChar(v)) return '6';
      return v.length < spec.min ? '4' : v.length > spec.max ? '5' : undefined;
  }
}

/** Significant digits of an N0/N2/R value (sign and decimal point excluded); -1 when malformed. */
function countDigits(v: string, decimal: boolean): number {
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 45 && i === 0) continue;
    else if (c === 46 && decimal && dots === 0) dots++;
    else return -1;
  }
  return digits === 0 ? -1 : digits;
}

function allDigits(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function hasControlChar(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 32 || (c >= 127 && c <= 159)) return true;
  }
  return false;
}

/** CCYYMMDD or YYMMDD, a real calendar day. */
export function isDate(v: string): boolean {
  if (!allDigits(v) || (v.length !== 8 && v.length !== 6)) return false;
  const year = v.length === 8 ? Number(v.slice(0, 4)) : 2000 + Number(v.slice(0, 2));
  const month = Number(v.slice(-4, -2));
  const day = Number(v.slice(-2));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}

/** HHMM, HHMMSS, HHMMSSD or HHMMSSDD. */
export function isTime(v: string): boolean {
  if (!allDigits(v) || v.length < 4 || v.length > 8 || v.length === 5) return false;
  const h = Number(v.slice(0, 2));
  const m = Number(v.slice(2, 4));
  const s = v.length >= 6 ? Number(v.slice(4, 6)) : 0;
  return h < 24 && m < 60 && s < 60;
}

const dateTime = (v: string) => v.length === 12 && isDate(v.slice(0, 8)) && isTime(v.slice(8));
const range = (one: (v: string) => boolean) => (v: string) => {
  const dash = v.indexOf('-');
  return dash > 0 && one(v.slice(0, dash)) && one(v.slice(dash + 1)) && v.slice(0, dash) <= v.slice(dash + 1);
};

/** Date Time Period Format Qualifier (1250) → validator of the period value (1251). */
const DATE_FORMATS: Readonly<Record<string, (v: string) => boolean>> = {
  D8: (v) => v.length === 8 && isDate(v),
  RD8: range((v) => v.length === 8 && isDate(v)),
  DT: dateTime,
  RDT: range(dateTime),
  TM: (v) => v.length === 4 && isTime(v),
};

function checkRule(rule: string, values: Element[], defs: readonly ElementSpec[], tag: string, out: Sink): void {
  const kind = rule[0];
  const positions: number[] = [];
  for (let i = 1; i + 1 < rule.length + 1; i += 2) positions.push(Number(rule.slice(i, i + 2)));
  const present = positions.map((p) => !isEmptyElement(values[p - 1]));
  const report = (idx: number, code: string, text: string) => {
    const pos = positions[idx]!;
    out({ elementPosition: pos, elementRef: defs[pos - 1]?.ref || undefined, code, message: `${label(tag, pos)}: ${text} (syntax rule ${rule})` });
  };
  const others = positions.slice(1).map((p) => label(tag, p)).join(', ');
  switch (kind) {
    case 'P':
      if (present.some(Boolean)) present.forEach((ok, i) => ok || report(i, '2', 'required when any of its pair is present'));
      break;
    case 'R':
      if (!present.some(Boolean)) report(0, '2', `at least one of ${positions.map((p) => label(tag, p)).join(', ')} is required`);
      break;
    case 'E': {
      const seen = present.map((ok, i) => (ok ? i : -1)).filter((i) => i >= 0);
      if (seen.length > 1) report(seen[1]!, '10', `only one of ${positions.map((p) => label(tag, p)).join(', ')} may be present`);
      break;
    }
    case 'C':
      if (present[0]) present.forEach((ok, i) => i > 0 && !ok && report(i, '2', `required when ${label(tag, positions[0]!)} is present`));
      break;
    case 'L':
      if (present[0] && !present.slice(1).some(Boolean)) report(1, '2', `one of ${others} is required when ${label(tag, positions[0]!)} is present`);
      break;
  }
}

function flat(v: Element): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join(' ');
  return v.repeats.map((r) => (typeof r === 'string' ? r : r.join(' '))).join(' ');
}
