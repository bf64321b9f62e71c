/** Person-level code maps: gender (DMG03) and relationship to the subscriber (INS02). */

/** 2010C/2010D DMG03 gender code (element 1068) from Patient.gender. */
export const GENDER_TO_X12: Record<string, string> = {
  male: 'M',
  female: 'F',
  other: 'U',
  unknown: 'U',
};

/** Reverse of DMG03, for patients built from a 278 response. */
export const X12_TO_GENDER: Record<string, string> = { M: 'male', F: 'female', U: 'unknown' };

/**
 * 2010D INS02 individual relationship code (element 1069) from Coverage.relationship
 * (http://terminology.hl7.org/CodeSystem/subscriber-relationship). X217 allows 01, 19, 20, 21,
 * 39, 40, 53, G8 for a dependent and 18 for the subscriber; relationships FHIR has and X217 does
 * not name go to G8 (other relationship).
 */
export const RELATIONSHIP_TO_X12: Record<string, string> = {
  self: '18',
  spouse: '01',
  child: '19',
  common: '53',
  parent: 'G8',
  other: 'G8',
  injured: 'G8',
};

/** The 2010C INS of a subscriber: INS01 Y (subscriber), INS02 18 (self). */
export const SUBSCRIBER_INS = { insured: 'Y', relationship: '18' } as const;
/** The 2010D INS of a dependent: INS01 N (not the subscriber). */
export const DEPENDENT_INSURED = 'N';
