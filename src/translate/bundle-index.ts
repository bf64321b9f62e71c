/**
 * Resolving references inside a PAS Bundle: by fullUrl, by `Type/id`, and by a relative reference
 * against an absolute fullUrl's tail. Also knows each resource's entry index, for FHIRPath
 * expressions in warnings and in ClaimResponse.error errorPath.
 */
import type { Bundle, CodeableConcept, Extension, Reference, Resource } from './fhir-types.ts';

export interface Located<R extends Resource = Resource> {
  resource: R;
  fullUrl?: string;
  index: number;
}

export class BundleIndex {
  private readonly byKey = new Map<string, Located>();
  readonly entries: Located[];

  constructor(readonly bundle: Bundle) {
    this.entries = (bundle.entry ?? []).flatMap((e, index) =>
      e.resource ? [{ resource: e.resource, ...(e.fullUrl ? { fullUrl: e.fullUrl } : {}), index }] : [],
    );
    for (const located of this.entries) {
      const { resource, fullUrl } = located;
      if (fullUrl) this.byKey.set(fullUrl, located);
      if (resource.id) this.byKey.set(`${resource.resourceType}/${resource.id}`, located);
    }
  }

  /** The resource a reference points at, or undefined when it is not in the Bundle. */
  resolve<R extends Resource = Resource>(ref: Reference | undefined): Located<R> | undefined {
    const key = ref?.reference;
    if (!key) return undefined;
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
  return (holder?.extension ?? []).filter((e) => e.url === url);
}

export function ext(holder: { extension?: Extension[] } | undefined, url: string): Extension | undefined {
  return exts(holder, url)[0];
}

/** The first code of a CodeableConcept, optionally only from one code system. */
export function codeOf(cc: CodeableConcept | undefined, system?: string): string | undefined {
  const coding = (cc?.coding ?? []).find((c) => c.code && (!system || c.system === system));
  return coding?.code;
}

/** The first coding with a code (system and code both). */
export function codingOf(cc: CodeableConcept | undefined): { system?: string; code: string } | undefined {
  const coding = (cc?.coding ?? []).find((c) => c.code);
  return coding?.code ? { ...(coding.system ? { system: coding.system } : {}), code: coding.code } : undefined;
}
