/**
 * Generates, once per FHIR type and per profile level, JavaScript specialised to that schema — the
 * way ajv compiles a JSON Schema — instead of interpreting the schema for every value:
 *
 * - `props`: every element's checks on one object (presence, single/array, cardinality, fixed and
 *   pattern values, slice counts, invariants, primitive formats), with the JSON keys, limits and
 *   regular expressions written into the code;
 * - `extra`: unknown properties and conflicting choice-of-type properties;
 * - `kids`: the descent into non-primitive values, each with its own type's generated code.
 *
 * The rules and messages are those of @medplum/core's validator (the reference): see the
 * differential test, which holds the two to the same output.
 */
import { deepEquals, deepIncludes, fhirTypeToJsType, type InternalSchemaElement, type InternalTypeSchema, type TypedValue } from '@medplum/core';
import { constraintsOf, isPrimitiveType, planElement, type ElementPlan, type SliceMatcherFactory } from './elements.ts';
import { accessorFor, isEmpty, PICKERS, resolveSource } from './properties.ts';
import type { Constraint, Crawler, Run } from './run.ts';
import { Unsupported } from './unsupported.ts';

/** A profile level rooted at a value: its crawler, and the levels it roots at its children. */
export interface LevelHandle {
  readonly crawler: Crawler;
}

export interface SchemaCode {
  readonly name: string;
  readonly plans: readonly ElementPlan[];
  readonly byName: ReadonlyMap<string, ElementPlan>;
  /** Invariants of the type itself, checked on a crawler's root. */
  readonly rootConstraints: readonly Constraint[];
  /** Some element invariant reads %resource or %rootResource: outcomes depend on the crawler. */
  readonly crawlerDependent: boolean;
  props(o: unknown, R: Run, cs: Crawler[], d: number): void;
  extra(o: unknown, R: Run, cs: Crawler[], d: number): void;
  kids(o: unknown, R: Run, d: number, levels: LevelHandle[] | undefined): void;
  /** Collects the Extensions and References below `o` (as @medplum/core's crawler finds them). */
  scan(o: unknown, X: ScanState): void;
  /** `getTypedPropertyValue(o, name)` for this type: the raw JSON value and the type it has. */
  property(o: unknown, name: string): { value: unknown; type: string } | undefined;
}

/** Hooks the generated `kids` calls: the visit of a child, and the levels rooted at it. */
export interface Traversal {
  visit(code: SchemaCode, o: unknown, R: Run, d: number, levels: LevelHandle[] | undefined): void;
  visitResource(o: unknown, R: Run, d: number, levels: LevelHandle[] | undefined): void;
  /** An object where a primitive belongs, crawled as an Element (no profile levels rooted there). */
  visitElement(o: unknown, R: Run, d: number): void;
  childLevels(levels: LevelHandle[], name: string, index: number): LevelHandle[] | undefined;
}

/** Where `scan` records what it finds; `segs` is the typed path from the scan's root. */
export interface ScanState {
  segs: string[];
  /** `holderType` and `holder`: the type and value of the element the found value sits in (an extension's context). */
  found(type: 'Extension' | 'Reference', value: unknown, holderType: string, holder: unknown): void;
  resource(o: unknown): SchemaCode;
}

