/**
 * FHIRPath invariants and slice discriminators compiled to closures, once, instead of being
 * interpreted per evaluation.
 *
 * The input is @medplum/core's own parse tree (`parseFhirPath`), so both validators read an
 * expression the same way; the closures re-implement its evaluation rules for the subset of
 * FHIRPath that FHIR R4 and PAS constraints use, calling @medplum/core's value functions
 * (`fhirPathEquals`, `fhirPathIs`, `getTypedPropertyValue`) wherever a rule is about values rather
 * than about control flow. An expression that uses anything else (`children()`, `resolve()`,
 * `memberOf()` …) is not compiled: it is evaluated by @medplum/core's interpreter, the reference
 * (`compiled: false`, listed by `compiledCoverage()`).
 */
import {
  AndAtom,
  ArithemticOperatorAtom,
  AsAtom,
  ConcatAtom,
  ContainsAtom,
  DotAtom,
  EmptySetAtom,
  EqualsAtom,
  EquivalentAtom,
  FhirPathAtom,
  FunctionAtom,
  ImpliesAtom,
  InAtom,
  IndexerAtom,
  IsAtom,
  LiteralAtom,
  NotEqualsAtom,
  NotEquivalentAtom,
  OrAtom,
  PropertyType,
  capitalize,
  evalFhirPathTyped,
  fhirPathArrayEquals,
  fhirPathArrayEquivalent,
  fhirPathArrayNotEquals,
  fhirPathEquals,
  fhirPathIs,
  fhirPathNot,
  getExtension,
  getTypedPropertyValue,
  isEmpty,
  isQuantity,
  parseFhirPath,
  toTypedValue,
  type TypedValue,
} from '@medplum/core';
import { accessor } from './properties.ts';

type Tv = TypedValue;
interface Ctx {
  parent?: Ctx;
  variables: Record<string, Tv>;
}
type Fn = (ctx: Ctx, input: Tv[]) => Tv[];
/** A node of @medplum/core's FHIRPath parse tree, read structurally (some classes are not exported). */
type Node = { [key: string]: unknown };

export interface CompiledExpression {
  readonly source: string;
  /** False when the expression is evaluated by @medplum/core's interpreter (not compiled). */
  readonly compiled: boolean;
  /** Reads `%resource` or `%rootResource` (their value depends on where the validator stands). */
  readonly usesResource: boolean;
  /** Evaluates like `evalFhirPathTyped`: same results, same thrown errors (messages aside). */
  evaluate(input: Tv[], variables: Record<string, Tv>): Tv[];
}

class NotCompilable extends Error {}

// Shared results: nothing here (nor in @medplum/core's helpers) writes into a result collection.
const TRUE: Tv[] = [{ type: PropertyType.boolean, value: true }];
const FALSE: Tv[] = [{ type: PropertyType.boolean, value: false }];
const bool = (b: boolean): Tv[] => (b ? TRUE : FALSE);

const INTEGER = /^[+-]?\d+$/;
const toJsBoolean = (c: Tv[]): boolean => (c.length === 0 ? false : !!c[0]!.value);

function singleton(c: Tv[], type?: string): Tv | undefined {
  if (c.length === 0) return undefined;
  if (c.length === 1 && (!type || c[0]!.type === type)) return c[0];
  throw new Error(`Expected singleton of type ${type}`);
}

function variable(ctx: Ctx | undefined, name: string): Tv | undefined {
  for (let c = ctx; c; c = c.parent) {
    const v = c.variables[name];
    if (v !== undefined) return v;
  }
  return undefined;
}

