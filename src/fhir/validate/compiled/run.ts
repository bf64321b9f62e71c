/**
 * The state of one compiled validation, and what the generated functions call when they find
 * something: issues are built exactly as @medplum/core builds them (same message, same path in the
 * same coordinates) and mapped with the same `fromMedplum`, once per "crawler" that would have
 * reported them.
 *
 * Why several crawlers: the reference validates each profile level (`Claim`, then each
 * `Claim.item`, each matched slice …) by a separate @medplum/core run that crawls the level's whole
 * subtree, so a problem deep in an item is reported by the Claim level and again by the item level,
 * each with its own path (rebased on its own root, with or without array indices depending on the
 * message). The compiled validator walks the instance once; at each value it knows the stack of
 * levels whose crawl covers it, and writes the issue once for each of them.
 */
import { UCUM, toTypedValue, type TypedValue } from '@medplum/core';
import { fromMedplum, type MedplumIssue } from '../issues.ts';
import type { ValidationIssue } from '../types.ts';
import type { WalkSink } from '../walk.ts';
import type { CompiledExpression } from './fhirpath.ts';

/** One @medplum/core run: a level of a profile (or a base type) validated from a root value. */
export interface Crawler {
  /** The root's path in @medplum/core's terms (`Claim`, `Claim.item`, `Extension`). */
  readonly rootPath: string;
  /** The root's Bundle-rooted FHIRPath (`Bundle.entry[0].resource.item[1]`). */
  readonly expr: string;
  /** Named in diagnostics: `PASClaim`, `PASClaim slice ItemClaimMember`, `FHIR R4`. */
  readonly source: string;
  /** Depth of the root value in the run's segment stack. */
  readonly depth: number;
  /** The root as @medplum/core types it (its level type), for `%rootResource`. */
  readonly root: TypedValue;
  readonly rootIsResource: boolean;
}

export interface Constraint {
  key: string;
  description: string;
  expression: CompiledExpression;
}

export type Memo = Map<unknown, Map<string, Map<CompiledExpression, boolean | Error>>>;

const UCUM_VALUE: TypedValue = { type: 'string', value: UCUM };

function isResourceLike(value: unknown): boolean {
  return !!value && typeof value === 'object' && 'resourceType' in value;
}

export class Run {
  readonly issues: ValidationIssue[];
  /** Levels whose crawl covers the object being visited (proper ancestors). */
  crawlers: Crawler[] = [];
  /** Every level rooted so far (each one's @medplum/core run checks its subtree for nulls). */
  readonly levels: Crawler[] = [];
  /** A null was seen somewhere: the null check runs at the end. */
  sawNull = false;
  /** Values whose contents the caller discards every issue about: not visited. */
  opaque: ReadonlySet<unknown> | undefined;
  /** Outcomes of value-only invariants, shared by the runs of one Bundle's validation. */
  memo: Memo | undefined;
  /** Objects already checked against a schema with nothing to report (same Bundle). */
  clean: WeakMap<object, Set<unknown>> | undefined;
  /** Per depth: the element key that led there (`serviced[x]`) and its array index, or -1. */
  private readonly keys: string[] = [];
  private readonly idx: number[] = [];
  /**
   * Depths where @medplum/core started a nested crawl from a value's indexed path (an object where
   * a primitive belongs is crawled as an Element from there): property paths below keep the
   * indices up to that depth.
   */
  private readonly typedFrom: number[] = [];
  /** An Element crawl ran (its findings may depend on the crawler): not memoised as clean. */
  elementCrawled = false;
  /** Objects with a `resourceType` entered so far, innermost last. */
  private readonly resources: { depth: number; value: unknown }[] = [];

  constructor(readonly sink: WalkSink) {
    this.issues = sink.issues;
  }

  /** The null check of every level, once the visit is over (only if it saw a null). */
  finish(): void {
    if (!this.sawNull) return;
    for (const c of this.levels) this.nullCheck(c, c.root.value, c.rootPath);
  }

  /** Records how the value at `depth` was reached from its parent. */
  step(depth: number, key: string, index: number): void {
    this.keys[depth] = key;
    this.idx[depth] = index;
  }

  /** Runs `crawl` as a nested @medplum/core crawl rooted at the value at `depth`, for crawlers `cs`. */
  nestedCrawl(cs: Crawler[], depth: number, crawl: () => void): void {
    const saved = this.crawlers;
    this.crawlers = cs;
    this.typedFrom.push(depth);
    this.elementCrawled = true;
    try {
      crawl();
    } finally {
      this.typedFrom.pop();
      this.crawlers = saved;
    }
  }

