/**
 * The provider of a CoverageEligibilityRequest → 2100B information receiver: NM101 1P, the NPI
 * (NM108 XX) from a Practitioner, an Organization, or a PractitionerRole's practitioner or
 * organization, and the NUCC taxonomy (PRV*PE*PXC) from a PractitionerRole specialty.
 */
import { type BundleIndex, type Located } from '../bundle-index.ts';
import { CS } from '../codes/systems.ts';
import type { HumanName, Identifier, Reference } from '../fhir-types.ts';
import { ECS } from './codes/members.ts';
import type { EligibilityInquiry, PersonName } from './inquiry.ts';
import type { Issues } from './read-request.ts';
import { validNpi } from '../../fhir/npi.ts';

type Json = Record<string, any>;

export function personName(names: HumanName[] | undefined): PersonName | undefined {
  const n = (names ?? []).find((x) => x.family) ?? undefined;
  if (!n?.family) return undefined;
  const given = n.given ?? [];
  return { last: n.family, ...(given[0] ? { first: given[0] } : {}), ...(given[1] ? { middle: given[1] } : {}), ...(n.suffix?.[0] ? { suffix: n.suffix[0] } : {}) };
}

/** NPI check digit (Luhn with the 80840 prefix): one implementation, in fhir/npi.ts. */
export { validNpi };

const npiOf = (r: Json | undefined) => ((r?.identifier ?? []) as Identifier[]).find((i) => i.system === ECS.npi && i.value);

/** Practitioner, Organization or PractitionerRole (its practitioner, else its organization). */
function resolveProvider(index: BundleIndex, ref: Reference | undefined): { party?: Located; role?: Located } {
  const hit = index.resolve(ref);
  if (hit?.resource.resourceType !== 'PractitionerRole') return { ...(hit ? { party: hit } : {}) };
  const role = hit.resource as Json;
  const practitioner = index.resolve(role.practitioner);
  const organization = index.resolve(role.organization);
  const party = practitioner && npiOf(practitioner.resource) ? practitioner : organization && npiOf(organization.resource) ? organization : (practitioner ?? organization);
  return { ...(party ? { party } : {}), role: hit };
}

export function providerParty(index: BundleIndex, ref: Reference | undefined, where: string, issues: Issues): EligibilityInquiry['receiver'] | undefined {
  const { party, role } = resolveProvider(index, ref);
  const type = party?.resource.resourceType;
  if (!party || (type !== 'Practitioner' && type !== 'Organization')) {
    issues.error('required', 'provider must reference a Practitioner, Organization or PractitionerRole in the Bundle', where);
    return undefined;
  }
  const path = `Bundle.entry[${party.index}].resource`;
  const npi = npiOf(party.resource);
  if (!npi?.value) {
    issues.error('required', `the provider needs an NPI identifier (${ECS.npi}) for 2100B NM109`, `${path}.identifier`);
    return undefined;
  }
  if (!validNpi(npi.value)) {
    issues.error('value', 'the NPI is not 10 digits with a valid check digit', `${path}.identifier`);
    return undefined;
  }
  const person = type === 'Practitioner';
  const name = person ? personName(party.resource.name as HumanName[] | undefined) : typeof party.resource.name === 'string' ? { last: party.resource.name } : undefined;
  if (!name) {
    issues.error('required', 'the provider needs a name (2100B NM103)', `${path}.name`);
    return undefined;
  }
  const taxonomy = ((role?.resource as Json | undefined)?.specialty as Json[] | undefined)
    ?.flatMap((s) => s.coding ?? [])
    .find((c: Json) => c.system === CS.nuccTaxonomy)?.code as string | undefined;
  return { entity: '1P', person, name, qualifier: 'XX', id: npi.value, ...(taxonomy ? { taxonomy } : {}) };
}
