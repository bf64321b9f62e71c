/**
 * What the code generator needs to know about one element of a type or profile level, worked out
 * once from @medplum/core's parse of the StructureDefinition (the same parse the reference uses, so
 * both read a profile identically): the JSON keys it can appear under, cardinality, invariants,
 * fixed and pattern values, slicing.
 */
import { capitalize, fhirTypeToJsType, type InternalSchemaElement, type SliceDefinition, type SliceDiscriminator, type TypedValue } from '@medplum/core';
import { compileExpression } from './fhirpath.ts';
import type { Constraint } from './run.ts';

/** @medplum/core's validator never evaluates these (its `skippedConstraintKeys`). */
const SKIPPED_CONSTRAINTS: Record<string, boolean> = { 'ele-1': true, 'dom-3': true, 'org-1': true, 'sdf-19': true };

export function isPrimitiveType(code: string): boolean {
  return code === 'undefined' || code in fhirTypeToJsType;
}

/** One JSON key an element can take, with the type that key means (`valueString` → `string`). */
export interface Candidate {
  key: string;
  type: string;
}

export interface SlicePlan {
  name: string;
  min: number;
  max: number;
  /** Does a value (typed as @medplum/core types it) belong to this slice? */
  matches: ((value: TypedValue) => boolean)[];
}

export interface ElementPlan {
  /** Key in the schema (`value[x]`, `item`). */
  name: string;
  /** `ElementDefinition.path`, where @medplum/core reports cardinality problems. */
  path: string;
  candidates: Candidate[];
  min: number;
  max: number;
  isArray: boolean;
  constraints: Constraint[];
  fixed?: TypedValue;
  pattern?: TypedValue;
  slices?: SlicePlan[];
  discriminators?: SliceDiscriminator[];
  /** Some candidate has a non-primitive type (the crawler descends into it). */
  complex: boolean;
}

export function constraintsOf(list: InternalSchemaElement['constraints']): Constraint[] {
  return (list ?? [])
    .filter((c) => c.severity === 'error' && !(c.key in SKIPPED_CONSTRAINTS))
    .map((c) => ({ key: c.key, description: c.description, expression: compileExpression(c.expression) }));
}

/**
 * The keys @medplum/core's `getTypedPropertyValueWithSchema` tries, in order, with the type each
 * means (an `Element` or `BackboneElement` is typed by the element's first type, as it does).
 */
export function candidatesOf(element: InternalSchemaElement): Candidate[] {
  const last = element.path.slice(element.path.lastIndexOf('.') + 1);
  const types = element.type ?? [];
  return types.map((t) => ({
    key: last.replace('[x]', capitalize(t.code)),
    type: t.code === 'Element' || t.code === 'BackboneElement' ? types[0]!.code : t.code,
  }));
}

export function planElement(name: string, element: InternalSchemaElement, matcher: SliceMatcherFactory): ElementPlan {
  const candidates = candidatesOf(element);
  const plan: ElementPlan = {
    name,
    path: element.path,
    candidates,
    min: element.min,
    max: element.max ?? Number.POSITIVE_INFINITY,
    isArray: !!element.isArray,
    constraints: constraintsOf(element.constraints),
    fixed: element.fixed,
    pattern: element.pattern,
    complex: candidates.some((c) => !isPrimitiveType(c.type)),
  };
  if (element.slicing) {
    plan.discriminators = element.slicing.discriminator;
    plan.slices = element.slicing.slices.map((slice) => ({
      name: slice.name,
      min: slice.min,
      max: slice.max ?? Number.POSITIVE_INFINITY,
      matches: element.slicing!.discriminator.map((d) => matcher(d, slice)),
    }));
  }
  return plan;
}

export type SliceMatcherFactory = (d: SliceDiscriminator, slice: SliceDefinition) => (value: TypedValue) => boolean;

/** Same JSON keys with the same types: the crawler descends into this element the same way. */
export function sameCandidates(a: Candidate[] | undefined, b: Candidate[] | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  return a.every((c, i) => c.key === b[i]!.key && c.type === b[i]!.type);
}