/** A property step (`code`, `value`, `Patient`) on each input value, as @medplum/core's SymbolAtom does. */
function navigate(input: Tv[], name: string): Tv[] {
  const out: Tv[] = [];
  for (const tv of input) {
    const value = tv.value as unknown;
    if (!value || typeof value !== 'object') continue;
    if ('resourceType' in value && (value as { resourceType: unknown }).resourceType === name) {
      out.push(tv);
      continue;
    }
    const read = typeof tv.type === 'string' ? accessor(tv.type, name) : undefined;
    if (read === undefined) {
      // A type the generated accessors do not know: ask @medplum/core.
      pushFound(out, getTypedPropertyValue(tv, name));
      continue;
    }
    if (read === null) {
      // No such element: @medplum/core reads the JSON schema-less.
      pushFound(out, withoutSchema(value as Record<string, unknown>, name));
      continue;
    }
    const found = read(value);
    if (found === undefined) continue;
    if (Array.isArray(found.value)) {
      for (const item of found.value as unknown[]) if (item !== undefined) out.push({ type: typeInPosition(item, found.type), value: item });
    } else out.push({ type: typeInPosition(found.value, found.type), value: found.value });
  }
  return out;
}

const typeSuffixes = new Map<string, { key: string; type: string }[]>();

/**
 * `getTypedPropertyValueWithoutSchema`: the key itself, else the key with any FHIR type name as
 * suffix (`valueQuantity`), typed by guess (`toTypedValue`) or by that suffix. The suffixed names
 * are built once per name instead of on every read.
 */
function withoutSchema(input: Record<string, unknown>, name: string): Tv | Tv[] | undefined {
  let result: Tv | Tv[] | undefined;
  if (name in input) {
    const v = input[name];
    result = Array.isArray(v) ? v.map(toTypedValue) : toTypedValue(v);
  } else {
    let suffixes = typeSuffixes.get(name);
    if (!suffixes) {
      const trimmed = name.endsWith('[x]') ? name.slice(0, -3) : name;
      suffixes = Object.values(PropertyType).map((type) => ({ key: trimmed + capitalize(type), type }));
      typeSuffixes.set(name, suffixes);
    }
    for (const { key, type } of suffixes) {
      if (!(key in input)) continue;
      const v = input[key];
      result = Array.isArray(v) ? v.map((x: unknown) => ({ type, value: x })) : { type, value: v };
      break;
    }
  }
  if (Array.isArray(result)) return result.length === 0 || isEmpty(result[0]) ? undefined : result;
  return isEmpty(result) ? undefined : result;
}

function pushFound(out: Tv[], found: Tv | Tv[] | undefined): void {
  if (found === undefined) return;
  if (Array.isArray(found)) {
    for (const f of found) if (f?.value !== undefined) out.push(f);
  } else if (found.value !== undefined) out.push(found);
}

/** `toTypedValueWithType`: a value in `Resource` position is typed by its resourceType. */
function typeInPosition(value: unknown, type: string): string {
  if (type === 'Resource' && value && typeof value === 'object' && 'resourceType' in value) return (value as { resourceType: string }).resourceType;
  return type;
}

function removeDuplicates(arr: Tv[]): Tv[] {
  const result: Tv[] = [];
  for (const i of arr) if (!result.some((j) => toJsBoolean(fhirPathEquals(i, j)))) result.push(i);
  return result;
}

function validateOne(input: Tv[]): unknown {
  if (input.length !== 1) throw new Error('Expected 1 arguments');
  return input[0]!.value;
}

/** @medplum/core's applyStringFunc: one string in, the arguments evaluated against the same input. */
function stringFunction(fn: (s: string, args: unknown[]) => unknown, args: Fn[]): Fn {
  return (ctx, input) => {
    if (input.length === 0) return [];
    const value = validateOne(input);
    if (typeof value !== 'string') throw new Error('String function cannot be called with non-string');
    const result = fn(
      value,
      args.map((a) => a(ctx, input)[0]?.value),
    );
    if (result === undefined) return [];
    return [toTypedValue(result)];
  };
}

/** The type argument of `is(T)` / `is(FHIR.T)`, read as @medplum/core reads it. */
function typeName(node: Node | undefined): string {
  if (!node) return '';
  if (typeof node.name === 'string' && !(node instanceof FunctionAtom)) return node.name;
  if (node instanceof DotAtom) return `${String((node.left as unknown as Node).name)}.${String((node.right as unknown as Node).name)}`;
  return '';
}

