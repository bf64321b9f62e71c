/** Segments of the 999 Implementation Acknowledgment (005010X231A1). */
import { comp, el, type SegmentSpec } from './types.ts';

/** C030 Position in Segment (IK401, CTX05). */
const C030 = (usage: 'R' | 'S') =>
  comp(0, 'Position in Segment', [
    el(722, 'Element Position in Segment', 'N0', 1, 2, { usage: 'R' }),
    el(1528, 'Component Data Element Position in Composite', 'N0', 1, 2),
    el(1686, 'Repeating Data Element Position', 'N0', 1, 4),
  ], { usage });

const IK5_CODES = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '15', '16', '17', '18', '19',
  '23', '24', '25', '26', '27', 'I5', 'I6'];
const AK9_CODES = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15', '16', '17', '18',
  '19', '23', '24', '25', '26'];

export const AK1: SegmentSpec = {
  tag: 'AK1',
  name: 'Functional Group Response Header',
  elements: [
    el(479, 'Functional Identifier Code', 'ID', 2, 2, { usage: 'R' }),
    el(28, 'Group Control Number', 'N0', 1, 9, { usage: 'R' }),
    el(480, 'Version / Release / Industry Identifier Code', 'AN', 1, 12),
  ],
};

export const AK2: SegmentSpec = {
  tag: 'AK2',
  name: 'Transaction Set Response Header',
  elements: [
    el(143, 'Transaction Set Identifier Code', 'ID', 3, 3, { usage: 'R' }),
    el(329, 'Transaction Set Control Number', 'AN', 4, 9, { usage: 'R' }),
    el(1705, 'Implementation Convention Reference', 'AN', 1, 35),
  ],
};

export const IK3: SegmentSpec = {
  tag: 'IK3',
  name: 'Implementation Data Segment Note',
  elements: [
    el(721, 'Segment ID Code', 'ID', 2, 3, { usage: 'R' }),
    el(719, 'Segment Position in Transaction Set', 'N0', 1, 10, { usage: 'R' }),
    // 447 is AN 1/4 in the base standard, but HIPAA loop ids such as 2010EA are 6 characters and the
    // X231A1 examples carry them (IK3*N4*9*2010AA*8); 6 is accepted so our own 999s validate.
    el(447, 'Loop Identifier Code', 'AN', 1, 6),
    el(620, 'Implementation Segment Syntax Error Code', 'ID', 1, 3, {
      usage: 'R',
      codes: ['1', '2', '3', '4', '5', '6', '7', '8', 'I4', 'I6', 'I7', 'I8', 'I9'],
    }),
  ],
};

export const CTX: SegmentSpec = {
  tag: 'CTX',
  name: 'Context',
  elements: [
    // C998 repeats (up to 10) in X231A1, so a repetition separator inside CTX01 is legitimate.
    comp(0, 'Context Identification', [
      el(9999, 'Context Name', 'AN', 1, 35, { usage: 'R' }),
      el(9998, 'Context Reference', 'AN', 1, 35),
    ], { usage: 'R', repeat: 10 }),
    el(721, 'Segment ID Code', 'ID', 2, 3),
    el(719, 'Segment Position in Transaction Set', 'N0', 1, 10),
    el(447, 'Loop Identifier Code', 'AN', 1, 6),
    C030('S'),
    comp(0, 'Reference in Segment', [
      el(725, 'Data Element Reference Number', 'N0', 1, 4, { usage: 'R' }),
      el(725, 'Data Element Reference Number', 'N0', 1, 4),
    ]),
  ],
};

export const IK4: SegmentSpec = {
  tag: 'IK4',
  name: 'Implementation Data Element Note',
  elements: [
    C030('R'),
    el(725, 'Data Element Reference Number', 'N0', 1, 4),
    el(621, 'Implementation Data Element Syntax Error Code', 'ID', 1, 3, {
      usage: 'R',
      codes: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '12', '13', 'I6', 'I9', 'I10', 'I11', 'I12', 'I13'],
    }),
    el(724, 'Copy of Bad Data Element', 'AN', 1, 99),
  ],
};

export const IK5: SegmentSpec = {
  tag: 'IK5',
  name: 'Implementation Transaction Set Response Trailer',
  elements: [
    el(717, 'Transaction Set Acknowledgment Code', 'ID', 1, 1, { usage: 'R', codes: ['A', 'E', 'M', 'R', 'W', 'X'] }),
    ...Array.from({ length: 5 }, () => el(618, 'Implementation Transaction Set Syntax Error Code', 'ID', 1, 3, { codes: IK5_CODES })),
  ],
};

export const AK9: SegmentSpec = {
  tag: 'AK9',
  name: 'Functional Group Response Trailer',
  elements: [
    el(715, 'Functional Group Acknowledge Code', 'ID', 1, 1, { usage: 'R', codes: ['A', 'E', 'M', 'P', 'R', 'W', 'X'] }),
    el(97, 'Number of Transaction Sets Included', 'N0', 1, 6, { usage: 'R' }),
    el(123, 'Number of Received Transaction Sets', 'N0', 1, 6, { usage: 'R' }),
    el(2, 'Number of Accepted Transaction Sets', 'N0', 1, 6, { usage: 'R' }),
    ...Array.from({ length: 5 }, () => el(716, 'Functional Group Syntax Error Code', 'ID', 1, 3, { codes: AK9_CODES })),
  ],
};
