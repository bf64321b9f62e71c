/** Failed sign-in counters (staff_login_throttle); see src/staff/throttle.ts for what they mean. */
import { and, eq, gt, inArray, like, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { staffLoginThrottle } from '../schema.ts';

/** The latest lock among `keys` that is still running at `now`. */
export async function lockedUntil(db: Db, keys: string[], now: Date): Promise<{ key: string; until: Date } | undefined> {
  const rows = await db
    .select({ key: staffLoginThrottle.key, until: staffLoginThrottle.lockedUntil })
    .from(staffLoginThrottle)
    .where(and(inArray(staffLoginThrottle.key, keys), gt(staffLoginThrottle.lockedUntil, now)));
  const latest = rows.sort((a, b) => b.until!.getTime() - a.until!.getTime())[0];
  return latest ? { key: latest.key, until: latest.until! } : undefined;
}

/**
 * Counts one failure under `key` in one statement (safe under concurrent attempts). A window that
 * has passed, or a lock that has run out, starts a fresh count; reaching `max` within the window
 * locks the key until `now + lockMs`.
 */
export async function countFailure(
  tx: Db,
  opts: { key: string; usernameHash?: string; now: Date; max: number; windowMs: number; lockMs: number },
): Promise<{ failures: number; lockedUntil: Date | null }> {
  const now = opts.now.toISOString();
  const windowFrom = new Date(opts.now.getTime() - opts.windowMs).toISOString();
  const until = new Date(opts.now.getTime() + opts.lockMs).toISOString();
  const t = staffLoginThrottle;
  const fresh = sql`(${t.windowStart} <= ${windowFrom}::timestamptz or (${t.lockedUntil} is not null and ${t.lockedUntil} <= ${now}::timestamptz))`;
  const count = sql`(case when ${fresh} then 1 else ${t.failures} + 1 end)`;
  const [row] = await tx
    .insert(t)
    .values({ key: opts.key, usernameHash: opts.usernameHash ?? null, failures: 1, windowStart: opts.now, lockedUntil: opts.max <= 1 ? new Date(until) : null })
    .onConflictDoUpdate({
      target: t.key,
      set: {
        failures: sql`${count}`,
        windowStart: sql`case when ${fresh} then ${now}::timestamptz else ${t.windowStart} end`,
        lockedUntil: sql`case when ${count} >= ${opts.max} then ${until}::timestamptz when ${fresh} then null else ${t.lockedUntil} end`,
      },
    })
    .returning({ failures: t.failures, lockedUntil: t.lockedUntil });
  return { failures: row?.failures ?? 1, lockedUntil: row?.lockedUntil ?? null };
}

export async function clearKey(tx: Db, key: string): Promise<void> {
  await tx.delete(staffLoginThrottle).where(eq(staffLoginThrottle.key, key));
}

/** Removes every per-address counter of one user name (an administrator's unlock); how many there were. */
export async function clearUsername(tx: Db, usernameHash: string): Promise<number> {
  const gone = await tx.delete(staffLoginThrottle).where(and(eq(staffLoginThrottle.usernameHash, usernameHash), like(staffLoginThrottle.key, 'account:%'))).returning({ key: staffLoginThrottle.key });
  return gone.length;
}

/** Per user name hash: the latest running lock and the failures counted in open windows. */
export async function usernameStates(db: Db, hashes: string[], now: Date, windowMs: number): Promise<Map<string, { lockedUntil: Date | null; failures: number }>> {
  const out = new Map<string, { lockedUntil: Date | null; failures: number }>();
  if (hashes.length === 0) return out;
  const rows = await db.select().from(staffLoginThrottle).where(inArray(staffLoginThrottle.usernameHash, hashes));
  for (const r of rows) {
    const h = r.usernameHash!;
    const s = out.get(h) ?? { lockedUntil: null, failures: 0 };
    if (r.lockedUntil && r.lockedUntil > now && (!s.lockedUntil || r.lockedUntil > s.lockedUntil)) s.lockedUntil = r.lockedUntil;
    if (r.windowStart.getTime() > now.getTime() - windowMs) s.failures += r.failures;
    out.set(h, s);
  }
  return out;
}
