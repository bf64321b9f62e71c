/**
 * AAA (request validation) at any level → ClaimResponse.error. An AAA says the UMO could not
 * process (part of) the request — it is never a denial: no reviewAction comes from it.
 * AAA03 → error.code (element 901), AAA04 → errorFollowupAction (element 889), the loop the AAA
 * sits in → errorElement, and, with the request at hand, the FHIR element it is about → errorPath.
 */
import type { Claim, Coverage, Extension, Reference } from '../fhir-types.ts';
import type { BundleIndex, Located } from '../bundle-index.ts';
import { MEMBER_ID_TYPE, NM108_PREFERENCE } from '../codes/identifiers.ts';
import { CS, EXT } from '../codes/systems.ts';
import { Warnings } from '../errors.ts';
import { idFor, resolveProvider } from '../request/parties.ts';
import type { Json } from './items.ts';
import type { Rejection } from './parse.ts';

export interface RequestView {
  index: BundleIndex;
  claim: Claim;
  /** 2000F HL01 → index of the Claim.item it answers. */
  itemIndexByHl: Map<string, number>;
}

/**
 * What an AAA03 reject reason (element 901) says is wrong, where that is one element the 278 request
 * was built from (X217 AAA03 code list); any other reason is about the loop's party as a whole.
 */
type Aspect = 'member-id' | 'name' | 'birth-date' | 'gender' | 'provider-id' | 'address' | 'service' | 'service-date' | 'diagnosis';
const REASON_ASPECT: Readonly<Record<string, Aspect>> = {
  '64': 'member-id', // Invalid/Missing Patient ID
  '68': 'member-id', // Duplicate Patient ID Number
  '72': 'member-id', // Invalid/Missing Subscriber/Insured ID
  '75': 'member-id', // Subscriber/Insured Not Found (looked up by that id)
  '76': 'member-id', // Duplicate Subscriber/Insured ID Number
  '44': 'name', // Invalid/Missing Provider Name
  '65': 'name', // Invalid/Missing Patient Name
  '73': 'name', // Invalid/Missing Subscriber/Insured Name
  '58': 'birth-date', // Invalid/Missing Date-of-Birth
  '60': 'birth-date', // Date of Birth Follows Date(s) of Service
  '71': 'birth-date', // Patient Birth Date Does Not Match That for the Patient on the Database
  '66': 'gender', // Invalid/Missing Patient Gender Code
  '74': 'gender', // Invalid/Missing Subscriber/Insured Gender Code
  '43': 'provider-id', // Invalid/Missing Provider Identification
  '51': 'provider-id', // Provider Not on File
  '47': 'address', // Invalid/Missing Provider State
  '97': 'address', // Invalid or Missing Provider Address
  AG: 'service', // Invalid/Missing Procedure Code(s)
  '57': 'service-date', // Invalid/Missing Date(s) of Service
  AF: 'diagnosis', // Invalid/Missing Diagnosis Code(s)
};

const CLAIM = 'Bundle.entry[0].resource';
const at = (hit: Located | undefined): string | undefined => (hit ? `Bundle.entry[${hit.index}].resource` : undefined);

/** The element of a person (2010C/2010D NM1, DMG) or requester (2010B NM1) a reason names, present or missing. */
const PARTY_ELEMENT: Partial<Record<Aspect, string>> = { name: 'name', 'birth-date': 'birthDate', gender: 'gender' };

function personPath(person: Located | undefined, aspect: Aspect | undefined): string | undefined {
  const base = at(person);
  const element = aspect ? PARTY_ELEMENT[aspect] : undefined;
  return base && element ? `${base}.${element}` : base;
}

/** 2010C NM109: Coverage.subscriberId, else the subscriber's member id identifier (membership() in request/members.ts). */
function memberIdPath(coverage: Located<Coverage> | undefined, subscriber: Located | undefined): string | undefined {
  if (coverage && typeof coverage.resource.subscriberId === 'string') return `${at(coverage)}.subscriberId`;
  const ids = subscriber?.resource.identifier ?? [];
  const typed = ids.findIndex((i) => i.type?.coding?.some((c) => c.code === MEMBER_ID_TYPE));
  const k = typed >= 0 ? typed : ids.length > 0 ? 0 : -1;
  return k >= 0 ? `${at(subscriber)}.identifier[${k}]` : at(coverage);
}