function compileFunction(node: FunctionAtom): Fn {
  const args = node.args as unknown as Node[];
  const arg = (i: number): Fn => {
    const a = args[i];
    if (!a) throw new NotCompilable(`${node.name}() without argument ${i}`);
    return compile(a);
  };
  switch (node.name) {
    case 'empty':
      return (_c, input) => bool(input.length === 0 || input.every((e) => isEmpty(e.value)));
    case 'hasValue':
      return (_c, input) => bool(input.length !== 0);
    case 'exists': {
      if (args.length === 0) return (_c, input) => bool(input.length > 0 && input.every((e) => !isEmpty(e.value)));
      const criteria = arg(0);
      // Every element is evaluated (no short cut): an error in a later one must still surface.
      return (ctx, input) => bool(input.filter((e) => toJsBoolean(criteria(ctx, [e]))).length > 0);
    }
    case 'all': {
      const criteria = arg(0);
      return (ctx, input) => bool(input.every((e) => toJsBoolean(criteria(ctx, [e]))));
    }
    case 'allTrue':
      return (_c, input) => bool(input.every((e) => !!e.value));
    case 'allFalse':
      return (_c, input) => bool(!input.some((e) => !!e.value));
    case 'anyTrue':
      return (_c, input) => bool(input.some((e) => !!e.value));
    case 'anyFalse':
      return (_c, input) => bool(input.some((e) => !e.value));
    case 'count':
      return (_c, input) => [{ type: PropertyType.integer, value: input.length }];
    case 'distinct':
      return (_c, input) => distinct(input);
    case 'isDistinct':
      return (_c, input) => bool(input.length === distinct(input).length);
    case 'where': {
      const criteria = arg(0);
      return (ctx, input) => input.filter((e) => toJsBoolean(criteria(ctx, [e])));
    }
    case 'select': {
      const criteria = arg(0);
      return (ctx, input) => {
        const out: Tv[] = [];
        for (const e of input) for (const r of criteria(ctx, [e])) out.push(r);
        return out;
      };
    }
    case 'ofType': {
      const name = typeof args[0]?.name === 'string' ? args[0].name : undefined;
      return (_c, input) => input.filter((e) => e.type === name);
    }
    case 'first':
      return (_c, input) => (input.length === 0 ? [] : input.slice(0, 1));
    case 'last':
      return (_c, input) => (input.length === 0 ? [] : input.slice(input.length - 1));
    case 'tail':
      return (_c, input) => (input.length === 0 ? [] : input.slice(1));
    case 'single':
      return (_c, input) => {
        if (input.length > 1) throw new Error('Expected input length one for single()');
        return input.slice(0, 1);
      };
    case 'trace':
    case 'as':
      return (_c, input) => input;
    case 'htmlChecks':
      return () => [toTypedValue(true)];
    case 'not':
      return (_c, input) => toBoolean(input).map((v) => ({ type: PropertyType.boolean, value: !v.value }));
    case 'toBoolean':
      return (_c, input) => toBoolean(input);
    case 'toInteger':
      return (_c, input) => {
        if (input.length === 0) return [];
        const value = validateOne(input);
        if (typeof value === 'number') return [{ type: PropertyType.integer, value }];
        if (typeof value === 'string' && INTEGER.test(value)) return [{ type: PropertyType.integer, value: parseInt(value, 10) }];
        if (typeof value === 'boolean') return [{ type: PropertyType.integer, value: value ? 1 : 0 }];
        return [];
      };
    case 'toString':
      return (_c, input) => {
        if (input.length === 0) return [];
        const value = validateOne(input);
        if (value === null || value === undefined) return [];
        if (isQuantity(value)) {
          const q = value as { value?: unknown; unit?: unknown };
          return [{ type: PropertyType.string, value: `${String(q.value)} '${String(q.unit)}'` }];
        }
        return [{ type: PropertyType.string, value: (value as string).toString() }];
      };
    case 'substring': {
      const parts = [arg(0), ...(args[1] ? [arg(1)] : [])];
      return stringFunction((str, [start, length]) => {
        const from = start as number;
        const to = length ? from + (length as number) : str.length;
        return from < 0 || from >= str.length ? undefined : str.substring(from, to);
      }, parts);
    }
    case 'startsWith':
      return stringFunction((str, [prefix]) => str.startsWith(prefix as string), [arg(0)]);
    case 'endsWith':
      return stringFunction((str, [suffix]) => str.endsWith(suffix as string), [arg(0)]);
    case 'contains':
      return stringFunction((str, [sub]) => str.includes(sub as string), [arg(0)]);
    case 'upper':
      return stringFunction((str) => str.toUpperCase(), []);
    case 'lower':
      return stringFunction((str) => str.toLowerCase(), []);
    case 'length':
      return stringFunction((str) => str.length, []);
    case 'matches': {
      // A literal pattern is compiled once; anything else as @medplum/core does, per call.
      const literal = args[0] instanceof LiteralAtom && typeof args[0].value.value === 'string' ? args[0].value.value : undefined;
      let re: RegExp | undefined;
      try {
        re = literal === undefined ? undefined : new RegExp(literal);
      } catch {
        re = undefined; // an invalid pattern throws at evaluation time, as in the interpreter
      }
      const compiled = re;
      if (compiled) return stringFunction((str) => compiled.test(str), [arg(0)]);
      return stringFunction((str, [regex]) => !!new RegExp(regex as string).exec(str), [arg(0)]);
    }
    case 'iif': {
      const criterion = arg(0);
      const yes = arg(1);
      const no = args[2] ? arg(2) : undefined;
      return (ctx, input) => {
        const r = criterion(ctx, input);
        if (r.length > 1 || (r.length === 1 && typeof r[0]!.value !== 'boolean')) throw new Error('Expected criterion to evaluate to a Boolean');
        if (toJsBoolean(r)) return yes(ctx, input);
        return no ? no(ctx, input) : [];
      };
    }
    case 'is': {
      const name = typeName(args[0]);
      if (!name) return () => [];
      return (_c, input) => input.map((v) => ({ type: PropertyType.boolean, value: fhirPathIs(v, name) }));
    }
    case 'extension': {
      const url = arg(0);
      return (ctx, input) => {
        const wanted = url(ctx, input)[0]!.value as string;
        const resource = input?.[0]?.value;
        if (resource) {
          const extension = getExtension(resource as never, wanted);
          if (extension) return [{ type: PropertyType.Extension, value: extension }];
        }
        return [];
      };
    }
    default:
      throw new NotCompilable(`function ${node.name}()`);
  }
}

