/**
 * Synthetic EHR data for the EHR simulator (no real PHI). Dates are relative to the clock, so the
 * demo rules fire the same way on any day:
 * - `pat-lbp-ready`: low back pain, 10 weeks of physical therapy and an NSAID → lumbar MRI documented
 * - `pat-lbp-early`: low back pain, physical therapy only 2 weeks ago → conservative therapy missing
 * - `pat-bmi-42`: BMI 42 measured 30 days ago → bariatric surgery documented
 * - `pat-many-obs`: 25 vital-sign Observations (paging)
 * The PAS IG example patients get the same data (SubscriberExample ready, BeneficiaryExample early).
 */
import type { Resource } from '../fhir/bundle.ts';

const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const CPT = 'http://www.ama-assn.org/go/cpt';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const LOINC = 'http://loinc.org';

function daysAgo(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 10);
}

function patient(id: string, family: string, given: string, state: string): Resource {
  return { resourceType: 'Patient', id, name: [{ family, given: [given] }], gender: 'unknown', birthDate: '1970-01-01', address: [{ state }] };
}

function lowBackPain(id: string, pid: string, now: Date): Resource {
  return {
    resourceType: 'Condition', id, subject: { reference: `Patient/${pid}` },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: [{ system: ICD10, code: 'M54.50', display: 'Low back pain, unspecified' }] },
    onsetDateTime: daysAgo(now, 120), recordedDate: daysAgo(now, 110),
  };
}

function physicalTherapy(id: string, pid: string, now: Date, startedDaysAgo: number): Resource {
  return {
    resourceType: 'Procedure', id, status: 'completed', subject: { reference: `Patient/${pid}` },
    code: { coding: [{ system: CPT, code: '97110', display: 'Therapeutic exercises' }] },
    performedPeriod: { start: daysAgo(now, startedDaysAgo), end: daysAgo(now, 3) },
  };
}

function nsaid(id: string, pid: string, now: Date, daysBack: number): Resource {
  return {
    resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', subject: { reference: `Patient/${pid}` },
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '5640', display: 'Ibuprofen' }] },
    authoredOn: daysAgo(now, daysBack),
  };
}

function observation(id: string, pid: string, code: string, display: string, value: number, unit: string, when: string): Resource {
  return {
    resourceType: 'Observation', id, status: 'final', subject: { reference: `Patient/${pid}` },
    code: { coding: [{ system: LOINC, code, display }] },
    effectiveDateTime: when, valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

function ready(pid: string, now: Date): Resource[] {
  return [lowBackPain(`${pid}-lbp`, pid, now), physicalTherapy(`${pid}-pt`, pid, now, 70), nsaid(`${pid}-nsaid`, pid, now, 80)];
}

function early(pid: string, now: Date): Resource[] {
  return [lowBackPain(`${pid}-lbp`, pid, now), physicalTherapy(`${pid}-pt`, pid, now, 14)];
}

/** The simulator's whole data set for a clock. */
export function ehrSeed(now: Date): Resource[] {
  const many = Array.from({ length: 25 }, (_, i) =>
    observation(`pat-many-obs-hr-${i + 1}`, 'pat-many-obs', '8867-4', 'Heart rate', 60 + i, '/min', daysAgo(now, i + 1)),
  );
  return [
    patient('pat-lbp-ready', 'Lumbar', 'Ready', 'IL'),
    patient('pat-lbp-early', 'Lumbar', 'Early', 'ZZ'),
    patient('pat-bmi-42', 'Bariatric', 'Demo', 'KY'),
    patient('pat-many-obs', 'Vitals', 'Many', 'ZZ'),
    patient('SubscriberExample', 'Smith', 'Joe', 'MD'),
    patient('BeneficiaryExample', 'Smith', 'Jane', 'MD'),
    ...ready('pat-lbp-ready', now),
    ...early('pat-lbp-early', now),
    ...ready('SubscriberExample', now),
    ...early('BeneficiaryExample', now),
    observation('pat-bmi-42-bmi', 'pat-bmi-42', '39156-5', 'Body mass index (BMI) [Ratio]', 42, 'kg/m2', daysAgo(now, 30)),
    ...many,
  ];
}
