/**
 * Synthetic, PHI-free X12 bodies (between ST and SE) for each transaction the codec handles, in the
 * canonical form the reader returns (composites only when they have two or more components, no
 * trailing empties), plus helpers to envelope them.
 */
import { InMemoryControlNumbers, type InterchangeInput, type Segment, type WriteOptions } from '../../src/x12/index.ts';

const s = (tag: string, ...elements: Segment['elements']): Segment => ({ tag, elements });

export const NOW = new Date(Date.UTC(2025, 0, 2, 3, 4));

export function writeOptions(extra: Partial<WriteOptions> = {}): WriteOptions {
  return { controlNumbers: new InMemoryControlNumbers(), now: NOW, ...extra };
}

export function req278(): Segment[] {
  return [
    s('BHT', '0007', '13', 'REF47517', '20250102', '0304'),
    s('HL', '1', '', '20', '1'),
    s('NM1', 'X3', '2', 'ACME HEALTH PLAN', '', '', '', '', 'PI', '12345'),
    s('HL', '2', '1', '21', '1'),
    s('NM1', '1P', '2', 'DEMO CLINIC A', '', '', '', '', 'XX', '1234567893'),
    s('N3', '100 MAIN ST'),
    s('N4', 'SPRINGFIELD', 'IL', '62701'),
    s('PER', 'IC', 'JANE ROE', 'TE', '5555551234'),
    s('PRV', 'PE', 'PXC', '207Q00000X'),
    s('HL', '3', '2', '22', '1'),
    s('NM1', 'IL', '1', 'DOE', 'JOHN', '', '', '', 'MI', 'MEM123456A'),
    s('DMG', 'D8', '19800101', 'M'),
    s('HL', '4', '3', 'EV', '1'),
    s('TRN', '1', 'TRACE0001', '9123456789'),
    s('UM', 'HS', 'I', '3', ['11', 'B'], '', 'U'),
    s('DTP', 'AAH', 'RD8', '20250110-20250131'),
    s('HI', ['ABK', 'M545'], ['ABF', 'M5416']),
    s('MSG', 'PATIENT REQUIRES MRI'),
    s('NM1', 'SJ', '1', 'SMITH', 'ANNA', '', '', '', 'XX', '1987654328'),
    s('PRV', 'PE', 'PXC', '207X00000X'),
    s('HL', '5', '4', 'SS', '0'),
    s('TRN', '1', 'TRACE0001-1', '9123456789'),
    s('UM', 'HS', 'I', '3'),
    s('DTP', '472', 'RD8', '20250110-20250131'),
    s('SV1', ['HC', '72148'], '1500', 'UN', '1'),
    s('HSD', 'VS', '1'),
  ];
}

export function resp278(): Segment[] {
  return [
    s('BHT', '0007', '11', 'REF47517', '20250102', '0310'),
    s('HL', '1', '', '20', '1'),
    s('NM1', 'X3', '2', 'ACME HEALTH PLAN', '', '', '', '', 'PI', '12345'),
    s('HL', '2', '1', '21', '1'),
    s('NM1', '1P', '2', 'DEMO CLINIC A', '', '', '', '', 'XX', '1234567893'),
    s('HL', '3', '2', '22', '1'),
    s('NM1', 'IL', '1', 'DOE', 'JOHN', '', '', '', 'MI', 'MEM123456A'),
    s('DMG', 'D8', '19800101', 'M'),
    s('HL', '4', '3', 'EV', '1'),
    s('TRN', '2', 'TRACE0001', '9123456789'),
    s('UM', 'HS', 'I', '3'),
    s('HCR', 'A1', 'AUTH0001'),
    s('REF', 'NT', 'ADMIN77'),
    s('DTP', 'AAH', 'RD8', '20250110-20250131'),
    s('HL', '5', '4', 'SS', '0'),
    s('TRN', '2', 'TRACE0001-1', '9123456789'),
    s('HCR', 'A3', 'AUTH0001-1', { repeats: ['0U', 'MN'] }),
    s('DTP', '472', 'RD8', '20250110-20250131'),
    s('SV1', ['HC', '72148', 'RT'], '', 'UN', '1'),
  ];
}

export function req270(): Segment[] {
  return [
    s('BHT', '0022', '13', '10001234', '20250102', '0304'),
    s('HL', '1', '', '20', '1'),
    s('NM1', 'PR', '2', 'ACME HEALTH PLAN', '', '', '', '', 'PI', '12345'),
    s('HL', '2', '1', '21', '1'),
    s('NM1', '1P', '2', 'DEMO CLINIC A', '', '', '', '', 'XX', '1234567893'),
    s('HL', '3', '2', '22', '1'),
    s('TRN', '1', '93175-012547', '9877281234'),
    s('NM1', 'IL', '1', 'DOE', 'JOHN', '', '', '', 'MI', 'MEM123456A'),
    s('DMG', 'D8', '19800101'),
    s('DTP', '291', 'D8', '20250102'),
    s('EQ', '30'),
    s('HL', '4', '3', '23', '0'),
    s('TRN', '1', '93175-012548', '9877281234'),
    s('NM1', '03', '1', 'DOE', 'MARY'),
    s('DMG', 'D8', '20100704', 'F'),
    s('EQ', { repeats: ['1', '33', '35'] }),
  ];
}

