/**
 * The PAS validation of one Bundle (`validatePasBundleWith`): the PAS checks table, then the
 * profiles, through a profile engine (compiled or reference, see engine.ts).
 *
 * Which profiles apply to which entry:
 * - the Bundle: PAS request (or inquiry request) Bundle profile;
 * - the first entry's Claim: PAS Claim, or PAS Claim Update when it declares that profile or carries
 *   `Claim.related` (spec-65), or PAS Claim Inquiry for an inquiry;
 * - any entry: the PAS profiles it declares in `meta.profile`;
 * - any entry another resource points at through an element whose `targetProfile` names a PAS
 *   profile of the entry's type (e.g. `Claim.insurer` → PAS Insurer), as the FHIR validator does;
 * - every extension whose definition is a PAS extension, wherever it appears.
 * Declared profiles we do not hold (US Core …) are reported as information; those resources are
 * still checked against base R4.
 */
import { isResourceType, type TypedValue } from '@medplum/core';
import { isObject, isResource, referenceResolver, type FoundEntry } from '../bundle.ts';
import { compileProfile, type CompiledProfile } from './compile.ts';
import { loadDefinitions, unversioned, type Definitions } from './definitions.ts';
import { dedupe } from './issues.ts';
import { emptyValuesBeside } from './empty-values.ts';
import { impossibleDates } from './calendar.ts';
import { extensionIssues } from './extensions.ts';
import { RESPONSE_KINDS, runPasChecks, type BundleKind, type PasContext } from './pas-checks.ts';
import { quantityIssues } from './quantities.ts';
import type { EngineFactory, ProfileEngine } from './engine.ts';
import type { Located } from './scan.ts';
import type { ValidationIssue } from './types.ts';

const PAS = 'http://hl7.org/fhir/us/davinci-pas/StructureDefinition/';

export const PAS_PROFILES = {
  requestBundle: `${PAS}profile-pas-request-bundle`,
  inquiryBundle: `${PAS}profile-pas-inquiry-request-bundle`,
  responseBundle: `${PAS}profile-pas-response-bundle`,
  inquiryResponseBundle: `${PAS}profile-pas-inquiry-response-bundle`,
  claim: `${PAS}profile-claim`,
  claimUpdate: `${PAS}profile-claim-update`,
  claimInquiry: `${PAS}profile-claim-inquiry`,
  claimResponse: `${PAS}profile-claimresponse`,
  claimInquiryResponse: `${PAS}profile-claiminquiryresponse`,
} as const;

/** The Bundle profile, and the first entry's resource type, of each kind of PAS Bundle. */
const KINDS: Record<BundleKind, { bundle: string; root: 'Claim' | 'ClaimResponse' }> = {
  request: { bundle: PAS_PROFILES.requestBundle, root: 'Claim' },
  inquiry: { bundle: PAS_PROFILES.inquiryBundle, root: 'Claim' },
  response: { bundle: PAS_PROFILES.responseBundle, root: 'ClaimResponse' },
  'inquiry-response': { bundle: PAS_PROFILES.inquiryResponseBundle, root: 'ClaimResponse' },
};

/** Invariants a row of the PAS checks table reports whenever they fail, and better (naming the entry). */
const SUPERSEDED_INVARIANTS = ['Constraint ClaimFirst not met', 'Constraint bdl-7 not met'];

const compiled = new WeakMap<Definitions, Map<string, CompiledProfile | undefined>>();

export function profileLookup(defs: Definitions): (url: string) => CompiledProfile | undefined {
  let cache = compiled.get(defs);
  if (!cache) compiled.set(defs, (cache = new Map()));
  const byUrl = cache;
  return (url) => {
    const key = unversioned(url);
    if (!byUrl.has(key)) {
      const sd = defs.profiles.get(key);
      byUrl.set(key, sd ? compileProfile(sd) : undefined);
    }
    return byUrl.get(key);
  };
}

/** Loads the definitions and compiles every PAS profile (for the reference engine). */
export function preloadPasProfiles(): void {
  const defs = loadDefinitions();
  const lookup = profileLookup(defs);
  for (const url of defs.profiles.keys()) lookup(url);
}

/**
 * The whole PAS validation of one Bundle with the given profile engine: the PAS checks table, then
 * every profile that applies, in the engine's terms. Engines differ in speed, never in result.
 */
