/**
 * Care team → provider name loops: claim-wide members (careTeamClaimScope true) become 2010EA
 * patient event providers, item-specific members become 2010F service providers of the items that
 * reference them.
 */
import type { Segment } from '../../x12/types.ts';
import type { ClaimCareTeam, ClaimItem } from '../fhir-types.ts';
import { codeOf, ext } from '../bundle-index.ts';
import { NM108_PREFERENCE } from '../codes/identifiers.ts';
import { DEFAULT_PROVIDER_ENTITY, MAX_EVENT_PROVIDERS, MAX_SERVICE_PROVIDERS } from '../codes/service.ts';
import { CS, EXT } from '../codes/systems.ts';
import type { RequestContext } from './context.ts';
import { addressSegments, idFor, nameOf, nm1, perSegment, prvSegment, resolveProvider } from './parties.ts';

function claimScoped(member: ClaimCareTeam): boolean {
  return ext(member, EXT.careTeamClaimScope)?.valueBoolean === true;
}

/** NM1 … PRV for one care team member; NM101 from careTeam.role (element 98), SJ without one. */
function providerLoop(ctx: RequestContext, member: ClaimCareTeam): Segment[] {
  const i = (ctx.claim.careTeam ?? []).indexOf(member);
  const where = `${ctx.claimPath}.careTeam[${i}].provider`;
  const provider = resolveProvider(ctx.index, member.provider, ctx.warn, where);
  if (!provider) return [];
  const entity = codeOf(member.role, CS.entityIdentifier) ?? DEFAULT_PROVIDER_ENTITY;
  const party = provider.party.resource;
  const taxonomy = codeOf(member.qualification, CS.nuccTaxonomy) ?? provider.taxonomy;
  return [
    nm1(entity, nameOf(party), idFor(party.identifier, NM108_PREFERENCE.provider), ctx.warn, where),
    ...addressSegments(provider.location ?? party, ctx.warn, where),
    ...perSegment(provider.telecom ?? party.telecom, where),
    ...prvSegment(entity, taxonomy),
  ];
}

/** 2010EA loops (PAS: only the first 14 claim-wide members reach the X12 request). */
export function eventProviders(ctx: RequestContext): Segment[] {
  const members = (ctx.claim.careTeam ?? []).filter(claimScoped);
  if (members.length > MAX_EVENT_PROVIDERS) {
    ctx.warn.add('limit-exceeded', `only the first ${MAX_EVENT_PROVIDERS} claim-wide care team members are sent`, `${ctx.claimPath}.careTeam`);
  }
  return members.slice(0, MAX_EVENT_PROVIDERS).flatMap((m) => providerLoop(ctx, m));
}

/** 2010F loops of one item (PAS: only the first 10 item members reach the X12 request). */
export function serviceProviders(ctx: RequestContext, item: ClaimItem): Segment[] {
  const members = (ctx.claim.careTeam ?? []).filter((m) => !claimScoped(m) && (item.careTeamSequence ?? []).includes(m.sequence));
  if (members.length > MAX_SERVICE_PROVIDERS) {
    ctx.warn.add('limit-exceeded', `only the first ${MAX_SERVICE_PROVIDERS} item care team members are sent`, `${ctx.claimPath}.careTeam`);
  }
  return members.slice(0, MAX_SERVICE_PROVIDERS).flatMap((m) => providerLoop(ctx, m));
}
