/**
 * Resolving references inside a PAS Bundle: by fullUrl, by `Type/id`, and by a relative reference
 * against an absolute fullUrl's tail. Also knows each resource's entry index, for FHIRPath
 * expressions in warnings and in ClaimResponse.error errorPath.
 */
import type { Bundle, CodeableConcept, Extension, Reference, Resource } from './fhir-types.ts';
import { isObject, objectsOf } from './json-guards.ts';

export interface Located<R extends Resource = Resource> {
  resource: R;
  fullUrl?: string;
  index: number;
}

export class BundleIndex {
  private readonly byKey = new Map<string, Located>();
  readonly entries: Located[];

  constructor(readonly bundle: Bundle) {
    // Entries that are not objects, resources that are not objects, fullUrls and ids that are not
    // strings are skipped (validation reports them; an unvalidated reader must not trip on them).
    this.entries = (Array.isArray(bundle.entry) ? bundle.entry : []).flatMap((e, index) =>
      isObject(e) && isObject(e.resource) ? [{ resource: e.resource as Resource, ...(typeof e.fullUrl === 'string' && e.fullUrl ? { fullUrl: e.fullUrl } : {}), index }] : [],
    );
    for (const located of this.entries) {
      const { resource, fullUrl } = located;
      if (fullUrl) this.byKey.set(fullUrl, located);
      if (typeof resource.id === 'string' && resource.id) this.byKey.set(`${resource.resourceType}/${resource.id}`, located);
    }
  }

  /** The resource a reference points at, or undefined when it is not in the Bundle. */
  resolve<R extends Resource = Resource>(ref: Reference | undefined): Located<R> | undefined {
    const key = isObject(ref) ? ref.reference : undefined;
    if (typeof key !== 'string' || !key) return undefined;
    const hit = this.byKey.get(key) ?? this.byKey.get(key.split('/').slice(-2).join('/'));
    return hit as Located<R> | undefined;
  }

  /** How a response refers to a resource that came with the request: `Type/id` or its urn:uuid. */
  referenceTo(located: Located): string {
    const { resource, fullUrl } = located;
    if (fullUrl?.startsWith('urn:')) return fullUrl;
    return resource.id ? `${resource.resourceType}/${resource.id}` : (fullUrl ?? '');
  }

  /** All resources of a type. */
  ofType<R extends Resource = Resource>(type: string): Located<R>[] {
    return this.entries.filter((e) => e.resource.resourceType === type) as Located<R>[];
  }
}

/** The extensions with a URL, in order. */
export function exts(holder: { extension?: Extension[] } | undefined, url: string): Extension[] {
  return objectsOf(isObject(holder) ? holder.extension : undefined).filter((e) => e.url === url) as Extension[];
}

export function ext(holder: { extension?: Extension[] } | undefined, url: string): Extension | undefined {
  return exts(holder, url)[0];
}

/** The first code of a CodeableConcept, optionally only from one code system. */
export function codeOf(cc: CodeableConcept | undefined, system?: string): string | undefined {
  const coding = objectsOf(isObject(cc) ? cc.coding : undefined).find((c) => typeof c.code === 'string' && c.code && (!system || c.system === system));
  return coding?.code;
}

/** The first coding with a code (system and code both). */
export function codingOf(cc: CodeableConcept | undefined): { system?: string; code: string } | undefined {
  const coding = objectsOf(isObject(cc) ? cc.coding : undefined).find((c) => typeof c.code === 'string' && c.code);
  return coding?.code ? { ...(typeof coding.system === 'string' && coding.system ? { system: coding.system } : {}), code: coding.code } : undefined;
}
