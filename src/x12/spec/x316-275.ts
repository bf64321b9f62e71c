/**
 * 275 Additional Information to Support a Health Care Services Review, 006020X316: the form in
 * which Priorgate sends the whole PAS request Bundle (PAS 2.2.1 spec-28). The heading (payer,
 * submitter, provider, patient) is the 005010X210 one; one 2000A carries the Bundle, its TRN02 the
 * attachment control number (the 278's PWK06 when the 278 announced it), 2100A CAT*AE*HL (HL7
 * content), EFI and BDS*B64 (the binary segment of the 6020 attachment guides, with its filter).
 */
import { seg } from './types.ts';
import { attachment275 } from './x210-275.ts';

export const X316_275 = attachment275('006020X316', 1, [
  // spec-28: CAT02 HL.
  seg('CAT', 'Category of Patient Information Service', 'R', 1, { el: { 1: { codes: ['AE'] }, 2: { codes: ['HL'] } } }),
  seg('EFI', 'Electronic Format Identification', 'R', 1),
  // spec-28: BDS01 B64.
  seg('BDS', 'Binary Data Structure', 'R', 1),
]);
