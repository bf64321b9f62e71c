/**
 * Compiles a profile's snapshot into a tree of "levels" that @medplum/core's validator evaluates
 * correctly.
 *
 * Why: given a profile, medplum's `validateTypedValue` applies it to the root element's direct
 * children only (cardinality, fixed/pattern values, invariants, slice counts) and checks everything
 * deeper against the base R4 types; its StructureDefinition parser also mixes up nested slicings
 * (`Claim.careTeam:X.extension:Y`) and chokes on discriminators it does not support. So each
 * element of the profile that has children of its own (`Claim.item`, `Claim.careTeam:ItemClaimMember`,
 * `Claim.item.extension:nursingHomeResidentialStatus` …) becomes a small synthetic
 * StructureDefinition holding that element and its direct children only, with the slicings medplum
 * can evaluate kept (extension slices get the `url` element it needs to match them) and the others
 * dropped and left to the walker (`walk.ts`), which matches slices, counts them and descends.
 *
 * Each level is registered once with medplum (`loadDataType`) as a logical type named
 * `https://priorgate.invalid/fhir/level?<profile url>#<element id>`, and validated by that type
 * name: passing it as `{ profile }` instead would make medplum re-parse it on every call, which is
 * most of the cost of a validation. Child types are written as concrete type names (`ClaimItem`,
 * not `BackboneElement`) so that registering a level never adds or replaces an inner type.
 */
import { getElementDefinitionTypeName, isDataTypeLoaded, loadDataType, tryGetDataType } from '@medplum/core';
import type { ElementDefinition, ElementDefinitionConstraint, StructureDefinition } from './types.ts';
import { unversioned } from './definitions.ts';

/** How to tell whether a value belongs to a slice, for one discriminator. */
export type SliceTest =
  | { kind: 'type'; path: string; codes: string[] }
  | { kind: 'value'; path: string; mode: 'fixed' | 'pattern'; expected: unknown }
  | { kind: 'unsupported'; path: string };

export interface SliceRule {
  name: string;
  min: number;
  max: number;
  tests: SliceTest[];
  /** Invariants the slice adds to its base element (the base ones are checked by the parent level). */
  constraints: ElementDefinitionConstraint[];
  node?: ProfileNode;
}

export interface ChildRule {
  /** Property name as in the element path: `item`, `value[x]`. */
  name: string;
  node?: ProfileNode;
  slices: SliceRule[];
  /** The slicing was dropped from the level because medplum cannot evaluate it: the walker counts. */
  countSlices: boolean;
  /** For choice elements: the types the profile allows. */
  allowedTypes?: string[];
  /** Required binding (unversioned ValueSet url). */
  requiredBinding?: string;
  /** For Reference elements: the profiles the target must conform to (unversioned). */
  targetProfiles?: string[];
  /** A single datatype profile every value must conform to (e.g. PAS Identifier). */
  typeProfile?: string;
}

export interface ProfileNode {
  id: string;
  path: string;
  /** Name of the medplum type registered for this level: this element and its direct children. */
  levelType: string;
  children: ChildRule[];
}

export interface CompiledProfile {
  url: string;
  name: string;
  type: string;
  root: ProfileNode;
}

/** Index of a snapshot by element id: plain children and slices of each element. */
class ElementTree {
  readonly byId = new Map<string, ElementDefinition>();
  private readonly children = new Map<string, ElementDefinition[]>();
  private readonly slices = new Map<string, ElementDefinition[]>();

  constructor(elements: ElementDefinition[]) {
    for (const element of elements) {
      this.byId.set(element.id, element);
      const dot = element.id.lastIndexOf('.');
      if (dot < 0) continue;
      const parent = element.id.slice(0, dot);
      const segment = element.id.slice(dot + 1);
      const colon = segment.indexOf(':');
      if (colon < 0) push(this.children, parent, element);
      else push(this.slices, `${parent}.${segment.slice(0, colon)}`, element);
    }
  }

