/**
 * `priorgate keys …`: the gateway's keys.
 * - `keys rotate`: a new token-signing key; the old one verifies until its tokens expire.
 * - `keys rotate --data [--resume] [--no-reencrypt] [--batch N]`: a new current data key in the key
 *   ring file, then every row under an older key (or still plaintext) re-encrypted under it, in
 *   short batches beside the running gateway — by the running server itself on the embedded store.
 *   `--resume` re-runs the pass without adding a key.
 * - `keys status --data [--json]`: the ring, the current key, and rows per key id.
 * - `keys retire --data KID`: drops a key from the ring once no row uses it.
 */
import { parseArgs } from 'node:util';
import { appendAudit } from '../../audit/index.ts';
import { createSigningKey } from '../../auth/index.ts';
import { loadConfig, type Config, type DataKeySource } from '../../config/index.ts';
import type { Database } from '../../db/client.ts';
import { withNewKey, withoutKey, writeKeyRingFile } from '../../db/crypto/index.ts';
import { openDataKeys, readRingFile, type DataKeyService, type DataKeyStatus, type RekeyResult } from '../../db/data-keys/index.ts';
import { createLogger } from '../../log/index.ts';
import { operatorCall, runningServer, withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { withTransaction } from '../../db/tx.ts';
import { usageOf } from '../help.ts';

const USAGE = usageOf('keys');

type FileSource = Extract<DataKeySource, { kind: 'file' }>;

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { data: { type: 'boolean' }, resume: { type: 'boolean' }, 'no-reencrypt': { type: 'boolean' }, batch: { type: 'string' }, json: { type: 'boolean' } },
  });
  const [action, kid] = positionals;
  if (action === 'rotate' && !values.data) return rotateSigningKey(io);
  if (!values.data || !['rotate', 'status', 'retire'].includes(action ?? '') || (action === 'retire') !== Boolean(kid)) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  const batch = values.batch === undefined ? 200 : Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) {
    println(io.stderr, 'priorgate keys: --batch must be a whole number from 1 to 10000');
    return EXIT.usage;
  }
  const config = loadConfig(io.env);
  if (action === 'status') return status(io, config, Boolean(values.json));
  if (config.dataKeys.kind === 'env') {
    println(
      io.stderr,
      'priorgate keys: PRIORGATE_DATA_KEY is a single key and cannot be rotated or retired in place. Move it to a key ring file ' +
        '(README, "Encryption at rest": `priorgate keys status --data` shows its key id), set PRIORGATE_DATA_KEY_FILE instead, and run this again.',
    );
    return EXIT.usage;
  }
  if (action === 'retire') return retire(io, config, config.dataKeys, kid!);
  return rotate(io, config, config.dataKeys, { resume: Boolean(values.resume), reencrypt: !values['no-reencrypt'], batch });
}

async function rotateSigningKey(io: CliIo): Promise<number> {
  return withDatabase(io, async ({ db }) => {
    const kid = await createSigningKey(db);
    await withTransaction(db, (tx) => appendAudit(tx, { actor: 'operator', action: 'keys.rotate', entityType: 'signing_key', entityId: kid }));
    println(io.stdout, `new signing key ${kid} is active; running servers pick it up on their next unknown-kid check or restart`);
    return EXIT.ok;
  });
}

/** Opens the database and the data keys for a one-shot command (no watching, no background passes). */
async function withDataKeys<T>(io: CliIo, config: Config, fn: (keys: DataKeyService, database: Database) => Promise<T>): Promise<T> {
  const log = createLogger({ level: 'warn', destination: io.stderr as never });
  return withDatabase(
    io,
    async (database) => {
      const keys = await openDataKeys(database.db, config.dataKeys, { log, generate: false });
      try {
        return await fn(keys, database);
      } finally {
        await keys.stop();
      }
    },
  );
}

