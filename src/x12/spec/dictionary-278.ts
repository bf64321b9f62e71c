/**
 * Segments particular to the 278 (005010X217): review information (UM), review outcome (HCR),
 * clinical detail (CL1, CR1, CR2, CR5, CR6, CR7, CRC), attachments (PWK) and service lines
 * (SV1, SV2, SV3, TOO). CR5/CR6/CR7 are defined minimally (types and lengths, no code lists).
 */
import { C002, C003, C004, C005, C006, C023, C024 } from './composites.ts';
import { el, type SegmentSpec } from './types.ts';

export const UM: SegmentSpec = {
  tag: 'UM',
  name: 'Health Care Services Review Information',
  elements: [
    // UM01 request category: AR admission review, HS health services review, SC specialty care review.
    el(1525, 'Request Category Code', 'ID', 1, 2, { usage: 'R', codes: ['AR', 'HS', 'IN', 'SC'] }),
    // UM02 certification type: I initial, S revised, 1/2 appeal, 3 cancel, 4 extension.
    el(1322, 'Certification Type Code', 'ID', 1, 1, { usage: 'R', codes: ['1', '2', '3', '4', 'I', 'S'] }),
    el(1365, 'Service Type Code', 'ID', 1, 2),
    C023,
    C024,
    el(1338, 'Level of Service Code', 'ID', 1, 3),
    el(1213, 'Current Health Condition Code', 'ID', 1, 1),
    el(923, 'Prognosis Code', 'ID', 1, 1),
    el(1363, 'Release of Information Code', 'ID', 1, 1),
    el(1514, 'Delay Reason Code', 'ID', 1, 2),
  ],
};

export const HCR: SegmentSpec = {
  tag: 'HCR',
  name: 'Health Care Services Review',
  elements: [
    // HCR01 action: A1 certified in total, A2 partial, A3 not certified, A4 pended, A6 modified,
    // C cancelled, CT contact payer, NA no action required.
    el(306, 'Action Code', 'ID', 1, 2, { usage: 'R', codes: ['A1', 'A2', 'A3', 'A4', 'A6', 'C', 'CT', 'D', 'IP', 'NA'] }),
    el(127, 'Reference Identification', 'AN', 1, 50),
    // HCR03 review decision reason (code source 886), repeatable in 005010.
    el(1271, 'Industry Code', 'AN', 1, 30, { repeat: 5 }),
    el(1073, 'Second Surgical Opinion Indicator', 'ID', 1, 1, { codes: ['N', 'Y'] }),
  ],
};

export const CL1: SegmentSpec = {
  tag: 'CL1',
  name: 'Institutional Claim Code',
  elements: [
    el(1315, 'Admission Type Code', 'ID', 1, 1),
    el(1314, 'Admission Source Code', 'ID', 1, 1),
    el(1352, 'Patient Status Code', 'ID', 1, 2),
    el(1345, 'Nursing Home Residential Status Code', 'ID', 1, 1),
  ],
};

export const CR1: SegmentSpec = {
  tag: 'CR1',
  name: 'Ambulance Certification',
  rules: ['P0102', 'P0506'],
  elements: [
    el(355, 'Unit or Basis for Measurement Code', 'ID', 2, 2),
    el(81, 'Weight', 'R', 1, 10),
    el(1316, 'Ambulance Transport Code', 'ID', 1, 1),
    el(1317, 'Ambulance Transport Reason Code', 'ID', 1, 1),
    el(355, 'Unit or Basis for Measurement Code', 'ID', 2, 2),
    el(380, 'Quantity', 'R', 1, 15),
    el(166, 'Address Information', 'AN', 1, 55),
    el(166, 'Address Information', 'AN', 1, 55),
    el(352, 'Description', 'AN', 1, 80),
    el(352, 'Description', 'AN', 1, 80),
  ],
};

export const CR2: SegmentSpec = {
  tag: 'CR2',
  name: 'Chiropractic Certification',
  elements: [
    el(609, 'Count', 'N0', 1, 9),
    el(380, 'Quantity', 'R', 1, 15),
    el(1367, 'Subluxation Level Code', 'ID', 2, 3),
    el(1367, 'Subluxation Level Code', 'ID', 2, 3),
    el(355, 'Unit or Basis for Measurement Code', 'ID', 2, 2),
    el(380, 'Quantity', 'R', 1, 15),
    el(380, 'Quantity', 'R', 1, 15),
    el(1342, 'Nature of Condition Code', 'ID', 1, 1),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1),
    el(352, 'Description', 'AN', 1, 80),
    el(352, 'Description', 'AN', 1, 80),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1),
  ],
};

