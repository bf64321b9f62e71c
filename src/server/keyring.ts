/** A reloadable holder for the gateway's token keys. */
import { loadKeyRing, type KeyRing, type KeyRingHolder } from '../auth/index.ts';
import type { Db } from '../db/client.ts';

export async function keyRingHolder(db: Db, tokenTtlS: number): Promise<KeyRingHolder> {
  let ring: KeyRing = await loadKeyRing(db, tokenTtlS);
  let lastRefresh = 0;
  return {
    current: () => ring,
    async refresh() {
      // A token with an unknown kid triggers a reload, at most once a second (no amplification).
      if (Date.now() - lastRefresh > 1000) {
        lastRefresh = Date.now();
        ring = await loadKeyRing(db, tokenTtlS);
      }
      return ring;
    },
  };
}
