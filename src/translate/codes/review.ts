/** Review-level code maps: what is asked (UM01, UM02, UM06) and what the UMO answered (HCR01). */

/** 2000E/2000F UM01 request category code (element 1525), with the PAS display. */
export const REQUEST_CATEGORY: Record<string, string> = {
  AR: 'Admission Review',
  HS: 'Health Services Review',
  SC: 'Specialty Care Review',
  IN: 'Initial Medical Services Reservation',
};

/** BHT02 transaction set purpose (element 353) of a 278 request: 13 request, 01 cancellation. */
export const BHT02_PURPOSE = { request: '13', cancellation: '01' } as const;

/** BHT06 transaction type implied by a request category: medical services reservation → RU. */
export const BHT06_BY_CATEGORY: Record<string, string> = { IN: 'RU' };

/** 2000E/2000F UM02 certification type code (element 1322). */
export const CERTIFICATION_TYPE = {
  initial: 'I',
  cancel: '3',
  /** Used at 2000E for a PAS Claim update that adds, changes or cancels items. */
  revised: 'S',
} as const;

/** 2000E UM06 level of service code (element 1338) from the Claim levelOfServiceCode extension. */
export const LEVEL_OF_SERVICE: Record<string, string> = {
  E: 'Elective',
  U: 'Urgent',
  '03': 'Emergency',
};

/** FHIR Claim.priority (processpriority) → UM06 when the PAS extension is absent. */
export const PRIORITY_TO_LEVEL_OF_SERVICE: Record<string, string> = { stat: '03' };

/** HCR01 action code (element 306), shown in reviewActionCode. */
export const REVIEW_ACTION: Record<string, string> = {
  A1: 'Certified in total',
  A2: 'Certified - partial',
  A3: 'Not Certified',
  A4: 'Pended',
  A6: 'Modified',
  C: 'Cancelled',
  CT: 'Contact Payer',
  NA: 'No Action Required',
};

export type ReviewActionCode = keyof typeof REVIEW_ACTION | (string & {});

/** HCR01 codes that mean the service may go ahead (in whole or in part). */
export const CERTIFIED = new Set(['A1', 'A2', 'A6']);
/** HCR01 codes that mean no final decision yet. */
export const UNDECIDED = new Set(['A4']);

/** HCR04 / reviewAction.secondSurgicalOpinionFlag. */
export const YES_NO: Record<string, boolean> = { Y: true, N: false };
