/**
 * Generated property accessors: `getTypedPropertyValue(value, name)` for one type and one name,
 * written out as plain property reads (`o.valueString ?? o.valueCodeableConcept …`), built on first
 * use and kept. Used by the generated validation code, the profile rules and FHIRPath navigation.
 *
 * Primitive extensions (`_given`) are not merged here as @medplum/core merges them: the compiled
 * validator declines any instance that has one (see `unsupported.ts`), so it never reads them.
 */
import { tryGetDataType, type InternalSchemaElement } from '@medplum/core';
import { candidatesOf, type Candidate } from './elements.ts';

export type Found = { value: unknown; type: string };
/** The value of one element of an object (array or single), `undefined` when absent or empty. */
export type Accessor = (o: unknown) => Found | undefined;

const str = (s: string): string => JSON.stringify(s);

/**
 * For choice elements with many types (`Extension.value[x]` has 50), the key present is found by
 * walking the object's own keys (an extension has two) rather than probing 50 absent properties.
 * Generated code reaches these through the `K` table.
 */
export const PICKERS: ((o: unknown) => Candidate | undefined)[] = [];
const pickerIds = new Map<string, number>();
const MANY = 4;

function pickerFor(candidates: readonly Candidate[]): number {
  const signature = candidates.map((c) => `${c.key}:${c.type}`).join(',');
  let id = pickerIds.get(signature);
  if (id !== undefined) return id;
  const index: Record<string, number> = Object.create(null);
  candidates.forEach((c, i) => {
    if (!(c.key in index)) index[c.key] = i;
  });
  // The first candidate (in type order) present in the object, as the linear probe would find it.
  const pick = (o: unknown): Candidate | undefined => {
    const object = o as Record<string, unknown>;
    let best = -1;
    for (const key in object) {
      const i = index[key];
      if (i !== undefined && (best < 0 || i < best) && object[key] !== undefined) best = i;
    }
    return best < 0 ? undefined : candidates[best];
  };
  id = PICKERS.length;
  PICKERS.push(pick);
  pickerIds.set(signature, id);
  return id;
}

/**
 * Source that sets `v`, `t`, `rk` to the element's value, its type and the JSON key it came from:
 * the first key, in type order, whose value is not `undefined` (getTypedPropertyValueWithSchema).
 * The generated function must take the picker table as `K`.
 */
export function resolveSource(candidates: readonly Candidate[], o = 'o'): string {
  if (candidates.length === 0) return 'v = undefined; t = "undefined"; rk = undefined;';
  if (candidates.length > MANY) {
    const id = pickerFor(candidates);
    return `{ const c = K[${id}](${o}); if (c === undefined) { v = undefined; t = undefined; rk = undefined; } else { rk = c.key; v = ${o}[rk]; t = c.type; } }`;
  }
  const [first, ...rest] = candidates;
  let src = `v = ${o}[${str(first!.key)}]; t = ${str(first!.type)}; rk = ${str(first!.key)};`;
  for (const c of rest) src += ` if (v === undefined) { v = ${o}[${str(c.key)}]; t = ${str(c.type)}; rk = ${str(c.key)}; }`;
  return src;
}

/**
 * @medplum/core's `isEmpty` (null, undefined, '', [], {}), without allocating the key list: for
 * parsed JSON, for…in visits exactly the own keys.
 */
export function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (typeof v === 'string') return v === '';
  if (typeof v === 'object') {
    if ('length' in v && (v as { length: number }).length > 0) return false;
    for (const _ in v) return false;
    return true;
  }
  return false;
}

export function accessorFor(candidates: readonly Candidate[]): Accessor {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the schema, never from input
  return new Function('isEmpty', 'K', `return function (o) { if (!o) return undefined; let v, t, rk; ${resolveSource(candidates)} return isEmpty(v) ? undefined : { value: v, type: t }; };`)(
    isEmpty,
    PICKERS,
  ) as Accessor;
}

/** `getElementDefinitionFromElements`: exact name, then `name[x]`, then a choice name by its type suffix. */
export function elementNamed(elements: Record<string, InternalSchemaElement>, name: string): InternalSchemaElement | undefined {
  const own = Object.prototype.hasOwnProperty;
  if (own.call(elements, name)) return elements[name];
  if (own.call(elements, `${name}[x]`)) return elements[`${name}[x]`];
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c >= 'A' && c <= 'Z') {
      const choice = `${name.slice(0, i)}[x]`;
      if (own.call(elements, choice)) return elements[choice];
    }
  }
  return undefined;
}

const accessors = new Map<string, Map<string, Accessor | null>>();

/**
 * The accessor for `name` on values of `type`: `undefined` if the type is not loaded, `null` if it
 * has no such element (the caller then asks @medplum/core, which reads such values schema-less).
 */
export function accessor(type: string, name: string): Accessor | null | undefined {
  let byName = accessors.get(type);
  if (!byName) {
    const schema = tryGetDataType(type);
    if (!schema || typeof schema.elements !== 'object') return undefined;
    accessors.set(type, (byName = new Map()));
  }
  let found = byName.get(name);
  if (found === undefined) {
    const element = elementNamed(tryGetDataType(type)!.elements, name);
    found = element && element.type?.length ? accessorFor(candidatesOf(element)) : null;
    byName.set(name, found);
  }
  return found;
}