/** 2010B: NM1 from the requester (or a PractitionerRole's practitioner), N3/N4 from the role's location (request/members.ts). */
function requesterPath(view: RequestView, aspect: Aspect | undefined): string | undefined {
  const requester = view.index.resolve(view.claim.provider);
  const provider = resolveProvider(view.index, view.claim.provider, new Warnings(), '');
  if (!provider) return at(requester);
  const party = provider.party;
  if (aspect === 'provider-id') {
    const id = idFor(party.resource.identifier, NM108_PREFERENCE.provider);
    const k = id ? (party.resource.identifier ?? []).findIndex((i) => i.value === id[1]) : -1;
    return k >= 0 ? `${at(party)}.identifier[${k}]` : at(party);
  }
  if (aspect === 'address') {
    const place = (provider.location ? view.index.resolve((requester?.resource['location'] as Reference[] | undefined)?.[0]) : undefined) ?? party;
    return `${at(place)}.address`;
  }
  return aspect === 'name' ? `${at(party)}.name` : at(party);
}

/** A Claim item's element an AAA in its 2000F is about (2000F SV1/SV2 from productOrService, DTP*472 from serviced[x]). */
function itemPath(i: number, aspect: Aspect | undefined): string {
  const item = `${CLAIM}.item[${i}]`;
  if (aspect === 'service') return `${item}.productOrService`;
  if (aspect === 'service-date') return `${item}.serviced`;
  return item;
}

/**
 * Which FHIR element of the request an AAA is about: the element its loop's segment was built from
 * when the reject reason names one (72 in 2010C: NM109, Coverage.subscriberId), else the resource
 * the loop stands for.
 */
function errorPath(view: RequestView, r: Rejection): string | undefined {
  const aspect = REASON_ASPECT[r.reason];
  const coverage = view.index.resolve<Coverage>((view.claim.insurance ?? []).find((i) => i.focal)?.coverage ?? view.claim.insurance?.[0]?.coverage);
  const patient = view.index.resolve(view.claim.patient);
  switch (r.loopId) {
    case '2000A':
    case '2010A':
      return at(view.index.resolve(view.claim.insurer));
    case '2000B':
    case '2010B':
      return requesterPath(view, aspect);
    case '2000C':
    case '2010C': {
      const subscriber = view.index.resolve(coverage?.resource.subscriber) ?? patient;
      return aspect === 'member-id' ? memberIdPath(coverage, subscriber) : personPath(subscriber, aspect) ?? at(patient);
    }
    case '2000D':
    case '2010D':
      return personPath(patient, aspect);
    case '2000E':
      return aspect === 'diagnosis' ? `${CLAIM}.diagnosis` : CLAIM;
    case '2010EA':
    case '2010EB':
    case '2010EC':
      return `${CLAIM}.careTeam`;
    case '2000F':
    case '2010F': {
      const i = view.itemIndexByHl.get(r.hlId);
      return i === undefined ? `${CLAIM}.item` : itemPath(i, aspect);
    }
    default:
      return undefined;
  }
}

export function responseErrors(rejections: Rejection[], view: RequestView | undefined): Json[] {
  return rejections.map((r) => {
    const path = view ? errorPath(view, r) : undefined;
    const extension: Extension[] = [
      { url: EXT.errorElement, extension: [{ url: 'error', valueString: r.loopId }] },
      ...(path ? [{ url: EXT.errorPath, valueString: path }] : []),
      ...(r.followUp ? [{ url: EXT.errorFollowupAction, valueCodeableConcept: { coding: [{ system: CS.followUpAction, code: r.followUp }] } }] : []),
    ];
    return { extension, code: { coding: [{ system: CS.rejectReason, code: r.reason }] } };
  });
}
