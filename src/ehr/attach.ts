/**
 * Adds fetched clinical resources to a PAS request Bundle: one entry each, and a Claim.supportingInfo
 * of the PAS `additionalInformation` category (PASSupportingInfoType, PASTempCodes) pointing at it
 * with valueReference and the documentInformation extension, so translate writes PWK segments
 * (PWK01 OZ support data, PWK02 EL electronic, PWK05 AC, PWK06 control number, PWK07 description).
 * Pure: returns a new Bundle, the input is not changed.
 */
import type { Bundle, Resource } from '../fhir/bundle.ts';

const PAS = 'http://hl7.org/fhir/us/davinci-pas';
const PAS_TEMP = `${PAS}/CodeSystem/PASTempCodes`;
const DOC_INFO = `${PAS}/StructureDefinition/extension-documentInformation`;

export interface AttachOptions {
  /** The EHR's FHIR base: entries get `{source}/{Type}/{id}` fullUrls. */
  source?: string;
  /** Ids for `urn:uuid:` fullUrls when there is no source or resource id. */
  ids?: () => string;
}

function describe(r: Resource): string {
  // A DocumentReference says what it is in `type` (a reviewer's attachment: its title).
  const concept = (r.resourceType === 'MedicationRequest' ? r.medicationCodeableConcept : (r.code ?? r.type)) as { text?: string; coding?: { code?: string; display?: string }[] } | undefined;
  const coding = concept?.coding?.[0];
  const what = concept?.text ?? [coding?.code, coding?.display].filter(Boolean).join(' ');
  return `${r.resourceType}${what ? ` ${what}` : ''}`.slice(0, 80);
}

function concept(system: string, code: string) {
  return { coding: [{ system, code }] };
}

/**
 * @example const enriched = attachToBundle(bundle, docs.resources, { source: ehr.baseUrl });
 */
export function attachToBundle(bundle: Bundle, resources: Resource[], opts: AttachOptions = {}): Bundle {
  const out = structuredClone(bundle);
  const entries = (out.entry ??= []);
  const claim = entries[0]?.resource as (Resource & { supportingInfo?: { sequence: number }[] }) | undefined;
  if (!claim || claim.resourceType !== 'Claim') throw new Error('attachToBundle: the Bundle does not start with a Claim');
  const infos = (claim.supportingInfo ??= []);
  let sequence = infos.reduce((max, s) => Math.max(max, s.sequence ?? 0), 0);
  const ids = opts.ids ?? (() => crypto.randomUUID());
  for (const r of resources) {
    const already = entries.some((e) => e.resource?.resourceType === r.resourceType && r.id !== undefined && e.resource?.id === r.id);
    if (already) continue;
    const fullUrl = opts.source && r.id ? `${opts.source.replace(/\/+$/, '')}/${r.resourceType}/${r.id}` : `urn:uuid:${ids()}`;
    entries.push({ fullUrl, resource: structuredClone(r) });
    infos.push({
      extension: [
        {
          url: DOC_INFO,
          extension: [
            { url: 'reportTypeCode', valueCodeableConcept: concept('https://codesystem.x12.org/005010/755', 'OZ') },
            { url: 'transmissionMethod', valueCodeableConcept: concept('https://codesystem.x12.org/005010/756', 'EL') },
            { url: 'controlNumber', valueString: `${r.resourceType}-${r.id ?? sequence + 1}`.slice(0, 80) },
            { url: 'description', valueString: describe(r) },
          ],
        },
      ],
      sequence: ++sequence,
      category: concept(PAS_TEMP, 'additionalInformation'),
      valueReference: { reference: fullUrl },
    } as never);
  }
  return out;
}
