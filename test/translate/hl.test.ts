/** groupLoops: a 278 body grouped by HL, each loop split into its head and its NM1 name loops. */
import { describe, expect, it } from 'vitest';
import { groupLoops } from '../../src/translate/index.ts';
import { golden } from './helpers/corpus.ts';
import { fromText } from './helpers/x12-text.ts';

describe('groupLoops', () => {
  it('groups the referral request by HL with IG loop ids for loops and name loops', () => {
    const tx = groupLoops(fromText(golden('referral-request.278.txt')));
    expect(tx.header.map((s) => s.tag)).toEqual(['BHT']);
    expect(tx.loops.map((l) => [l.id, l.parent, l.level, l.loopId, l.hasChildren])).toEqual([
      ['1', '', '20', '2000A', true],
      ['2', '1', '21', '2000B', true],
      ['3', '2', '22', '2000C', true],
      ['4', '3', 'EV', '2000E', true],
      ['5', '4', 'SS', '2000F', false],
    ]);
    expect(tx.loops.map((l) => l.names.map((n) => n.loopId))).toEqual([['2010A'], ['2010B'], ['2010C'], ['2010EA'], []]);
    const event = tx.loops[3]!;
    expect(event.head.map((s) => s.tag)).toEqual(['TRN', 'UM', 'HI', 'PWK']);
    expect(event.names[0]!.segments.map((s) => s.tag)).toEqual(['N3', 'N4', 'PER']);
  });

  it('tells 2010EA providers, 2010EB transport locations and 2010EC other UMO apart by NM101', () => {
    const tx = groupLoops(fromText('BHT*0007*13*X*20240101*0000\nHL*1**EV*0\nTRN*1*T*1234567890\nNM1*71*1*A\nNM1*PW*2\nNM1*X3*2*OTHER UMO'));
    expect(tx.loops[0]!.names.map((n) => n.loopId)).toEqual(['2010EA', '2010EB', '2010EC']);
  });
});
