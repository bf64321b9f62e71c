/**
 * The profile side of the compiled validator: what `walk.ts` does around each @medplum/core run
 * (descend into profile elements and slices, match slices, count the slices @medplum/core cannot
 * count, restricted choice types, required bindings, datatype profiles, profiled references),
 * worked out once per profile node, then applied during the single traversal: each profile level a
 * value belongs to becomes a crawler rooted at that value.
 */
import { deepEquals, evalFhirPathTyped, type TypedValue } from '@medplum/core';
import type { ChildRule, CompiledProfile, ProfileNode, SliceTest } from '../compile.ts';
import type { Definitions } from '../definitions.ts';
import { bindingProblem } from '../terminology.ts';
import type { ElementDefinitionConstraint, ValidationIssue } from '../types.ts';
import { includesPattern, type ProfileLookup, type WalkSink } from '../walk.ts';
import { compileExpression, type CompiledExpression } from './fhirpath.ts';
import type { LevelHandle, SchemaCode, SchemaCompiler } from './generate.ts';
import { isPrimitiveType } from './elements.ts';
import type { Crawler } from './run.ts';
import { Unsupported } from './unsupported.ts';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

interface SliceTestPlan {
  test: SliceTest;
  expression?: CompiledExpression;
}

interface SlicePlan {
  name: string;
  min: number;
  max: number;
  tests: SliceTestPlan[];
  constraints: { constraint: ElementDefinitionConstraint; expression: CompiledExpression }[];
  node?: NodePlan;
}

interface RulePlan {
  rule: ChildRule;
  node?: NodePlan;
  slices: SlicePlan[];
}

/** A profile node made ready to run: its level's generated code and its child rules. */
export interface NodePlan {
  node: ProfileNode;
  code: SchemaCode;
  rules: RulePlan[];
}

/** A profile level rooted at one value of the instance. */
export class Level implements LevelHandle {
  readonly cs: Crawler[];
  /** Levels rooted at this level's children: element name → index + 1 → levels. */
  kids: Map<string, Level[][]> | undefined;

  constructor(
    readonly plan: NodePlan,
    readonly crawler: Crawler,
  ) {
    this.cs = [crawler];
  }

  add(name: string, index: number, levels: Level[]): void {
    this.kids ??= new Map();
    let list = this.kids.get(name);
    if (!list) this.kids.set(name, (list = []));
    list[index + 1] = levels;
  }
}

function isResourceLike(value: unknown): boolean {
  return !!value && typeof value === 'object' && 'resourceType' in value;
}

export function newLevel(plan: NodePlan, value: unknown, expr: string, source: string, depth: number): Level {
  return new Level(plan, {
    rootPath: plan.node.path,
    expr,
    source,
    depth,
    root: { type: plan.node.levelType, value },
    rootIsResource: isResourceLike(value),
  });
}

function passes(plan: SliceTestPlan, value: TypedValue): boolean {
  const test = plan.test;
  switch (test.kind) {
    case 'unsupported':
      return false;
    case 'type':
      if (test.path === '$this') return test.codes.includes(value.type);
      return plan.expression!.evaluate([value], { '%context': value }).some((v) => test.codes.includes(v.type));
    case 'value': {
      const found = test.path === '$this' ? [value] : plan.expression!.evaluate([value], { '%context': value });
      return found.some((v) => (test.mode === 'fixed' ? deepEquals(v.value, test.expected) : includesPattern(v.value, test.expected)));
    }
  }
}

function matchSlice(slices: SlicePlan[], value: TypedValue): SlicePlan | undefined {
  return slices.find((slice) => {
    try {
      return slice.tests.length > 0 && slice.tests.every((test) => passes(test, value));
    } catch {
      return false;
    }
  });
}

/** Compiles profile nodes into plans (once each) and applies them during a traversal. */
export class ProfilePlans {
  private readonly plans = new WeakMap<ProfileNode, NodePlan>();

  constructor(
    private readonly defs: Definitions,
    private readonly profiles: ProfileLookup,
    private readonly schemas: SchemaCompiler,
  ) {}

  plan(node: ProfileNode): NodePlan {
    let plan = this.plans.get(node);
    if (plan) return plan;
    const code = this.schemas.get(node.levelType);
    if (!code) throw new Error(`profile level ${node.levelType} is not loaded`);
    plan = { node, code, rules: [] };
    this.plans.set(node, plan); // before the children: a node may (indirectly) refer to itself
    plan.rules = node.children.map((rule) => ({
      rule,
      node: rule.node && this.plan(rule.node),
      slices: rule.slices.map((slice) => ({
        name: slice.name,
        min: slice.min,
        max: slice.max,
        tests: slice.tests.map((test) => ({
          test,
          expression: test.kind !== 'unsupported' && test.path !== '$this' ? compileExpression(test.path) : undefined,
        })),
        constraints: slice.constraints.map((constraint) => ({ constraint, expression: compileExpression(constraint.expression ?? 'true') })),
        node: slice.node && this.plan(slice.node),
      })),
    }));
    return plan;
  }

  /** The level of a whole profile at a value (a resource, an extension, a datatype). */
  root(profile: CompiledProfile, value: unknown, expr: string, depth: number): Level {
    return newLevel(this.plan(profile.root), value, expr, profile.name, depth);
  }