export const CR5: SegmentSpec = {
  tag: 'CR5',
  name: 'Home Oxygen Therapy Information',
  elements: [
    el(1322, 'Certification Type Code', 'ID', 1, 1),
    el(380, 'Quantity', 'R', 1, 15),
    el(1348, 'Oxygen Equipment Type Code', 'ID', 1, 1),
    el(1348, 'Oxygen Equipment Type Code', 'ID', 1, 1),
    el(352, 'Description', 'AN', 1, 80),
    el(380, 'Quantity', 'R', 1, 15),
    el(380, 'Quantity', 'R', 1, 15),
    el(380, 'Quantity', 'R', 1, 15),
    el(352, 'Description', 'AN', 1, 80),
    el(380, 'Quantity', 'R', 1, 15),
    el(380, 'Quantity', 'R', 1, 15),
    el(1349, 'Oxygen Test Condition Code', 'ID', 1, 1),
    el(1350, 'Oxygen Test Findings Code', 'ID', 1, 1),
    el(1350, 'Oxygen Test Findings Code', 'ID', 1, 1),
    el(1350, 'Oxygen Test Findings Code', 'ID', 1, 1),
    el(380, 'Quantity', 'R', 1, 15),
    el(1382, 'Oxygen Delivery System Code', 'ID', 1, 1),
    el(1348, 'Oxygen Equipment Type Code', 'ID', 1, 1),
  ],
};

export const CR6: SegmentSpec = {
  tag: 'CR6',
  name: 'Home Health Care Information',
  elements: [
    el(923, 'Prognosis Code', 'ID', 1, 1),
    el(373, 'Date', 'DT', 8, 8),
    el(1250, 'Date Time Period Format Qualifier', 'ID', 2, 3),
    el(1251, 'Date Time Period', 'AN', 1, 35, { dateByQualifier: true }),
    el(373, 'Date', 'DT', 8, 8),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1),
    el(1322, 'Certification Type Code', 'ID', 1, 1),
    el(373, 'Date', 'DT', 8, 8),
    el(1384, 'Patient Location Code', 'ID', 1, 1),
    ...Array.from({ length: 11 }, () => el(373, 'Date', 'DT', 8, 8)),
  ],
};

export const CR7: SegmentSpec = {
  tag: 'CR7',
  name: 'Home Health Care Plan Information',
  elements: [
    el(921, 'Discipline Type Code', 'ID', 2, 2),
    el(1470, 'Number', 'N0', 1, 9),
    el(1470, 'Number', 'N0', 1, 9),
  ],
};

export const CRC: SegmentSpec = {
  tag: 'CRC',
  name: 'Conditions Indicator',
  elements: [
    el(1136, 'Code Category', 'ID', 2, 2, { usage: 'R' }),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1, { usage: 'R', codes: ['N', 'Y'] }),
    el(1321, 'Condition Indicator', 'ID', 2, 3, { usage: 'R' }),
    el(1321, 'Condition Indicator', 'ID', 2, 3),
    el(1321, 'Condition Indicator', 'ID', 2, 3),
    el(1321, 'Condition Indicator', 'ID', 2, 3),
    el(1321, 'Condition Indicator', 'ID', 2, 3),
  ],
};

export const PWK: SegmentSpec = {
  tag: 'PWK',
  name: 'Paperwork',
  rules: ['P0506'],
  elements: [
    el(755, 'Report Type Code', 'ID', 2, 2, { usage: 'R' }),
    el(756, 'Report Transmission Code', 'ID', 1, 2, { usage: 'R' }),
    el(757, 'Report Copies Needed', 'N0', 1, 2, { usage: 'N' }),
    el(98, 'Entity Identifier Code', 'ID', 2, 3, { usage: 'N' }),
    el(66, 'Identification Code Qualifier', 'ID', 1, 2),
    el(67, 'Identification Code', 'AN', 2, 80),
    el(352, 'Description', 'AN', 1, 80),
    { ...C002, usage: 'N' },
    el(1525, 'Request Category Code', 'ID', 1, 2, { usage: 'N' }),
  ],
};

