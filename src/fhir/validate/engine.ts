/**
 * The seam between the PAS orchestration (`pas-bundle.ts`: which profiles apply to which entry) and
 * the machinery that checks a value against a profile. Two engines implement it:
 *
 * - the reference engine: @medplum/core's validator driven level by level by `walk.ts`, with
 *   @medplum/core's crawler collecting extensions and references (`scan.ts`);
 * - the compiled engine (`compiled/`): validation functions generated from the same profiles ahead
 *   of use, which must report exactly what the reference reports, and gives up (throws
 *   `Unsupported`, see `compiled/unsupported.ts`) on any input it does not model, so that the caller
 *   re-runs the reference instead.
 */
import type { TypedValue } from '@medplum/core';
import type { Resource } from '../bundle.ts';
import type { CompiledProfile } from './compile.ts';
import type { Definitions } from './definitions.ts';
import { scanResource, type ScanResult } from './scan.ts';
import { ProfileWalker, type ProfileLookup, type WalkSink } from './walk.ts';

export type { ScanResult } from './scan.ts';

export interface ProfileEngine {
  /** Where issues and profiled reference sites accumulate. */
  readonly sink: WalkSink;
  /** Every Extension and Reference in `resource` (contained resources included). */
  scan(resource: Resource, expression: string): ScanResult;
  /**
   * Validates `value` (found at `expression`) against `profile`. `opaque`: values whose contents the
   * caller will drop every issue about (placeholders); an engine may skip what is inside them.
   */
  validate(profile: CompiledProfile, value: TypedValue, expression: string, opaque?: ReadonlySet<unknown>): void;
  /** Validates a resource against base FHIR R4 only. */
  validateBase(value: TypedValue, expression: string): void;
}

export type EngineFactory = (defs: Definitions, profiles: ProfileLookup) => ProfileEngine;

/** The reference: @medplum/core's validator, level by level. */
export const referenceEngine: EngineFactory = (defs, profiles) => {
  const sink: WalkSink = { issues: [], references: [] };
  const walker = new ProfileWalker(defs, profiles, sink);
  return {
    sink,
    scan: scanResource,
    validate: (profile, value, expression) => walker.validate(profile, value, expression),
    validateBase: (value, expression) => walker.validateBase(value, expression),
  };
};
