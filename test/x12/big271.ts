/**
 * The benchmark's synthetic 271: one transaction set whose 2000C subscriber loops repeat until the
 * file holds about `target` segments. Written with the codec's streaming writer.
 */
import type { Segment } from '../../src/x12/index.ts';
import { InMemoryControlNumbers, X12StreamWriter } from '../../src/x12/index.ts';

export const SEGMENTS_PER_SUBSCRIBER = 15;

/** The body segments of subscriber `i` (HL id `hl`, parent HL 2). */
export function subscriber(i: number, hl: number): Segment[] {
  return [
    { tag: 'HL', elements: [String(hl), '2', '22', '0'] },
    { tag: 'TRN', elements: ['2', `TRACE${i}`, '9877281234'] },
    { tag: 'NM1', elements: ['IL', '1', `LAST${i}`, 'FIRST', 'M', '', '', 'MI', `MEMBER${i}`] },
    { tag: 'N3', elements: ['123 MAIN STREET'] },
    { tag: 'N4', elements: ['KANSAS CITY', 'MO', '64108'] },
    { tag: 'DMG', elements: ['D8', '19800101', 'F'] },
    { tag: 'DTP', elements: ['346', 'D8', '20240101'] },
    { tag: 'EB', elements: ['1', '', '30', '', 'GOLD 123 PLAN'] },
    { tag: 'EB', elements: ['B', '', { repeats: ['1', '33', '35'] }, 'HM', 'GOLD 123 PLAN', '27', '10.00', '', '', '', '', 'Y'] },
    { tag: 'EB', elements: ['C', '', '30', '', 'GOLD 123 PLAN', '23', '500.00'] },
    { tag: 'MSG', elements: [`PLAN NOTE ${i}`] },
    { tag: 'EB', elements: ['L'] },
    { tag: 'LS', elements: ['2120'] },
    { tag: 'NM1', elements: ['P3', '1', 'JONES', 'MARCUS', '', '', '', 'SV', '0202034'] },
    { tag: 'LE', elements: ['2120'] },
  ];
}

/** Streams a ~`target`-segment 271 into `sink`; returns the number of segments written. */
export function write271(target: number, sink: (chunk: string) => void, lineBreak: '' | '\n' = ''): number {
  const w = new X12StreamWriter(sink, {
    sender: { qualifier: 'ZZ', id: 'PAYER' },
    receiver: { qualifier: 'ZZ', id: 'PRIORGATE' },
    usage: 'T',
  }, {
    controlNumbers: new InMemoryControlNumbers(),
    now: new Date(Date.UTC(2025, 0, 2, 3, 4)),
    delimiters: { element: '*', component: ':', repetition: '^', segment: '~' },
    lineBreak,
  });
  w.beginGroup({ functionalId: 'HB', applicationSender: 'PAYER', applicationReceiver: 'PRIORGATE', version: '005010X279A1' });
  w.beginTransaction('271');
  const head: Segment[] = [
    { tag: 'BHT', elements: ['0022', '11', 'REF1', '20250102', '0304'] },
    { tag: 'HL', elements: ['1', '', '20', '1'] },
    { tag: 'NM1', elements: ['PR', '2', 'PAYER', '', '', '', '', 'PI', '12345'] },
    { tag: 'HL', elements: ['2', '1', '21', '1'] },
    { tag: 'NM1', elements: ['1P', '2', 'CLINIC', '', '', '', '', 'XX', '1234567893'] },
  ];
  for (const s of head) w.segment(s);
  let count = 6 + head.length;
  for (let i = 1; count + SEGMENTS_PER_SUBSCRIBER <= target; i++) {
    for (const s of subscriber(i, i + 2)) w.segment(s);
    count += SEGMENTS_PER_SUBSCRIBER;
  }
  w.endTransaction();
  w.endGroup();
  w.end();
  return count;
}
