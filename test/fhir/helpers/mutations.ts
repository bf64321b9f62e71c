/**
 * Generated mutations of real PAS requests, for differential testing of the validators: pick any
 * place in the JSON, then delete it, replace it (by something of another JSON type, an awkward
 * value, or arbitrary JSON), wrap or unwrap it in an array, duplicate or drop array items, add an
 * unknown or a wrong choice-of-type key.
 */
import fc from 'fast-check';

export type Path = (string | number)[];

/** Every path (as keys) to a value inside the JSON, the root included. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const keys: Path = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => pathsOf((value as Record<string | number, unknown>)[k], [...prefix, k]))];
}

/** The object holding `path`'s last key; `undefined` for the root or when the path no longer exists. */
function parentOf(root: unknown, path: Path): { parent: Record<string | number, unknown>; key: string | number } | undefined | null {
  if (path.length === 0) return undefined;
  let node = root;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return null;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (typeof node !== 'object' || node === null) return null;
  return { parent: node as Record<string | number, unknown>, key: path[path.length - 1]! };
}

/** Awkward values: the shapes a careless or hostile client sends. */
export const AWKWARD: unknown[] = [
  null,
  '',
  ' ',
  'x y',
  '2020-13-45',
  '2020-07',
  'urn:uuid:not-a-uuid',
  0,
  -1,
  1.5,
  true,
  false,
  [],
  {},
  [null],
  [{}],
  [''],
  { foo: 'bar' },
  { extension: [] },
  { url: 'http://example.org/x' },
  { url: 'http://example.org/x', valueString: 'v', valueBoolean: true },
  { coding: [{ system: 'http://example.org', code: 'a' }] },
  { reference: 'Patient/unknown' },
  { reference: '#contained' },
  'a'.repeat(300),
];

export type Mutation =
  | { op: 'delete' | 'wrap' | 'unwrap' | 'duplicate' | 'empty'; path: Path }
  | { op: 'set'; path: Path; value: unknown }
  | { op: 'add-key'; path: Path; key: string; value: unknown };

/** Applies a mutation to a deep copy; `undefined` if it does not apply at that path. */
export function mutate(root: unknown, m: Mutation): unknown {
  const copy = structuredClone(root);
  const at = parentOf(copy, m.path);
  if (at === null) return undefined;
  const current = at ? at.parent[at.key] : copy;
  const put = (value: unknown): unknown => {
    if (!at) return value;
    at.parent[at.key] = value;
    return copy;
  };
  switch (m.op) {
    case 'delete':
      if (!at) return undefined;
      if (Array.isArray(at.parent)) at.parent.splice(at.key as number, 1);
      else delete at.parent[at.key];
      return copy;
    case 'set':
      return put(m.value);
    case 'wrap':
      return put([current]);
    case 'unwrap':
      return Array.isArray(current) && current.length > 0 ? put(current[0]) : undefined;
    case 'duplicate':
      if (!at || !Array.isArray(at.parent)) return undefined;
      at.parent.splice(at.key as number, 0, structuredClone(current));
      return copy;
    case 'empty':
      return put(Array.isArray(current) ? [] : typeof current === 'object' && current !== null ? {} : '');
    case 'add-key':
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
      (current as Record<string, unknown>)[m.key] = m.value;
      return copy;
  }
}

/** Keys worth adding: unknown ones, other choice-of-type forms, ones that clash with existing keys. */
const KEYS = ['foo', 'valueString', 'valueInteger', 'valueReference', 'servicedDate', 'timingDate', 'resourceType', 'id', 'extension', 'modifierExtension', 'text', 'contained', 'url', 'coding', 'reference', 'display', 'constructor', 'length'];

/** An arbitrary mutation of `document` (paths drawn from the document itself). */
export function mutationOf(document: unknown): fc.Arbitrary<Mutation> {
  const paths = pathsOf(document);
  const path = fc.constantFrom(...paths);
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...AWKWARD) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), path }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('set' as const), path, value }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('wrap' as const, 'unwrap' as const, 'duplicate' as const, 'empty' as const), path }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('add-key' as const), path, key: fc.constantFrom(...KEYS), value }) },
  );
}

/** One to three mutations in a row (each applied when it applies). */
export function mutantOf(document: unknown): fc.Arbitrary<{ mutations: Mutation[]; value: unknown }> {
  return fc.array(mutationOf(document), { minLength: 1, maxLength: 3 }).map((mutations) => {
    let value: unknown = document;
    for (const m of mutations) value = mutate(value, m) ?? value;
    return { mutations, value };
  });
}
