/**
 * PAS request Bundle → body of an X12 275 (005010X210, Additional Information to Support a Health
 * Care Services Review) carrying the documents its 278 announced with PWK*..*EL:
 *
 * - BGN*02 (unsolicited) with the request's reference (Bundle.identifier, else the 2000E trace);
 * - 1000A payer (NM1*PR, the configured UMO id), 1000B submitter (NM1*41, the gateway), 1000C the
 *   requester (NM1*1P as in 2010B), 1000D the patient (NM1*QC with the member id), with REF*BB /
 *   REF*NT when the payer's answer to the 278 already gave them, and DTP*472 the service date;
 * - one 2000A per document: LX, TRN*2*<PWK06 attachment control number>, DTP*368 submission date,
 *   CAT*AE*MB, EFI*05 and BIN with a MIME entity (Content-Type, Content-ID = the control number,
 *   Content-Description, base64 body), itself base64 encoded so no delimiter can occur in BIN02.
 *
 * Pure: clock and identities come in as arguments.
 */
import type { Segment } from '../../x12/types.ts';
import type { Bundle } from '../fhir-types.ts';
import { fit } from '../errors.ts';
import { membership, requesterLoop } from '../request/members.ts';
import { nameOf, nm1 } from '../request/parties.ts';
import { MEMBER_ID_QUALIFIER } from '../codes/identifiers.ts';
import { requestContext } from '../pas-to-278.ts';
import { d8, dtpValue, hhmm, seg } from '../x12-util.ts';
import type { PromisedDocument } from './documents.ts';

/** Who and what a 275's heading names (005010X210 and 006020X316 alike). */
export interface Heading275Options {
  now: Date;
  payer: { id: string; idQualifier?: string; name: string };
  /** The gateway as submitter: ISA06/GS02 id and a name. */
  submitter: { id: string; name: string };
  /** The payer's numbers for the case, when its answer to the 278 is already in. */
  authNumber?: string;
  adminReference?: string;
}

export interface Attachment275Options extends Heading275Options {
  documents: PromisedDocument[];
}

/** A MIME entity (RFC 2045) holding one document, as text with CRLF line ends. */
export function mimeEntity(doc: PromisedDocument): string {
  const body = doc.data.replace(/\s+/g, '').match(/.{1,76}/g) ?? [];
  const description = doc.description ? [`Content-Description: ${doc.description.replace(/[\r\n]+/g, ' ')}`] : [];
  return [`Content-Type: ${doc.contentType}`, 'Content-Transfer-Encoding: base64', `Content-ID: <${doc.controlNumber}>`, ...description, '', ...body, ''].join('\r\n');
}

/**
 * BGN to 1000D: the reference, the payer, the gateway as submitter, the requester, the patient
 * with the payer's numbers when known, and the service date.
 */
export function heading275(bundle: Bundle, opts: Heading275Options): Segment[] {
  const ctx = requestContext(bundle);
  const member = membership(ctx);
  const where = ctx.claimPath;
  const requester = requesterLoop(ctx)[0]!;
  const first = (ctx.claim.item ?? [])[0];
  const served = dtpValue(first?.servicedDate, first?.servicedPeriod);
  const reference = fit('BGN02', 50, bundle.identifier?.value, 'Bundle.identifier.value') ?? ctx.trace;
  return [
    seg('BGN', '02', reference, d8(opts.now.toISOString())!, hhmm(opts.now.toISOString())),
    seg('NM1', 'PR', '2', opts.payer.name, '', '', '', '', opts.payer.idQualifier ?? 'PI', opts.payer.id),
    seg('NM1', '41', '2', opts.submitter.name, '', '', '', '', '46', opts.submitter.id),
    { tag: 'NM1', elements: ['1P', ...requester.elements.slice(1)] },
    nm1('QC', nameOf(member.patient), member.memberId ? [MEMBER_ID_QUALIFIER, member.memberId] : undefined, ctx.warn, member.patientPath),
    ...(opts.authNumber ? [seg('REF', 'BB', fit('REF02', 50, opts.authNumber, where))] : []),
    ...(opts.adminReference ? [seg('REF', 'NT', fit('REF02', 50, opts.adminReference, where))] : []),
    ...(served ? [seg('DTP', '472', ...served)] : []),
  ];
}

/**
 * @example
 * const body = pasTo275(bundle, { now, payer: { id: '99999', name: 'Demo Health Plan' }, submitter: { id: 'PRIORGATE', name: 'Priorgate' }, documents });
 */
export function pasTo275(bundle: Bundle, opts: Attachment275Options): Segment[] {
  const today = d8(opts.now.toISOString())!;
  const out = heading275(bundle, opts);
  opts.documents.forEach((doc, i) => {
    const mime = Buffer.from(mimeEntity(doc), 'utf8').toString('base64');
    out.push(
      seg('LX', String(i + 1)),
      seg('TRN', '2', fit('TRN02', 50, doc.controlNumber, `${doc.expression}.extension`)),
      seg('DTP', '368', 'D8', today),
      seg('CAT', 'AE', 'MB'),
      seg('EFI', '05'),
      seg('BIN', String(mime.length), mime),
    );
  });
  return out;
}