function distinct(input: Tv[]): Tv[] {
  const result: Tv[] = [];
  for (const value of input) if (!result.some((e) => e.value === value.value)) result.push(value);
  return result;
}

function toBoolean(input: Tv[]): Tv[] {
  if (input.length === 0) return [];
  const value = validateOne(input);
  if (typeof value === 'boolean') return [{ type: PropertyType.boolean, value }];
  if (typeof value === 'number' && (value === 0 || value === 1)) return bool(!!value);
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (['true', 't', 'yes', 'y', '1', '1.0'].includes(lower)) return bool(true);
    if (['false', 'f', 'no', 'n', '0', '0.0'].includes(lower)) return bool(false);
  }
  return [];
}

function arithmetic(node: ArithemticOperatorAtom): Fn {
  const left = compile(node.left as unknown as Node);
  const right = compile(node.right as unknown as Node);
  const impl = node.impl;
  return (ctx, input) => {
    const l = left(ctx, input);
    if (l.length !== 1) return [];
    const r = right(ctx, input);
    if (r.length !== 1) return [];
    const lv = l[0]!.value;
    const rv = r[0]!.value;
    const result = impl(isQuantity(lv) ? (lv.value as number) : lv, isQuantity(rv) ? (rv.value as number) : rv);
    if (typeof result === 'boolean') return bool(result);
    if (isQuantity(lv)) return [{ type: PropertyType.Quantity, value: { ...lv, value: result } }];
    return [toTypedValue(result)];
  };
}