export function resp271(): Segment[] {
  return [
    s('BHT', '0022', '11', '10001234', '20250102', '0305'),
    s('HL', '1', '', '20', '1'),
    s('NM1', 'PR', '2', 'ACME HEALTH PLAN', '', '', '', '', 'PI', '12345'),
    s('HL', '2', '1', '21', '1'),
    s('NM1', '1P', '2', 'DEMO CLINIC A', '', '', '', '', 'XX', '1234567893'),
    s('HL', '3', '2', '22', '0'),
    s('TRN', '2', '93175-012547', '9877281234'),
    s('NM1', 'IL', '1', 'DOE', 'JOHN', '', '', '', 'MI', 'MEM123456A'),
    s('N3', '15197 BROADWAY AVENUE', 'APT 215'),
    s('N4', 'KANSAS CITY', 'MO', '64108'),
    s('DMG', 'D8', '19800101', 'M'),
    s('DTP', '346', 'D8', '20240101'),
    s('EB', '1', '', '30', '', 'GOLD 123 PLAN'),
    s('EB', 'L'),
    s('LS', '2120'),
    s('NM1', 'P3', '1', 'JONES', 'MARCUS', '', '', '', 'SV', '0202034'),
    s('LE', '2120'),
    s('EB', 'B', '', { repeats: ['1', '33', '35'] }, 'HM', 'GOLD 123 PLAN', '27', '10.00', '', '', '', '', 'Y'),
    s('MSG', 'COPAY APPLIES PER VISIT'),
  ];
}

export function ack999(): Segment[] {
  return [
    s('AK1', 'HI', '1', '005010X217'),
    s('AK2', '278', '0001', '005010X217'),
    s('IK3', 'UM', '16', '2000E', '8'),
    s('IK4', '2', '1322', '7', 'X'),
    s('IK5', 'R', '5'),
    s('AK2', '278', '0002', '005010X217'),
    s('IK5', 'A'),
    s('AK9', 'P', '2', '2', '1'),
  ];
}

export const TA1_SEGMENT: Segment = s('TA1', '000000042', '250102', '0304', 'R', '025');

export const GROUPS: Record<string, { functionalId: string; version: string; setId: string; body: () => Segment[] }> = {
  '278 request': { functionalId: 'HI', version: '005010X217', setId: '278', body: req278 },
  '278 response': { functionalId: 'HI', version: '005010X217', setId: '278', body: resp278 },
  '270': { functionalId: 'HS', version: '005010X279A1', setId: '270', body: req270 },
  '271': { functionalId: 'HB', version: '005010X279A1', setId: '271', body: resp271 },
  '999': { functionalId: 'FA', version: '005010X231A1', setId: '999', body: ack999 },
};

/** One interchange holding `count` copies of the named transaction in one group. */
export function interchangeOf(name: keyof typeof GROUPS, count = 1): InterchangeInput {
  const g = GROUPS[name]!;
  return {
    sender: { qualifier: 'ZZ', id: 'PRIORGATE' },
    receiver: { qualifier: 'ZZ', id: 'ACMEPAYER' },
    usage: 'T',
    groups: [{
      functionalId: g.functionalId,
      applicationSender: 'PRIORGATE',
      applicationReceiver: 'ACMEPAYER',
      version: g.version,
      transactions: Array.from({ length: count }, () => ({ setId: g.setId, segments: g.body() })),
    }],
  };
}

/** A hand-made interchange around raw body lines ('~' terminated, '*' ':' '^' delimiters). */
export function rawInterchange(setId: string, fid: string, version: string, body: string[], opts: { se?: string; ge?: string; iea?: string } = {}): string {
  const count = body.length + 2;
  return [
    'ISA*00*          *00*          *ZZ*PRIORGATE      *ZZ*ACMEPAYER      *250102*0304*^*00501*000000001*0*T*:~',
    `GS*${fid}*PRIORGATE*ACMEPAYER*20250102*0304*1*X*${version}~`,
    `ST*${setId}*0001*${version}~`,
    ...body.map((l) => `${l}~`),
    opts.se ?? `SE*${count}*0001~`,
    opts.ge ?? 'GE*1*1~',
    opts.iea ?? 'IEA*1*000000001~',
  ].join('');
}

/** The 278 request body as raw lines, for hand-made invalid variants. */
export const REQ278_LINES = [
  'BHT*0007*13*REF47517*20250102*0304',
  'HL*1**20*1',
  'NM1*X3*2*ACME HEALTH PLAN*****PI*12345',
  'HL*2*1*21*1',
  'NM1*1P*2*DEMO CLINIC A*****XX*1234567893',
  'HL*3*2*22*1',
  'NM1*IL*1*DOE*JOHN****MI*MEM123456A',
  'HL*4*3*EV*1',
  'TRN*1*TRACE0001*9123456789',
  'UM*HS*I*3',
  'DTP*AAH*RD8*20250110-20250131',
  'HL*5*4*SS*0',
  'UM*HS*I*3',
  'SV1*HC:72148*1500*UN*1',
];
