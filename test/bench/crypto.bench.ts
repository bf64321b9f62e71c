/**
 * The cost of encryption at rest, against a baseline run side by side in the same process and on
 * the same table: 10,000 messages (a 21 kB PAS Bundle and a 278 alternately) inserted and read
 * back through the query layer (AES-256-GCM, row-bound associated data) versus the same statements
 * with the payload in plaintext. Also: seal/open alone, stored bytes per row (plaintext is
 * TOAST-compressed, ciphertext is not), and a rotation pass re-encrypting every row.
 * Embedded PGlite by default; TEST_DATABASE_URL gives it a fresh Postgres database. BENCH_ROWS
 * changes the count.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inArray, sql } from 'drizzle-orm';
import { rows, type Db } from '../../src/db/client.ts';
import { attachCipher, FieldCipher, generateKeyRingFile, keyRingFromFile, withNewKey } from '../../src/db/crypto/index.ts';
import { rekeyPass, resealedTotal } from '../../src/db/data-keys/index.ts';
import { saveMessage } from '../../src/db/queries/requests.ts';
import { openMessage } from '../../src/db/queries/sealed-rows.ts';
import { messages } from '../../src/db/schema.ts';
import { PAS_EXAMPLES, X12_SAMPLES } from '../helpers/corpus.ts';
import { testDatabase, usingPostgres } from '../helpers/db.ts';

const N = Number(process.env.BENCH_ROWS ?? 10_000);
const ROUND = 1000;
const TX_ROWS = 100;
const PAYLOADS = [
  readFileSync(`${PAS_EXAMPLES}/Bundle-SurgicalRequestBundleExample.json`, 'utf8'),
  readFileSync(`${X12_SAMPLES}/herophilus__278DVSResponseSample.txt`, 'utf8'),
];
const source = { kind: 'file' as const, path: '(bench)', explicit: true };

function median(fn: () => void, runs: number): number {
  for (let i = 0; i < 50; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const row = (i: number) => ({ orgId: 'bench', direction: 'in' as const, format: i % 2 ? ('x12' as const) : ('fhir' as const), transactionSet: 'bench', payload: PAYLOADS[i % 2]! });

async function insertRound(db: Db, encrypted: boolean, ids: string[]): Promise<number> {
  const start = performance.now();
  for (let done = 0; done < ROUND; done += TX_ROWS) {
    await db.transaction(async (t) => {
      const tx = t;
      for (let i = done; i < done + TX_ROWS; i++) {
        if (encrypted) ids.push(await saveMessage(tx, row(i)));
        else {
          const id = randomUUID();
          await tx.insert(messages).values({ id, ...row(i) });
          ids.push(id);
        }
      }
    });
  }
  return performance.now() - start;
}

async function readAll(db: Db, ids: string[], decrypt: boolean): Promise<number> {
  const start = performance.now();
  let bytes = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const got = await db.select().from(messages).where(inArray(messages.id, ids.slice(i, i + 500)));
    for (const m of got) bytes += (decrypt ? openMessage(db, m) : m).payload.length;
  }
  if (bytes === 0) throw new Error('read nothing');
  return performance.now() - start;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2).padStart(7)} s`;
const line = (what: string, base: number, enc: number) => console.log(`${what.padEnd(34)} ${fmt(base)} ${fmt(enc)}   ${(enc / base).toFixed(2).padStart(5)}x`);

async function main() {
  const database = await testDatabase();
  const db = database.db;
  const ringFile = generateKeyRingFile(new Date(Date.now() - 1000));
  const cipher = new FieldCipher(keyRingFromFile(ringFile, source));
  attachCipher(db, cipher);
  console.log(`store: ${usingPostgres ? 'Postgres (fresh database)' : 'embedded PGlite'}; ${N} messages, payloads ${PAYLOADS.map((p) => `${(p.length / 1024).toFixed(1)} kB`).join(' / ')}`);

  const at = { table: 'messages', column: 'payload', id: randomUUID() };
  const sealed = cipher.seal(PAYLOADS[0]!, at);
  const sealUs = median(() => cipher.seal(PAYLOADS[0]!, at), 2000) * 1000;
  const openUs = median(() => cipher.open(sealed, at), 2000) * 1000;
  const mbps = (us: number) => ((PAYLOADS[0]!.length / us) * 1e6) / 1024 / 1024;
  console.log(`seal ${sealUs.toFixed(1)} µs, open ${openUs.toFixed(1)} µs per 21 kB Bundle (${mbps(sealUs).toFixed(0)} / ${mbps(openUs).toFixed(0)} MB/s)\n`);

  // Rounds alternate so both sides see the same table size and cache state.
  const plainIds: string[] = [];
  const sealedIds: string[] = [];
  let insertPlain = 0;
  let insertSealed = 0;
  for (let r = 0; r < N / ROUND; r++) {
    insertPlain += await insertRound(db, false, plainIds);
    insertSealed += await insertRound(db, true, sealedIds);
  }
  console.log(`${''.padEnd(34)} ${'baseline'.padStart(9)} ${'encrypted'.padStart(9)}   ratio`);
  line(`insert ${N} (transactions of ${TX_ROWS})`, insertPlain, insertSealed);
  let readPlain = 0;
  let readSealed = 0;
  for (let r = 0; r < 3; r++) {
    readPlain += await readAll(db, plainIds, false);
    readSealed += await readAll(db, sealedIds, true);
  }
  line(`read ${N} by id (batches of 500), x3`, readPlain, readSealed);

  const [sizes] = await rows<{ plain: string; sealed: string }>(
    db,
    sql`select avg(pg_column_size(payload)) filter (where payload not like 'v1.%')::int as plain,
               avg(pg_column_size(payload)) filter (where payload like 'v1.%')::int as sealed from messages`,
  );
  console.log(`stored payload bytes per row: plaintext ${sizes!.plain} (TOAST-compressed), encrypted ${sizes!.sealed}  (${(Number(sizes!.sealed) / Number(sizes!.plain)).toFixed(1)}x)`);

  cipher.replaceRing(keyRingFromFile(withNewKey(ringFile, new Date()).file, source));
  const start = performance.now();
  const pass = await rekeyPass(db, cipher, { batchSize: 200 });
  const ms = performance.now() - start;
  console.log(`rotation pass: ${resealedTotal(pass)} rows (old key and plaintext) re-encrypted in ${(ms / 1000).toFixed(2)} s, ${Math.round(resealedTotal(pass) / (ms / 1000))} rows/s`);
  await database.close();
}

await main();
