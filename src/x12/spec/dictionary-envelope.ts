/**
 * Control segments of X12 5010 (ISA/IEA, GS/GE, ST/SE) and the TA1 interchange acknowledgment.
 * Element numbers, types and lengths from the 005010 control-segment definitions.
 */
import { el, type SegmentSpec } from './types.ts';

const QUALIFIERS_ISA05 = ['01', '14', '20', '27', '28', '29', '30', '33', 'ZZ'];

export const ISA: SegmentSpec = {
  tag: 'ISA',
  name: 'Interchange Control Header',
  elements: [
    el(0, 'Authorization Information Qualifier', 'ID', 2, 2, { usage: 'R', codes: ['00', '03'] }),
    el(0, 'Authorization Information', 'AN', 10, 10, { usage: 'R' }),
    el(0, 'Security Information Qualifier', 'ID', 2, 2, { usage: 'R', codes: ['00', '01'] }),
    el(0, 'Security Information', 'AN', 10, 10, { usage: 'R' }),
    el(0, 'Interchange ID Qualifier', 'ID', 2, 2, { usage: 'R', codes: QUALIFIERS_ISA05 }),
    el(0, 'Interchange Sender ID', 'AN', 15, 15, { usage: 'R' }),
    el(0, 'Interchange ID Qualifier', 'ID', 2, 2, { usage: 'R', codes: QUALIFIERS_ISA05 }),
    el(0, 'Interchange Receiver ID', 'AN', 15, 15, { usage: 'R' }),
    el(0, 'Interchange Date', 'DT', 6, 6, { usage: 'R' }),
    el(0, 'Interchange Time', 'TM', 4, 4, { usage: 'R' }),
    el(0, 'Repetition Separator', 'AN', 1, 1, { usage: 'R' }),
    el(0, 'Interchange Control Version Number', 'ID', 5, 5, { usage: 'R', codes: ['00501'] }),
    el(0, 'Interchange Control Number', 'N0', 9, 9, { usage: 'R' }),
    el(0, 'Acknowledgment Requested', 'ID', 1, 1, { usage: 'R', codes: ['0', '1'] }),
    el(0, 'Interchange Usage Indicator', 'ID', 1, 1, { usage: 'R', codes: ['I', 'P', 'T'] }),
    el(0, 'Component Element Separator', 'AN', 1, 1, { usage: 'R' }),
  ],
};

export const IEA: SegmentSpec = {
  tag: 'IEA',
  name: 'Interchange Control Trailer',
  elements: [
    el(0, 'Number of Included Functional Groups', 'N0', 1, 5, { usage: 'R' }),
    el(0, 'Interchange Control Number', 'N0', 9, 9, { usage: 'R' }),
  ],
};

export const GS: SegmentSpec = {
  tag: 'GS',
  name: 'Functional Group Header',
  elements: [
    el(479, 'Functional Identifier Code', 'ID', 2, 2, { usage: 'R' }),
    el(142, "Application Sender's Code", 'AN', 2, 15, { usage: 'R' }),
    el(124, "Application Receiver's Code", 'AN', 2, 15, { usage: 'R' }),
    el(373, 'Date', 'DT', 8, 8, { usage: 'R' }),
    el(337, 'Time', 'TM', 4, 8, { usage: 'R' }),
    el(28, 'Group Control Number', 'N0', 1, 9, { usage: 'R' }),
    el(455, 'Responsible Agency Code', 'ID', 1, 2, { usage: 'R', codes: ['X'] }),
    el(480, 'Version / Release / Industry Identifier Code', 'AN', 1, 12, { usage: 'R' }),
  ],
};

export const GE: SegmentSpec = {
  tag: 'GE',
  name: 'Functional Group Trailer',
  elements: [
    el(97, 'Number of Transaction Sets Included', 'N0', 1, 6, { usage: 'R' }),
    el(28, 'Group Control Number', 'N0', 1, 9, { usage: 'R' }),
  ],
};

export const ST: SegmentSpec = {
  tag: 'ST',
  name: 'Transaction Set Header',
  elements: [
    el(143, 'Transaction Set Identifier Code', 'ID', 3, 3, { usage: 'R' }),
    el(329, 'Transaction Set Control Number', 'AN', 4, 9, { usage: 'R' }),
    el(1705, 'Implementation Convention Reference', 'AN', 1, 35, { usage: 'R' }),
  ],
};

export const SE: SegmentSpec = {
  tag: 'SE',
  name: 'Transaction Set Trailer',
  elements: [
    el(96, 'Number of Included Segments', 'N0', 1, 10, { usage: 'R' }),
    el(329, 'Transaction Set Control Number', 'AN', 4, 9, { usage: 'R' }),
  ],
};

/** TA1 Interchange Acknowledgment: TA104 A/E/R, TA105 the interchange note code (000-031). */
export const TA1: SegmentSpec = {
  tag: 'TA1',
  name: 'Interchange Acknowledgment',
  elements: [
    el(0, 'Interchange Control Number', 'N0', 9, 9, { usage: 'R' }),
    el(0, 'Interchange Date', 'DT', 6, 6, { usage: 'R' }),
    el(0, 'Interchange Time', 'TM', 4, 4, { usage: 'R' }),
    el(0, 'Interchange Acknowledgment Code', 'ID', 1, 1, { usage: 'R', codes: ['A', 'E', 'R'] }),
    el(0, 'Interchange Note Code', 'ID', 3, 3, {
      usage: 'R',
      codes: Array.from({ length: 32 }, (_, i) => String(i).padStart(3, '0')),
    }),
  ],
};
