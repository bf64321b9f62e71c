/**
 * PAS request Bundle (and the payer's answer to its 278) → 275 (005010X210): where each position
 * `pasTo275` writes comes from.
 */
import { EXT } from '../codes/systems.ts';
import type { MapEntry, Representation } from './types.ts';

const e = (loop: string, segment: string, element: number | number[], fhir: string, as: Representation = 'value', extra: Partial<MapEntry> = {}): MapEntry => ({
  set: '275', loop, segment, element, fhir, as, ...extra,
});
const DOC_INFO = `Claim.supportingInfo.extension.where(url='${EXT.documentInformation}')`;

export const X210_275_MAP: readonly MapEntry[] = [
  e('HEADER', 'BGN', 1, 'Claim.supportingInfo', 'present', { note: '02: unsolicited, with or after the 278' }),
  e('HEADER', 'BGN', 2, '(Bundle.identifier.value | Claim.identifier.value)'),
  e('HEADER', 'BGN', [3, 4], 'Claim', 'present', { note: 'when the 275 was written' }),
  e('1000A', 'NM1', [1, 2, 8], 'Claim.insurer', 'present', { note: 'PR, 2, PI: the payer as configured (x12.umoId)' }),
  e('1000A', 'NM1', [3, 9], 'Claim.insurer', 'present', { note: 'the payer\'s configured name and umoId' }),
  e('1000B', 'NM1', [1, 2, 3, 8, 9], 'Claim', 'present', { note: '41 submitter: the gateway (PRIORGATE_X12_SENDER_ID, qualifier 46)' }),
  e('1000C', 'NM1', [1, 2], 'Claim.provider', 'present', { note: '1P: the requester as in the 278 2010B' }),
  e('1000C', 'NM1', [3, 4, 5, 7], '(Claim.provider.target.name | Claim.provider.target.name.family | Claim.provider.target.name.given | Claim.provider.target.practitioner.target.name.family | Claim.provider.target.practitioner.target.name.given)', 'prefix'),
  e('1000C', 'NM1', 8, 'Claim.provider.target', 'present'),
  e('1000C', 'NM1', 9, '(Claim.provider.target.identifier.value | Claim.provider.target.practitioner.target.identifier.value)'),
  e('1000D', 'NM1', [1, 2], 'Claim.patient', 'present', { note: 'QC patient' }),
  e('1000D', 'NM1', [3, 4, 5, 7], '(Claim.patient.target.name.family | Claim.patient.target.name.given | Claim.patient.target.name.suffix)', 'prefix'),
  e('1000D', 'NM1', 8, 'Coverage.subscriberId', 'present', { note: 'MI member id' }),
  e('1000D', 'NM1', 9, 'Coverage.subscriberId'),
  e('1000D', 'REF', [1, 2], 'Claim', 'present', { note: 'BB authorization number / NT administrative reference: from the payer\'s answer to the 278 (after-278)' }),
  e('1000D', 'DTP', [1, 2], '(Claim.item.servicedDate | Claim.item.servicedPeriod)', 'present'),
  e('1000D', 'DTP', 3, '(Claim.item.servicedDate | Claim.item.servicedPeriod)', 'date'),
  e('2000A', 'LX', 1, 'Claim.supportingInfo', 'present', { note: 'one 2000A per document' }),
  e('2000A', 'TRN', 1, 'Claim.supportingInfo', 'present', { note: '2: the number the 278 gave in PWK06' }),
  e('2000A', 'TRN', 2, `(${DOC_INFO}.extension.where(url='controlNumber').valueString | Claim.supportingInfo.valueReference.target.identifier.value | Claim.identifier.value)`, 'built'),
  e('2000A', 'DTP', [1, 2, 3], 'Claim.supportingInfo', 'present', { note: '368: the submission date' }),
  e('2100A', 'CAT', [1, 2], 'Claim.supportingInfo', 'present', { note: 'AE attachment, MB MIME (005010X210); HL HL7 content for the whole PAS Bundle (006020X316, PAS spec-28)' }),
  e('2100A', 'EFI', 1, 'Claim.supportingInfo', 'present', { note: '05: a MIME entity' }),
  e('2100A', 'BIN', 1, 'Claim.supportingInfo', 'present', { note: 'the length of BIN02' }),
  // The whole PAS request Bundle in a 275 006020X316 (payer setting x12.pasBundle275, PAS spec-28).
  e('2100A', 'BDS', 1, 'Bundle', 'present', { note: 'B64: BDS03 is base64 (PAS spec-28)' }),
  e('2100A', 'BDS', 2, 'Bundle', 'present', { note: 'the length of BDS03' }),
  e('2100A', 'BDS', 3, 'Bundle', 'present', { note: 'base64 of the PAS request Bundle exactly as received and stored' }),
  e('2100A', 'BIN', 2, '(Claim.supportingInfo.valueReference.target.content.attachment.data | Claim.supportingInfo.valueAttachment.data | Claim.supportingInfo.valueReference.target)', 'present', {
    note: 'base64 of a MIME entity: Content-Type (attachment.contentType, application/fhir+json for a resource), Content-ID (the control number), Content-Description (documentInformation description), the data',
  }),
];
