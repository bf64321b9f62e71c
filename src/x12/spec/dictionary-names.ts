/**
 * Who and where: names (NM1), addresses (N3, N4), contacts (PER), provider (PRV), demographics (DMG),
 * relationship (INS) and references (REF), as the 005010 dictionary defines them; code lists are the
 * ones shared by every use in the X217 and X279A1 guides.
 */
import { C035, C040, C052, C056 } from './composites.ts';
import { el, type SegmentSpec } from './types.ts';

const COMM_QUALIFIERS = ['ED', 'EM', 'EX', 'FX', 'TE', 'UR'];
const YN = ['N', 'Y'];

export const NM1: SegmentSpec = {
  tag: 'NM1',
  name: 'Individual or Organizational Name',
  rules: ['P0809', 'C1110', 'C1203'],
  elements: [
    el(98, 'Entity Identifier Code', 'ID', 2, 3, { usage: 'R' }),
    el(1065, 'Entity Type Qualifier', 'ID', 1, 1, { usage: 'R', codes: ['1', '2'] }),
    el(1035, 'Name Last or Organization Name', 'AN', 1, 60),
    el(1036, 'Name First', 'AN', 1, 35),
    el(1037, 'Name Middle', 'AN', 1, 25),
    el(1038, 'Name Prefix', 'AN', 1, 10, { usage: 'N' }),
    el(1039, 'Name Suffix', 'AN', 1, 10),
    el(66, 'Identification Code Qualifier', 'ID', 1, 2),
    el(67, 'Identification Code', 'AN', 2, 80),
    el(706, 'Entity Relationship Code', 'ID', 2, 2, { usage: 'N' }),
    el(98, 'Entity Identifier Code', 'ID', 2, 3, { usage: 'N' }),
    el(1035, 'Name Last or Organization Name', 'AN', 1, 60, { usage: 'N' }),
  ],
};

export const N3: SegmentSpec = {
  tag: 'N3',
  name: 'Address Information',
  elements: [el(166, 'Address Information', 'AN', 1, 55, { usage: 'R' }), el(166, 'Address Information', 'AN', 1, 55)],
};

export const N4: SegmentSpec = {
  tag: 'N4',
  name: 'Geographic Location',
  rules: ['E0207', 'C0605', 'C0704'],
  elements: [
    el(19, 'City Name', 'AN', 2, 30),
    el(156, 'State or Province Code', 'ID', 2, 2),
    el(116, 'Postal Code', 'ID', 3, 15),
    el(26, 'Country Code', 'ID', 2, 3),
    el(309, 'Location Qualifier', 'ID', 1, 2, { usage: 'N' }),
    el(310, 'Location Identifier', 'AN', 1, 30, { usage: 'N' }),
    el(1715, 'Country Subdivision Code', 'ID', 1, 3),
  ],
};

export const PER: SegmentSpec = {
  tag: 'PER',
  name: 'Administrative Communications Contact',
  rules: ['P0304', 'P0506', 'P0708'],
  elements: [
    el(366, 'Contact Function Code', 'ID', 2, 2, { usage: 'R', codes: ['IC'] }),
    el(93, 'Name', 'AN', 1, 60),
    el(365, 'Communication Number Qualifier', 'ID', 2, 2, { codes: COMM_QUALIFIERS }),
    el(364, 'Communication Number', 'AN', 1, 256),
    el(365, 'Communication Number Qualifier', 'ID', 2, 2, { codes: COMM_QUALIFIERS }),
    el(364, 'Communication Number', 'AN', 1, 256),
    el(365, 'Communication Number Qualifier', 'ID', 2, 2, { codes: COMM_QUALIFIERS }),
    el(364, 'Communication Number', 'AN', 1, 256),
    el(443, 'Contact Inquiry Reference', 'AN', 1, 20, { usage: 'N' }),
  ],
};

export const PRV: SegmentSpec = {
  tag: 'PRV',
  name: 'Provider Information',
  rules: ['P0203'],
  elements: [
    el(1221, 'Provider Code', 'ID', 1, 3, { usage: 'R' }),
    el(128, 'Reference Identification Qualifier', 'ID', 2, 3),
    el(127, 'Reference Identification', 'AN', 1, 50),
    el(156, 'State or Province Code', 'ID', 2, 2, { usage: 'N' }),
    { ...C035, usage: 'N' },
    el(1223, 'Provider Organization Code', 'ID', 3, 3, { usage: 'N' }),
  ],
};

export const DMG: SegmentSpec = {
  tag: 'DMG',
  name: 'Demographic Information',
  rules: ['P0102', 'P1011', 'C1105'],
  elements: [
    el(1250, 'Date Time Period Format Qualifier', 'ID', 2, 3, { codes: ['D8'] }),
    el(1251, 'Date Time Period', 'AN', 1, 35, { dateByQualifier: true }),
    el(1068, 'Gender Code', 'ID', 1, 1, { codes: ['F', 'M', 'U'] }),
    el(1067, 'Marital Status Code', 'ID', 1, 1, { usage: 'N' }),
    { ...C056, usage: 'N', repeat: 10 },
    el(1066, 'Citizenship Status Code', 'ID', 1, 2, { usage: 'N' }),
    el(26, 'Country Code', 'ID', 2, 3, { usage: 'N' }),
    el(659, 'Basis of Verification Code', 'ID', 1, 2, { usage: 'N' }),
    el(380, 'Quantity', 'R', 1, 15, { usage: 'N' }),
    el(1270, 'Code List Qualifier Code', 'ID', 1, 3, { usage: 'N' }),
    el(1271, 'Industry Code', 'AN', 1, 30, { usage: 'N' }),
  ],
};

export const INS: SegmentSpec = {
  tag: 'INS',
  name: 'Insured Benefit',
  rules: ['P1112'],
  elements: [
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1, { usage: 'R', codes: YN }),
    el(1069, 'Individual Relationship Code', 'ID', 2, 2, { usage: 'R' }),
    el(875, 'Maintenance Type Code', 'ID', 3, 3),
    el(1203, 'Maintenance Reason Code', 'ID', 2, 3),
    el(1216, 'Benefit Status Code', 'ID', 1, 1),
    C052,
    el(1219, 'COBRA Qualifying Event Code', 'ID', 1, 2),
    el(584, 'Employment Status Code', 'ID', 2, 2),
    el(1220, 'Student Status Code', 'ID', 1, 1),
    el(1073, 'Yes/No Condition or Response Code', 'ID', 1, 1, { codes: YN }),
    el(1250, 'Date Time Period Format Qualifier', 'ID', 2, 3),
    el(1251, 'Date Time Period', 'AN', 1, 35, { dateByQualifier: true }),
    el(1165, 'Confidentiality Code', 'ID', 1, 1),
    el(19, 'City Name', 'AN', 2, 30),
    el(156, 'State or Province Code', 'ID', 2, 2),
    el(26, 'Country Code', 'ID', 2, 3),
    el(1470, 'Number', 'N0', 1, 9),
  ],
};

export const REF: SegmentSpec = {
  tag: 'REF',
  name: 'Reference Information',
  rules: ['R0203'],
  elements: [
    el(128, 'Reference Identification Qualifier', 'ID', 2, 3, { usage: 'R' }),
    el(127, 'Reference Identification', 'AN', 1, 50),
    el(352, 'Description', 'AN', 1, 80),
    { ...C040, usage: 'N' },
  ],
};
