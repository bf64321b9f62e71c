/**
 * Name loops of the 278 request (2010A UMO, 2010B requester, 2010C subscriber, 2010D dependent,
 * 2010EA patient event provider, 2010F service provider): NM1, REF, N3/N4, PER, PRV, DMG, INS.
 */
import type { Segment } from '../../x12/types.ts';
import type { Address, ContactPoint, HumanName, Identifier, Reference, Resource } from '../fhir-types.ts';
import { codeOf, type BundleIndex, type Located } from '../bundle-index.ts';
import { IDENTIFIER_RULES } from '../codes/identifiers.ts';
import { PRV_CODE_BY_ENTITY, TAXONOMY_QUALIFIER } from '../codes/service.ts';
import { CS } from '../codes/systems.ts';
import { fit, type Warnings } from '../errors.ts';
import { seg } from '../x12-util.ts';

export interface PartyName {
  /** NM102: 1 person, 2 non-person entity. */
  entityType: '1' | '2';
  last?: string;
  first?: string;
  middle?: string;
  suffix?: string;
}

/** X12 field lengths (X217 minimum/maximum) beyond which values are cut, with a warning. */
const MAX = { nm103: 60, nm104: 35, nm105: 25, nm107: 10, n3: 55, n401: 30 } as const;

export function cut(value: string | undefined, max: number, warn: Warnings, where: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length <= max) return value;
  warn.add('truncated', `value longer than ${max} characters was shortened`, where);
  return value.slice(0, max);
}

export function nameOf(resource: Resource): PartyName {
  if (typeof resource.name === 'string') return { entityType: '2', last: resource.name };
  const name: HumanName | undefined = (resource.name ?? [])[0];
  const given = name?.given ?? [];
  return {
    entityType: '1',
    ...(name?.family ? { last: name.family } : name?.text ? { last: name.text } : {}),
    ...(given[0] ? { first: given[0] } : {}),
    ...(given[1] ? { middle: given[1] } : {}),
    ...(name?.suffix?.[0] ? { suffix: name.suffix[0] } : {}),
  };
}

/** The first identifier that maps to a qualifier the loop accepts, in the loop's preference order. */
export function idFor(identifiers: Identifier[] | undefined, preference: readonly string[]): [string, string] | undefined {
  for (const qualifier of preference) {
    const rule = IDENTIFIER_RULES.find((r) => r.qualifier === qualifier);
    if (!rule) continue;
    const hit = (identifiers ?? []).find(
      (id) =>
        id.value &&
        ((id.system && rule.systems?.includes(id.system)) ||
          (id.type?.coding ?? []).some((c) => c.code && rule.typeCodes?.includes(c.code))),
    );
    if (hit?.value) return [qualifier, hit.value];
  }
  return undefined;
}

export function nm1(entity: string, name: PartyName, id: [string, string] | undefined, warn: Warnings, where: string): Segment {
  return seg(
    'NM1',
    entity,
    name.entityType,
    cut(name.last, MAX.nm103, warn, where),
    name.entityType === '1' ? cut(name.first, MAX.nm104, warn, where) : undefined,
    name.entityType === '1' ? cut(name.middle, MAX.nm105, warn, where) : undefined,
    undefined,
    name.entityType === '1' ? cut(name.suffix, MAX.nm107, warn, where) : undefined,
    id?.[0],
    fit('NM109', 80, id?.[1], `${where}.identifier`),
  );
}

function addressOf(resource: Resource | undefined): Address | undefined {
  const a = resource?.address;
  return Array.isArray(a) ? a[0] : a;
}

/**
 * N3/N4. ZIP+4 loses its dash (PAS prof-sub-1 / prof-ben-1: X12 wants 9 digits); N404 country
 * only outside the US.
 */
