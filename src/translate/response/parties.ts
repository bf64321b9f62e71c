/**
 * The resources a PAS response Bundle carries beside the ClaimResponse. With the original request
 * at hand they are echoed with the same fullUrl and id (PAS spec-33), together with everything they
 * refer to (spec-31: once each; the kit checks that every reference resolves in the Bundle);
 * without it, or for parties the request did not name, they are built from the 278 name loops
 * (NM1, N3/N4, PER, REF), with ids from `ctx.ids()`.
 */
import type { Address, BundleEntry, ContactPoint, Identifier, Reference, Resource } from '../fhir-types.ts';
import type { BundleIndex, Located } from '../bundle-index.ts';
import { X12_TO_GENDER } from '../codes/demographics.ts';
import { MEMBER_ID_QUALIFIER, MEMBER_ID_TYPE, NM108_TO_SYSTEM } from '../codes/identifiers.ts';
import { PER_TO_TELECOM, providerRefSystem } from '../codes/response.ts';
import { CS, PROFILE, X12CS } from '../codes/systems.ts';
import type { NameLoop } from '../hl.ts';
import { el, fhirDate } from '../x12-util.ts';

export type PartyRole = 'patient' | 'insurer' | 'provider' | 'contact';

export class ResponseParties {
  /** Resources the response makes (from name loops, CommunicationRequest, Task), then echoed ones. */
  private readonly created: BundleEntry[] = [];
  private readonly echoed: BundleEntry[] = [];
  private readonly added = new Map<string, string>();

  /**
   * The entries after the ClaimResponse: what the response made (urn:uuid) first, the request's
   * own resources last — a reader resolving relative references against the last entry's base
   * (as the Inferno PAS kit does) then finds them where the request had them.
   */
  get entries(): BundleEntry[] {
    return [...this.created, ...this.echoed];
  }

  constructor(
    private readonly request: BundleIndex | undefined,
    private readonly ids: () => string,
  ) {}

  /**
   * Reference to a request resource, echoing it into the response Bundle once, with the request
   * resources it refers to (a Claim's `related` prior Claim excepted: PAS spec-66 leaves the
   * grandparent out of an update Bundle, so it may not be there to echo).
   */
  echo(located: Located): string {
    const request = this.request as BundleIndex;
    const reference = request.referenceTo(located);
    if (this.added.has(reference)) return reference;
    this.added.set(reference, reference);
    this.echoed.push({ ...(located.fullUrl ? { fullUrl: located.fullUrl } : {}), resource: located.resource });
    const source = located.resource.resourceType === 'Claim' ? { ...located.resource, related: undefined } : located.resource;
    for (const ref of referencesIn(source)) {
      const target = request.resolve(ref);
      if (target && target !== located) this.echo(target);
    }
    return reference;
  }

  /** Echoes a request resource by reference, when the request has it. */
  echoRef(ref: Reference | undefined): string | undefined {
    const hit = this.request?.resolve(ref);
    return hit ? this.echo(hit) : undefined;
  }

  /**
   * Reference to a party named in an NM1: the request resource with the same identifier, echoed as
   * is; but when the loop says more about the party (REF supplemental ids, N3/N4, PER), that is the
   * payer's statement about it and is kept: a resource is built from the loop.
   */
  fromName(name: NameLoop, role: PartyRole): string {
    const nm1 = name.nm1;
    const person = el(nm1, 2) === '1';
    const type = role === 'patient' ? 'Patient' : person ? 'Practitioner' : 'Organization';
    const idValue = el(nm1, 9);
    const saysMore = role !== 'patient' && name.segments.some((s) => ['REF', 'N3', 'N4', 'PER'].includes(s.tag));
    const match = idValue && !saysMore ? this.request?.ofType(type).find((l) => (l.resource.identifier ?? []).some((i) => i.value === idValue)) : undefined;
    if (match) return this.echo(match);
    const key = `${type}|${el(nm1, 8)}|${idValue}|${el(nm1, 3)}|${el(nm1, 4)}`;
    const known = this.added.get(key);
    if (known) return known;
    const resource = build(type, name, role);
    const id = this.ids();
    const fullUrl = `urn:uuid:${id}`;
    const { resourceType, ...rest } = resource;
    this.created.push({ fullUrl, resource: { resourceType, id, ...rest } });
    this.added.set(key, fullUrl);
    return fullUrl;
  }

  /** Adds a resource the response itself creates (CommunicationRequest, Task); returns its fullUrl. */
  add(resource: Resource): string {
    const id = this.ids();
    const fullUrl = `urn:uuid:${id}`;
    const { resourceType, ...rest } = resource;
    this.created.push({ fullUrl, resource: { resourceType, id, ...rest } });
    return fullUrl;
  }
}

/** Every `Reference.reference` inside a resource (contained resources and narrative aside). */
function referencesIn(value: unknown, out: Reference[] = []): Reference[] {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o['reference'] === 'string') out.push(o as Reference);
    for (const [k, v] of Object.entries(o)) if (k !== 'contained' && k !== 'text') referencesIn(v, out);
  }
  return out;
}

