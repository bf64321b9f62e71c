/** What every part of the 278 request builder needs to know about the request being mapped. */
import type { Claim } from '../fhir-types.ts';
import type { BundleIndex } from '../bundle-index.ts';
import type { Warnings } from '../errors.ts';

/**
 * What the payer answered the request an update or cancel revises (its stored 278 response): the
 * numbers the payer needs to find the case (2000E REF*BB / REF*NT, 2000F REF*BB per line).
 */
export interface PriorNumbers {
  /** HCR02 / REF*BB of the prior answer's patient event: the authorization (certification) number. */
  authNumber?: string;
  /** REF*NT of the prior answer: the administrative reference number (a pended case's number). */
  adminReference?: string;
  /** Line authorization numbers of the prior answer, by Claim item sequence. */
  itemAuthNumbers?: Readonly<Record<number, string>>;
}

/**
 * How documents promised in PWK reach this payer: `x12-275` (electronically, an X12 275 follows:
 * PWK02 EL), or another route, which PWK02 then names instead of EL.
 */
export type AttachmentRoute = 'x12-275' | 'fax' | 'mail' | 'email' | 'portal' | 'none';

export interface RequestContext {
  index: BundleIndex;
  claim: Claim;
  /** FHIRPath of the Claim, e.g. `Bundle.entry[0].resource`. */
  claimPath: string;
  warn: Warnings;
  /** 2000E TRN02. */
  trace: string;
  /** TRN03 originating company identifier. */
  originator: string;
  /** The prior request's numbers, for an update or a cancel. */
  prior?: PriorNumbers;
  /** Absent: PWK02 as the request says (EL by default). */
  attachmentRoute?: AttachmentRoute;
  /** The whole PAS Bundle follows as a 275 and the 278 announces it (a PWK*OZ*EL of its own). */
  announceBundle?: boolean;
  /** The submitting organization's NPI, for 2010B when the Bundle's requester carries no usable id. */
  requesterNpi?: string;
}
