/**
 * Segments shared by the 278 (X217) and 270/271 (X279A1) guides (names and addresses are in
 * dictionary-names.ts): element numbers, types and lengths are the 005010 dictionary's; code lists
 * here are the ones every use of the segment shares (loop tables narrow them with `overrides`).
 */
import { C001, C003, C004, C022 } from './composites.ts';
import { el, type SegmentSpec } from './types.ts';

const YN = ['N', 'Y'];

export const BHT: SegmentSpec = {
  tag: 'BHT',
  name: 'Beginning of Hierarchical Transaction',
  elements: [
    el(1005, 'Hierarchical Structure Code', 'ID', 4, 4, { usage: 'R' }),
    el(353, 'Transaction Set Purpose Code', 'ID', 2, 2, { usage: 'R' }),
    el(127, 'Reference Identification', 'AN', 1, 50),
    el(373, 'Date', 'DT', 8, 8),
    el(337, 'Time', 'TM', 4, 8),
    el(640, 'Transaction Type Code', 'ID', 2, 2),
  ],
};

export const HL: SegmentSpec = {
  tag: 'HL',
  name: 'Hierarchical Level',
  elements: [
    el(628, 'Hierarchical ID Number', 'AN', 1, 12, { usage: 'R' }),
    el(734, 'Hierarchical Parent ID Number', 'AN', 1, 12),
    el(735, 'Hierarchical Level Code', 'ID', 1, 2, { usage: 'R' }),
    el(736, 'Hierarchical Child Code', 'ID', 1, 1, { codes: ['0', '1'] }),
  ],
};

export const TRN: SegmentSpec = {
  tag: 'TRN',
  name: 'Trace',
  elements: [
    el(481, 'Trace Type Code', 'ID', 1, 2, { usage: 'R', codes: ['1', '2'] }),
    el(127, 'Reference Identification', 'AN', 1, 50, { usage: 'R' }),
    el(509, 'Originating Company Identifier', 'AN', 10, 10, { usage: 'R' }),
    el(127, 'Reference Identification', 'AN', 1, 50),
  ],
};

export const DTP: SegmentSpec = {
  tag: 'DTP',
  name: 'Date or Time or Period',
  elements: [
    el(374, 'Date/Time Qualifier', 'ID', 3, 3, { usage: 'R' }),
    el(1250, 'Date Time Period Format Qualifier', 'ID', 2, 3, { usage: 'R', codes: ['D8', 'RD8'] }),
    el(1251, 'Date Time Period', 'AN', 1, 35, { usage: 'R', dateByQualifier: true }),
  ],
};

export const HI: SegmentSpec = {
  tag: 'HI',
  name: 'Health Care Information Codes',
  elements: [C022('R'), ...Array.from({ length: 11 }, () => C022())],
};

export const AAA: SegmentSpec = {
  tag: 'AAA',
  name: 'Request Validation',
  elements: [
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1, { usage: 'R', codes: YN }),
    el(559, 'Agency Qualifier Code', 'ID', 2, 2, { usage: 'N' }),
    el(901, 'Reject Reason Code', 'ID', 2, 2, { usage: 'R' }),
    el(889, 'Follow-up Action Code', 'ID', 1, 1, { usage: 'R', codes: ['C', 'N', 'P', 'R', 'S', 'W', 'X', 'Y'] }),
  ],
};

export const MSG: SegmentSpec = {
  tag: 'MSG',
  name: 'Message Text',
  rules: ['C0302'],
  elements: [
    el(933, 'Free-form Message Text', 'AN', 1, 264, { usage: 'R' }),
    el(934, 'Printer Carriage Control Code', 'ID', 2, 2, { usage: 'N' }),
    el(1470, 'Number', 'N0', 1, 9, { usage: 'N' }),
  ],
};

export const HSD: SegmentSpec = {
  tag: 'HSD',
  name: 'Health Care Services Delivery',
  rules: ['P0102', 'C0605'],
  elements: [
    el(673, 'Quantity Qualifier', 'ID', 2, 2),
    el(380, 'Quantity', 'R', 1, 15),
    el(355, 'Unit or Basis for Measurement Code', 'ID', 2, 2),
    el(1167, 'Sample Selection Modulus', 'R', 1, 6),
    el(615, 'Time Period Qualifier', 'ID', 1, 2),
    el(616, 'Number of Periods', 'N0', 1, 3),
    el(678, 'Ship/Delivery or Calendar Pattern Code', 'ID', 1, 2),
    el(679, 'Ship/Delivery Pattern Time Code', 'ID', 1, 1),
  ],
};

