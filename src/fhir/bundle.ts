/**
 * Minimal FHIR R4 types and Bundle helpers. Only the shapes Priorgate reads are typed; everything
 * else stays `unknown` so nothing pretends to be validated by the type system alone
 * (`@medplum/fhirtypes` is not installed, so this is our own small set).
 */

export interface Meta {
  profile?: string[];
  versionId?: string;
  lastUpdated?: string;
  [key: string]: unknown;
}

export interface Resource {
  resourceType: string;
  id?: string;
  meta?: Meta;
  [key: string]: unknown;
}

export interface Identifier {
  system?: string;
  value?: string;
  [key: string]: unknown;
}

export interface Reference {
  reference?: string;
  type?: string;
  identifier?: Identifier;
  display?: string;
  [key: string]: unknown;
}

export interface BundleEntry<R extends Resource = Resource> {
  fullUrl?: string;
  resource?: R;
  [key: string]: unknown;
}

export interface Bundle<R extends Resource = Resource> extends Resource {
  resourceType: 'Bundle';
  identifier?: Identifier;
  type?: string;
  timestamp?: string;
  entry?: BundleEntry<R>[];
}

/** An entry found in a Bundle, with its position (for `Bundle.entry[i]` expressions). */
export interface FoundEntry<R extends Resource = Resource> {
  index: number;
  fullUrl?: string;
  resource: R;
}

/**
 * `{ [key]: list }` when the list holds something, else nothing: FHIR JSON has no empty arrays (an
 * element without values is left out). Spread it into the resource being built.
 *
 * @example
 * ({ resourceType: 'Bundle', type: 'searchset', total: 0, ...listed('entry', []) }) // no `entry`
 */
export function listed<K extends string, T>(key: K, list: T[]): { [P in K]?: T[] } {
  return (list.length > 0 ? { [key]: list } : {}) as { [P in K]?: T[] };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isResource(value: unknown): value is Resource {
  return isObject(value) && typeof value.resourceType === 'string';
}

/** The entries of a Bundle-shaped value, tolerating garbage (non-array `entry`, non-object items). */
function entriesOf(bundle: unknown): FoundEntry[] {
  if (!isObject(bundle) || !Array.isArray(bundle.entry)) return [];
  const found: FoundEntry[] = [];
  bundle.entry.forEach((entry: unknown, index: number) => {
    if (!isObject(entry) || !isResource(entry.resource)) return;
    const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
    found.push({ index, fullUrl, resource: entry.resource });
  });
  return found;
}

/**
 * Every entry whose resource has the given type, in Bundle order.
 * @example findEntries(bundle, 'Coverage') // [{ index: 3, fullUrl: 'urn:uuid:…', resource: { resourceType: 'Coverage', … } }]
 */
export function findEntries<T extends Resource = Resource>(bundle: unknown, resourceType: string): FoundEntry<T>[] {
  return entriesOf(bundle).filter((e) => e.resource.resourceType === resourceType) as FoundEntry<T>[];
}

const RELATIVE_REF = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const RESTFUL_URL = /^(.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** `https://ehr/fhir/Patient/1/_history/2` → `https://ehr/fhir/Patient/1`; other URLs unchanged. */
function withoutHistory(url: string): string {
  const at = url.indexOf('/_history/');
  return at < 0 ? url : url.slice(0, at);
}

/**
 * Resolves a reference inside a Bundle, following the FHIR R4 rules (bundle.html#references):
 * an absolute reference (`urn:uuid:…`, `https://…/Patient/1`) matches an entry's `fullUrl`; a
 * relative one (`Patient/1`) is first resolved against the RESTful base of the referencing entry's
 * `fullUrl`, then, as PAS senders commonly mix `urn:uuid` fullUrls with `Type/id` references, by
 * the entry's `resourceType` and `id`. Contained references (`#id`) and logical references
 * (identifier only) are not Bundle entries and resolve to `undefined`.
 *
 * @param from the `fullUrl` of the entry that holds the reference, when known
 * @example resolveReference(bundle, { reference: 'Patient/SubscriberExample' })?.resource.id // 'SubscriberExample'
 */
export function resolveReference(bundle: unknown, ref: Reference | string | undefined, from?: string): FoundEntry | undefined {
  const target = typeof ref === 'string' ? ref : ref?.reference;
  if (typeof target !== 'string' || target === '' || target.startsWith('#')) return undefined;
  const entries = entriesOf(bundle);
  const wanted = withoutHistory(target);

  const byFullUrl = entries.find((e) => e.fullUrl !== undefined && withoutHistory(e.fullUrl) === wanted);
  if (byFullUrl) return byFullUrl;

  const relative = RELATIVE_REF.exec(target);
  if (!relative) return undefined;
  const base = from !== undefined ? RESTFUL_URL.exec(from)?.[1] : undefined;
  if (base) {
    const absolute = entries.find((e) => e.fullUrl !== undefined && withoutHistory(e.fullUrl) === base + wanted);
    if (absolute) return absolute;
  }
  const [, type, id] = relative;
  return entries.find((e) => e.resource.resourceType === type && e.resource.id === id);
}

export type ReferenceResolver = (ref: Reference | string | undefined, from?: string) => FoundEntry | undefined;

/**
 * `resolveReference` for many lookups in one Bundle (a validator resolves every reference of every
 * entry): the entries are indexed once, by fullUrl and by type/id, keeping the first of duplicates
 * as `resolveReference` does. The Bundle must not change while the resolver is in use.
 */
export function referenceResolver(bundle: unknown): ReferenceResolver {
  const entries = entriesOf(bundle);
  const byUrl = new Map<string, FoundEntry>();
  const byTypeId = new Map<string, FoundEntry>();
  for (const e of entries) {
    if (e.fullUrl !== undefined) {
      const url = withoutHistory(e.fullUrl);
      if (!byUrl.has(url)) byUrl.set(url, e);
    }
    if (typeof e.resource.id === 'string') {
      const key = `${e.resource.resourceType}/${e.resource.id}`;
      if (!byTypeId.has(key)) byTypeId.set(key, e);
    }
  }
  return (ref, from) => {
    const target = typeof ref === 'string' ? ref : ref?.reference;
    if (typeof target !== 'string' || target === '' || target.startsWith('#')) return undefined;
    const wanted = withoutHistory(target);
    const byFullUrl = byUrl.get(wanted);
    if (byFullUrl) return byFullUrl;
    const relative = RELATIVE_REF.exec(target);
    if (!relative) return undefined;
    const base = from !== undefined ? RESTFUL_URL.exec(from)?.[1] : undefined;
    if (base) {
      const absolute = byUrl.get(base + wanted);
      if (absolute) return absolute;
    }
    return byTypeId.get(`${relative[1]}/${relative[2]}`);
  };
}
