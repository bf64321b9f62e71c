/** Sealing the audit log in tests the way the gateway's sequencer does (with the gateway's signing key). */
import { sealAll, type SealReport } from '../../src/audit/index.ts';
import { loadKeyRing } from '../../src/auth/index.ts';
import type { Db } from '../../src/db/client.ts';
import { auditEvents } from '../../src/db/schema.ts';
import { eq } from 'drizzle-orm';

export function seal(db: Db): Promise<SealReport[]> {
  return sealAll({ db, signer: async () => (await loadKeyRing(db, 300)).signer });
}

/** An event's place in the sealed log (seals first). */
export async function seqOf(db: Db, id: number): Promise<number> {
  await seal(db);
  const [row] = await db.select({ seq: auditEvents.seq }).from(auditEvents).where(eq(auditEvents.id, id));
  if (row?.seq == null) throw new Error(`audit event ${id} is not sealed`);
  return row.seq;
}
