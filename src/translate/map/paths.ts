/**
 * Evaluating a map path on a Bundle: FHIRPath (the `fhirpath` library, no model) on every entry's
 * resource, results joined, after each Reference that points into the Bundle (by fullUrl or
 * `Type/id`) gets its resource as `.target`. Nested Bundles (a batch answer) are searched too.
 */
import fhirpath from 'fhirpath';

type Json = Record<string, unknown>;

const compiled = new Map<string, (resource: unknown) => unknown[]>();

function compile(path: string): (resource: unknown) => unknown[] {
  let fn = compiled.get(path);
  if (!fn) {
    const f = fhirpath.compile(path) as unknown as (r: unknown) => unknown[];
    fn = (r) => f(r);
    compiled.set(path, fn);
  }
  return fn;
}

/** The resources of a Bundle (and of Bundles inside it), with Bundle-internal references resolved as `.target`. */
export function linkedResources(bundle: Json): Json[] {
  const resources: Json[] = [];
  const byKey = new Map<string, Json>();
  const collect = (b: Json) => {
    for (const e of (b['entry'] as { fullUrl?: string; resource?: Json }[] | undefined) ?? []) {
      const r = e.resource;
      if (!r) continue;
      if (r['resourceType'] === 'Bundle') collect(r);
      resources.push(r);
      if (e.fullUrl) byKey.set(e.fullUrl, r);
      if (typeof r['id'] === 'string') byKey.set(`${r['resourceType']}/${r['id']}`, r);
    }
  };
  const copy = structuredClone(bundle);
  collect(copy);
  const seen = new Set<object>();
  const link = (node: unknown) => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) return node.forEach(link);
    const o = node as Json;
    for (const [k, v] of Object.entries(o)) if (k !== 'target') link(v);
    if (typeof o['reference'] === 'string') {
      const ref = o['reference'] as string;
      const hit = byKey.get(ref) ?? byKey.get(ref.split('/').slice(-2).join('/'));
      if (hit) o['target'] = hit;
    }
  };
  resources.forEach(link);
  return resources;
}

/** Every value the path yields over the linked resources. */
export function valuesAt(resources: Json[], path: string): unknown[] {
  const fn = compile(path);
  return resources.flatMap((r) => {
    try {
      return fn(r);
    } catch {
      return [];
    }
  });
}
