/** What rule evaluation returns: data for $submit, the worklist and `priorgate rules explain`. */
import type { Bundle, Resource } from '../fhir/bundle.ts';

export type Outcome = 'not-required' | 'gold-carded' | 'required' | 'missing-documentation';

export interface EvaluateInput {
  bundle: Bundle;
  payerId: string;
  now: Date;
  /** USPS state whose timeframes apply; defaults to the patient's address state in the Bundle. */
  state?: string;
  /** Resources fetched from the EHR for the documentation asked for; absent before fetching. */
  fetched?: Resource[];
}

/** One step of the decision trace: which rule, on what inputs, with what result. */
export interface TraceStep {
  rule: string;
  /** Claim.item.sequence, for per-line steps. */
  item?: number;
  inputs: Record<string, unknown>;
  result: string;
  detail?: string;
}

export interface DocSource {
  /** FHIR search with dates filled in; `{patient}` is left for the EHR client. */
  search: string;
  filter?: string;
}

/** A documentation requirement of one service line: the searches to run and whether it is met. */
export interface DocRequirement {
  id: string;
  service: string;
  item: number;
  description: string;
  sources: DocSource[];
  min: number;
  satisfied: boolean;
  /** `Type/id` of the resources that satisfy it. */
  satisfiedBy: string[];
}

export interface ItemDecision {
  sequence: number;
  code?: string;
  /** The service rule that applied, if any. */
  service?: string;
  outcome: Outcome;
}

export interface RuleDecision {
  outcome: Outcome;
  trace: TraceStep[];
  documentation: DocRequirement[];
  deadlineHours: number;
  deadlineSource: 'federal' | `state:${string}` | `payer:${string}`;
  urgency: 'expedited' | 'standard';
  items: ItemDecision[];
  companionGuide: { maxServiceLines?: number; exceeded: boolean };
  /** FHIRPath failures at evaluation time (also in the trace); the affected line counts as required. */
  errors: string[];
  /** Whether the payer's rules hold the request for staff review before the 278 leaves, and why. */
  review: ReviewDecision;
}

export interface ReviewDecision {
  required: boolean;
  /** Why (or why not), in words for staff: "documentation still missing: low-back-pain". */
  reason: string;
}