  enterResource(depth: number, value: unknown): boolean {
    if (!isResourceLike(value)) return false;
    this.resources.push({ depth, value });
    return true;
  }

  leaveResource(): void {
    this.resources.pop();
  }

  // ---- paths, in @medplum/core's coordinates for crawler `c` ---------------------------------

  /** Path of the value at `depth` as @medplum/core's `TypedValueWithPath.path` (indexed). */
  typedPath(c: Crawler, depth: number): string {
    let path = c.rootPath;
    for (let d = c.depth + 1; d <= depth; d++) {
      const i = this.idx[d]!;
      path += i >= 0 ? `.${this.keys[d]}[${i}]` : `.${this.keys[d]}`;
    }
    return path;
  }

  /** Path of the value at `depth` as the crawler's property path (no indices, see `typedFrom`). */
  crawlPath(c: Crawler, depth: number): string {
    const from = this.typedFrom.length ? this.typedFrom[this.typedFrom.length - 1]! : -1;
    if (from > c.depth && from <= depth) {
      let path = this.typedPath(c, from);
      for (let d = from + 1; d <= depth; d++) path += `.${this.keys[d]}`;
      return path;
    }
    let path = c.rootPath;
    for (let d = c.depth + 1; d <= depth; d++) path += `.${this.keys[d]}`;
    return path;
  }

  // ---- issues ---------------------------------------------------------------------------------

  emit(c: Crawler, severity: string, code: string, text: string, path: string): void {
    const issue: MedplumIssue = { severity, code, details: { text }, expression: [path] };
    this.issues.push(fromMedplum(issue, c.rootPath, c.expr, c.source));
  }

  /** `Missing required property` at `<object>.<key>`. */
  missing(cs: Crawler[], depth: number, key: string): void {
    for (const c of cs) this.emit(c, 'error', 'structure', 'Missing required property', `${this.typedPath(c, depth)}.${key}`);
  }

  /** An issue about the property `key` of the object at `depth`, at its property path. */
  atProperty(cs: Crawler[], depth: number, key: string, text: string): void {
    for (const c of cs) this.emit(c, 'error', 'structure', text, `${this.crawlPath(c, depth)}.${key}`);
  }

  /** An issue about one value (`index` -1 for a single value), at its indexed path. */
  atValue(cs: Crawler[], depth: number, key: string, index: number, text: string, severity = 'error', code = 'structure'): void {
    for (const c of cs) {
      const path = `${this.typedPath(c, depth)}.${key}${index >= 0 ? `[${index}]` : ''}`;
      this.emit(c, severity, code, text, path);
    }
  }

  /** `Invalid number of values`, at the element's own path (as @medplum/core reports it). */
  cardinality(cs: Crawler[], elementPath: string, min: number, max: number, found: number): void {
    const text = `Invalid number of values: expected ${min}..${Number.isFinite(max) ? max : '*'}, but found ${found}`;
    for (const c of cs) this.emit(c, 'error', 'structure', text, elementPath);
  }

  sliceCount(cs: Crawler[], depth: number, key: string, name: string, min: number, max: number, found: number): void {
    const text = `Incorrect number of values provided for slice '${name}': expected ${min}..${Number.isFinite(max) ? max : '*'}, but found ${found}`;
    this.atProperty(cs, depth, key, text);
  }

  /** `Invalid additional property` at `<object>.<key>` (indexed object path). */
  unknownProperty(cs: Crawler[], depth: number, key: string): void {
    for (const c of cs) this.emit(c, 'error', 'structure', `Invalid additional property "${key}"`, `${this.typedPath(c, depth)}.${key}`);
  }

  /** Two choice-of-type properties for one element: a warning, at the key alone (so: at the root). */
  conflictingChoice(cs: Crawler[], key: string, first: string): void {
    for (const c of cs) this.emit(c, 'warning', 'structure', `Conflicting choice of type properties: "${key}", "${first}"`, key);
  }

