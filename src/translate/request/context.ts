/** What every part of the 278 request builder needs to know about the request being mapped. */
import type { Claim } from '../fhir-types.ts';
import type { BundleIndex } from '../bundle-index.ts';
import type { Warnings } from '../errors.ts';

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
  /** The submitting organization's NPI, for 2010B when the Bundle's requester carries no usable id. */
  requesterNpi?: string;
}