export function validatePasBundleWith(bundle: unknown, kind: BundleKind, engineFactory: EngineFactory): ValidationIssue[] {
  if (!isObject(bundle) || bundle.resourceType !== 'Bundle') {
    return [{ severity: 'error', code: 'structure', expression: 'Bundle', diagnostics: 'The request body must be a FHIR Bundle (JSON object with resourceType Bundle)' }];
  }
  const defs = loadDefinitions();
  const profiles = profileLookup(defs);
  const entries: unknown[] = Array.isArray(bundle.entry) ? bundle.entry : [];
  const resources = knownResources(entries);
  const engine = engineFactory(defs, profiles);
  const scans = new Map(resources.map((r) => [r.index, engine.scan(r.resource, `Bundle.entry[${r.index}].resource`)]));
  const first = resources[0]?.index === 0 && resources[0].resource.resourceType === KINDS[kind].root ? resources[0] : undefined;
  const ctx: PasContext = {
    kind,
    bundle,
    entries,
    resources,
    ...(KINDS[kind].root === 'Claim' ? { claim: first } : { claimResponse: first }),
    references: new Map([...scans].map(([i, scan]) => [i, scan.references])),
    resolve: referenceResolver(bundle),
  };

  const checked = [...runPasChecks(ctx), ...quantityIssues(resources, (e) => (RESPONSE_KINDS.includes(kind) && e.resource.resourceType === 'ClaimResponse' ? 'error' : 'warning'))];
  // A date the format allows that names no day (1980-02-31) is refused here too, not first by the 278 writer.
  const pasIssues = [...checked, ...emptyValuesBeside(checked, bundle), ...impossibleDates({ type: 'Bundle', value: bundle }, 'Bundle')];
  const profileIssues = validateProfiles(ctx, engine, profiles, new Map([...scans].map(([i, scan]) => [i, scan.extensions])), defs);
  const taken = new Set(pasIssues.filter((i) => i.severity === 'error').map((i) => i.expression));
  const kept = profileIssues.filter(
    (issue) => !taken.has(issue.expression) && !SUPERSEDED_INVARIANTS.some((text) => issue.diagnostics.startsWith(text)),
  );
  return dedupe([...pasIssues, ...kept]);
}

/** The entries that hold a resource of a known type, with their index and fullUrl; the rest are the callers' to report. */
export function knownResources(entries: unknown[]): FoundEntry[] {
  const resources: FoundEntry[] = [];
  entries.forEach((entry, index) => {
    if (!isObject(entry) || !isResource(entry.resource) || !isResourceType(entry.resource.resourceType)) return;
    resources.push({ index, fullUrl: typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined, resource: entry.resource });
  });
  return resources;
}

/**
 * The Bundle against `profile` with each resource cut down to its resourceType: a Bundle profile is
 * about entries (and which resource types they hold); each resource is validated on its own, once.
 * Unusable resources are left out (the caller's checks report them), and so is whatever is reported
 * inside a placeholder.
 */
export function validateBundleShell(engine: ProfileEngine, profile: CompiledProfile, ctx: Pick<PasContext, 'bundle' | 'entries' | 'resources'>): void {
  const sink = engine.sink;
  const start = sink.issues.length;
  const usable = new Set(ctx.resources.map((r) => r.index));
  const placeholders = new Set<unknown>();
  const entry = ctx.entries.map((e, i) => {
    if (!isObject(e)) return e;
    const resource = usable.has(i) && isResource(e.resource) ? { resourceType: e.resource.resourceType } : undefined;
    if (resource) placeholders.add(resource);
    return { ...e, resource };
  });
  // Whatever is reported inside a placeholder is dropped below: the engine may skip looking.
  engine.validate(profile, { type: 'Bundle', value: { ...ctx.bundle, entry } }, 'Bundle', placeholders);
  const kept = sink.issues.slice(start).filter((issue) => {
    const entryIndex = /^Bundle\.entry\[(\d+)\]/.exec(issue.expression)?.[1];
    if (entryIndex === undefined) return true;
    return usable.has(Number(entryIndex)) && !issue.expression.startsWith(`Bundle.entry[${entryIndex}].resource.`);
  });
  sink.issues.splice(start, sink.issues.length - start, ...kept);
}

/** `meta.profile`, unversioned, ignoring whatever is not a string (the structural checks report it). */
function declaredProfiles(resource: FoundEntry['resource']): string[] {
  const profile = isObject(resource.meta) ? resource.meta.profile : undefined;
  return Array.isArray(profile) ? profile.filter((p): p is string => typeof p === 'string').map(unversioned) : [];
}

function rootProfile(kind: BundleKind, claim: FoundEntry): string {
  if (kind === 'inquiry') return PAS_PROFILES.claimInquiry;
  if (kind === 'response') return PAS_PROFILES.claimResponse;
  if (kind === 'inquiry-response') return PAS_PROFILES.claimInquiryResponse;
  const declared = declaredProfiles(claim.resource);
  if (declared.includes(PAS_PROFILES.claimUpdate)) return PAS_PROFILES.claimUpdate;
  if (declared.includes(PAS_PROFILES.claim)) return PAS_PROFILES.claim;
  return claim.resource.related !== undefined ? PAS_PROFILES.claimUpdate : PAS_PROFILES.claim;
}