  childrenOf(id: string): ElementDefinition[] {
    return this.children.get(id) ?? [];
  }

  slicesOf(id: string): ElementDefinition[] {
    return this.slices.get(id) ?? [];
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const SIMPLE_PATH = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;
const EXTENSION_VALUE_PATH = /^extension\('([^']+)'\)\.value(?:\.ofType\([A-Za-z]+\))?$/;

export function compileProfile(sd: StructureDefinition): CompiledProfile {
  const elements = sd.snapshot?.element;
  const rootElement = elements?.[0];
  if (!elements || !rootElement) throw new Error(`StructureDefinition ${sd.url} has no snapshot`);
  const tree = new ElementTree(elements);
  const root = compileNode(tree, sd, rootElement, true);
  return { url: sd.url, name: sd.name, type: sd.type, root };
}

function compileNode(tree: ElementTree, sd: StructureDefinition, element: ElementDefinition, isRoot: boolean): ProfileNode {
  const children: ChildRule[] = [];
  for (const child of tree.childrenOf(element.id)) {
    const rule = compileChild(tree, sd, child);
    if (rule) children.push(rule);
  }
  const level = buildLevel(tree, sd, element, isRoot);
  loadDataType(level as Parameters<typeof loadDataType>[0]);
  return { id: element.id, path: element.path, levelType: level.type, children };
}

/** `Bundle.entry.resource`, `contained`: resources get their own profiles, chosen by the caller. */
function isResourceElement(element: ElementDefinition): boolean {
  return /\.(resource|contained)$/.test(element.path) || (element.type?.some((t) => t.code === 'Resource') ?? false);
}

function compileChild(tree: ElementTree, sd: StructureDefinition, child: ElementDefinition): ChildRule | undefined {
  const name = child.path.slice(child.path.lastIndexOf('.') + 1);
  const descend = tree.childrenOf(child.id).length > 0 && !isResourceElement(child);
  const sliceElements = child.slicing ? tree.slicesOf(child.id) : [];
  const baseKeys = new Set((child.constraint ?? []).map((c) => c.key));
  const slices = sliceElements.map((slice): SliceRule => ({
    name: slice.sliceName ?? slice.id,
    min: slice.min ?? 0,
    max: cardinality(slice.max),
    tests: (child.slicing?.discriminator ?? []).map((d) => sliceTest(tree, slice, d)),
    constraints: (slice.constraint ?? []).filter((c) => c.severity !== 'warning' && c.expression && !baseKeys.has(c.key)),
    node: tree.childrenOf(slice.id).length > 0 && !isResourceElement(slice) ? compileNode(tree, sd, slice, false) : undefined,
  }));
  const types = child.type ?? [];
  const rule: ChildRule = {
    name,
    node: descend ? compileNode(tree, sd, child, false) : undefined,
    slices,
    countSlices: slices.length > 0 && !medplumCanSlice(tree, child, sliceElements),
    allowedTypes: name.endsWith('[x]') && types.length ? types.map((t) => t.code) : undefined,
    requiredBinding: child.binding?.strength === 'required' && child.binding.valueSet ? unversioned(child.binding.valueSet) : undefined,
    targetProfiles: nonEmpty(types.filter((t) => t.code === 'Reference').flatMap((t) => (t.targetProfile ?? []).map(unversioned))),
    typeProfile:
      !isResourceElement(child) && types.length === 1 && types[0]?.code !== 'Extension' && types[0]?.profile?.length === 1
        ? unversioned(types[0].profile[0] ?? '')
        : undefined,
  };
  const useful = rule.node || slices.length || rule.allowedTypes || rule.requiredBinding || rule.targetProfiles || rule.typeProfile;
  return useful ? rule : undefined;
}

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length ? list : undefined;
}

function cardinality(max: string | undefined): number {
  return max === undefined || max === '*' ? Number.POSITIVE_INFINITY : Number.parseInt(max, 10);
}

