/**
 * Segments particular to the 275 Additional Information to Support a Health Care Services Review
 * (005010X210, and 006020X316 for the whole PAS Bundle): beginning segment (BGN), assigned number
 * (LX), category (CAT), electronic format (EFI), binary data (BIN, 5010) and binary data with its
 * filter (BDS, 6020). Element reference numbers are given where we know them from the
 * 005010 dictionary; 0 (no IK402) where we do not.
 *
 * BIN02 is binary data whose length BIN01 gives. Priorgate writes it as base64 text (no delimiter
 * and no control character can occur in it) and reads only that form: a BIN02 holding raw bytes
 * would need a reader that counts BIN01 characters, which this codec does not have.
 */
import { el, type SegmentSpec } from './types.ts';

export const BGN: SegmentSpec = {
  tag: 'BGN',
  name: 'Beginning Segment',
  elements: [
    // BGN01 02 add (unsolicited, with or after the 278), 11 response (solicited by a payer request).
    el(353, 'Transaction Set Purpose Code', 'ID', 2, 2, { usage: 'R', codes: ['02', '11'] }),
    el(127, 'Reference Identification', 'AN', 1, 50, { usage: 'R' }),
    el(373, 'Date', 'DT', 8, 8, { usage: 'R' }),
    el(337, 'Time', 'TM', 4, 8),
    el(623, 'Time Code', 'ID', 2, 2, { usage: 'N' }),
    el(127, 'Reference Identification', 'AN', 1, 50, { usage: 'N' }),
    el(640, 'Transaction Type Code', 'ID', 2, 2, { usage: 'N' }),
    el(306, 'Action Code', 'ID', 1, 2, { usage: 'N' }),
  ],
};

export const LX: SegmentSpec = {
  tag: 'LX',
  name: 'Transaction Set Line Number',
  elements: [el(554, 'Assigned Number', 'N0', 1, 6, { usage: 'R' })],
};

export const CAT: SegmentSpec = {
  tag: 'CAT',
  name: 'Category',
  elements: [
    // CAT01 AE attachment; CAT02 MB MIME binary, HL HL7 content (a CDA document, a FHIR Bundle).
    el(0, 'Category of Patient Information Service', 'ID', 2, 2, { usage: 'R', codes: ['AE'] }),
    el(1270, 'Code List Qualifier Code', 'ID', 1, 3, { usage: 'R', codes: ['HL', 'MB'] }),
    el(0, 'Industry Code', 'AN', 1, 30, { usage: 'N' }),
    el(0, 'Version Identifier', 'AN', 1, 30, { usage: 'N' }),
  ],
};

export const EFI: SegmentSpec = {
  tag: 'EFI',
  name: 'Electronic Format Identification',
  elements: [
    // EFI01 05: the content is a MIME entity; Priorgate carries its body base64 encoded.
    el(0, 'Security Level Code', 'ID', 2, 2, { usage: 'R', codes: ['05'] }),
    el(0, 'Program Identifier', 'AN', 1, 35),
    el(0, 'Version Identifier', 'AN', 1, 30),
    el(0, 'Interchange Format', 'AN', 1, 35),
    el(0, 'Description', 'AN', 1, 80),
  ],
};

export const BIN: SegmentSpec = {
  tag: 'BIN',
  name: 'Binary Data Segment',
  elements: [
    el(784, 'Length of Binary Data', 'N0', 1, 15, { usage: 'R' }),
    el(785, 'Binary Data', 'AN', 1, 64_000_000, { usage: 'R' }),
  ],
};

/**
 * 6020 binary data with the filter its content was passed through: BDS01 B64 (base64), BDS02 the
 * length of BDS03 as sent (the encoded text). Base64 holds no delimiter or control character.
 */
export const BDS: SegmentSpec = {
  tag: 'BDS',
  name: 'Binary Data Structure',
  elements: [
    el(1570, 'Filter ID Code', 'ID', 3, 3, { usage: 'R', codes: ['B64'] }),
    el(784, 'Length of Binary Data', 'N0', 1, 15, { usage: 'R' }),
    el(785, 'Binary Data', 'AN', 1, 64_000_000, { usage: 'R' }),
  ],
};
