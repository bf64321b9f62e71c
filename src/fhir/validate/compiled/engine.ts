/**
 * The compiled profile engine: one traversal of each value, running the generated code of its
 * type for the levels that cover it and the generated code of each profile level rooted at it.
 * Built once per set of definitions; `compiledEngine` hands out a fresh sink per validation.
 */
import {
  arrayify,
  getNestedProperty,
  matchDiscriminant,
  tryGetDataType,
  type InternalTypeSchema,
  type SliceDefinition,
  type SliceDiscriminator,
  type TypedValue,
} from '@medplum/core';
import type { Resource } from '../../bundle.ts';
import type { ProfileNode } from '../compile.ts';
import type { Definitions } from '../definitions.ts';
import type { EngineFactory, ProfileEngine, ScanResult } from '../engine.ts';
import type { Located } from '../scan.ts';
import type { ProfileLookup, WalkSink } from '../walk.ts';
import { sameCandidates } from './elements.ts';
import { SchemaCompiler, type LevelHandle, type SchemaCode, type ScanState, type Traversal } from './generate.ts';
import { isPlainObject, Level, ProfilePlans, type NodePlan } from './levels.ts';
import { Run, type Crawler, type Memo } from './run.ts';
import { Unsupported } from './unsupported.ts';

function isSchema(schema: unknown): schema is InternalTypeSchema {
  return !!schema && typeof schema === 'object' && typeof (schema as InternalTypeSchema).elements === 'object';
}

/** A loaded FHIR type by name, never anything a name could reach by accident (`constructor`). */
function lookupType(name: string): InternalTypeSchema | undefined {
  const schema = tryGetDataType(name);
  return isSchema(schema) && schema.name !== undefined ? schema : undefined;
}

function typeInResourcePosition(o: unknown): unknown {
  return o && typeof o === 'object' && 'resourceType' in o ? (o as { resourceType: unknown }).resourceType : 'Resource';
}

/**
 * Slice membership for the slicings @medplum/core evaluates itself (`checkSliceElement`): one
 * discriminator of one slice. The common case — a simple path to a fixed or pattern value (an
 * extension's `url`, a `category`) — reads the value with the generated accessor; anything else
 * goes through @medplum/core's own functions.
 */
function sliceMatcher(schemas: () => SchemaCompiler) {
  return (d: SliceDiscriminator, slice: SliceDefinition): ((value: TypedValue) => boolean) => {
    const generic = (value: TypedValue): boolean =>
      !!arrayify(getNestedProperty(value, d.path))?.some((v) => matchDiscriminant(v, d, slice));
    if (d.type === 'type' && d.path === '$this') {
      const codes = (slice.type ?? []).map((t) => t.code);
      return (value) => codes.length > 0 && codes.includes(value.type);
    }
    if ((d.type !== 'value' && d.type !== 'pattern') || d.path === '$this' || d.path.includes('.')) return generic;
    const element = slice.elements[d.path];
    if (!element || !(element.fixed ?? element.pattern)) return generic;
    return (value) => {
      const code = typeof value.type === 'string' ? schemas().get(value.type) : undefined;
      if (!code || !code.byName.has(d.path)) return generic(value);
      const found = code.property(value.value, d.path);
      if (!found || Array.isArray(found.value)) return false;
      return matchDiscriminant({ type: found.type, value: found.value }, d, slice);
    };
  };
}

class CompiledValidator implements Traversal {
  readonly schemas: SchemaCompiler;
  readonly plans: ProfilePlans;
  private readonly shared = new WeakMap<SchemaCode, WeakMap<SchemaCode, boolean>>();
  private readonly basePlans = new Map<string, NodePlan>();

  constructor(defs: Definitions, profiles: ProfileLookup) {
    this.schemas = new SchemaCompiler(lookupType, this, sliceMatcher(() => this.schemas));
    this.plans = new ProfilePlans(defs, profiles, this.schemas);
  }

