/**
 * The resources a PAS response Bundle carries beside the ClaimResponse. With the original request
 * at hand they are echoed with the same fullUrl and id (PAS spec-33); without it they are built
 * from the 278 name loops, with ids from `ctx.ids()`.
 */
import type { BundleEntry, Identifier, Resource } from '../fhir-types.ts';
import type { BundleIndex, Located } from '../bundle-index.ts';
import { X12_TO_GENDER } from '../codes/demographics.ts';
import { MEMBER_ID_QUALIFIER, MEMBER_ID_TYPE, NM108_TO_SYSTEM } from '../codes/identifiers.ts';
import { CS, PROFILE } from '../codes/systems.ts';
import type { NameLoop } from '../hl.ts';
import { el, fhirDate } from '../x12-util.ts';

export class ResponseParties {
  readonly entries: BundleEntry[] = [];
  private readonly added = new Map<string, string>();

  constructor(
    private readonly request: BundleIndex | undefined,
    private readonly ids: () => string,
  ) {}

  /** Reference to a request resource, echoing it into the response Bundle once. */
  echo(located: Located): string {
    const reference = (this.request as BundleIndex).referenceTo(located);
    if (!this.added.has(reference)) {
      this.added.set(reference, reference);
      this.entries.push({ ...(located.fullUrl ? { fullUrl: located.fullUrl } : {}), resource: located.resource });
    }
    return reference;
  }

  /** Reference to a party named in an NM1: a matching request resource, else a new one. */
  fromName(name: NameLoop, role: 'patient' | 'insurer' | 'provider'): string {
    const nm1 = name.nm1;
    const person = el(nm1, 2) === '1';
    const type = role === 'patient' ? 'Patient' : person ? 'Practitioner' : 'Organization';
    const idValue = el(nm1, 9);
    const match = idValue ? this.request?.ofType(type).find((l) => (l.resource.identifier ?? []).some((i) => i.value === idValue)) : undefined;
    if (match) return this.echo(match);
    const key = `${type}|${el(nm1, 8)}|${idValue}|${el(nm1, 3)}|${el(nm1, 4)}`;
    const known = this.added.get(key);
    if (known) return known;
    const resource = build(type, name, role);
    const id = this.ids();
    const fullUrl = `urn:uuid:${id}`;
    const { resourceType, ...rest } = resource;
    this.entries.push({ fullUrl, resource: { resourceType, id, ...rest } });
    this.added.set(key, fullUrl);
    return fullUrl;
  }
}

const PROFILE_BY_ROLE = { patient: PROFILE.beneficiary, insurer: PROFILE.insurer, provider: undefined } as const;

function build(type: string, name: NameLoop, role: 'patient' | 'insurer' | 'provider'): Resource {
  const nm1 = name.nm1;
  const qualifier = el(nm1, 8);
  const value = el(nm1, 9);
  const identifier: Identifier | undefined = value
    ? qualifier === MEMBER_ID_QUALIFIER
      ? { type: { coding: [{ system: CS.v2IdentifierType, code: MEMBER_ID_TYPE }] }, value }
      : { ...(NM108_TO_SYSTEM[qualifier] ? { system: NM108_TO_SYSTEM[qualifier] } : {}), value }
    : undefined;
  const profile = PROFILE_BY_ROLE[role] ?? (type === 'Practitioner' ? PROFILE.practitioner : PROFILE.organization);
  const base: Resource = { resourceType: type, meta: { profile: [profile] }, ...(identifier ? { identifier: [identifier] } : {}) };
  if (type === 'Organization') return { ...base, ...(el(nm1, 3) ? { name: el(nm1, 3) } : {}) };
  const given = [el(nm1, 4), el(nm1, 5)].filter(Boolean);
  const human = { ...(el(nm1, 3) ? { family: el(nm1, 3) } : {}), ...(given.length ? { given } : {}), ...(el(nm1, 7) ? { suffix: [el(nm1, 7)] } : {}) };
  const dmg = name.segments.find((s) => s.tag === 'DMG');
  const birthDate = dmg && el(dmg, 1) === 'D8' ? fhirDate(el(dmg, 2)) : undefined;
  const gender = dmg ? X12_TO_GENDER[el(dmg, 3)] : undefined;
  return {
    ...base,
    ...(Object.keys(human).length ? { name: [human] } : {}),
    ...(gender ? { gender } : {}),
    ...(birthDate ? { birthDate } : {}),
  };
}
