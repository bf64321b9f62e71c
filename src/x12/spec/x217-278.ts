/**
 * 278 Health Care Services Review, 005010X217: the request (BHT02 = 13 request, 01 cancellation)
 * and the response (BHT02 = 11). Loop ids, names, repeats and segment max uses follow the TR3;
 * where one TR3 line is split by qualifier (several DTPs, REFs) the uses are merged into one entry
 * whose max is their sum and whose code list is their union.
 */
import { loop, MANY, seg, type LoopSpec, type SegmentUse, type TransactionSpec } from './types.ts';

const PROVIDER_ENTITY = ['71', '72', '73', '77', 'AAJ', 'DD', 'DK', 'DN', 'FA', 'G3', 'P3', 'QB', 'QV', 'SJ'];
// HL04 0 is allowed above the leaves: a response that rejects a level (AAA) has nothing under it.
const HL_TOP = { 2: { usage: 'N' as const }, 4: { usage: 'R' as const, codes: ['0', '1'] } };
const HL_MID = { 2: { usage: 'R' as const }, 4: { usage: 'R' as const, codes: ['0', '1'] } };
const HL_LEAF = { 2: { usage: 'R' as const }, 4: { usage: 'R' as const } };
const ID_PAIR = (codes: string[]) => ({ 8: { usage: 'R' as const, codes }, 9: { usage: 'R' as const } });

function nameLoop(id: string, name: string, usage: 'R' | 'S', repeat: number, entity: string[], rest: SegmentUse[],
  nm1: Record<number, object> = {}): LoopSpec {
  return loop(id, name, usage, repeat, [seg('NM1', name, 'R', 1, { when: [1, ...entity], el: nm1 }), ...rest]);
}