  code(type: unknown): SchemaCode {
    const code = typeof type === 'string' ? this.schemas.get(type) : undefined;
    if (!code) throw new Unsupported('unknown-resource-type');
    return code;
  }

  // ---- Traversal (called by generated code) ----------------------------------------------------

  visit(code: SchemaCode, o: unknown, R: Run, d: number, levels: LevelHandle[] | undefined): void {
    if (R.opaque !== undefined && R.opaque.has(o)) return;
    const entered = R.enterResource(d, o);
    const above = R.crawlers;
    if (above.length !== 0) this.check(code, o, R, above, d);
    let pushed = 0;
    let isolated: Level[] | undefined;
    if (levels !== undefined) {
      for (const handle of levels) {
        const level = handle as Level;
        const own = level.plan.code;
        R.levels.push(level.crawler);
        if (own.rootConstraints.length !== 0) R.rootConstraints(level.crawler, own.rootConstraints);
        this.check(own, o, R, level.cs, d);
        this.plans.applyRules(level, code, o, R.sink, d);
      }
      for (const handle of levels) {
        const level = handle as Level;
        if (this.shares(level.plan.code, code)) {
          above.push(level.crawler);
          pushed++;
        } else (isolated ??= []).push(level);
      }
    }
    code.kids(o, R, d, levels);
    if (pushed !== 0) above.length -= pushed;
    // A level that types some child differently from the base type crawls its subtree on its own.
    if (isolated) {
      for (const level of isolated) {
        const saved = R.crawlers;
        R.crawlers = level.cs;
        level.plan.code.kids(o, R, d, undefined);
        R.crawlers = saved;
      }
    }
    if (entered) R.leaveResource();
  }

  /**
   * The element checks of one schema on one object, for some crawlers. What they find does not
   * depend on the crawlers (only where it is written does), so an object found clean once against a
   * schema is clean for every other crawler in the same Bundle: objects validated against several
   * profiles, or as part of their resource and again on their own (extensions), are checked once.
   */
  private check(code: SchemaCode, o: unknown, R: Run, cs: Crawler[], d: number): void {
    const object = typeof o === 'object' && o !== null ? o : undefined;
    const seen = object && R.clean?.get(object);
    if (seen && seen.has(code)) return;
    const issues = R.issues.length;
    const sawNull = R.sawNull;
    const outer = R.elementCrawled;
    R.elementCrawled = false;
    code.props(o, R, cs, d);
    code.extra(o, R, cs, d);
    const crawled = R.elementCrawled;
    R.elementCrawled = outer || crawled;
    if (!object || !R.clean || code.crawlerDependent || crawled || R.issues.length !== issues || R.sawNull !== sawNull) return;
    if (seen) seen.add(code);
    else R.clean.set(object, new Set([code]));
  }

  visitResource(o: unknown, R: Run, d: number, levels: LevelHandle[] | undefined): void {
    this.visit(this.code(typeInResourcePosition(o)), o, R, d, levels);
  }

  visitElement(o: unknown, R: Run, d: number): void {
    this.visit(this.code('Element'), o, R, d, undefined);
  }

  childLevels(levels: LevelHandle[], name: string, index: number): LevelHandle[] | undefined {
    let out: LevelHandle[] | undefined;
    for (const handle of levels) {
      const found = (handle as Level).kids?.get(name)?.[index + 1];
      if (found) out = out ? out.concat(found) : found;
    }
    return out;
  }

  /** The level descends into every child exactly as the base type does (same keys, same types). */
  private shares(level: SchemaCode, base: SchemaCode): boolean {
    if (level === base) return true;
    let byBase = this.shared.get(level);
    if (!byBase) this.shared.set(level, (byBase = new WeakMap()));
    let same = byBase.get(base);
    if (same === undefined) {
      const covers = (a: SchemaCode, b: SchemaCode): boolean =>
        a.plans.every((p) => !p.complex || sameCandidates(p.candidates, b.byName.get(p.name)?.candidates));
      same = covers(level, base) && covers(base, level);
      byBase.set(base, same);
    }
    return same;
  }