export function addressSegments(resource: Resource | undefined, warn: Warnings, where: string): Segment[] {
  const address = addressOf(resource);
  if (!address) return [];
  const out: Segment[] = [];
  const lines = address.line ?? [];
  if (lines[0]) out.push(seg('N3', cut(lines[0], MAX.n3, warn, where), cut(lines[1], MAX.n3, warn, where)));
  const country = typeof address.country === 'string' && address.country && !['US', 'USA'].includes(address.country.toUpperCase()) ? address.country : undefined;
  const zip = address.postalCode?.replace(/[-\s]/g, '');
  if (address.city || address.state || zip) {
    // Codes travel whole or not at all (N402 state, N403 postal code, N404 country).
    out.push(
      seg(
        'N4',
        cut(address.city, MAX.n401, warn, where),
        fit('N402', 2, address.state, `${where}.address.state`),
        fit('N403', 15, zip, `${where}.address.postalCode`),
        fit('N404', 3, country, `${where}.address.country`),
      ),
    );
  }
  return out;
}

/** PER communication number qualifiers (element 365) by ContactPoint.system. */
const PER_QUALIFIER: Record<string, string> = { phone: 'TE', fax: 'FX', email: 'EM', url: 'UR' };

/** PER*IC (information contact) with up to three numbers. */
export function perSegment(telecom: ContactPoint[] | undefined, where: string, contactName?: string): Segment[] {
  const numbers = (telecom ?? []).flatMap((t) => {
    const qualifier = t.system ? PER_QUALIFIER[t.system] : undefined;
    return qualifier && t.value ? [qualifier, fit('PER04', 256, t.value, `${where}.telecom`)!] : [];
  });
  if (numbers.length === 0) return [];
  return [seg('PER', 'IC', contactName, ...numbers.slice(0, 6))];
}

/** PRV*<provider code>*PXC*<taxonomy>, when a NUCC taxonomy code is known. */
export function prvSegment(entity: string, taxonomy: string | undefined): Segment[] {
  if (!taxonomy) return [];
  return [seg('PRV', PRV_CODE_BY_ENTITY[entity] ?? 'PE', TAXONOMY_QUALIFIER, taxonomy)];
}

export interface Provider {
  /** The resource whose name and identifiers go in NM1 (Organization or Practitioner). */
  party: Located;
  telecom?: ContactPoint[];
  location?: Resource;
  taxonomy?: string;
}

/**
 * A provider reference as the 278 sees it: an Organization, a Practitioner, or a PractitionerRole
 * (whose practitioner gives the name and NPI and whose own telecom, location and specialty fill
 * PER, N3/N4 and PRV).
 */
export function resolveProvider(index: BundleIndex, ref: Reference | undefined, warn: Warnings, where: string): Provider | undefined {
  const hit = index.resolve(ref);
  if (!hit) {
    if (ref?.reference) warn.add('unresolved-reference', 'provider reference is not in the Bundle', where);
    return undefined;
  }
  if (hit.resource.resourceType !== 'PractitionerRole') {
    const taxonomy = taxonomyOf(hit.resource);
    return { party: hit, ...(hit.resource.telecom ? { telecom: hit.resource.telecom } : {}), ...(taxonomy ? { taxonomy } : {}) };
  }
  const role = hit.resource;
  const person = index.resolve(role['practitioner'] as Reference | undefined);
  const orgRef = role['organization'] as Reference | undefined;
  const party = person ?? index.resolve(orgRef);
  if (!party) {
    warn.add('unresolved-reference', 'PractitionerRole.practitioner is not in the Bundle', `${where}.practitioner`);
    return undefined;
  }
  const location = index.resolve(((role['location'] as Reference[] | undefined) ?? [])[0]);
  if (!location && (role['location'] as Reference[] | undefined)?.length) {
    warn.add('unresolved-reference', 'PractitionerRole.location is not in the Bundle', `${where}.location`);
  }
  const taxonomy = taxonomyOf(role);
  return {
    party,
    ...(role.telecom ? { telecom: role.telecom } : {}),
    ...(location ? { location: location.resource } : {}),
    ...(taxonomy ? { taxonomy } : {}),
  };
}

function taxonomyOf(resource: Resource): string | undefined {
  const specialties = (resource['specialty'] as { coding?: { system?: string; code?: string }[] }[] | undefined) ?? [];
  const qualifications = ((resource['qualification'] as { code?: { coding?: { system?: string; code?: string }[] } }[] | undefined) ?? []).map(
    (q) => q.code ?? {},
  );
  for (const cc of [...specialties, ...qualifications]) {
    const code = codeOf(cc, CS.nuccTaxonomy);
    if (code) return code;
  }
  return undefined;
}