function build(response: boolean): TransactionSpec {
  const aaa = (name: string): SegmentUse[] => (response ? [seg('AAA', name, 'S', 9)] : []);
  const contact = response ? [] : [seg('PER', 'Contact Information', 'S', 1)];
  // Provider loops (2010EA, 2010F) carry their contact in both directions: payers send it back.
  const providerContact = [seg('PER', 'Provider Contact Information', 'S', 1)];

  const providerLoop = (id: string, name: string) =>
    nameLoop(id, name, 'S', 12, PROVIDER_ENTITY, [
      seg('REF', 'Supplemental Identification', 'S', 7),
      seg('N3', 'Address', 'S', 1),
      seg('N4', 'City, State, ZIP Code', 'S', 1),
      ...providerContact,
      ...aaa('Request Validation'),
      seg('PRV', 'Provider Information', 'S', 1),
    ]);

  const clinical: SegmentUse[] = [
    seg('HI', 'Patient Diagnosis', 'S', 1),
    seg('HSD', 'Health Care Services Delivery', 'S', 1),
    seg('CRC', 'Patient Condition Information', 'S', 9),
    seg('CL1', 'Institutional Claim Code', 'S', 1),
    seg('CR1', 'Ambulance Transport Information', 'S', 1),
    seg('CR2', 'Spinal Manipulation Service Information', 'S', 1),
    seg('CR5', 'Home Oxygen Therapy Information', 'S', 1),
    seg('CR6', 'Home Health Care Information', 'S', 1),
    seg('PWK', 'Additional Patient Information', 'S', 10),
    seg('MSG', 'Message Text', 'S', 1),
  ];

  const eventDates = response ? ['AAH', '435', '096', '102', '036', '007'] : ['439', '484', 'ABC', '431', 'AAH', '435', '096'];
  const serviceDates = response ? ['472', '102', '036', '007'] : ['472'];

  // A response rejected (AAA) at the UMO, requester or subscriber level stops there: the levels
  // below are situational in the response and required in the request.
  const below = response ? 'S' : 'R';
  const patientEvent = loop('2000E', 'Patient Event Level', below, 1, [
    seg('HL', 'Patient Event Level', 'R', 1, { when: [3, 'EV'], el: HL_LEAF }),
    seg('TRN', 'Patient Event Tracking Number', 'S', response ? 3 : 2),
    ...aaa('Patient Event Request Validation'),
    seg('UM', 'Health Care Services Review Information', 'R', 1),
    ...(response ? [seg('HCR', 'Health Care Services Review', 'S', 1)] : []),
    seg('REF', 'Previous Review / Administrative Reference Number', 'S', response ? 3 : 2, { el: { 1: { codes: ['BB', 'NT'] } } }),
    seg('DTP', 'Patient Event Dates', 'S', eventDates.length, { el: { 1: { codes: eventDates } } }),
    ...clinical,
    providerLoop('2010EA', 'Patient Event Provider Name'),
    // Who to send additional information to: the requester names one; a pending UMO names its own
    // (real payers send it back with the PWK and HI*LOI of a request for more information).
    nameLoop('2010EB', 'Additional Patient Information Contact Name', 'S', 1, ['1P', '2B', 'ABG', 'FA', 'PR', 'X3'], [
      seg('N3', 'Address', 'S', 1),
      seg('N4', 'City, State, ZIP Code', 'S', 1),
      seg('PER', 'Contact Information', 'S', response ? 3 : 1),
    ]),
    nameLoop('2010EC', 'Patient Event Transport Information', 'S', 5, ['45', 'FS', 'ND', 'PW', 'R3'], [
      seg('N3', 'Address', 'S', 1),
      seg('N4', 'City, State, ZIP Code', 'S', 1),
    ]),
    loop('2000F', 'Service Level', 'S', MANY, [
      seg('HL', 'Service Level', 'R', 1, { when: [3, 'SS'], el: HL_LEAF }),
      seg('TRN', 'Service Trace Number', 'S', response ? 3 : 2),
      ...aaa('Service Request Validation'),
      seg('UM', 'Health Care Services Review Information', response ? 'S' : 'R', 1),
      ...(response ? [seg('HCR', 'Health Care Services Review', 'R', 1)] : []),
      seg('REF', 'Previous Review / Administrative Reference Number', 'S', response ? 3 : 2, { el: { 1: { codes: ['BB', 'NT'] } } }),
      seg('DTP', 'Service Dates', 'S', serviceDates.length, { el: { 1: { codes: serviceDates } } }),
      // Response: the UMO's request for additional information (LOINC attachment codes, HI01-1 LOI).
      ...(response ? [seg('HI', 'Request for Additional Information', 'S', 1)] : []),
      seg('SV1', 'Professional Service', 'S', 1),
      seg('SV2', 'Institutional Service Line', 'S', 1),
      seg('SV3', 'Dental Service', 'S', 1),
      seg('TOO', 'Tooth Information', 'S', 32),
      // A pending UMO asks for more information per line: HI*LOI:<LOINC> (what to send).
      ...(response ? [seg('HI', 'Requested Additional Information', 'S', 1)] : []),
      seg('HSD', 'Health Care Services Delivery', 'S', 1),
      seg('PWK', 'Additional Service Information', 'S', 10),
      seg('MSG', 'Message Text', 'S', 1),
      providerLoop('2010F', 'Service Provider Name'),
    ]),
  ]);

  const person = (id: string, name: string, entity: string, ids: Record<number, object>) =>
    nameLoop(id, name, 'R', 1, [entity], [
      seg('REF', 'Supplemental Identification', 'S', 9),
      seg('N3', 'Address', 'S', 1),
      seg('N4', 'City, State, ZIP Code', 'S', 1),
      ...aaa('Request Validation'),
      seg('DMG', 'Demographic Information', 'S', 1),
      seg('INS', 'Relationship', 'S', 1),
    ], ids);

  const dependent = loop('2000D', 'Dependent Level', 'S', 1, [
    seg('HL', 'Dependent Level', 'R', 1, { when: [3, '23'], el: HL_MID }),
    person('2010D', 'Dependent Name', 'QC', {}),
    patientEvent,
  ]);

  const root = loop('ST', 'Transaction Set', 'R', 1, [
    seg('ST', 'Transaction Set Header', 'R', 1, { el: { 1: { codes: ['278'] } } }),
    seg('BHT', 'Beginning of Hierarchical Transaction', 'R', 1, {
      el: { 1: { codes: ['0007'] }, 2: { codes: response ? ['11'] : ['01', '13'] }, 3: { usage: 'R' }, 4: { usage: 'R' }, 5: { usage: 'R' } },
    }),
    loop('2000A', 'Utilization Management Organization (UMO) Level', 'R', 1, [
      seg('HL', 'UMO Level', 'R', 1, { when: [3, '20'], el: HL_TOP }),
      ...aaa('Request Validation'),
      nameLoop('2010A', 'Utilization Management Organization (UMO) Name', 'R', 1, ['X3'], [
        ...(response ? [seg('PER', 'UMO Contact Information', 'S', 3)] : []),
        ...aaa('Request Validation'),
      ], ID_PAIR(['24', '46', 'NI', 'PI', 'XV', 'XX'])),
      loop('2000B', 'Requester Level', below, 1, [
        seg('HL', 'Requester Level', 'R', 1, { when: [3, '21'], el: HL_MID }),
        nameLoop('2010B', 'Requester Name', 'R', 1, ['1P', 'FA'], [
          seg('REF', 'Requester Supplemental Identification', 'S', 9),
          ...(response ? [] : [seg('N3', 'Requester Address', 'S', 1), seg('N4', 'Requester City, State, ZIP Code', 'S', 1)]),
          ...contact,
          ...aaa('Requester Request Validation'),
          seg('PRV', 'Requester Provider Information', 'S', 1),
        ], ID_PAIR(['24', '34', '46', 'XX'])),
        loop('2000C', 'Subscriber Level', below, 1, [
          seg('HL', 'Subscriber Level', 'R', 1, { when: [3, '22'], el: HL_MID }),
          person('2010C', 'Subscriber Name', 'IL', ID_PAIR(['MI'])),
          dependent,
          // Under the subscriber the event level is present only when the subscriber is the patient.
          { ...patientEvent, usage: 'S' },
        ]),
      ]),
    ]),
    seg('SE', 'Transaction Set Trailer', 'R', 1),
  ]);

  return {
    setId: '278',
    name: response ? '278 response' : '278 request',
    conventions: ['005010X217'],
    functionalId: 'HI',
    root,
    hierarchy: { '20': [], '21': ['20'], '22': ['21'], '23': ['22'], EV: ['22', '23'], SS: ['EV'] },
    select: { tag: 'BHT', element: 2, values: response ? ['11'] : ['01', '13'] },
  };
}

export const X217_REQUEST = build(false);
export const X217_RESPONSE = build(true);
