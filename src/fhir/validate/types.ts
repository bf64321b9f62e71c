/** Shapes shared by the PAS validator: the issue it reports and the conformance resources it reads. */

export type IssueSeverity = 'error' | 'warning' | 'information';

/**
 * One finding, shaped like an OperationOutcome.issue. `code` is a FHIR issue-type
 * (http://hl7.org/fhir/R4/valueset-issue-type.html): `required` for something missing, `value` or
 * `invalid` for a wrong value, `structure` for wrong JSON shape or unknown elements, `not-found` for
 * a dangling reference, `code-invalid` for a code outside a required binding, `invariant` for a
 * failed profile constraint, `duplicate`, `processing`.
 */
export interface ValidationIssue {
  severity: IssueSeverity;
  code: string;
  diagnostics: string;
  /** FHIRPath of the offending element, rooted at the Bundle: `Bundle.entry[0].resource.item[1].productOrService`. */
  expression: string;
}

export interface ElementDefinitionType {
  code: string;
  profile?: string[];
  targetProfile?: string[];
  [key: string]: unknown;
}

export interface ElementDefinitionConstraint {
  key: string;
  severity?: string;
  human?: string;
  expression?: string;
  [key: string]: unknown;
}

export interface ElementDefinition {
  id: string;
  path: string;
  sliceName?: string;
  min?: number;
  max?: string;
  base?: { path: string; min?: number; max?: string };
  type?: ElementDefinitionType[];
  slicing?: { discriminator?: { type: string; path: string }[]; rules?: string; ordered?: boolean; [key: string]: unknown };
  constraint?: ElementDefinitionConstraint[];
  binding?: { strength: string; valueSet?: string; [key: string]: unknown };
  contentReference?: string;
  [key: string]: unknown;
}

export interface StructureDefinition {
  resourceType: 'StructureDefinition';
  url: string;
  name: string;
  type: string;
  kind?: string;
  baseDefinition?: string;
  snapshot?: { element: ElementDefinition[] };
  [key: string]: unknown;
}

export interface ValueSetInclude {
  system?: string;
  concept?: { code: string }[];
  filter?: unknown[];
  valueSet?: string[];
}

export interface ValueSet {
  resourceType: 'ValueSet';
  url: string;
  compose?: { include?: ValueSetInclude[]; exclude?: ValueSetInclude[] };
  [key: string]: unknown;
}

export interface CodeSystemConcept {
  code: string;
  concept?: CodeSystemConcept[];
}

export interface CodeSystem {
  resourceType: 'CodeSystem';
  url: string;
  content?: string;
  concept?: CodeSystemConcept[];
  [key: string]: unknown;
}
