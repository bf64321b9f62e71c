/**
 * Validates a value against a compiled profile (`compile.ts`): each level goes through
 * @medplum/core's `validateTypedValue` (cardinality, types, unknown elements, fixed values and
 * patterns, invariants, the slice counts it can evaluate); the walker adds what medplum leaves out:
 * descending into nested profile elements and slices, counting slices medplum cannot match, choice
 * types restricted by the profile, required bindings and datatype profiles, and it records the
 * references whose targets must conform to a profile.
 */
import { OperationOutcomeError, deepEquals, evalFhirPathTyped, getTypedPropertyValue, validateTypedValue } from '@medplum/core';
import type { TypedValue } from '@medplum/core';
import type { ChildRule, CompiledProfile, ProfileNode, SliceRule, SliceTest } from './compile.ts';
import type { Definitions } from './definitions.ts';
import { fromMedplum, isSupersededMedplumIssue, type MedplumIssue } from './issues.ts';
import { bindingProblem } from './terminology.ts';
import type { ElementDefinitionConstraint, ValidationIssue } from './types.ts';

/** A reference found under a profile element that names the profiles its target must conform to. */
export interface ReferenceSite {
  expression: string;
  reference: unknown;
  targetProfiles: string[];
}

export interface WalkSink {
  issues: ValidationIssue[];
  references: ReferenceSite[];
}

export type ProfileLookup = (url: string) => CompiledProfile | undefined;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** `value` includes everything `pattern` has (FHIR pattern[x] semantics). */
export function includesPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) return Array.isArray(value) && pattern.every((p) => value.some((v) => includesPattern(v, p)));
  if (isPlainObject(pattern)) return isPlainObject(value) && Object.entries(pattern).every(([k, p]) => includesPattern(value[k], p));
  return value === pattern;
}

function evaluate(path: string, value: TypedValue): TypedValue[] {
  return evalFhirPathTyped(path, [value], { '%context': value });
}

function passes(test: SliceTest, value: TypedValue): boolean {
  switch (test.kind) {
    case 'unsupported':
      return false;
    case 'type':
      if (test.path === '$this') return test.codes.includes(value.type);
      return evaluate(test.path, value).some((v) => test.codes.includes(v.type));
    case 'value': {
      const found = test.path === '$this' ? [value] : evaluate(test.path, value);
      return found.some((v) => (test.mode === 'fixed' ? deepEquals(v.value, test.expected) : includesPattern(v.value, test.expected)));
    }
  }
}

export function matchSlice(slices: SliceRule[], value: TypedValue): SliceRule | undefined {
  return slices.find((slice) => {
    try {
      return slice.tests.length > 0 && slice.tests.every((test) => passes(test, value));
    } catch {
      return false;
    }
  });
}

export class ProfileWalker {
  constructor(
    private readonly defs: Definitions,
    private readonly profiles: ProfileLookup,
    private readonly sink: WalkSink,
  ) {}

  /** Validates `value` (found at `expression`) against `profile`. */
  validate(profile: CompiledProfile, value: TypedValue, expression: string): void {
    this.walk(profile.root, value, expression, profile.name);
  }

  /** Validates a resource against base FHIR R4 only (for entries no PAS profile applies to). */
  validateBase(value: TypedValue, expression: string): void {
    this.runMedplum({ id: value.type, path: value.type, levelType: value.type, children: [] }, value, expression, 'FHIR R4');
  }

  private walk(node: ProfileNode, value: TypedValue, expression: string, source: string): void {
    if (!isPlainObject(value.value)) return; // primitives: their parent level checked them
    this.runMedplum(node, value, expression, source);
    for (const child of node.children) this.visitChild(child, value, expression, source);
  }

  private runMedplum(node: ProfileNode, value: TypedValue, expression: string, source: string): void {
    let raw: MedplumIssue[];
    try {
      raw = validateTypedValue({ type: node.levelType, value: value.value }) as MedplumIssue[];
    } catch (err) {
      if (!(err instanceof OperationOutcomeError)) {
        this.issue('warning', 'processing', `Could not validate against ${source}: ${(err as Error).message}`, expression);
        return;
      }
      raw = (err.outcome.issue ?? []) as MedplumIssue[];
    }
    for (const issue of raw) if (!isSupersededMedplumIssue(issue)) this.sink.issues.push(fromMedplum(issue, node.path, expression, source));
  }

  private visitChild(child: ChildRule, parent: TypedValue, expression: string, source: string): void {
    const raw = getTypedPropertyValue(parent, child.name);
    const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const base = `${expression}.${child.name.replace('[x]', '')}`;
    const counts = new Map<SliceRule, number>();
    values.forEach((value, i) => {
      const at = Array.isArray(raw) ? `${base}[${i}]` : base;
      this.checkValue(child, value, at, source);
      if (child.node) this.walk(child.node, value, at, source);
      const slice = matchSlice(child.slices, value);
      if (!slice) return;
      counts.set(slice, (counts.get(slice) ?? 0) + 1);
      this.checkConstraints(slice.constraints, value, at, `${source} slice ${slice.name}`);
      if (slice.node) this.walk(slice.node, value, at, `${source} slice ${slice.name}`);
    });
    if (!child.countSlices) return;
    for (const slice of child.slices) {
      const n = counts.get(slice) ?? 0;
      if (n >= slice.min && n <= slice.max) continue;
      const max = Number.isFinite(slice.max) ? String(slice.max) : '*';
      this.issue('error', n < slice.min ? 'required' : 'structure', `Slice '${slice.name}' needs ${slice.min}..${max} values, found ${n} (${source})`, base);
    }
  }

  private checkValue(child: ChildRule, value: TypedValue, at: string, source: string): void {
    if (child.allowedTypes && !child.allowedTypes.includes(value.type)) {
      this.issue('error', 'structure', `Type ${value.type} is not allowed here; expected ${child.allowedTypes.join(' | ')} (${source})`, at);
    }
    if (child.requiredBinding) {
      const problem = bindingProblem(this.defs, child.requiredBinding, value.type, value.value);
      if (problem) this.issue('error', 'code-invalid', `${problem} (${source})`, at);
    }
    if (child.targetProfiles && value.type === 'Reference') {
      this.sink.references.push({ expression: at, reference: value.value, targetProfiles: child.targetProfiles });
    }
    if (child.typeProfile) {
      const profile = this.profiles(child.typeProfile);
      if (profile && profile.type === value.type) this.walk(profile.root, value, at, profile.name);
    }
  }

  private checkConstraints(constraints: ElementDefinitionConstraint[], value: TypedValue, at: string, source: string): void {
    for (const constraint of constraints) {
      try {
        const result = evaluate(constraint.expression ?? 'true', value);
        if (result.length === 1 && result[0]?.value === true) continue;
        this.issue('error', 'invariant', `Constraint ${constraint.key} not met: ${constraint.human ?? constraint.expression} (${source})`, at);
      } catch (err) {
        this.issue('warning', 'processing', `Could not evaluate constraint ${constraint.key}: ${(err as Error).message} (${source})`, at);
      }
    }
  }

  private issue(severity: ValidationIssue['severity'], code: string, diagnostics: string, expression: string): void {
    this.sink.issues.push({ severity, code, diagnostics, expression });
  }
}
