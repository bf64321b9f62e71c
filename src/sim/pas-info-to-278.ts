/**
 * What a PAS response asks the provider to send (its CommunicationRequests) written back as the
 * 278 response's 2000E / 2000F `HI*LOI` and PWK: the LOINC code asked for (payload.contentString)
 * and its modifiers (contentModifier) as one HI per level, and per CommunicationRequest a PWK with
 * the report type (category), transmission code (medium), attachment control number (identifier,
 * PWK05 AC) and description (note). Pure.
 */
import { EXT, LOINC_REQUEST_QUALIFIER, REPORT_TYPE_SYSTEM, TRANSMISSION_CODE_SYSTEM, seg, type Bundle } from '../translate/index.ts';
import type { Segment } from '../x12/types.ts';
import { codeIn, extOf } from './pas-parties-to-278.ts';

type Json = Record<string, any>;

/** HI holds twelve codes. */
const HI_MAX = 12;

/** The CommunicationRequests of a level: a line's by serviceLineNumber, the event's without one. */
export function requestsFor(bundle: Bundle, line: number | undefined): Json[] {
  return (bundle.entry ?? [])
    .map((e) => e.resource as Json | undefined)
    .filter((r): r is Json => r?.resourceType === 'CommunicationRequest')
    .filter((r) => extOf(r, EXT.serviceLineNumber)?.valuePositiveInt === line);
}

/** `HI*LOI:<code>*LOI:<modifier>…` of what the requests ask for. */
export function requestedCodes(requests: Json[]): Segment[] {
  const codes = requests.flatMap((r) => ((r.payload as Json[] | undefined) ?? []).flatMap((p) => [
    ...(p.contentString ? [p.contentString as string] : []),
    ...((p.extension as Json[] | undefined) ?? []).filter((e) => e.url === EXT.contentModifier).map((e) => codeIn(e.valueCodeableConcept) as string).filter(Boolean),
  ]));
  return codes.length ? [seg('HI', ...codes.slice(0, HI_MAX).map((c) => [LOINC_REQUEST_QUALIFIER, c]))] : [];
}

/**
 * PWK of each request that names a report type or a transmission code. PWK06 is the request's
 * identifier when the UMO gave it as an attachment control number: no system (the UMO's trace
 * numbers have one) and not the administrative reference number the level quotes anyway.
 */
export function paperwork(requests: Json[], adminReference: string | undefined): Segment[] {
  return requests.flatMap((r) => {
    const type = codeIn(r.category?.[0], REPORT_TYPE_SYSTEM);
    const medium = codeIn(r.medium?.[0], TRANSMISSION_CODE_SYSTEM);
    if (!type && !medium) return [];
    const id = (r.identifier as Json[] | undefined)?.find((i) => !i.system && i.value !== adminReference)?.value;
    const note = (r.note as Json[] | undefined)?.[0]?.text as string | undefined;
    return [seg('PWK', type, medium, undefined, undefined, id ? 'AC' : undefined, id, note?.slice(0, 80))];
  });
}
