/**
 * The PAS response for a request the payer never reviewed: its 999 or TA1 refused the interchange,
 * or it could not be reached at all. Like an AAA it is an error, never a denial (outcome `error`,
 * no reviewAction), told in PAS terms: error.code from the X12 reject reasons PAS binds it to (901),
 * what to do next (889), and which X12 position the payer named (errorElement).
 */
import type { Bundle, BundleEntry, Claim, Reference, Resource } from '../fhir-types.ts';
import { BundleIndex } from '../bundle-index.ts';
import { CS, EXT, PROFILE } from '../codes/systems.ts';
import { ResponseParties } from './parties.ts';

export type RefusalKind = 'syntax' | 'unreachable';

/**
 * 901 reject reason and 889 follow-up action per kind: a refused interchange is an input error to
 * correct and resubmit (33, C); an unreachable payer cannot respond now, resubmit the original (42, P).
 */
const REFUSALS: Record<RefusalKind, { code: string; followUp: string }> = {
  syntax: { code: '33', followUp: 'C' },
  unreachable: { code: '42', followUp: 'P' },
};

export interface Refusal {
  kind: RefusalKind;
  /** What happened, in words (the payer's 999/TA1 verdict, or the delivery error). */
  text: string;
  /** The X12 position the payer's acknowledgment names: `2000F-SV1-20`, `TA1-022` … */
  element?: string;
  /** The acknowledgment's own errors (999 IK3/IK4/IK5/AK9 as ClaimResponse.error, `ackErrors`), after the first. */
  errors?: Record<string, unknown>[];
}

const ABSENT: Reference = { extension: [{ url: EXT.dataAbsentReason, valueCode: 'unknown' }] };

export function refusalResponse(request: Bundle | undefined, refusal: Refusal, ctx: { now: Date; ids: () => string }): Bundle {
  const index = request ? new BundleIndex(request) : undefined;
  const first = index?.entries[0];
  const claim = first?.resource.resourceType === 'Claim' ? (first.resource as Claim) : undefined;
  const parties = new ResponseParties(index, ctx.ids);
  const ref = (r: Reference | undefined): Reference => {
    const echoed = parties.echoRef(r);
    return echoed ? { reference: echoed } : ABSENT;
  };
  const { code, followUp } = REFUSALS[refusal.kind];
  const firstAck = refusal.errors?.[0] as { extension?: { url?: string }[] } | undefined;
  const located = (firstAck?.extension ?? []).filter((x) => x.url === EXT.errorElement || x.url === EXT.errorPath);
  const id = ctx.ids();
  const claimResponse: Resource = {
    resourceType: 'ClaimResponse',
    id,
    meta: { profile: [PROFILE.claimResponse] },
    ...(claim?.identifier?.length ? { identifier: claim.identifier } : {}),
    status: 'active',
    type: claim?.type ?? { coding: [{ system: CS.claimType, code: 'professional' }] },
    use: 'preauthorization',
    patient: ref(claim?.patient),
    created: ctx.now.toISOString(),
    insurer: ref(claim?.insurer),
    requestor: ref(claim?.provider),
    request: first && claim ? { reference: index!.referenceTo(first) } : ABSENT,
    outcome: 'error',
    disposition: refusal.text,
    error: [
      {
        extension: [
          // Where: the first position the acknowledgment's own errors name (with its FHIR path), else the element given.
          ...(located.length ? located : refusal.element ? [{ url: EXT.errorElement, extension: [{ url: 'error', valueString: refusal.element }] }] : []),
          { url: EXT.errorFollowupAction, valueCodeableConcept: { coding: [{ system: CS.followUpAction, code: followUp }] } },
        ],
        code: { coding: [{ system: CS.rejectReason, code }], text: refusal.text },
      },
      ...(refusal.errors ?? []),
    ],
  };
  const entry: BundleEntry[] = [{ fullUrl: `urn:uuid:${id}`, resource: claimResponse }, ...parties.entries];
  return {
    resourceType: 'Bundle',
    id: ctx.ids(),
    meta: { profile: [PROFILE.responseBundle] },
    ...(request?.identifier ? { identifier: request.identifier } : { identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${id}` } }),
    type: 'collection',
    timestamp: ctx.now.toISOString(),
    entry,
  };
}
