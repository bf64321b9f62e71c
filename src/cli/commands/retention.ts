/**
 * `priorgate retention purge --before DATE [--out DIR]`: exports, then deletes, audit events,
 * stored messages and closed requests older than DATE (see src/retention/purge.ts). DATE must be
 * at least PRIORGATE_RETENTION_YEARS (≥ 6) years ago. Exit 0 purged, 2 refused (cutoff too young,
 * output folder not empty), 1 failed (nothing deleted). On a held embedded store the running
 * server does the purge (and writes the files).
 * `priorgate retention check DIR`: checks an export folder against its manifest. Exit 0 / 1.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.ts';
import { checkExport, checkPurgeRequest, purgeBefore, type PurgeReport } from '../../retention/index.ts';
import { operatorRequest, runningServer, withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { usageOf } from '../help.ts';

const USAGE = usageOf('retention');

/** `2019-01-01` is midnight UTC; a full timestamp needs its zone. */
function parseCutoff(text: string): Date {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(text) || /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(text);
  return ok ? new Date(/T/.test(text) ? text : `${text}T00:00:00Z`) : new Date(NaN);
}

async function purge(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { before: { type: 'string' }, out: { type: 'string' } } });
  if (!values.before) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  const config = loadConfig(io.env);
  const cutoff = parseCutoff(values.before);
  const outDir = path.resolve(values.out ?? `priorgate-retention-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}`);
  // Refuse before touching the database (or the running server).
  checkPurgeRequest({ cutoff, outDir, retentionYears: config.retentionYears });
  const server = runningServer(config);
  const report: PurgeReport = server
    ? await operatorRequest<PurgeReport>(server, 'retention/purge', { before: cutoff.toISOString(), out: outDir })
    : await withDatabase(io, ({ db }) => purgeBefore(db, { cutoff, outDir, retentionYears: config.retentionYears, actor: 'operator' }), { keys: true });
  const d = report.deleted;
  println(io.stdout, `purged records before ${cutoff.toISOString().slice(0, 10)}: ${d.auditEvents} audit events, ${d.messages} messages, ${d.requests} requests (${d.requestItems} lines)`);
  println(io.stdout, `export: ${report.outDir} (manifest.json sha256 ${report.manifestSha256})`);
  println(io.stdout, `audit checkpoint at event ${report.manifest.checkpoint.seq}; \`priorgate audit verify\` starts there`);
  return EXIT.ok;
}

async function check(args: string[], io: CliIo): Promise<number> {
  if (args.length !== 1) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  const r = await checkExport(path.resolve(args[0]!));
  for (const p of r.problems) println(io.stdout, `problem: ${p}`);
  println(io.stdout, r.ok ? `export intact (manifest.json sha256 ${r.manifestSha256})` : `export DAMAGED (manifest.json sha256 ${r.manifestSha256})`);
  return r.ok ? EXIT.ok : EXIT.failed;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'purge') return purge(rest, io);
  if (sub === 'check') return check(rest, io);
  println(io.stderr, USAGE);
  return EXIT.usage;
}
