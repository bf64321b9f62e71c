/**
 * The slice of FHIR R4 that the PAS ⇄ 278 mappings read and write. Structural and deliberately
 * loose (every field optional, unknown fields kept): inputs are validated against the PAS profiles
 * before they reach `translate/`, so these types describe shape, not conformance.
 * TODO(fhir): replace with the shared FHIR types once `src/fhir` exports them.
 */

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

export interface Period {
  start?: string;
  end?: string;
}

export interface Quantity {
  value?: number;
  unit?: string;
  system?: string;
  code?: string;
}

export interface Money {
  value?: number;
  currency?: string;
}

export interface Identifier {
  extension?: Extension[];
  system?: string;
  value?: string;
  type?: CodeableConcept;
  assigner?: Reference;
}

export interface Reference {
  extension?: Extension[];
  reference?: string;
  identifier?: Identifier;
  display?: string;
}

export interface Extension {
  url: string;
  extension?: Extension[];
  valueCodeableConcept?: CodeableConcept;
  valueIdentifier?: Identifier;
  valueString?: string;
  valueBoolean?: boolean;
  valueDate?: string;
  valueDateTime?: string;
  valuePeriod?: Period;
  valueReference?: Reference;
  valueCode?: string;
  valueDecimal?: number;
  valuePositiveInt?: number;
  valueMoney?: Money;
  valueQuantity?: Quantity;
}

export interface HumanName {
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
  text?: string;
}

export interface Address {
  line?: string[];
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}

export interface ContactPoint {
  system?: string;
  value?: string;
}

/** Any resource; the fields below are the ones the mappings touch, by resource type. */
export interface Resource {
  resourceType: string;
  id?: string;
  meta?: { profile?: string[] };
  extension?: Extension[];
  modifierExtension?: Extension[];
  identifier?: Identifier[];
  name?: HumanName[] | string;
  address?: Address[] | Address;
  telecom?: ContactPoint[];
  gender?: string;
  birthDate?: string;
  [key: string]: unknown;
}

export interface BundleEntry<R extends Resource = Resource> {
  fullUrl?: string;
  resource?: R;
}

export interface Bundle {
  resourceType: 'Bundle';
  id?: string;
  meta?: { profile?: string[] };
  identifier?: Identifier;
  type?: string;
  timestamp?: string;
  entry?: BundleEntry[];
}

export interface ClaimItem {
  extension?: Extension[];
  modifierExtension?: Extension[];
  sequence: number;
  careTeamSequence?: number[];
  diagnosisSequence?: number[];
  informationSequence?: number[];
  revenue?: CodeableConcept;
  category?: CodeableConcept;
  productOrService?: CodeableConcept;
  modifier?: CodeableConcept[];
  servicedDate?: string;
  servicedPeriod?: Period;
  locationCodeableConcept?: CodeableConcept;
  locationReference?: Reference;
  quantity?: Quantity;
  unitPrice?: Money;
  net?: Money;
}

export interface ClaimCareTeam {
  extension?: Extension[];
  sequence: number;
  provider?: Reference;
  role?: CodeableConcept;
  qualification?: CodeableConcept;
}

export interface ClaimSupportingInfo {
  extension?: Extension[];
  modifierExtension?: Extension[];
  sequence: number;
  category?: CodeableConcept;
  timingDate?: string;
  timingPeriod?: Period;
  valueReference?: Reference;
  valueString?: string;
}

export interface ClaimDiagnosis {
  extension?: Extension[];
  sequence: number;
  diagnosisCodeableConcept?: CodeableConcept;
  type?: CodeableConcept[];
}

export interface Claim extends Resource {
  resourceType: 'Claim';
  type?: CodeableConcept;
  use?: string;
  patient?: Reference;
  created?: string;
  insurer?: Reference;
  provider?: Reference;
  related?: { claim?: Reference; relationship?: CodeableConcept }[];
  careTeam?: ClaimCareTeam[];
  supportingInfo?: ClaimSupportingInfo[];
  diagnosis?: ClaimDiagnosis[];
  insurance?: { sequence?: number; focal?: boolean; coverage?: Reference }[];
  accident?: { date?: string; type?: CodeableConcept; locationAddress?: Address };
  item?: ClaimItem[];
}

export interface Coverage extends Resource {
  resourceType: 'Coverage';
  subscriberId?: string;
  subscriber?: Reference;
  beneficiary?: Reference;
  relationship?: CodeableConcept;
  class?: { type?: CodeableConcept; value?: string; name?: string }[];
  payor?: Reference[];
}
