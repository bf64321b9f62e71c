/**
 * A rotation pass: moves every sealed value that is not under the current data key — older keys,
 * and legacy plaintext from before encryption at rest — to the current key, in short transactions
 * of `batchSize` rows. Safe beside a running gateway (rows it cannot lock now are left for the next
 * pass), resumable (a pass simply selects what is still not under the current key), and never moves
 * a row to an older key (a host whose ring is behind leaves newer rows alone).
 */
import type { Db } from '../client.ts';
import { DecryptError, type FieldCipher } from '../crypto/index.ts';
import {
  batchesToReseal,
  batchResultsToReseal,
  jobsToReseal,
  messagesToReseal,
  requestsToReseal,
  staffSecretsToReseal,
  subscriptionsToReseal,
  updateBatchResultRow,
  updateBatchRoster,
  updateJobPayload,
  updateMessagePayload,
  updateRequestSealed,
  updateStaffSecret,
  updateSubscriptionSealed,
  SEALED_TABLES,
  type SealedTable,
} from '../queries/data-keys.ts';
import { batchResultAddress, JOB_ENVELOPE_KEY, MFA_PLAIN, mfaSecretAddress, openHeaders, sealHeaders, sealSummary, splitHeaders, splitSummary } from '../queries/sealed-rows.ts';
import { envelopePrefix } from '../crypto/index.ts';
import { withTransaction } from '../tx.ts';

export interface RekeyOptions {
  batchSize?: number;
  /** Pause between batches, to leave the database to the requests in flight. */
  pauseMs?: number;
  /** Checked between batches: a stopping server ends its pass early (the next one resumes). */
  shouldStop?: () => boolean;
  onBatch?: (p: { table: SealedTable; resealed: number }) => void;
}