  /**
   * Everything `walk.ts` does for one level at its root value besides the @medplum/core run: for
   * each of the level's child rules, the checks on the child values and the levels they root.
   */
  applyRules(level: Level, base: SchemaCode, o: unknown, sink: WalkSink, d: number): void {
    for (const plan of level.plan.rules) this.applyRule(level, plan, base, o, sink, d);
  }

  private applyRule(level: Level, plan: RulePlan, base: SchemaCode, o: unknown, sink: WalkSink, d: number): void {
    const { rule } = plan;
    const found = base.property(o, rule.name);
    if (!found && !rule.countSlices) return;
    const source = level.crawler.source;
    const isArray = !!found && Array.isArray(found.value);
    const values: unknown[] = !found ? [] : isArray ? (found.value as unknown[]) : [found.value];
    const at0 = `${level.crawler.expr}.${rule.name.replace('[x]', '')}`;
    const counts = rule.countSlices ? new Map<SlicePlan, number>() : undefined;
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      const tv: TypedValue = { type: typeOfValue(x, found!.type), value: x };
      // A level rooted at an object standing where a primitive belongs: not modelled.
      if (isPrimitiveType(tv.type) && isPlainObject(x) && (plan.node || plan.slices.some((s) => s.node) || rule.typeProfile)) {
        throw new Unsupported('object-as-primitive');
      }
      const at = isArray ? `${at0}[${i}]` : at0;
      let kids = this.checkValue(rule, tv, at, source, sink, undefined, d + 1);
      if (plan.node && isPlainObject(x)) (kids ??= []).push(newLevel(plan.node, x, at, source, d + 1));
      const slice = plan.slices.length ? matchSlice(plan.slices, tv) : undefined;
      if (slice) {
        counts?.set(slice, (counts.get(slice) ?? 0) + 1);
        const sliceSource = `${source} slice ${slice.name}`;
        if (slice.constraints.length) this.checkConstraints(slice, tv, at, sliceSource, sink.issues);
        if (slice.node && isPlainObject(x)) (kids ??= []).push(newLevel(slice.node, x, at, sliceSource, d + 1));
      }
      if (kids) level.add(rule.name, isArray ? i : -1, kids);
    }
    if (!counts) return;
    for (const slice of plan.slices) {
      const n = counts.get(slice) ?? 0;
      if (n >= slice.min && n <= slice.max) continue;
      const max = Number.isFinite(slice.max) ? String(slice.max) : '*';
      sink.issues.push({
        severity: 'error',
        code: n < slice.min ? 'required' : 'structure',
        diagnostics: `Slice '${slice.name}' needs ${slice.min}..${max} values, found ${n} (${source})`,
        expression: at0,
      });
    }
  }

  /** `walk.ts` checkValue; returns the datatype-profile level rooted at the value, if any. */
  private checkValue(
    rule: ChildRule,
    tv: TypedValue,
    at: string,
    source: string,
    sink: WalkSink,
    kids: Level[] | undefined,
    depth: number,
  ): Level[] | undefined {
    if (rule.allowedTypes && !rule.allowedTypes.includes(tv.type)) {
      sink.issues.push({
        severity: 'error',
        code: 'structure',
        diagnostics: `Type ${tv.type} is not allowed here; expected ${rule.allowedTypes.join(' | ')} (${source})`,
        expression: at,
      });
    }
    if (rule.requiredBinding) {
      const problem = bindingProblem(this.defs, rule.requiredBinding, tv.type, tv.value);
      if (problem) sink.issues.push({ severity: 'error', code: 'code-invalid', diagnostics: `${problem} (${source})`, expression: at });
    }
    if (rule.targetProfiles && tv.type === 'Reference') {
      sink.references.push({ expression: at, reference: tv.value, targetProfiles: rule.targetProfiles });
    }
    if (rule.typeProfile) {
      const profile = this.profiles(rule.typeProfile);
      if (profile && profile.type === tv.type && isPlainObject(tv.value)) (kids ??= []).push(this.root(profile, tv.value, at, depth));
    }
    return kids;
  }

  private checkConstraints(slice: SlicePlan, tv: TypedValue, at: string, source: string, issues: ValidationIssue[]): void {
    for (const { constraint, expression } of slice.constraints) {
      try {
        const result = expression.evaluate([tv], { '%context': tv });
        if (result.length === 1 && result[0]?.value === true) continue;
        issues.push({
          severity: 'error',
          code: 'invariant',
          diagnostics: `Constraint ${constraint.key} not met: ${constraint.human ?? constraint.expression} (${source})`,
          expression: at,
        });
      } catch {
        // The reference words the failure: ask its interpreter for the message.
        issues.push({
          severity: 'warning',
          code: 'processing',
          diagnostics: `Could not evaluate constraint ${constraint.key}: ${interpreterError(expression.source, tv)} (${source})`,
          expression: at,
        });
      }
    }
  }
}

function interpreterError(expression: string, tv: TypedValue): string {
  try {
    evalFhirPathTyped(expression, [tv], { '%context': tv });
    return 'evaluation failed';
  } catch (err) {
    return (err as Error).message;
  }
}

function typeOfValue(x: unknown, t: string): string {
  if (t === 'Resource' && x && typeof x === 'object' && 'resourceType' in x) return (x as { resourceType: string }).resourceType;
  return t;
}