/** The canonical url an extension slice stands for, from its profile or its fixed `url`. */
function extensionUrlOf(tree: ElementTree, slice: ElementDefinition): string | undefined {
  const fixed = tree.byId.get(`${slice.id}.url`)?.fixedUri;
  if (typeof fixed === 'string') return fixed;
  const type = slice.type?.[0];
  return type?.code === 'Extension' && type.profile?.[0] ? unversioned(type.profile[0]) : undefined;
}

function fixedOrPattern(element: ElementDefinition | undefined): { mode: 'fixed' | 'pattern'; expected: unknown } | undefined {
  if (!element) return undefined;
  for (const [key, value] of Object.entries(element)) {
    if (key.startsWith('fixed')) return { mode: 'fixed', expected: value };
    if (key.startsWith('pattern')) return { mode: 'pattern', expected: value };
  }
  return undefined;
}

/** Resolves one discriminator of one slice into a test the walker can run on an instance. */
function sliceTest(tree: ElementTree, slice: ElementDefinition, d: { type: string; path: string }): SliceTest {
  if (d.type === 'type') {
    const target = d.path === '$this' ? slice : tree.byId.get(`${slice.id}.${d.path}`);
    const codes = target?.type?.map((t) => t.code) ?? [];
    return codes.length ? { kind: 'type', path: d.path, codes } : { kind: 'unsupported', path: d.path };
  }
  if (d.type !== 'value' && d.type !== 'pattern') return { kind: 'unsupported', path: d.path };
  let target: ElementDefinition | undefined;
  if (d.path === '$this') target = slice;
  else if (d.path === 'url' && !tree.byId.has(`${slice.id}.url`)) {
    const url = extensionUrlOf(tree, slice);
    return url ? { kind: 'value', path: 'url', mode: 'fixed', expected: url } : { kind: 'unsupported', path: d.path };
  } else if (SIMPLE_PATH.test(d.path)) target = tree.byId.get(`${slice.id}.${d.path}`);
  else {
    const url = EXTENSION_VALUE_PATH.exec(d.path)?.[1];
    const extension = tree.slicesOf(`${slice.id}.extension`).find((e) => extensionUrlOf(tree, e) === url);
    target = extension && tree.byId.get(`${extension.id}.value[x]`);
  }
  const expected = fixedOrPattern(target);
  return expected ? { kind: 'value', path: d.path, ...expected } : { kind: 'unsupported', path: d.path };
}

/** True when medplum's slice matcher can evaluate every discriminator of this slicing. */
function medplumCanSlice(tree: ElementTree, element: ElementDefinition, slices: ElementDefinition[]): boolean {
  return (element.slicing?.discriminator ?? []).every((d) => {
    if (d.type === 'type') return d.path === '$this';
    if (d.type !== 'value' && d.type !== 'pattern') return false;
    if (d.path === '$this') return slices.every((s) => fixedOrPattern(s));
    if (!/^[a-z][A-Za-z0-9]*$/.test(d.path)) return false;
    return slices.every((s) => fixedOrPattern(tree.byId.get(`${s.id}.${d.path}`)) || (d.path === 'url' && extensionUrlOf(tree, s)));
  });
}

/**
 * The synthetic StructureDefinition for one level: the element itself (its invariants only at a
 * profile's root: deeper ones were already evaluated by the parent level, in the right context) and
 * its direct children, ids rewritten to be slice-free below the level's root.
 */