export const AMT: SegmentSpec = {
  tag: 'AMT',
  name: 'Monetary Amount Information',
  elements: [
    el(522, 'Amount Qualifier Code', 'ID', 1, 3, { usage: 'R' }),
    el(782, 'Monetary Amount', 'R', 1, 18, { usage: 'R' }),
    el(478, 'Credit/Debit Flag Code', 'ID', 1, 1, { usage: 'N' }),
  ],
};

export const LS: SegmentSpec = {
  tag: 'LS',
  name: 'Loop Header',
  elements: [el(447, 'Loop Identifier Code', 'AN', 1, 4, { usage: 'R' })],
};

export const LE: SegmentSpec = {
  tag: 'LE',
  name: 'Loop Trailer',
  elements: [el(447, 'Loop Identifier Code', 'AN', 1, 4, { usage: 'R' })],
};

export const III: SegmentSpec = {
  tag: 'III',
  name: 'Information',
  rules: ['P0102'],
  elements: [
    el(1270, 'Code List Qualifier Code', 'ID', 1, 3),
    el(1271, 'Industry Code', 'AN', 1, 30),
    el(1136, 'Code Category', 'ID', 2, 2),
    el(933, 'Free-form Message Text', 'AN', 1, 264),
    el(380, 'Quantity', 'R', 1, 15, { usage: 'N' }),
    { ...C001, usage: 'N' },
    el(752, 'Surface/Layer/Position Code', 'ID', 2, 2, { usage: 'N' }),
    el(752, 'Surface/Layer/Position Code', 'ID', 2, 2, { usage: 'N' }),
    el(752, 'Surface/Layer/Position Code', 'ID', 2, 2, { usage: 'N' }),
  ],
};

export const EQ: SegmentSpec = {
  tag: 'EQ',
  name: 'Eligibility or Benefit Inquiry',
  rules: ['R0102'],
  elements: [
    el(1365, 'Service Type Code', 'ID', 1, 2, { repeat: 99 }),
    C003(),
    el(1207, 'Coverage Level Code', 'ID', 3, 3),
    el(1336, 'Insurance Type Code', 'ID', 1, 3, { usage: 'N' }),
    C004,
  ],
};

const EB01 = ['1', '2', '3', '4', '5', '6', '7', '8', 'A', 'B', 'C', 'CB', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L',
  'M', 'MC', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y'];

export const EB: SegmentSpec = {
  tag: 'EB',
  name: 'Eligibility or Benefit Information',
  rules: ['P0910'],
  elements: [
    el(1390, 'Eligibility or Benefit Information Code', 'ID', 1, 2, { usage: 'R', codes: EB01 }),
    el(1207, 'Coverage Level Code', 'ID', 3, 3, {
      codes: ['CHD', 'DEP', 'ECH', 'EMP', 'ESP', 'FAM', 'IND', 'SPC', 'SPO', 'TWO'],
    }),
    el(1365, 'Service Type Code', 'ID', 1, 2, { repeat: 99 }),
    el(1336, 'Insurance Type Code', 'ID', 1, 3),
    el(1204, 'Plan Coverage Description', 'AN', 1, 50),
    el(615, 'Time Period Qualifier', 'ID', 1, 2),
    el(782, 'Monetary Amount', 'R', 1, 18),
    el(954, 'Percentage as Decimal', 'R', 1, 10),
    el(673, 'Quantity Qualifier', 'ID', 2, 2),
    el(380, 'Quantity', 'R', 1, 15),
    el(1073, 'Authorization or Certification Indicator', 'ID', 1, 1, { codes: ['N', 'U', 'Y'] }),
    el(1073, 'In Plan Network Indicator', 'ID', 1, 1, { codes: ['N', 'U', 'W', 'Y'] }),
    C003(),
    C004,
  ],
};

export const MPI: SegmentSpec = {
  tag: 'MPI',
  name: 'Military Personnel Information',
  rules: ['P0607'],
  elements: [
    el(1201, 'Information Status Code', 'ID', 1, 1, { usage: 'R' }),
    el(584, 'Employment Status Code', 'ID', 2, 2, { usage: 'R' }),
    el(1595, 'Government Service Affiliation Code', 'ID', 1, 1, { usage: 'R' }),
    el(352, 'Description', 'AN', 1, 80),
    el(1596, 'Military Service Rank Code', 'ID', 2, 2),
    el(1250, 'Date Time Period Format Qualifier', 'ID', 2, 3, { codes: ['D8', 'RD8'] }),
    el(1251, 'Date Time Period', 'AN', 1, 35, { dateByQualifier: true }),
  ],
};
