/**
 * 275 Additional Information to Support a Health Care Services Review, 005010X210: the documents a
 * 278 promised with PWK*..*EL, one 2000A loop each. TRN02 of each 2000A is the 278's PWK06
 * attachment control number, which is how the payer joins the two. Loop ids and the segments the
 * payer needs to match a document follow the guide as known to us; situational rules are not encoded.
 */
import { loop, MANY, seg, type LoopSpec, type SegmentUse, type TransactionSpec } from './types.ts';

const ID_PAIR = { 8: { usage: 'R' as const }, 9: { usage: 'R' as const } };

/** ST to 1000D: who the information is from, to and about (every 275 form). */
const HEADING_275: (SegmentUse | LoopSpec)[] = [
  seg('ST', 'Transaction Set Header', 'R', 1, { el: { 1: { codes: ['275'] } } }),
  seg('BGN', 'Beginning Segment', 'R', 1),
  loop('1000A', 'Payer Name', 'R', 1, [seg('NM1', 'Payer Name', 'R', 1, { when: [1, 'PR'], el: ID_PAIR })]),
  loop('1000B', 'Submitter Name', 'R', 1, [seg('NM1', 'Submitter Name', 'R', 1, { when: [1, '41'], el: ID_PAIR }), seg('PER', 'Submitter Contact Information', 'S', 1)]),
  loop('1000C', 'Provider Name', 'R', 1, [seg('NM1', 'Provider Name', 'R', 1, { when: [1, '1P'], el: ID_PAIR })]),
  loop('1000D', 'Patient Name', 'R', 1, [
    seg('NM1', 'Patient Name', 'R', 1, { when: [1, 'QC'] }),
    // REF*EJ patient control number, REF*BB the UMO's review (authorization) number once known.
    seg('REF', 'Patient and Review Identification', 'S', 3, { el: { 1: { codes: ['EJ', 'EA', 'BB', 'NT'] } } }),
    seg('DTP', 'Service Date', 'S', 1, { el: { 1: { codes: ['472'] } } }),
  ]),
];

/** 2000A up to its content loop: LX, the attachment control number, the submission date. */
const SUBMISSION_275: SegmentUse[] = [
  seg('LX', 'Assigned Number', 'R', 1),
  // TRN01 2: the number the 278 referenced in PWK06 (attachment control number).
  seg('TRN', 'Attachment Control Number', 'R', 1, { el: { 1: { codes: ['2'] }, 3: { usage: 'N' } } }),
  seg('DTP', 'Additional Information Submission Date', 'R', 1, { el: { 1: { codes: ['368'] }, 2: { codes: ['D8'] } } }),
];

/**
 * A 275 form: the shared heading, then 2000A (up to `repeat` times) with its 2100A content
 * segments, which is where the 5010 and 6020 forms differ.
 */
export function attachment275(convention: string, repeat: number, content: SegmentUse[]): TransactionSpec {
  return {
    setId: '275',
    name: '275',
    conventions: [convention],
    functionalId: 'PI',
    root: loop('ST', 'Transaction Set', 'R', 1, [
      ...HEADING_275,
      loop('2000A', 'Assigned Number', 'R', repeat, [...SUBMISSION_275, loop('2100A', 'Additional Information Content', 'R', 1, content)]),
      seg('SE', 'Transaction Set Trailer', 'R', 1),
    ]),
  };
}

export const X210_275 = attachment275('005010X210', MANY, [
  seg('CAT', 'Category of Patient Information Service', 'R', 1),
  seg('EFI', 'Electronic Format Identification', 'R', 1),
  seg('BIN', 'Binary Data', 'R', 1),
]);