/** The resource type a target profile constrains, when we know it (`undefined` for US Core & co). */
function profileType(url: string, profiles: (url: string) => CompiledProfile | undefined): string | undefined {
  const core = 'http://hl7.org/fhir/StructureDefinition/';
  if (url.startsWith(core) && isResourceType(url.slice(core.length))) return url.slice(core.length);
  return profiles(url)?.type;
}

function validateProfiles(
  ctx: PasContext,
  walker: ProfileEngine,
  profiles: (url: string) => CompiledProfile | undefined,
  extensions: Map<number, Located[]>,
  defs: Definitions,
): ValidationIssue[] {
  const sink = walker.sink;
  const bundleProfile = profiles(KINDS[ctx.kind].bundle);
  if (bundleProfile) validateBundleShell(walker, bundleProfile, ctx);

  // Each entry against the profiles that apply to it; references add their targets' profiles.
  const queue: { entry: FoundEntry; url: string }[] = [];
  const done = new Set<string>();
  const enqueue = (target: FoundEntry, url: string): void => {
    const key = `${target.index}|${unversioned(url)}`;
    if (done.has(key)) return;
    done.add(key);
    queue.push({ entry: target, url: unversioned(url) });
  };
  const root = ctx.claim ?? ctx.claimResponse;
  if (root) enqueue(root, rootProfile(ctx.kind, root));
  for (const r of ctx.resources) {
    for (const url of declaredProfiles(r.resource)) {
      const profile = profiles(url);
      if (!profile) {
        sink.issues.push({
          severity: 'information',
          code: 'informational',
          expression: `Bundle.entry[${r.index}].resource.meta.profile`,
          diagnostics: `Profile ${url} is not known here; the resource was checked against base FHIR R4 only`,
        });
      } else if (profile.type !== r.resource.resourceType) {
        sink.issues.push({
          severity: 'error',
          code: 'invalid',
          expression: `Bundle.entry[${r.index}].resource.meta.profile`,
          diagnostics: `Declares ${profile.name}, a profile of ${profile.type}, on a ${r.resource.resourceType}`,
        });
      } else if (r !== root) {
        enqueue(r, url); // the first entry's profile is chosen by rootProfile()
      }
    }
  }
  for (let next = queue.shift(); next; next = queue.shift()) {
    const profile = profiles(next.url);
    if (!profile) continue;
    const start = sink.references.length;
    const value: TypedValue = { type: next.entry.resource.resourceType, value: next.entry.resource };
    walker.validate(profile, value, `Bundle.entry[${next.entry.index}].resource`);
    for (const site of sink.references.splice(start)) {
      const ref = isObject(site.reference) ? site.reference.reference : undefined;
      const target = typeof ref === 'string' ? ctx.resolve(ref, next.entry.fullUrl) : undefined;
      if (!target) continue; // the checks table reports dangling references
      const type = target.resource.resourceType;
      const url = site.targetProfiles.find((u) => profiles(u)?.type === type);
      if (url) enqueue(target, url);
      const allowed = site.targetProfiles.map((u) => profileType(u, profiles));
      if (!allowed.includes(type) && allowed.every((t) => t !== undefined)) {
        const diagnostics = `Refers to a ${type}; ${profile.name} allows ${[...new Set(allowed)].join(' or ')}`;
        sink.issues.push({ severity: 'error', code: 'invalid', expression: site.expression, diagnostics });
      }
    }
  }

  // Resources no PAS profile applies to: base R4.
  const profiled = new Set([...done].map((key) => Number(key.slice(0, key.indexOf('|')))));
  for (const r of ctx.resources) {
    if (!profiled.has(r.index)) walker.validateBase({ type: r.resource.resourceType, value: r.resource }, `Bundle.entry[${r.index}].resource`);
  }

  // Every PAS extension against its definition, its sub-extension urls and its context.
  for (const found of [...extensions.values()].flat()) {
    const url = isObject(found.value.value) ? found.value.value.url : undefined;
    const profile = typeof url === 'string' ? profiles(url) : undefined;
    if (profile?.type !== 'Extension') continue;
    walker.validate(profile, found.value, found.expression);
    const sd = defs.profiles.get(unversioned(url as string));
    if (sd) sink.issues.push(...extensionIssues(sd, found, (u) => defs.profiles.get(u)));
  }
  return sink.issues;
}