/** Regular expressions @medplum/core's validator applies to primitive values (FHIR R4 datatypes). */
const FORMATS: Record<string, RegExp> = {
  base64Binary: /^([A-Za-z\d+/]{4})*([A-Za-z\d+/]{2}==|[A-Za-z\d+/]{3}=)?$/,
  canonical: /^\S*$/,
  code: /^[^\s]+( [^\s]+)*$/,
  date: /^(\d(\d(\d[1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2]\d|3[0-1]))?)?$/,
  dateTime:
    /^(\d(\d(\d[1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2]\d|3[0-1])(T([01]\d|2[0-3])(:[0-5]\d:([0-5]\d|60)(\.\d{1,9})?)?)?)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00)?)?)?$/,
  id: /^[A-Za-z0-9\-.]{1,64}$/,
  instant:
    /^(\d(\d(\d[1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2]\d|3[0-1])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$/,
  markdown: /^[\r\n\t\u0020-\uFFFF]+$/,
  oid: /^urn:oid:[0-2](\.(0|[1-9]\d*))+$/,
  string: /^[\r\n\t\u0020-\uFFFF]+$/,
  time: /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?$/,
  uri: /^\S*$/,
  url: /^\S*$/,
  uuid: /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  xhtml: /.*/,
};

const JS_TYPES = fhirTypeToJsType as Record<string, string>;
const MAX_STRING = 1024 * 1024;

/**
 * Checks one primitive value as @medplum/core's `validatePrimitiveType` does. An object (or array)
 * in a primitive's place is crawled as an `Element` from the value's own path, as it does.
 */
function primitive(R: Run, cs: Crawler[], d: number, key: string, index: number, type: string, x: unknown, T: Traversal): void {
  if (typeof x === 'object' && x !== null) {
    R.nestedCrawl(cs, d + 1, () => {
      R.step(d + 1, key, index);
      T.visitElement(x, R, d + 1);
    });
    return;
  }
  const expected = JS_TYPES[type];
  if (expected === undefined) {
    R.atValue(cs, d, key, index, `Invalid JSON type: ${type} is not a valid FHIR type`);
    return;
  }
  if (typeof x !== expected) {
    if (x !== null) R.atValue(cs, d, key, index, `Invalid JSON type: expected ${expected}, but got ${typeof x}`);
    return;
  }
  if (expected === 'string') {
    const s = x as string;
    if (!s.trim()) R.atValue(cs, d, key, index, 'String must contain non-whitespace content');
    else if (s.length > MAX_STRING) R.atValue(cs, d, key, index, 'String cannot be larger than 1 MB');
    else {
      const re = FORMATS[type];
      if (re && !re.test(s)) R.atValue(cs, d, key, index, `Invalid ${type} format`);
    }
  } else if (expected === 'number') {
    const n = x as number;
    if (Number.isNaN(n) || !Number.isFinite(n)) R.atValue(cs, d, key, index, 'Invalid numeric value');
    else if ((type === 'integer' || type === 'positiveInt' || type === 'unsignedInt') && !Number.isInteger(n)) {
      R.atValue(cs, d, key, index, 'Expected number to be an integer');
    } else if (type === 'positiveInt' && n <= 0) R.atValue(cs, d, key, index, 'Expected number to be positive');
    else if (type === 'unsignedInt' && n < 0) R.atValue(cs, d, key, index, 'Expected number to be non-negative');
  }
}

/** `toTypedValueWithType`: a value in `Resource` position is typed by its own resourceType. */
function typeOf(x: unknown, t: string): string {
  if (t === 'Resource' && x && typeof x === 'object' && 'resourceType' in x) return (x as { resourceType: string }).resourceType;
  return t;
}

/** @medplum/core's `matchesSpecifiedValue` on the typed value (or values) of one element. */
function specified(plan: ElementPlan, v: unknown, t: string, array: boolean): boolean {
  const typed = array ? (v as unknown[]).map((x) => ({ type: typeOf(x, t), value: x })) : { type: typeOf(v, t), value: v };
  if (plan.pattern && !deepIncludes(typed, plan.pattern)) return false;
  if (plan.fixed && !deepEquals(typed, plan.fixed)) return false;
  return true;
}

/** Counts values per slice (first matching slice wins) and reports counts out of range. */
function slices(R: Run, cs: Crawler[], d: number, plan: ElementPlan, values: unknown[], t: string): void {
  const list = plan.slices!;
  const counts = new Array<number>(list.length).fill(0);
  for (const x of values) {
    const tv: TypedValue = { type: typeOf(x, t), value: x };
    const hit = list.findIndex((slice) => slice.matches.every((m) => m(tv)));
    if (hit >= 0) counts[hit]!++;
  }
  list.forEach((slice, i) => {
    const n = counts[i]!;
    if (n < slice.min || n > slice.max) R.sliceCount(cs, d, plan.name, slice.name, slice.min, slice.max, n);
  });
}

/** Any null (or array hole) below `value`, as @medplum/core's null check would find it. */
function hasNull(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  for (const item of Object.values(value as Record<string, unknown>)) {
    if (item === null || item === undefined) return true;
    if (typeof item === 'object' && hasNull(item)) return true;
  }
  return false;
}

/** The choice-of-type element a JSON key belongs to (`valueQuantity` → `value[x]`), if present. */
function choiceOf(key: string, choices: Record<string, (o: unknown) => boolean>, o: unknown): string | undefined {
  for (let i = 1; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 65 || c > 90) continue;
    const name = `${key.slice(0, i)}[x]`;
    const present = choices[name];
    if (present !== undefined) return present(o) ? name : undefined;
  }
  const name = `${key}[x]`;
  const present = choices[name];
  if (present !== undefined) return present(o) ? name : undefined;
  return undefined;
}

