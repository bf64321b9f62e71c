/**
 * The compiled validator's way of saying "not modelled here": it throws `Unsupported`, the caller
 * discards the partial result and validates the Bundle with the reference instead. Each reason is
 * counted, so that what falls back (and how often) is visible (`compiledCoverage()`).
 */
export type UnsupportedReason =
  /** `_given`-style primitive extensions (@medplum/core merges them into wrapper objects). */
  | 'primitive-extension'
  /** A JSON object or array where the definition says a primitive value goes. */
  | 'object-as-primitive'
  /** A resource (contained, or in `Resource` position) whose type is not a known FHIR type. */
  | 'unknown-resource-type'
  /** A profile level whose element types differ from the base definition's. */
  | 'profile-shape';

export class Unsupported extends Error {
  constructor(readonly reason: UnsupportedReason) {
    super(`not handled by the compiled validator: ${reason}`);
  }
}

const counts = new Map<UnsupportedReason, number>();

export function countFallback(reason: UnsupportedReason): void {
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
}

/** How many validations fell back to the reference since start, by reason. */
export function fallbackCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}