  // ---- the engine's operations ------------------------------------------------------------------

  validate(
    sink: WalkSink,
    memo: Memo,
    clean: WeakMap<object, Set<unknown>>,
    root: NodePlan,
    value: TypedValue,
    expression: string,
    source: string,
    opaque?: ReadonlySet<unknown>,
  ): void {
    const R = new Run(sink);
    R.opaque = opaque;
    R.memo = memo;
    R.clean = clean;
    const level = new Level(root, {
      rootPath: root.node.path,
      expr: expression,
      source,
      depth: 0,
      root: { type: root.node.levelType, value: value.value },
      rootIsResource: !!value.value && typeof value.value === 'object' && 'resourceType' in value.value,
    });
    this.visit(this.code(value.type), value.value, R, 0, [level]);
    R.finish();
  }

  basePlan(type: string): NodePlan {
    let plan = this.basePlans.get(type);
    if (!plan) {
      const node: ProfileNode = { id: type, path: type, levelType: type, children: [] };
      plan = { node, code: this.code(type), rules: [] };
      this.basePlans.set(type, plan);
    }
    return plan;
  }

  scan(resource: Resource, expression: string): ScanResult {
    const result: ScanResult = { extensions: [], references: [] };
    const state: ScanState = {
      segs: [],
      found(type, value, holderType, holderValue) {
        const located: Located = { expression: state.segs.length ? `${expression}.${state.segs.join('.')}` : expression, value: { type, value } };
        if (type === 'Extension') {
          // Where it sits, as the reference scanner (scan.ts) says it: the element path without indices, and the holder's type.
          const path = [resource.resourceType, ...state.segs].join('.').replace(/\[\d+\]/g, '').replace(/\.(modifierExtension|extension)$/, '');
          const url = holderType === 'Extension' ? (holderValue as { url?: unknown } | undefined)?.url : undefined;
          located.holder = { path, type: holderType, ...(typeof url === 'string' ? { url } : {}) };
        }
        (type === 'Extension' ? result.extensions : result.references).push(located);
      },
      resource: (o) => this.code(typeInResourcePosition(o)),
    };
    this.code(resource.resourceType).scan(resource, state);
    return result;
  }
}

const validators = new WeakMap<Definitions, CompiledValidator>();

function validatorFor(defs: Definitions, profiles: ProfileLookup): CompiledValidator {
  let validator = validators.get(defs);
  if (!validator) validators.set(defs, (validator = new CompiledValidator(defs, profiles)));
  return validator;
}

/** The compiled engine; throws `Unsupported` on input it does not model (the caller falls back). */
export const compiledEngine: EngineFactory = (defs, profiles): ProfileEngine => {
  const validator = validatorFor(defs, profiles);
  const sink: WalkSink = { issues: [], references: [] };
  const memo: Memo = new Map();
  const clean = new WeakMap<object, Set<unknown>>();
  return {
    sink,
    scan: (resource, expression) => validator.scan(resource, expression),
    validate: (profile, value, expression, opaque) => {
      if (!isPlainObject(value.value)) return;
      validator.validate(sink, memo, clean, validator.plans.plan(profile.root), value, expression, profile.name, opaque);
    },
    validateBase: (value, expression) => validator.validate(sink, memo, clean, validator.basePlan(value.type), value, expression, 'FHIR R4'),
  };
};

/** Compiles ahead of the first request: every profile's levels and the types they reach. */
export function precompile(defs: Definitions, profiles: ProfileLookup, urls: Iterable<string>): number {
  const validator = validatorFor(defs, profiles);
  for (const url of urls) {
    const profile = profiles(url);
    if (profile) validator.plans.plan(profile.root);
  }
  return validator.schemas.size;
}
