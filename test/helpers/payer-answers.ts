/**
 * What the demo payer sends back to `POST /payer/x12`: interchanges built from the 278 the gateway
 * stored for a request, answered by the simulator's own decision code.
 */
import type { Db } from '../../src/db/client.ts';
import { latestMessage } from '../../src/db/queries/requests.ts';
import { bodyOf } from '../../src/payers/x12-io.ts';
import { respond278 } from '../../src/sim/decide-278.ts';
import { InMemoryControlNumbers, parseX12, writeX12 } from '../../src/x12/index.ts';
import type { Segment } from '../../src/x12/types.ts';

/** The group and transaction of the 278 stored for a request. */
export async function sent278(db: Db, id: string) {
  const ic = parseX12((await latestMessage(db, id, 'x12-278-request'))!.payload).interchanges[0]!;
  return { group: ic.groups[0]!, tx: ic.groups[0]!.transactions[0]! };
}

/** An interchange from the demo payer to the gateway, numbered `isa13`. */
export const payerInterchange = (groups: Parameters<typeof writeX12>[0]['groups'], isa13: number) =>
  writeX12({ sender: { qualifier: 'ZZ', id: 'DEMOPAYER' }, receiver: { qualifier: 'ZZ', id: 'PRIORGATE' }, usage: 'T', groups }, { controlNumbers: new InMemoryControlNumbers(isa13), now: new Date() });

/** 278 answers from the demo payer, a transaction set per list of segments, in one group of an interchange numbered `isa13`. */
export const payer278s = (sets: Segment[][], isa13: number) =>
  payerInterchange([{ functionalId: 'HI', applicationSender: 'DEMOPAYER', applicationReceiver: 'PRIORGATE', version: '005010X217', transactions: sets.map((segments) => ({ setId: '278', segments })) }], isa13);

/** The payer's final approval of a request's 278, as an interchange numbered `isa13`. */
export async function approvalOf(db: Db, id: string, isa13: number): Promise<string> {
  const { tx } = await sent278(db, id);
  return payer278s([respond278(bodyOf(tx), { now: new Date(), authNumber: `AUTH${isa13}`, final: true })], isa13);
}
