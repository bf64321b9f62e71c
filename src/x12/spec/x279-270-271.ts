/**
 * 270 Eligibility Inquiry and 271 Eligibility Response, 005010X279A1. Subscriber (2000C) and
 * dependent (2000D) levels share their shape; the tables are built by one function per set so the
 * C and D loops cannot drift apart.
 */
import { loop, MANY, seg, type LoopSpec, type SegmentUse, type TransactionSpec } from './types.ts';

const SOURCE_ENTITY = ['2B', '36', 'GP', 'P5', 'PR'];
const RECEIVER_ENTITY = ['1P', '2B', '36', '80', 'FA', 'GP', 'P5', 'PR'];
const HL_TOP = { 2: { usage: 'N' as const }, 4: { usage: 'R' as const, codes: ['1'] } };
const HL_MID = { 2: { usage: 'R' as const }, 4: { usage: 'R' as const, codes: ['1'] } };
const HL_LEAF = { 2: { usage: 'R' as const }, 4: { usage: 'R' as const } };
const BENEFIT_ENTITY = ['13', '1I', '1P', '2B', '36', '73', '7C', '80', 'FA', 'GP', 'GW', 'I3', 'IL', 'LR', 'P3', 'P4',
  'P5', 'PR', 'PRP', 'SEP', 'TTP', 'VER', 'VN', 'VY', 'X3', 'Y2'];

function header(setId: '270' | '271'): SegmentUse[] {
  return [
    seg('ST', 'Transaction Set Header', 'R', 1, { el: { 1: { codes: [setId] } } }),
    seg('BHT', 'Beginning of Hierarchical Transaction', 'R', 1, {
      el: {
        1: { codes: ['0022'] },
        2: { codes: setId === '270' ? ['01', '13'] : ['06', '11'] },
        3: { usage: setId === '270' ? 'R' : 'S' },
        4: { usage: 'R' },
        5: { usage: 'R' },
        6: { usage: setId === '270' ? 'S' : 'N' },
      },
    }),
  ];
}

function inquiryMember(level: 'C' | 'D'): LoopSpec {
  const isSub = level === 'C';
  return loop(`2000${level}`, isSub ? 'Subscriber Level' : 'Dependent Level', isSub ? 'R' : 'S', MANY, [
    seg('HL', isSub ? 'Subscriber Level' : 'Dependent Level', 'R', 1, { when: [3, isSub ? '22' : '23'], el: HL_LEAF }),
    seg('TRN', 'Trace Number', 'S', 2),
    loop(`2100${level}`, isSub ? 'Subscriber Name' : 'Dependent Name', 'R', 1, [
      seg('NM1', 'Name', 'R', 1, { when: [1, isSub ? 'IL' : '03'], el: isSub ? { 8: { codes: ['MI', 'II'] } } : {} }),
      seg('REF', 'Additional Identification', 'S', 9),
      seg('N3', 'Address', 'S', 1),
      seg('N4', 'City, State, ZIP Code', 'S', 1),
      seg('PRV', 'Provider Information', 'S', 1),
      seg('DMG', 'Demographic Information', 'S', 1),
      seg('INS', 'Relationship', 'S', 1),
      seg('HI', 'Health Care Diagnosis Code', 'S', 1),
      seg('DTP', 'Date', 'S', 2, { el: { 1: { codes: ['291', '307', '435', '472', '102'] } } }),
      loop(`2110${level}`, 'Eligibility or Benefit Inquiry', 'S', 99, [
        seg('EQ', 'Eligibility or Benefit Inquiry', 'R', 1),
        seg('AMT', 'Spend Down Amount', 'S', 2, { el: { 1: { codes: ['R', 'PB'] } } }),
        seg('III', 'Eligibility or Benefit Additional Inquiry Information', 'S', 10),
        seg('REF', 'Additional Information', 'S', 1),
        seg('DTP', 'Eligibility/Benefit Date', 'S', 1),
      ]),
    ]),
    ...(isSub ? [inquiryMember('D')] : []),
  ]);
}

