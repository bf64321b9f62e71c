/** Composite data structures shared by several segments (005010 dictionary). */
import { comp, el, type ElementSpec } from './types.ts';

/** C003 Composite Medical Procedure Identifier (SV101, SV202, SV301, EQ02, EB13). */
export const C003 = (usage: 'R' | 'S' = 'S'): ElementSpec =>
  comp(0, 'Composite Medical Procedure Identifier', [
    el(235, 'Product/Service ID Qualifier', 'ID', 2, 2, { usage: 'R' }),
    el(234, 'Product/Service ID', 'AN', 1, 48, { usage: 'R' }),
    el(1339, 'Procedure Modifier', 'AN', 2, 2),
    el(1339, 'Procedure Modifier', 'AN', 2, 2),
    el(1339, 'Procedure Modifier', 'AN', 2, 2),
    el(1339, 'Procedure Modifier', 'AN', 2, 2),
    el(352, 'Description', 'AN', 1, 80),
    el(234, 'Product/Service ID', 'AN', 1, 48),
  ], { usage });

/** C004 Composite Diagnosis Code Pointer (EQ05, EB14, SV107). */
export const C004: ElementSpec = comp(0, 'Composite Diagnosis Code Pointer', [
  el(1328, 'Diagnosis Code Pointer', 'N0', 1, 2, { usage: 'R' }),
  el(1328, 'Diagnosis Code Pointer', 'N0', 1, 2),
  el(1328, 'Diagnosis Code Pointer', 'N0', 1, 2),
  el(1328, 'Diagnosis Code Pointer', 'N0', 1, 2),
]);

/** C022 Health Care Code Information (HI01-HI12). */
export const C022 = (usage: 'R' | 'S' = 'S'): ElementSpec =>
  comp(0, 'Health Care Code Information', [
    el(1270, 'Code List Qualifier Code', 'ID', 1, 3, { usage: 'R' }),
    el(1271, 'Industry Code', 'AN', 1, 30, { usage: 'R' }),
    el(1250, 'Date Time Period Format Qualifier', 'ID', 2, 3),
    el(1251, 'Date Time Period', 'AN', 1, 35),
    el(782, 'Monetary Amount', 'R', 1, 18),
    el(380, 'Quantity', 'R', 1, 15),
    el(799, 'Version Identifier', 'AN', 1, 30),
    el(1271, 'Industry Code', 'AN', 1, 30),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1),
  ], { usage });

/** C023 Health Care Service Location Information (UM04, SV303). */
export const C023: ElementSpec = comp(0, 'Health Care Service Location Information', [
  el(1331, 'Facility Code Value', 'AN', 1, 2, { usage: 'R' }),
  el(1332, 'Facility Code Qualifier', 'ID', 1, 2, { usage: 'R', codes: ['A', 'B'] }),
  el(1325, 'Claim Frequency Type Code', 'ID', 1, 1),
]);

/** C024 Related Causes Information (UM05). */
export const C024: ElementSpec = comp(0, 'Related Causes Information', [
  el(1362, 'Related-Causes Code', 'ID', 2, 3, { usage: 'R', codes: ['AA', 'AP', 'EM', 'OA'] }),
  el(1362, 'Related-Causes Code', 'ID', 2, 3, { codes: ['AA', 'AP', 'EM', 'OA'] }),
  el(1362, 'Related-Causes Code', 'ID', 2, 3, { codes: ['AA', 'AP', 'EM', 'OA'] }),
  el(156, 'State or Province Code', 'ID', 2, 2),
  el(26, 'Country Code', 'ID', 2, 3),
]);

/** C040 Reference Identifier (REF04). */
export const C040: ElementSpec = comp(0, 'Reference Identifier', [
  el(128, 'Reference Identification Qualifier', 'ID', 2, 3, { usage: 'R' }),
  el(127, 'Reference Identification', 'AN', 1, 50, { usage: 'R' }),
  el(128, 'Reference Identification Qualifier', 'ID', 2, 3),
  el(127, 'Reference Identification', 'AN', 1, 50),
  el(128, 'Reference Identification Qualifier', 'ID', 2, 3),
  el(127, 'Reference Identification', 'AN', 1, 50),
]);

/** C001 Composite Unit of Measure (III06): five (unit, exponent, multiplier) triples. */
export const C001: ElementSpec = comp(
  0,
  'Composite Unit of Measure',
  Array.from({ length: 5 }, (_, i) => [
    el(355, 'Unit or Basis for Measurement Code', 'ID', 2, 2, i === 0 ? { usage: 'R' } : {}),
    el(1018, 'Exponent', 'R', 1, 15),
    el(649, 'Multiplier', 'R', 1, 10),
  ]).flat(),
);

/** C002 Actions Indicated (PWK08). */
export const C002: ElementSpec = comp(0, 'Actions Indicated', [
  el(704, 'Paperwork/Report Action Code', 'ID', 1, 2, { usage: 'R' }),
  el(704, 'Paperwork/Report Action Code', 'ID', 1, 2),
  el(704, 'Paperwork/Report Action Code', 'ID', 1, 2),
  el(704, 'Paperwork/Report Action Code', 'ID', 1, 2),
  el(704, 'Paperwork/Report Action Code', 'ID', 1, 2),
]);

/** C005 Tooth Surface (TOO03). */
export const C005: ElementSpec = comp(0, 'Tooth Surface', [
  el(1369, 'Tooth Surface Code', 'ID', 1, 2, { usage: 'R' }),
  el(1369, 'Tooth Surface Code', 'ID', 1, 2),
  el(1369, 'Tooth Surface Code', 'ID', 1, 2),
  el(1369, 'Tooth Surface Code', 'ID', 1, 2),
  el(1369, 'Tooth Surface Code', 'ID', 1, 2),
]);

/** C006 Oral Cavity Designation (SV304). */
export const C006: ElementSpec = comp(0, 'Oral Cavity Designation', [
  el(1361, 'Oral Cavity Designation Code', 'ID', 1, 3, { usage: 'R' }),
  el(1361, 'Oral Cavity Designation Code', 'ID', 1, 3),
  el(1361, 'Oral Cavity Designation Code', 'ID', 1, 3),
  el(1361, 'Oral Cavity Designation Code', 'ID', 1, 3),
  el(1361, 'Oral Cavity Designation Code', 'ID', 1, 3),
]);

/** C056 Composite Race or Ethnicity Information (DMG05). */
export const C056: ElementSpec = comp(0, 'Composite Race or Ethnicity Information', [
  el(1109, 'Race or Ethnicity Code', 'ID', 1, 1),
  el(1270, 'Code List Qualifier Code', 'ID', 1, 3),
  el(1271, 'Industry Code', 'AN', 1, 30),
]);

/** C035 Provider Specialty Information (PRV05). */
export const C035: ElementSpec = comp(0, 'Provider Specialty Information', [
  el(1222, 'Provider Specialty Code', 'AN', 1, 3, { usage: 'R' }),
  el(559, 'Agency Qualifier Code', 'ID', 2, 2),
  el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1),
]);

/** C052 Medicare Status Code (INS06). */
export const C052: ElementSpec = comp(0, 'Medicare Status Code', [
  el(1218, 'Medicare Plan Code', 'ID', 1, 1, { usage: 'R' }),
  el(1701, 'Eligibility Reason Code', 'ID', 1, 1),
  el(1701, 'Eligibility Reason Code', 'ID', 1, 1),
  el(1701, 'Eligibility Reason Code', 'ID', 1, 1),
]);