  /**
   * `Invalid null value` / `Invalid undefined value` anywhere under a crawler's root, written the
   * way @medplum/core's null check writes them (JSON keys, indices). Only called when the visit saw
   * a null somewhere (`sawNull`): valid requests never pay for it.
   */
  nullCheck(c: Crawler, object: unknown, path: string): void {
    if (!object || typeof object !== 'object') return;
    const record = object as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      const at = `${path}.${key}`;
      if (value === null) this.emit(c, 'error', 'structure', 'Invalid null value', at);
      else if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined) this.emit(c, 'error', 'structure', 'Invalid undefined value', `${at}[${i}]`);
          else if (item === null) this.emit(c, 'error', 'structure', 'Invalid null value', `${at}[${i}]`);
          else if (item) this.nullCheck(c, item, `${at}[${i}]`);
        }
      } else if (typeof value === 'object') this.nullCheck(c, value, at);
    }
  }

  // ---- invariants -------------------------------------------------------------------------------

  /**
   * Evaluates an element's invariants on one value for each crawler, reporting the first that fails
   * (then the next value), as @medplum/core does. A thrown error is a processing issue and a failure.
   */
  constraints(cs: Crawler[], depth: number, key: string, index: number, list: readonly Constraint[], type: string, value: unknown): void {
    const tv: TypedValue = { type, value };
    let shared: (boolean | Error)[] | undefined;
    for (const c of cs) {
      for (let k = 0; k < list.length; k++) {
        const constraint = list[k]!;
        let outcome: boolean | Error;
        if (constraint.expression.usesResource) outcome = this.check(constraint, tv, this.variables(c, depth, tv));
        else {
          shared ??= [];
          outcome = shared[k] ??= this.pure(constraint, tv);
        }
        if (outcome === true) continue;
        const path = `${this.typedPath(c, depth)}.${key}${index >= 0 ? `[${index}]` : ''}`;
        if (outcome instanceof Error) this.emit(c, 'error', 'processing', 'Error evaluating invariant expression', path);
        this.emit(c, 'error', 'invariant', `Constraint ${constraint.key} not met: ${constraint.description}`, path);
        break;
      }
    }
  }

  /** The root invariants of a crawler's type, evaluated on its root as @medplum/core does first. */
  rootConstraints(c: Crawler, list: readonly Constraint[]): void {
    const tv = c.root;
    for (const constraint of list) {
      const variables: Record<string, TypedValue> = { '%context': tv, '%ucum': UCUM_VALUE };
      if (c.rootIsResource) {
        variables['%resource'] = toTypedValue(tv.value);
        variables['%rootResource'] = tv;
      }
      const outcome = constraint.expression.usesResource ? this.check(constraint, tv, variables) : this.pure(constraint, tv);
      if (outcome === true) continue;
      if (outcome instanceof Error) this.emit(c, 'error', 'processing', 'Error evaluating invariant expression', c.rootPath);
      this.emit(c, 'error', 'invariant', `Constraint ${constraint.key} not met: ${constraint.description}`, c.rootPath);
      return;
    }
  }

  private variables(c: Crawler, depth: number, tv: TypedValue): Record<string, TypedValue> {
    const variables: Record<string, TypedValue> = { '%context': tv, '%ucum': UCUM_VALUE };
    // The innermost resource this crawler has entered (its own root included).
    for (let i = this.resources.length - 1; i >= 0; i--) {
      const r = this.resources[i]!;
      if (r.depth > depth) continue;
      if (r.depth < c.depth) break;
      variables['%resource'] = toTypedValue(r.value);
      break;
    }
    if (c.rootIsResource) variables['%rootResource'] = c.root;
    return variables;
  }

  /**
   * An invariant that reads only its value: the same value (and type) is often checked by several
   * levels and by several profiles in one Bundle, so the outcome is remembered for the Bundle.
   */
  private pure(constraint: Constraint, tv: TypedValue): boolean | Error {
    const memo = this.memo;
    if (!memo) return this.check(constraint, tv, { '%context': tv, '%ucum': UCUM_VALUE });
    let byType = memo.get(tv.value);
    if (!byType) memo.set(tv.value, (byType = new Map()));
    let byExpression = byType.get(tv.type);
    if (!byExpression) byType.set(tv.type, (byExpression = new Map()));
    let outcome = byExpression.get(constraint.expression);
    if (outcome === undefined) {
      outcome = this.check(constraint, tv, { '%context': tv, '%ucum': UCUM_VALUE });
      byExpression.set(constraint.expression, outcome);
    }
    return outcome;
  }

  private check(constraint: Constraint, tv: TypedValue, variables: Record<string, TypedValue>): boolean | Error {
    try {
      const result = constraint.expression.evaluate([tv], variables);
      return result.length === 1 && result[0]!.value === true;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }
}
