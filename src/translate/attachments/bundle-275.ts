/**
 * The whole PAS request Bundle → body of an X12 275 (006020X316), PAS 2.2.1 spec-26..28: the
 * Bundle is made available to an X12 payer exactly as the provider sent it.
 *
 * - the heading of every 275 we write (BGN, 1000A payer, 1000B submitter, 1000C requester, 1000D
 *   patient with REF*BB / REF*NT once the payer has answered, DTP*472);
 * - one 2000A: LX*1, TRN*2*<the Bundle's attachment control number> (the 278's PWK06 when the
 *   payer has the 278 announce it), DTP*368 submission date;
 * - 2100A: CAT*AE*HL (spec-28 CAT02: HL7 content), EFI*05, BDS*B64*<length of BDS03>*<the stored
 *   request bytes, base64> (spec-28 BDS01).
 *
 * Pure: clock and identities come in as arguments.
 */
import type { Segment } from '../../x12/types.ts';
import type { Bundle } from '../fhir-types.ts';
import { TranslateError } from '../errors.ts';
import { requestContext } from '../pas-to-278.ts';
import { bundleControlNumber } from '../request/clinical.ts';
import { d8, seg } from '../x12-util.ts';
import { heading275, type Heading275Options } from './to-275.ts';

/** GS08 / ST03 of the 275 form that carries the Bundle. */
export const BUNDLE_275_VERSION = '006020X316';

/**
 * @param stored the PAS request as the gateway stored it (the received JSON text).
 * @example
 * const { segments, controlNumber } = pasBundleTo275(stored, { now, payer: { id: '99999', name: 'Demo Health Plan' }, submitter: { id: 'PRIORGATE', name: 'Priorgate' } });
 */
export function pasBundleTo275(stored: string, opts: Heading275Options): { segments: Segment[]; controlNumber: string } {
  let bundle: Bundle;
  try {
    bundle = JSON.parse(stored) as Bundle;
  } catch {
    throw new TranslateError('invalid', 'the stored request is not JSON', 'Bundle');
  }
  const controlNumber = bundleControlNumber(requestContext(bundle).trace);
  const data = Buffer.from(stored, 'utf8').toString('base64');
  const segments = [
    ...heading275(bundle, opts),
    seg('LX', '1'),
    seg('TRN', '2', controlNumber),
    seg('DTP', '368', 'D8', d8(opts.now.toISOString())!),
    seg('CAT', 'AE', 'HL'),
    seg('EFI', '05'),
    seg('BDS', 'B64', String(data.length), data),
  ];
  return { segments, controlNumber };
}