function compileInfix(node: Node): Fn {
  const op = node.operator as string;
  const left = compile(node.left as Node);
  const right = compile(node.right as Node);
  if (node instanceof DotAtom) return (ctx, input) => right(ctx, left(ctx, input));
  if (node instanceof EqualsAtom) return (ctx, input) => fhirPathArrayEquals(left(ctx, input), right(ctx, input));
  if (node instanceof NotEqualsAtom) return (ctx, input) => fhirPathArrayNotEquals(left(ctx, input), right(ctx, input));
  if (node instanceof EquivalentAtom) return (ctx, input) => fhirPathArrayEquivalent(left(ctx, input), right(ctx, input));
  if (node instanceof NotEquivalentAtom) return (ctx, input) => fhirPathNot(fhirPathArrayEquivalent(left(ctx, input), right(ctx, input)));
  if (node instanceof AndAtom)
    return (ctx, input) => {
      const l = singleton(left(ctx, input), 'boolean');
      const r = singleton(right(ctx, input), 'boolean');
      if (l?.value === true && r?.value === true) return bool(true);
      if (l?.value === false || r?.value === false) return bool(false);
      return [];
    };
  if (node instanceof OrAtom)
    return (ctx, input) => {
      const l = singleton(left(ctx, input), 'boolean');
      const r = singleton(right(ctx, input), 'boolean');
      if (l?.value === false && r?.value === false) return bool(false);
      if (l?.value || r?.value) return bool(true);
      return [];
    };
  if (node instanceof ImpliesAtom)
    return (ctx, input) => {
      const l = singleton(left(ctx, input), 'boolean');
      const r = singleton(right(ctx, input), 'boolean');
      if (r?.value === true || l?.value === false) return bool(true);
      if (!l || !r) return [];
      return bool(false);
    };
  if (op === 'xor')
    return (ctx, input) => {
      const l = singleton(left(ctx, input), 'boolean');
      const r = singleton(right(ctx, input), 'boolean');
      if (!l || !r) return [];
      return bool(l.value !== r.value);
    };
  if (op === '|') return (ctx, input) => removeDuplicates([...left(ctx, input), ...right(ctx, input)]);
  if (node instanceof ConcatAtom)
    return (ctx, input) => {
      const result = [...left(ctx, input), ...right(ctx, input)];
      if (result.length > 0 && result.every((e) => typeof e.value === 'string')) {
        return [{ type: PropertyType.string, value: result.map((e) => e.value as string).join('') }];
      }
      return result;
    };
  if (node instanceof ContainsAtom)
    return (ctx, input) => {
      const l = left(ctx, input);
      const r = right(ctx, input);
      return bool(l.some((e) => e.value === r[0]!.value));
    };
  if (node instanceof InAtom)
    return (ctx, input) => {
      const l = singleton(left(ctx, input));
      const r = right(ctx, input);
      if (!l) return [];
      return bool(r.some((e) => fhirPathEquals(l, e)[0]!.value));
    };
  if (node instanceof IsAtom) {
    const name = (node.right as unknown as Node).name as string;
    return (ctx, input) => {
      const l = left(ctx, input);
      if (l.length !== 1) return [];
      return bool(fhirPathIs(l[0]!, name));
    };
  }
  if (node instanceof AsAtom) {
    const name = (node.right as unknown as Node).name;
    return (ctx, input) => left(ctx, input).filter((e) => e.type === name);
  }
  throw new NotCompilable(`operator ${op}`);
}

