/**
 * Which documents a PAS request promises the payer electronically (PWK02 EL): each live
 * additionalInformation supportingInfo whose documentInformation transmission method is EL (the
 * default), with the attachment control number its PWK06 carries and the content an X12 275 can
 * hold — a DocumentReference's inline attachment, the supportingInfo's own attachment, or any
 * other referenced resource (a Condition the EHR returned, say) as FHIR JSON. A promised document
 * with nothing to send (a DocumentReference with only a URL) is listed as missing, with why.
 */
import type { Bundle, ClaimSupportingInfo, Resource } from '../fhir-types.ts';
import { codeOf, ext } from '../bundle-index.ts';
import { CERTIFICATION_TYPE } from '../codes/review.ts';
import { EXT } from '../codes/systems.ts';
import { claimCertificationType } from '../request/claim-info.ts';
import { attachmentControlNumber, infosOf } from '../request/clinical.ts';
import { requestContext } from '../pas-to-278.ts';

export interface PromisedDocument {
  /** PWK06 of the 278 and TRN02 of the 275. */
  controlNumber: string;
  /** Claim.supportingInfo.sequence. */
  sequence: number;
  /** FHIRPath of the supportingInfo entry. */
  expression: string;
  contentType: string;
  /** Base64 content. */
  data: string;
  description?: string;
  /** PWK01 report type code (element 755). */
  reportType: string;
}

export interface MissingDocument {
  controlNumber: string;
  sequence: number;
  expression: string;
  reason: string;
}

interface Attachment {
  contentType?: string;
  data?: string;
  url?: string;
  title?: string;
}

function contentOf(info: ClaimSupportingInfo & { valueAttachment?: Attachment }, resource: Resource | undefined): { contentType: string; data: string; title?: string } | string {
  const direct = info.valueAttachment;
  if (direct?.data) return { contentType: direct.contentType ?? 'application/octet-stream', data: direct.data, ...(direct.title ? { title: direct.title } : {}) };
  if (direct?.url) return 'the attachment has only a URL, no inline data';
  if (!resource) return info.valueReference ? 'the referenced document is not in the Bundle' : 'no document is referenced';
  if (resource.resourceType !== 'DocumentReference') {
    return { contentType: 'application/fhir+json', data: Buffer.from(JSON.stringify(resource), 'utf8').toString('base64') };
  }
  const attachments = ((resource['content'] as { attachment?: Attachment }[] | undefined) ?? []).map((c) => c.attachment ?? {});
  const inline = attachments.find((a) => a.data);
  if (inline?.data) return { contentType: inline.contentType ?? 'application/octet-stream', data: inline.data, ...(inline.title ? { title: inline.title } : {}) };
  return attachments.some((a) => a.url) ? 'the DocumentReference has only a URL, no inline data' : 'the DocumentReference has no content';
}

/**
 * The documents a request's 278 announces as electronic (EL), and those it cannot deliver. A
 * whole-request cancel sends none.
 */
export function promisedDocuments(bundle: Bundle): { documents: PromisedDocument[]; missing: MissingDocument[] } {
  const ctx = requestContext(bundle);
  const documents: PromisedDocument[] = [];
  const missing: MissingDocument[] = [];
  if (claimCertificationType(ctx.claim) === CERTIFICATION_TYPE.cancel) return { documents, missing };
  for (const info of infosOf(ctx, 'additionalInformation')) {
    const doc = ext(info, EXT.documentInformation);
    const transmission = codeOf(ext(doc, 'transmissionMethod')?.valueCodeableConcept) ?? 'EL';
    if (transmission !== 'EL') continue;
    const controlNumber = attachmentControlNumber(ctx.index, ctx.trace, info);
    const expression = `${ctx.claimPath}.supportingInfo[${(ctx.claim.supportingInfo ?? []).indexOf(info)}]`;
    const content = contentOf(info, ctx.index.resolve(info.valueReference)?.resource);
    if (typeof content === 'string') {
      missing.push({ controlNumber, sequence: info.sequence, expression, reason: content });
      continue;
    }
    const description = ext(doc, 'description')?.valueString ?? content.title;
    documents.push({
      controlNumber,
      sequence: info.sequence,
      expression,
      contentType: content.contentType,
      data: content.data,
      ...(description ? { description } : {}),
      reportType: codeOf(ext(doc, 'reportTypeCode')?.valueCodeableConcept) ?? 'OZ',
    });
  }
  return { documents, missing };
}