/** Helpers the generated code reaches through `H`. */
const HELPERS = { isEmpty, primitive, typeOf, specified, slices, hasNull, choiceOf, Unsupported };

const str = (s: string): string => JSON.stringify(s);

function resolve(plan: ElementPlan, o = 'o'): string {
  return resolveSource(plan.candidates, o);
}

function valueChecks(plan: ElementPlan, i: number, x: string, idx: string): string {
  const name = str(plan.name);
  let src = '';
  const types = [...new Set(plan.candidates.map((c) => c.type))];
  const typeExpr = types.includes('Resource') ? `H.typeOf(${x}, t)` : 't';
  if (plan.constraints.length) src += `R.constraints(cs, d, ${name}, ${idx}, P[${i}].constraints, ${typeExpr}, ${x});\n`;
  const prim = types.filter(isPrimitiveType);
  const empty = `if (H.isEmpty(${x})) R.atValue(cs, d, ${name}, ${idx}, 'Invalid empty non-primitive value');`;
  const check = `H.primitive(R, cs, d, ${name}, ${idx}, t, ${x}, T);`;
  if (prim.length === types.length) src += check;
  else if (prim.length === 0) src += empty;
  else src += `if (${prim.map((p) => `t === ${str(p)}`).join(' || ')}) { ${check} } else { ${empty} }`;
  return src;
}

function propsSource(plans: readonly ElementPlan[]): string {
  let src = 'const has = !!o; let v, t, rk, n;\n';
  plans.forEach((plan, i) => {
    const name = str(plan.name);
    const max = Number.isFinite(plan.max) ? String(plan.max) : 'Infinity';
    const specified = plan.fixed || plan.pattern;
    src += `// ${plan.name}\nif (has) { ${resolve(plan)} } else { v = undefined; t = undefined; rk = undefined; }\n`;
    src += `if (H.isEmpty(v)) { ${plan.min > 0 ? `R.missing(cs, d, ${name});` : ''} }\n`;
    src += `else if (Array.isArray(v)) {\n`;
    if (!plan.isArray) src += `  R.atProperty(cs, d, ${name}, 'Expected single value for property');\n`;
    else {
      src += `  n = v.length;\n  if (n < ${plan.min} || n > ${max}) R.cardinality(cs, P[${i}].path, ${plan.min}, ${max}, n);\n`;
      if (specified) src += `  if (!H.specified(P[${i}], v, t, true)) R.atProperty(cs, d, ${name}, 'Value did not match expected pattern');\n`;
      if (plan.slices) src += `  H.slices(R, cs, d, P[${i}], v, t);\n`;
      src += `  for (let i = 0; i < n; i++) { const x = v[i]; ${valueChecks(plan, i, 'x', 'i')} }\n`;
    }
    src += `} else {\n`;
    if (plan.isArray) src += `  R.atProperty(cs, d, ${name}, 'Expected array of values for property');\n`;
    else {
      if (plan.min > 1 || plan.max < 1) src += `  R.cardinality(cs, P[${i}].path, ${plan.min}, ${max}, 1);\n`;
      if (specified) src += `  if (!H.specified(P[${i}], v, t, false)) R.atProperty(cs, d, ${name}, 'Value did not match expected pattern');\n`;
      if (plan.slices) src += `  H.slices(R, cs, d, P[${i}], [v], t);\n`;
      src += `  ${valueChecks(plan, i, 'v', '-1')}\n`;
    }
    src += `}\n`;
  });
  return src;
}