function buildLevel(tree: ElementTree, sd: StructureDefinition, element: ElementDefinition, isRoot: boolean): StructureDefinition {
  const rewrite = (id: string): string => element.path + id.slice(element.id.length);
  const out: ElementDefinition[] = [
    { ...element, id: element.path, sliceName: undefined, slicing: undefined, constraint: isRoot ? element.constraint : [] },
  ];
  const baseType = tryGetDataType(isRoot ? sd.type : typeNameOf(element));
  // Slices keep their own types: medplum matches `type` discriminators against them.
  const add = (e: ElementDefinition, id: string, keepSlicing = false): void => {
    const base = e.sliceName ? undefined : baseType?.elements;
    out.push({ ...e, id, type: concreteTypes(e, base), slicing: keepSlicing ? e.slicing : undefined });
  };
  for (const child of tree.childrenOf(element.id)) {
    const resolved = resolveContentReference(tree, child);
    const slices = child.slicing ? tree.slicesOf(child.id) : [];
    const keep = slices.length > 0 && medplumCanSlice(tree, child, slices);
    add(resolved, rewrite(child.id), keep);
    if (!keep) continue;
    for (const slice of slices) {
      add({ ...slice, constraint: [] }, rewrite(slice.id));
      for (const d of child.slicing?.discriminator ?? []) {
        if (d.path === '$this') continue;
        const target = tree.byId.get(`${slice.id}.${d.path}`);
        if (target) add(target, rewrite(target.id));
        else if (d.path === 'url') {
          const url = extensionUrlOf(tree, slice);
          out.push({ id: `${rewrite(slice.id)}.url`, path: `${child.path}.url`, min: 1, max: '1', type: [{ code: 'uri' }], fixedUri: url });
        }
      }
    }
  }
  const type = `https://priorgate.invalid/fhir/level?${sd.url}#${element.id}`;
  return { resourceType: 'StructureDefinition', url: type, name: type, type, kind: 'logical', snapshot: { element: out } };
}

function typeNameOf(element: ElementDefinition): string {
  return getElementDefinitionTypeName(element as Parameters<typeof getElementDefinitionTypeName>[0]);
}

/**
 * `BackboneElement` → `ClaimItem`; target profiles unversioned (medplum compares them literally);
 * choice elements keep the base type's full list, so that medplum reads a value of a type the
 * profile forbids as what it is (the walker reports the restriction) rather than as an unknown element.
 */
function concreteTypes(element: ElementDefinition, base: Record<string, { type: { code: string }[] }> | undefined): ElementDefinition['type'] {
  const name = element.path.slice(element.path.lastIndexOf('.') + 1);
  const baseChoice = name.endsWith('[x]') ? base?.[name]?.type : undefined;
  if (baseChoice?.length) return baseChoice.map((t) => ({ code: t.code }));
  return element.type?.map((t) =>
    t.code === 'BackboneElement' || t.code === 'Element'
      ? { code: backboneTypeName(element, base?.[name]?.type) }
      : { ...t, targetProfile: t.targetProfile?.map(unversioned) },
  );
}

/**
 * The medplum type of a backbone element. A profile may expand what R4 declares by contentReference
 * (`ClaimResponse.addItem.adjudication` is `#ClaimResponse.item.adjudication` in R4): medplum knows
 * that one by the referenced element's name, which the base type's element carries.
 */
function backboneTypeName(element: ElementDefinition, baseTypes: { code: string }[] | undefined): string {
  const own = typeNameOf(element);
  if (isDataTypeLoaded(own)) return own;
  return baseTypes?.[0]?.code ?? own;
}

/** `Bundle.entry.link` → a copy of `Bundle.link` (medplum resolves these only within one snapshot). */
function resolveContentReference(tree: ElementTree, element: ElementDefinition): ElementDefinition {
  if (!element.contentReference) return element;
  const target = tree.byId.get(element.contentReference.slice(element.contentReference.indexOf('#') + 1));
  if (!target) return { ...element, contentReference: undefined, type: [{ code: 'Element' }] };
  return {
    ...target,
    id: element.id,
    path: element.path,
    min: element.min ?? target.min,
    max: element.max ?? target.max,
    base: { path: target.base?.path ?? target.path, min: element.base?.min ?? target.min, max: element.base?.max ?? target.max },
    contentReference: undefined,
    slicing: undefined,
  };
}