export const SV1: SegmentSpec = {
  tag: 'SV1',
  name: 'Professional Service',
  rules: ['P0304'],
  elements: [
    C003('R'),
    el(782, 'Monetary Amount', 'R', 1, 18),
    el(355, 'Unit or Basis for Measurement Code', 'ID', 2, 2, { codes: ['MJ', 'UN'] }),
    el(380, 'Quantity', 'R', 1, 15),
    el(1331, 'Facility Code Value', 'AN', 1, 2),
    el(1365, 'Service Type Code', 'ID', 1, 2, { usage: 'N' }),
    { ...C004, usage: 'N' },
    el(782, 'Monetary Amount', 'R', 1, 18, { usage: 'N' }),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1, { usage: 'N' }),
    el(1340, 'Multiple Procedure Code', 'ID', 1, 2, { usage: 'N' }),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1, { usage: 'N' }),
    el(1364, 'Review Code', 'ID', 1, 2, { usage: 'N' }),
    el(341, 'National or Local Assigned Review Value', 'AN', 1, 2, { usage: 'N' }),
    el(1327, 'Copay Status Code', 'ID', 1, 1, { usage: 'N' }),
    el(1334, 'Health Care Professional Shortage Area Code', 'ID', 1, 1, { usage: 'N' }),
    el(127, 'Reference Identification', 'AN', 1, 50, { usage: 'N' }),
    el(116, 'Postal Code', 'ID', 3, 15, { usage: 'N' }),
    el(782, 'Monetary Amount', 'R', 1, 18, { usage: 'N' }),
    // SV120 level of care: PAS binds the nursing home level of care (extension-nursingHomeLevelOfCare) here.
    el(1337, 'Level of Care Code', 'ID', 1, 1),
    el(1360, 'Provider Agreement Code', 'ID', 1, 1, { usage: 'N' }),
  ],
};

export const SV2: SegmentSpec = {
  tag: 'SV2',
  name: 'Institutional Service Line',
  rules: ['R0102', 'P0405'],
  elements: [
    el(234, 'Product/Service ID', 'AN', 1, 48),
    C003(),
    el(782, 'Monetary Amount', 'R', 1, 18),
    el(355, 'Unit or Basis for Measurement Code', 'ID', 2, 2, { codes: ['DA', 'UN'] }),
    el(380, 'Quantity', 'R', 1, 15),
    el(1371, 'Unit Rate', 'R', 1, 10),
    el(782, 'Monetary Amount', 'R', 1, 18, { usage: 'N' }),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1, { usage: 'N' }),
    // SV209/SV210: PAS binds extension-nursingHomeResidentialStatus and -nursingHomeLevelOfCare here.
    el(1345, 'Nursing Home Residential Status Code', 'ID', 1, 1),
    el(1337, 'Level of Care Code', 'ID', 1, 1),
    el(1360, 'Provider Agreement Code', 'ID', 1, 1, { usage: 'N' }),
  ],
};

export const SV3: SegmentSpec = {
  tag: 'SV3',
  name: 'Dental Service',
  elements: [
    C003('R'),
    el(782, 'Monetary Amount', 'R', 1, 18),
    { ...C023, usage: 'N' },
    C006,
    el(1358, 'Prosthesis, Crown or Inlay Code', 'ID', 1, 1),
    el(380, 'Quantity', 'R', 1, 15),
    el(352, 'Description', 'AN', 1, 80),
    el(1327, 'Copay Status Code', 'ID', 1, 1, { usage: 'N' }),
    el(1334, 'Health Care Professional Shortage Area Code', 'ID', 1, 1, { usage: 'N' }),
    el(1337, 'Level of Care Code', 'ID', 1, 1, { usage: 'N' }),
    { ...C004, usage: 'N' },
  ],
};

export const TOO: SegmentSpec = {
  tag: 'TOO',
  name: 'Tooth Identification',
  rules: ['P0102', 'C0301'],
  elements: [
    el(1270, 'Code List Qualifier Code', 'ID', 1, 3, { codes: ['JP'] }),
    el(1271, 'Industry Code', 'AN', 1, 30),
    C005,
  ],
};