// 271: a request rejected at the information source or receiver level (AAA) ends there, so the
// subscriber level is situational in the response.
function responseMember(level: 'C' | 'D'): LoopSpec {
  const isSub = level === 'C';
  return loop(`2000${level}`, isSub ? 'Subscriber Level' : 'Dependent Level', 'S', MANY, [
    seg('HL', isSub ? 'Subscriber Level' : 'Dependent Level', 'R', 1, { when: [3, isSub ? '22' : '23'], el: HL_LEAF }),
    seg('TRN', 'Trace Number', 'S', 3),
    loop(`2100${level}`, isSub ? 'Subscriber Name' : 'Dependent Name', 'R', 1, [
      seg('NM1', 'Name', 'R', 1, { when: [1, isSub ? 'IL' : '03'] }),
      seg('REF', 'Additional Identification', 'S', 9),
      seg('N3', 'Address', 'S', 1),
      seg('N4', 'City, State, ZIP Code', 'S', 1),
      seg('AAA', 'Request Validation', 'S', 9),
      seg('PRV', 'Provider Information', 'S', 1),
      seg('DMG', 'Demographic Information', 'S', 1),
      seg('INS', 'Relationship', 'S', 1),
      seg('HI', 'Health Care Diagnosis Code', 'S', 1),
      seg('DTP', 'Date', 'S', 9),
      seg('MPI', 'Military Personnel Information', 'S', 9),
      loop(`2110${level}`, 'Eligibility or Benefit Information', 'S', MANY, [
        seg('EB', 'Eligibility or Benefit Information', 'R', 1),
        seg('HSD', 'Health Care Services Delivery', 'S', 9),
        seg('REF', 'Additional Identification', 'S', 9),
        seg('DTP', 'Eligibility/Benefit Date', 'S', 20),
        seg('AAA', 'Request Validation', 'S', 9),
        seg('MSG', 'Message Text', 'S', 10),
        loop(`2115${level}`, 'Eligibility or Benefit Additional Information', 'S', 10, [
          seg('III', 'Eligibility or Benefit Additional Information', 'R', 1),
        ]),
        seg('LS', 'Loop Header', 'S', 1, { el: { 1: { codes: ['2120'] } } }),
        loop(`2120${level}`, 'Benefit Related Entity Name', 'S', 23, [
          seg('NM1', 'Benefit Related Entity Name', 'R', 1, { when: [1, ...BENEFIT_ENTITY] }),
          seg('N3', 'Address', 'S', 1),
          seg('N4', 'City, State, ZIP Code', 'S', 1),
          seg('PER', 'Contact Information', 'S', 3),
          seg('PRV', 'Provider Information', 'S', 1),
        ]),
        seg('LE', 'Loop Trailer', 'S', 1, { el: { 1: { codes: ['2120'] } } }),
      ]),
    ]),
    ...(isSub ? [responseMember('D')] : []),
  ]);
}

function build(setId: '270' | '271'): TransactionSpec {
  const response = setId === '271';
  const root = loop('ST', 'Transaction Set', 'R', 1, [
    ...header(setId),
    loop('2000A', 'Information Source Level', 'R', MANY, [
      seg('HL', 'Information Source Level', 'R', 1, { when: [3, '20'], el: HL_TOP }),
      ...(response ? [seg('AAA', 'Request Validation', 'S', 9)] : []),
      loop('2100A', 'Information Source Name', 'R', 1, [
        seg('NM1', 'Information Source Name', 'R', 1, {
          when: [1, ...SOURCE_ENTITY],
          el: { 8: { usage: 'R', codes: ['24', '46', 'FI', 'NI', 'PI', 'XV', 'XX'] }, 9: { usage: 'R' } },
        }),
        ...(response ? [seg('PER', 'Information Source Contact Information', 'S', 3), seg('AAA', 'Request Validation', 'S', 9)] : []),
      ]),
      loop('2000B', 'Information Receiver Level', response ? 'S' : 'R', MANY, [
        seg('HL', 'Information Receiver Level', 'R', 1, { when: [3, '21'], el: response ? HL_LEAF : HL_MID }),
        loop('2100B', 'Information Receiver Name', 'R', 1, [
          seg('NM1', 'Information Receiver Name', 'R', 1, { when: [1, ...RECEIVER_ENTITY] }),
          seg('REF', 'Information Receiver Additional Identification', 'S', 9),
          ...(response ? [] : [seg('N3', 'Address', 'S', 1), seg('N4', 'City, State, ZIP Code', 'S', 1)]),
          ...(response ? [seg('AAA', 'Information Receiver Request Validation', 'S', 9)] : []),
          seg('PRV', 'Information Receiver Provider Information', 'S', 1),
        ]),
        response ? responseMember('C') : inquiryMember('C'),
      ]),
    ]),
    seg('SE', 'Transaction Set Trailer', 'R', 1),
  ]);
  return {
    setId,
    name: setId,
    conventions: ['005010X279A1'],
    functionalId: response ? 'HB' : 'HS',
    root,
    hierarchy: { '20': [], '21': ['20'], '22': ['21'], '23': ['22'] },
  };
}

export const X279_270 = build('270');
export const X279_271 = build('271');