function compile(node: Node): Fn {
  if (node instanceof FhirPathAtom) {
    // Evaluated once per input value. The `$this` variable @medplum/core sets here is read by no
    // compiled construct (`$this` itself evaluates to the input), so no context is allocated.
    const child = compile(node.child as unknown as Node);
    return (ctx, input) => {
      if (input.length <= 1) return child(ctx, input);
      const out: Tv[] = [];
      for (const e of input) for (const r of child(ctx, [e])) out.push(r);
      return out;
    };
  }
  if (node instanceof LiteralAtom) {
    const value = [node.value];
    return () => value;
  }
  if (node instanceof EmptySetAtom) return () => [];
  if (node instanceof FunctionAtom) return compileFunction(node);
  if (node instanceof IndexerAtom) {
    const left = compile(node.left as unknown as Node);
    const expr = compile(node.expr as unknown as Node);
    return (ctx, input) => {
      const r = expr(ctx, input);
      if (r.length !== 1) return [];
      const index = r[0]!.value;
      if (typeof index !== 'number') throw new Error('Invalid indexer expression: should return integer}');
      const l = left(ctx, input);
      return index in l ? [l[index]!] : [];
    };
  }
  if (node instanceof ArithemticOperatorAtom) return arithmetic(node);
  if (typeof node.operator === 'string' && 'left' in node && 'right' in node) return compileInfix(node);
  if (node.operator === '+' && 'child' in node) {
    // Unary plus: the identity.
    const child = compile(node.child as Node);
    return (ctx, input) => child(ctx, input);
  }
  if (typeof node.name === 'string') {
    const name = node.name;
    if (name === '$this') return (_c, input) => input;
    if (name.startsWith('%') || name.startsWith('$')) {
      return (ctx, input) => {
        const v = variable(ctx, name);
        if (v) return [v];
        if (name.startsWith('%')) throw new Error(`Undefined variable ${name}`);
        return navigate(input, name);
      };
    }
    // Variables are only ever named `$…` or `%…`: a plain name is always a property step.
    return (_c, input) => navigate(input, name);
  }
  throw new NotCompilable('unknown node');
}

function mentions(node: unknown, names: string[]): boolean {
  if (!node || typeof node !== 'object') return false;
  const n = node as Node;
  if (typeof n.name === 'string' && names.includes(n.name)) return true;
  for (const key of ['child', 'left', 'right', 'expr']) if (mentions(n[key], names)) return true;
  return Array.isArray(n.args) && n.args.some((a) => mentions(a, names));
}

const cache = new Map<string, CompiledExpression>();
const RESOURCE_VARIABLES = ['%resource', '%rootResource'];

/** Compiles an expression once (cached by its text); falls back to the interpreter when it must. */
export function compileExpression(source: string): CompiledExpression {
  let found = cache.get(source);
  if (found) return found;
  const ast = parseFhirPath(source);
  const usesResource = mentions(ast, RESOURCE_VARIABLES);
  let fn: Fn | undefined;
  try {
    fn = compile(ast as unknown as Node);
  } catch (err) {
    if (!(err instanceof NotCompilable)) throw err;
  }
  const run = fn;
  found = run
    ? {
        source,
        compiled: true,
        usesResource,
        evaluate: (input, variables) => unwrap(run({ variables }, input)),
      }
    : { source, compiled: false, usesResource, evaluate: (input, variables) => evalFhirPathTyped(ast, input, variables) };
  cache.set(source, found);
  return found;
}

/** `evalFhirPathTyped` hands back primitive values (`valueOf()`), never their wrapper objects. */
function unwrap(result: Tv[]): Tv[] {
  let out: Tv[] | undefined;
  for (let i = 0; i < result.length; i++) {
    const tv = result[i]!;
    const value = tv.value as unknown;
    if (value === null || typeof value !== 'object' || value.valueOf() === value) continue;
    out ??= result.slice();
    out[i] = { type: tv.type, value: value.valueOf() };
  }
  return out ?? result;
}

/** Expressions seen so far that are evaluated by the interpreter instead of compiled code. */
export function interpretedExpressions(): string[] {
  return [...cache.values()].filter((c) => !c.compiled).map((c) => c.source);
}
