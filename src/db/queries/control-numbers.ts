/**
 * X12 control numbers (ISA13, GS06, ST02): monotonic per sender and kind, stored so a restart never
 * reuses one. ISA13 is nine digits; after 999999999 it wraps to 1.
 */
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../client.ts';
import { withRepeatable } from '../tx.ts';

const MAX = 999_999_999;

/**
 * Reserves the next `count` numbers and returns the first (the caller uses first … first+count-1).
 * Outside a transaction, run again after a lost connection: a reservation whose answer was lost
 * leaves a gap, never a number used twice.
 */
export async function nextControlNumbers(db: Db, senderId: string, kind: string, count = 1): Promise<number> {
  const reserve = sql`insert into control_numbers (sender_id, kind, last_value) values (${senderId}, ${kind}, ${count})
        on conflict (sender_id, kind) do update
          set last_value = case when control_numbers.last_value + ${count} > ${MAX} then ${count}
                                else control_numbers.last_value + ${count} end
        returning last_value`;
  const [row] = await withRepeatable(db, () => rows<{ last_value: string | number }>(db, reserve));
  return Number(row!.last_value) - count + 1;
}

/** The next ISA, GS and ST numbers for a sender in one statement (one interchange's worth; repeatable as above). */
export async function nextEnvelopeNumbers(db: Db, senderId: string): Promise<Record<'ISA' | 'GS' | 'ST', number>> {
  const reserve = sql`insert into control_numbers (sender_id, kind, last_value)
        values (${senderId}, 'ISA', 1), (${senderId}, 'GS', 1), (${senderId}, 'ST', 1)
        on conflict (sender_id, kind) do update
          set last_value = case when control_numbers.last_value + 1 > ${MAX} then 1 else control_numbers.last_value + 1 end
        returning kind, last_value`;
  const got = await withRepeatable(db, () => rows<{ kind: 'ISA' | 'GS' | 'ST'; last_value: string | number }>(db, reserve));
  return Object.fromEntries(got.map((r) => [r.kind, Number(r.last_value)])) as Record<'ISA' | 'GS' | 'ST', number>;
}