export interface RekeyResult {
  current: string;
  resealed: Record<SealedTable, number>;
  /** Under a key this ring does not hold, or a newer one: left as they are. */
  skipped: number;
  /** Did not decrypt (altered or misplaced values): left as they are, ids in `failures`. */
  failed: number;
  failures: { table: SealedTable; id: string | number; reason: string }[];
  stopped: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Verdict = 'reseal' | 'skip';

/** Whether a stored value (its key id, or undefined for plaintext) is one this pass moves. */
function verdict(cipher: FieldCipher, kid: string | undefined): Verdict {
  if (kid === undefined) return 'reseal';
  return cipher.ring.olderIds().includes(kid) ? 'reseal' : 'skip';
}

export async function rekeyPass(db: Db, cipher: FieldCipher, opts: RekeyOptions = {}): Promise<RekeyResult> {
  const batchSize = opts.batchSize ?? 200;
  const current = cipher.ring.currentId;
  const prefix = envelopePrefix(current);
  const resealed = Object.fromEntries(SEALED_TABLES.map((t) => [t, 0])) as RekeyResult['resealed'];
  const result: RekeyResult = { current, resealed, skipped: 0, failed: 0, failures: [], stopped: false };
  const fail = (table: SealedTable, id: string | number, e: unknown) => {
    if (!(e instanceof DecryptError)) throw e;
    result.failed++;
    if (result.failures.length < 20) result.failures.push({ table, id, reason: e.reason });
  };

  /**
   * Reseals each row whose stored value (`stored`: its envelope; undefined, empty or plaintext: always
   * resealed) is not under a key this pass leaves alone. Returns how many it resealed.
   */
  async function resealEach<R>(table: SealedTable, rows: R[], idOf: (r: R) => string | number, stored: (r: R) => string | null | undefined, reseal: (r: R) => Promise<void>): Promise<number> {
    let n = 0;
    for (const r of rows) {
      const value = stored(r);
      if (value && verdict(cipher, cipher.kidOf(value)) === 'skip') {
        result.skipped++;
        continue;
      }
      try {
        await reseal(r);
        n++;
      } catch (e) {
        fail(table, idOf(r), e);
      }
    }
    return n;
  }
  const byId = (r: { id: string | number }) => r.id;

  // Each table: batches in primary-key order until one comes back short.
  const tables: { table: SealedTable; batch: (tx: Db, after: unknown) => Promise<{ last: unknown; seen: number; resealed: number }> }[] = [
    {
      table: 'messages',
      batch: async (tx, after) => {
        const rows = await messagesToReseal(tx, prefix, after as string | undefined, batchSize);
        const n = await resealEach('messages', rows, byId, (r) => r.payload, async (r) => {
          const at = { table: 'messages', column: 'payload', id: r.id };
          await updateMessagePayload(tx, r.id, cipher.seal(cipher.open(r.payload, at), at));
        });
        return { last: rows.at(-1)?.id, seen: rows.length, resealed: n };
      },
    },
    {
      table: 'requests',
      batch: async (tx, after) => {
        const rows = await requestsToReseal(tx, prefix, after as string | undefined, batchSize);
        const n = await resealEach('requests', rows, byId, (r) => r.summaryPhi, async (r) => {
          // Legacy rows keep their PHI in the clear summary: it moves to summary_phi here.
          const phi = r.summaryPhi
            ? (JSON.parse(cipher.open(r.summaryPhi, { table: 'requests', column: 'summary_phi', id: r.id })) as Record<string, unknown>)
            : splitSummary(r.summary).phi;
          await updateRequestSealed(tx, r.id, sealSummary(cipher, r.id, { ...r.summary, ...phi }), r.memberIdHashes);
        });
        return { last: rows.at(-1)?.id, seen: rows.length, resealed: n };
      },
    },
    {
      table: 'jobs',
      batch: async (tx, after) => {
        const rows = await jobsToReseal(tx, prefix, after as number | undefined, batchSize);
        const envelopeOf = (r: (typeof rows)[number]) => (typeof r.payload[JOB_ENVELOPE_KEY] === 'string' ? (r.payload[JOB_ENVELOPE_KEY] as string) : undefined);
        const n = await resealEach('jobs', rows, byId, envelopeOf, async (r) => {
          const at = { table: 'jobs', column: 'payload', id: r.id };
          const envelope = envelopeOf(r);
          const plain = envelope !== undefined ? cipher.open(envelope, at) : JSON.stringify(r.payload);
          await updateJobPayload(tx, r.id, { [JOB_ENVELOPE_KEY]: cipher.seal(plain, at) });
        });
        return { last: rows.at(-1)?.id, seen: rows.length, resealed: n };
      },
    },
    {
      table: 'eligibility_batches',
      batch: async (tx, after) => {
        const rows = await batchesToReseal(tx, prefix, after as string | undefined, batchSize);
        const n = await resealEach('eligibility_batches', rows, byId, (r) => r.roster, async (r) => {
          const at = { table: 'eligibility_batches', column: 'roster', id: r.id };
          await updateBatchRoster(tx, r.id, cipher.seal(cipher.open(r.roster, at), at));
        });
        return { last: rows.at(-1)?.id, seen: rows.length, resealed: n };
      },
    },
    {
      table: 'eligibility_batch_results',
      batch: async (tx, after) => {
        const rows = await batchResultsToReseal(tx, prefix, after as { batchId: string; line: number } | undefined, batchSize);
        const envelopeOf = (r: (typeof rows)[number]) => String(r.row[JOB_ENVELOPE_KEY] ?? '');
        const n = await resealEach('eligibility_batch_results', rows, (r) => `${r.batchId}:${r.line}`, envelopeOf, async (r) => {
          const at = batchResultAddress(r.batchId, r.line);
          await updateBatchResultRow(tx, r.batchId, r.line, { [JOB_ENVELOPE_KEY]: cipher.seal(cipher.open(envelopeOf(r), at), at) });
        });
        const last = rows.at(-1);
        return { last: last && { batchId: last.batchId, line: last.line }, seen: rows.length, resealed: n };
      },
    },
    {
      table: 'subscriptions',
      batch: async (tx, after) => {
        const rows = await subscriptionsToReseal(tx, prefix, after as string | undefined, batchSize);
        const n = await resealEach('subscriptions', rows, byId, (r) => r.channelHeaders, async (r) => {
          // Legacy rows keep their header lines in the clear resource: they move to channel_headers here.
          const { resource, header } = r.channelHeaders ? { resource: r.resource, header: openHeaders(cipher, r.id, r.channelHeaders) } : splitHeaders(r.resource);
          await updateSubscriptionSealed(tx, r.id, { resource, channelHeaders: sealHeaders(cipher, r.id, header) });
        });
        return { last: rows.at(-1)?.id, seen: rows.length, resealed: n };
      },
    },
    {
      table: 'staff_users',
      batch: async (tx, after) => {
        const rows = await staffSecretsToReseal(tx, prefix, after as string | undefined, batchSize);
        // A `plain:` secret is not an envelope: resealed, never skipped.
        const n = await resealEach('staff_users', rows, byId, (r) => r.mfaSecret, async (r) => {
          const stored = r.mfaSecret!;
          const at = mfaSecretAddress(r.id);
          await updateStaffSecret(tx, r.id, cipher.seal(stored.startsWith(MFA_PLAIN) ? stored.slice(MFA_PLAIN.length) : cipher.open(stored, at), at));
        });
        return { last: rows.at(-1)?.id, seen: rows.length, resealed: n };
      },
    },
  ];

  for (const t of tables) {
    let after: unknown;
    for (;;) {
      if (opts.shouldStop?.()) return { ...result, stopped: true };
      const b = await withTransaction(db, (tx) => t.batch(tx, after));
      result.resealed[t.table] += b.resealed;
      if (b.resealed) opts.onBatch?.({ table: t.table, resealed: b.resealed });
      if (b.seen < batchSize) break;
      after = b.last;
      if (opts.pauseMs) await sleep(opts.pauseMs);
    }
  }
  return { ...result, stopped: false };
}

export const resealedTotal = (r: RekeyResult) => SEALED_TABLES.reduce((n, t) => n + r.resealed[t], 0);