function extraSource(plans: readonly ElementPlan[]): { src: string; traversed: Set<string> } {
  const traversed = new Set(plans.flatMap((p) => p.candidates.filter((c) => !isPrimitiveType(c.type)).map((c) => c.key)));
  const hasChoices = plans.some((p) => p.name.endsWith('[x]'));
  // for…in lists the same keys as Object.keys for parsed JSON (no inherited enumerable keys), without the array.
  let src = `if (!o) return;\nlet seen;\nfor (const key in o) {\n`;
  src += `  if (key.charCodeAt(0) === 95) throw new H.Unsupported('primitive-extension');\n`;
  src += `  const value = o[key];\n  if (value === null) R.sawNull = true;\n  else if (typeof value === 'object') {\n`;
  src += `    if (Array.isArray(value)) { for (let j = 0; j < value.length; j++) if (value[j] == null) { R.sawNull = true; break; } }\n`;
  src += `    if (!TRAVERSED.has(key) && H.hasNull(value)) R.sawNull = true;\n  }\n`;
  src += `  if (key === 'resourceType') continue;\n`;
  if (hasChoices) {
    src += `  const choice = H.choiceOf(key, CHOICES, o);\n  if (choice !== undefined) {\n    if (seen === undefined) seen = {};\n`;
    src += `    const first = seen[choice];\n    if (first) { R.conflictingChoice(cs, key, first); if (H.hasNull(value)) R.sawNull = true; }\n`;
    src += `    seen[choice] = key;\n    continue;\n  }\n`;
  }
  src += `  if (!(key in ELS)) R.unknownProperty(cs, d, key);\n}\n`;
  return { src, traversed };
}

function kidsSource(plans: readonly ElementPlan[], typeIndex: (type: string) => number): string {
  let src = 'if (!o) return;\nlet v, t, rk;\n';
  for (const plan of plans) {
    if (!plan.complex) continue;
    const name = str(plan.name);
    const complexTypes = [...new Set(plan.candidates.map((c) => c.type).filter((t) => !isPrimitiveType(t)))];
    const child = (x: string, idx: string): string => {
      const lv = `levels === undefined ? undefined : T.childLevels(levels, ${name}, ${idx})`;
      const one = (type: string): string =>
        type === 'Resource' ? `T.visitResource(${x}, R, d + 1, ${lv});` : `T.visit(S[${typeIndex(type)}], ${x}, R, d + 1, ${lv});`;
      if (complexTypes.length === plan.candidates.length && complexTypes.length === 1) return one(complexTypes[0]!);
      return complexTypes.map((type) => `if (t === ${str(type)}) { ${one(type)} }`).join(' else ');
    };
    src += `// ${plan.name}\n${resolve(plan)}\n`;
    src += `if (!H.isEmpty(v)) {\n  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) { R.step(d + 1, ${name}, i); ${child('v[i]', 'i')} } }\n`;
    src += `  else { R.step(d + 1, ${name}, -1); ${child('v', '-1')} }\n}\n`;
  }
  return src;
}

function scanSource(name: string, plans: readonly ElementPlan[], typeIndex: (type: string) => number): string {
  const holder = str(name);
  let src = 'if (!o) return;\nlet v, t, rk;\n';
  for (const plan of plans) {
    if (!plan.complex) continue;
    const seg = str(plan.name.replace('[x]', ''));
    const complexTypes = [...new Set(plan.candidates.map((c) => c.type).filter((t) => !isPrimitiveType(t)))];
    const item = (x: string): string => {
      let body = '';
      if (complexTypes.includes('Resource')) {
        // A value in Resource position is typed by its resourceType (whatever that says).
        body += `{ const tt = H.typeOf(${x}, t); if (tt === 'Extension' || tt === 'Reference') X.found(tt, ${x}, ${holder}, o); } `;
      }
      if (complexTypes.includes('Extension')) body += `if (t === 'Extension') X.found('Extension', ${x}, ${holder}, o); `;
      if (complexTypes.includes('Reference')) body += `if (t === 'Reference') X.found('Reference', ${x}, ${holder}, o); `;
      body += complexTypes
        .map((type) => `if (t === ${str(type)}) { ${type === 'Resource' ? `X.resource(${x}).scan(${x}, X);` : `S[${typeIndex(type)}].scan(${x}, X);`} }`)
        .join(' else ');
      return body;
    };
    src += `// ${plan.name}\n${resolve(plan)}\n`;
    src += `if (!H.isEmpty(v)) {\n  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) { X.segs.push(${seg} + '[' + i + ']'); ${item('v[i]')} X.segs.pop(); } }\n`;
    src += `  else { X.segs.push(${seg}); ${item('v')} X.segs.pop(); }\n}\n`;
  }
  return src;
}

