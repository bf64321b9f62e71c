/**
 * 271 2110C/D EB segment code lists and what they mean for a CoverageEligibilityResponse.
 * EB01 element 1390, EB02 element 1207, EB06 element 615, EB09 element 673, EB11/EB12 element 1073.
 */

export type CoverageStatus = 'active' | 'inactive';

export interface BenefitCode {
  display: string;
  /** EB01 1–8 say whether coverage is in force; every other code describes a benefit. */
  status?: CoverageStatus;
  /** FHIR R4 benefit-type (http://terminology.hl7.org/CodeSystem/benefit-type) where one fits. */
  fhirType?: string;
  /** The plan does not cover it (CoverageEligibilityResponse.insurance.item.excluded). */
  excluded?: boolean;
}

/** EB01 eligibility or benefit information code. */
export const EB01: Record<string, BenefitCode> = {
  '1': { display: 'Active Coverage', status: 'active' },
  '2': { display: 'Active - Full Risk Capitation', status: 'active' },
  '3': { display: 'Active - Services Capitated', status: 'active' },
  '4': { display: 'Active - Services Capitated to Primary Care Physician', status: 'active' },
  '5': { display: 'Active - Pending Investigation', status: 'active' },
  '6': { display: 'Inactive', status: 'inactive', excluded: true },
  '7': { display: 'Inactive - Pending Eligibility Update', status: 'inactive', excluded: true },
  '8': { display: 'Inactive - Pending Investigation', status: 'inactive', excluded: true },
  A: { display: 'Co-Insurance', fhirType: 'copay-percent' },
  B: { display: 'Co-Payment', fhirType: 'copay' },
  C: { display: 'Deductible', fhirType: 'deductible' },
  CB: { display: 'Coverage Basis' },
  D: { display: 'Benefit Description', fhirType: 'benefit' },
  E: { display: 'Exclusions', excluded: true },
  F: { display: 'Limitations', fhirType: 'benefit' },
  G: { display: 'Out of Pocket (Stop Loss)' },
  H: { display: 'Unlimited', fhirType: 'benefit' },
  I: { display: 'Non-Covered', excluded: true },
  J: { display: 'Cost Containment' },
  K: { display: 'Reserve' },
  L: { display: 'Primary Care Provider' },
  M: { display: 'Pre-existing Condition' },
  MC: { display: 'Managed Care Coordinator' },
  N: { display: 'Services Restricted to Following Provider' },
  O: { display: 'Not Deemed a Medical Necessity' },
  P: { display: 'Benefit Disclaimer' },
  Q: { display: 'Second Surgical Opinion Required' },
  R: { display: 'Other or Additional Payor' },
  S: { display: 'Prior Year(s) History' },
  T: { display: 'Card(s) Reported Lost/Stolen' },
  U: { display: 'Contact Following Entity for Eligibility or Benefit Information' },
  V: { display: 'Cannot Process' },
  W: { display: 'Other Source of Data' },
  X: { display: 'Health Care Facility' },
  Y: { display: 'Spend Down' },
};

/** EB02 coverage level code; IND and FAM have FHIR benefit-unit equivalents. */
export const EB02: Record<string, { display: string; fhirUnit?: 'individual' | 'family' }> = {
  CHD: { display: 'Children Only' },
  DEP: { display: 'Dependents Only' },
  E1D: { display: 'Employee and One Dependent' },
  E2D: { display: 'Employee and Two Dependents' },
  E3D: { display: 'Employee and Three Dependents' },
  E5D: { display: 'Employee and One or More Dependents' },
  E6D: { display: 'Employee and Two or More Dependents' },
  E7D: { display: 'Employee and Three or More Dependents' },
  E8D: { display: 'Employee and Four or More Dependents' },
  E9D: { display: 'Employee and Five or More Dependents' },
  ECH: { display: 'Employee and Children' },
  EMP: { display: 'Employee Only' },
  ESP: { display: 'Employee and Spouse' },
  FAM: { display: 'Family', fhirUnit: 'family' },
  IND: { display: 'Individual', fhirUnit: 'individual' },
  SPC: { display: 'Spouse and Children' },
  SPO: { display: 'Spouse Only' },
  TWO: { display: 'Two Party' },
};

/**
 * EB06 time period qualifier. `role` says how an amount with this period is read: a `total` for
 * the period (allowed), `used` so far (24 year to date), or what is `remaining` (29, 33).
 * FHIR benefit-term has annual, day and lifetime.
 */
export const EB06: Record<string, { display: string; role: 'total' | 'used' | 'remaining'; fhirTerm?: string; family: string }> = {
  '6': { display: 'Hour', role: 'total', family: '6' },
  '7': { display: 'Day', role: 'total', fhirTerm: 'day', family: '7' },
  '13': { display: '24 Hours', role: 'total', family: '13' },
  '21': { display: 'Years', role: 'total', family: '21' },
  '22': { display: 'Service Year', role: 'total', fhirTerm: 'annual', family: 'period' },
  '23': { display: 'Calendar Year', role: 'total', fhirTerm: 'annual', family: 'period' },
  '24': { display: 'Year to Date', role: 'used', family: 'period' },
  '25': { display: 'Contract', role: 'total', family: 'period' },
  '26': { display: 'Episode', role: 'total', family: '26' },
  '27': { display: 'Visit', role: 'total', family: '27' },
  '28': { display: 'Outlier', role: 'total', family: '28' },
  '29': { display: 'Remaining', role: 'remaining', family: 'period' },
  '30': { display: 'Exceeded', role: 'total', family: '30' },
  '31': { display: 'Not Exceeded', role: 'total', family: '31' },
  '32': { display: 'Lifetime', role: 'total', fhirTerm: 'lifetime', family: 'lifetime' },
  '33': { display: 'Lifetime Remaining', role: 'remaining', family: 'lifetime' },
  '34': { display: 'Month', role: 'total', family: '34' },
  '35': { display: 'Week', role: 'total', family: '35' },
  '36': { display: 'Admission', role: 'total', family: '36' },
};

/** EB09 quantity qualifier; VS (visits) has the FHIR benefit-type `visit`. */
export const EB09: Record<string, { display: string; fhirType?: string }> = {
  '8H': { display: 'Minimum' },
  '99': { display: 'Quantity Used' },
  CA: { display: 'Covered - Actual' },
  CE: { display: 'Covered - Estimated' },
  D3: { display: 'Number of Co-insurance Days' },
  DB: { display: 'Deductible Blood Units' },
  DY: { display: 'Days' },
  HS: { display: 'Hours' },
  LA: { display: 'Life-time Reserve - Actual' },
  LE: { display: 'Life-time Reserve - Estimated' },
  M2: { display: 'Maximum' },
  MN: { display: 'Month' },
  P6: { display: 'Number of Services or Procedures' },
  QA: { display: 'Quantity Approved' },
  S7: { display: 'Age, High Value' },
  S8: { display: 'Age, Low Value' },
  VS: { display: 'Visits', fhirType: 'visit' },
  YY: { display: 'Years' },
};

/** EB12 in plan network indicator → FHIR benefit-network; W (not applicable) and U (unknown) map to nothing. */
export const EB12_NETWORK: Record<string, 'in' | 'out' | undefined> = { Y: 'in', N: 'out', W: undefined, U: undefined };

/** EB11 authorization or certification indicator (Y yes, N no, U unknown). */
export const EB11_REQUIRED: Record<string, boolean | undefined> = { Y: true, N: false, U: undefined };