const PROFILE_BY_ROLE: Record<PartyRole, string | undefined> = { patient: PROFILE.beneficiary, insurer: PROFILE.insurer, provider: undefined, contact: undefined };

/** NM108/NM109 (+ the loop's REF supplemental ids) → identifiers. */
function identifiersOf(name: NameLoop): Identifier[] {
  const nm1 = name.nm1;
  const qualifier = el(nm1, 8);
  const value = el(nm1, 9);
  const own: Identifier[] = value
    ? [
        qualifier === MEMBER_ID_QUALIFIER
          ? { type: { coding: [{ system: CS.v2IdentifierType, code: MEMBER_ID_TYPE }] }, value }
          : { ...(NM108_TO_SYSTEM[qualifier] ? { system: NM108_TO_SYSTEM[qualifier] } : {}), value },
      ]
    : [];
  // REF*ZH, REF*1G, REF*SY … supplemental identifiers (REF01 element 128 → Identifier.type, REF03
  // description → its text).
  const refs = name.segments
    .filter((s) => s.tag === 'REF' && el(s, 1) && el(s, 2))
    .map((s) => ({ type: { coding: [{ system: X12CS('128'), code: el(s, 1) }], ...(el(s, 3) ? { text: el(s, 3) } : {}) }, system: providerRefSystem(el(s, 1)), value: el(s, 2) }));
  return [...own, ...refs];
}

/**
 * N3/N4 → Address (N403 ZIP+4 keeps its 9 digits; N404 country, US when absent; N407 country
 * subdivision, which X12 sends instead of N402 outside the US and Canada, is the Address.state).
 */
export function addressOf(name: NameLoop): Address | undefined {
  const n3 = name.segments.find((s) => s.tag === 'N3');
  const n4 = name.segments.find((s) => s.tag === 'N4');
  if (!n3 && !n4) return undefined;
  const line = n3 ? [el(n3, 1), el(n3, 2)].filter(Boolean) : [];
  return {
    ...(line.length ? { line } : {}),
    ...(n4 && el(n4, 1) ? { city: el(n4, 1) } : {}),
    ...(n4 && (el(n4, 2) || el(n4, 7)) ? { state: el(n4, 2) || el(n4, 7) } : {}),
    ...(n4 && el(n4, 3) ? { postalCode: el(n4, 3) } : {}),
    country: (n4 && el(n4, 4)) || 'US',
  };
}

/** PER*IC: the contact's name (PER02) and up to three numbers (PER03/04, 05/06, 07/08). */
export function contactOf(segments: NameLoop['segments']): { name?: string; telecom: ContactPoint[] } {
  const per = segments.find((s) => s.tag === 'PER');
  if (!per) return { telecom: [] };
  const telecom: ContactPoint[] = [];
  for (const at of [3, 5, 7]) {
    const system = PER_TO_TELECOM[el(per, at)];
    const value = el(per, at + 1);
    if (system && value) telecom.push({ system, value });
  }
  return { ...(el(per, 2) ? { name: el(per, 2) } : {}), telecom };
}

function build(type: string, name: NameLoop, role: PartyRole): Resource {
  const nm1 = name.nm1;
  const identifier = identifiersOf(name);
  const profile = PROFILE_BY_ROLE[role] ?? (type === 'Practitioner' ? PROFILE.practitioner : PROFILE.organization);
  const address = addressOf(name);
  const { name: contactName, telecom } = contactOf(name.segments);
  const base: Resource = {
    resourceType: type,
    meta: { profile: [profile] },
    ...(identifier.length ? { identifier } : {}),
    ...(telecom.length && !contactName ? { telecom } : {}),
    ...(address ? { address: [address] } : {}),
  };
  if (type === 'Organization') {
    return {
      ...base,
      active: true,
      // NM101 entity identifier (element 98): payer, UMO, facility, third-party administrator …
      type: [{ coding: [{ system: CS.entityIdentifier, code: el(nm1, 1) }] }],
      ...(el(nm1, 3) ? { name: el(nm1, 3) } : {}),
      ...(contactName ? { contact: [{ name: { text: contactName }, ...(telecom.length ? { telecom } : {}) }] } : {}),
    };
  }
  const given = [el(nm1, 4), el(nm1, 5)].filter(Boolean);
  const human = {
    ...(el(nm1, 3) ? { family: el(nm1, 3) } : {}),
    ...(given.length ? { given } : {}),
    ...(el(nm1, 6) ? { prefix: [el(nm1, 6)] } : {}),
    ...(el(nm1, 7) ? { suffix: [el(nm1, 7)] } : {}),
  };
  const dmg = name.segments.find((s) => s.tag === 'DMG');
  const birthDate = dmg && el(dmg, 1) === 'D8' ? fhirDate(el(dmg, 2)) : undefined;
  const gender = dmg ? X12_TO_GENDER[el(dmg, 3)] : undefined;
  return {
    ...base,
    ...(contactName && telecom.length ? { telecom } : {}),
    ...(Object.keys(human).length ? { name: [human] } : {}),
    ...(gender ? { gender } : {}),
    ...(birthDate ? { birthDate } : {}),
  };
}