/**
 * Compiles schemas on demand (base FHIR types by name, profile levels by their registered level
 * type) and keeps them: each is generated once per process.
 */
export class SchemaCompiler {
  private readonly codes = new Map<string, SchemaCode>();
  /** Schemas referenced by generated code, by index (`S[i]`); filled as types are compiled. */
  private readonly table: SchemaCode[] = [];
  private readonly indexOf = new Map<string, number>();

  constructor(
    private readonly lookup: (name: string) => InternalTypeSchema | undefined,
    private readonly traversal: Traversal,
    private readonly sliceMatcher: SliceMatcherFactory,
  ) {}

  /** The compiled code of a type, or `undefined` if no such type is loaded. */
  get(name: string): SchemaCode | undefined {
    const found = this.codes.get(name);
    if (found) return found;
    const schema = this.lookup(name);
    if (!schema) return undefined;
    return this.compile(name, schema);
  }

  /** How many schemas have been compiled so far. */
  get size(): number {
    return this.codes.size;
  }

  private slot(type: string): number {
    let i = this.indexOf.get(type);
    if (i === undefined) {
      i = this.table.length;
      this.indexOf.set(type, i);
      this.table.push(undefined as unknown as SchemaCode); // filled below, before any code runs
    }
    return i;
  }

  private compile(name: string, schema: InternalTypeSchema): SchemaCode {
    const plans = Object.entries(schema.elements).map(([key, element]) => planElement(key, element as InternalSchemaElement, this.sliceMatcher));
    const byName = new Map(plans.map((p) => [p.name, p]));
    const referenced = new Set<string>();
    const slotOf = (type: string): number => (referenced.add(type), this.slot(type));
    const kids = kidsSource(plans, slotOf);
    const scan = scanSource(name, plans, slotOf);
    const { src: extraSrc, traversed } = extraSource(plans);
    const choices: Record<string, (o: unknown) => boolean> = {};
    for (const plan of plans) {
      if (!plan.name.endsWith('[x]')) continue;
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema, never from input
      choices[plan.name] = new Function('H', 'K', `return function (o) { let v, t, rk; ${resolve(plan)} return !H.isEmpty(v); };`)(HELPERS, PICKERS) as (o: unknown) => boolean;
    }
    const resolvers = new Map(plans.map((plan) => [plan.name, accessorFor(plan.candidates)]));
    const source = [
      `"use strict";`,
      `return {`,
      `props(o, R, cs, d) {\n${propsSource(plans)}},`,
      `extra(o, R, cs, d) {\n${extraSrc}},`,
      `kids(o, R, d, levels) {\n${kids}},`,
      `scan(o, X) {\n${scan}},`,
      `};`,
    ].join('\n');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema, never from input
    const fns = new Function('H', 'K', 'P', 'ELS', 'TRAVERSED', 'CHOICES', 'S', 'T', source)(
      HELPERS,
      PICKERS,
      plans,
      schema.elements,
      traversed,
      choices,
      this.table,
      this.traversal,
    ) as Pick<SchemaCode, 'props' | 'extra' | 'kids' | 'scan'>;
    const code: SchemaCode = {
      name,
      plans,
      byName,
      rootConstraints: constraintsOf(schema.constraints),
      crawlerDependent: plans.some((p) => p.constraints.some((c) => c.expression.usesResource)),
      props: fns.props,
      extra: fns.extra,
      kids: fns.kids,
      scan: fns.scan,
      property: (o, key) => resolvers.get(key)?.(o),
    };
    this.codes.set(name, code);
    this.table[this.slot(name)] = code;
    // Every type the generated code can reach must be compiled before it runs.
    for (const type of referenced) {
      if (!this.get(type)) throw new Error(`${name} refers to ${type}, which is not a loaded type`);
    }
    return code;
  }
}

