/**
 * Reading untrusted JSON by shape: a value of the wrong JSON type reads as absent (an object where a
 * string belongs, a string where a list belongs, null in a list). Readers that run before any
 * profile validation (the eligibility request) use these, so that a malformed element becomes the
 * reader's own "required" or "invalid" issue rather than a TypeError.
 */
export type JsonObject = Record<string, any>;

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The objects of a list (anything else: none). */
export const objectsOf = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** A string, or undefined. */
export const textOf = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The strings of a list. */
export const textsOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