async function rotate(io: CliIo, config: Config, source: FileSource, opts: { resume: boolean; reencrypt: boolean; batch: number }): Promise<number> {
  if (!opts.resume) {
    const { file, kid } = withNewKey(readRingFile(source), new Date());
    writeKeyRingFile(source.path, file);
    println(io.stdout, `new current data key ${kid} written to ${source.path}; the older keys stay in the ring until retired`);
    if (source.explicit) println(io.stdout, 'gateways on other hosts need this ring file too: they pick up a changed file within seconds');
  }
  if (!opts.reencrypt) return EXIT.ok;
  const server = runningServer(config);
  if (server) {
    const r = await operatorCall<{ current?: string; issue?: { diagnostics: string }[] }>(server, 'data-keys/rekey', {});
    if (r.status !== 200) {
      println(io.stderr, `priorgate keys: the running server refused: ${r.body.issue?.[0]?.diagnostics ?? `HTTP ${r.status}`}`);
      return EXIT.failed;
    }
    println(io.stdout, `the running server re-encrypts rows under ${r.body.current} in the background; \`priorgate keys status --data\` shows the progress`);
    return EXIT.ok;
  }
  return withDataKeys(io, config, async (keys) => {
    let lastPrint = 0;
    let done = 0;
    const result = await keys.rekey({
      batchSize: opts.batch,
      onBatch: (b) => {
        done += b.resealed;
        if (Date.now() - lastPrint > 1000) {
          lastPrint = Date.now();
          println(io.stderr, `re-encrypted ${done} rows…`);
        }
      },
    });
    return report(io, result);
  });
}

function report(io: CliIo, r: RekeyResult): number {
  println(io.stdout, `re-encrypted under ${r.current}: ${Object.entries(r.resealed).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  if (r.skipped) println(io.stdout, `${r.skipped} rows are under a key this ring does not hold or a newer one: left as they are`);
  if (r.failed) {
    println(io.stderr, `${r.failed} rows did not decrypt (altered or misplaced values), left as they are:`);
    for (const f of r.failures) println(io.stderr, `  ${f.table} ${f.id}: ${f.reason}`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

async function status(io: CliIo, config: Config, json: boolean): Promise<number> {
  const server = runningServer(config);
  const s = server
    ? (await operatorCall<DataKeyStatus>(server, 'data-keys/status', {})).body
    : await withDataKeys(io, config, (keys) => keys.status());
  if (json) {
    println(io.stdout, JSON.stringify(s, null, 2));
    return EXIT.ok;
  }
  println(io.stdout, `data keys from ${s.source}; current ${s.current}${s.rekeyRunning ? '; a re-encryption pass is running' : ''}`);
  println(io.stdout, `${'key id'.padEnd(22)} ${'state'.padEnd(10)} ${'messages'.padStart(9)} ${'requests'.padStart(9)} ${'jobs'.padStart(7)} ${'other'.padStart(7)} ${'total'.padStart(9)}`);
  for (const k of s.keys) {
    const plaintext = k.kid === '(plaintext)';
    const state = plaintext
      ? k.rows.total ? 'to encrypt' : 'none left'
      : k.current ? 'current' : k.retiredAt ? 'retired' : !k.inRing ? 'missing' : k.rows.total ? 'draining' : 'unused';
    const hint = !plaintext && !k.current && k.inRing && k.rows.total === 0 ? `   retire with: priorgate keys retire --data ${k.kid}` : '';
    const other = k.rows.total - k.rows.messages - k.rows.requests - k.rows.jobs;
    println(io.stdout, `${k.kid.padEnd(22)} ${state.padEnd(10)} ${String(k.rows.messages).padStart(9)} ${String(k.rows.requests).padStart(9)} ${String(k.rows.jobs).padStart(7)} ${String(other).padStart(7)} ${String(k.rows.total).padStart(9)}${hint}`);
  }
  println(io.stdout, 'other: eligibility batch rosters and results, Subscription header lines, staff TOTP secrets (--json: rows per table)');
  return EXIT.ok;
}

async function retire(io: CliIo, config: Config, source: FileSource, kid: string): Promise<number> {
  const ring = readRingFile(source);
  if (kid === ring.current) {
    println(io.stderr, `priorgate keys: ${kid} is the current data key; rotate first (priorgate keys rotate --data)`);
    return EXIT.failed;
  }
  const server = runningServer(config);
  const r = server
    ? (await operatorCall<{ retired: boolean; reason?: string; rows: number }>(server, 'data-keys/retire', { kid })).body
    : await withDataKeys(io, config, (keys) => keys.retire(kid, 'operator'));
  if (!r.retired) {
    println(io.stderr, `priorgate keys: ${kid} not retired: ${r.reason}${r.rows ? ' (run `priorgate keys rotate --data --resume`)' : ''}`);
    return EXIT.failed;
  }
  if (ring.keys.some((k) => k.id === kid)) writeKeyRingFile(source.path, withoutKey(readRingFile(source), kid));
  println(io.stdout, `retired data key ${kid}: no row uses it; removed from ${source.path}`);
  return EXIT.ok;
}
