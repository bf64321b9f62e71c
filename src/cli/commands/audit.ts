/**
 * `priorgate audit verify`: re-computes the audit hash chain (from the latest retention checkpoint,
 * when older events were purged). Exit 0 intact, 1 broken.
 * `priorgate audit flag REQUEST_ID --reason vip|employee|other`, `priorgate audit unflag REQUEST_ID`:
 * reads of a flagged request raise `flagged-record` alerts. Exit 0, 2 unknown request or reason.
 * On a held embedded store each goes through the running server.
 */
import { parseArgs } from 'node:util';
import { verifyAudit, type VerifyResult } from '../../audit/index.ts';
import { loadConfig } from '../../config/index.ts';
import { FLAG_REASONS, flagRecord, unflagRecord } from '../../monitor/index.ts';
import { operatorCall, operatorRequest, runningServer, withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { usageOf } from '../help.ts';

const USAGE = usageOf('audit');

async function verify(io: CliIo): Promise<number> {
  const server = runningServer(loadConfig(io.env));
  const result: VerifyResult = server
    ? (await operatorCall<VerifyResult>(server, 'audit/verify', {})).body
    : await withDatabase(io, ({ db }) => verifyAudit(db));
  const cp = result.checkpoint;
  const from = cp
    ? ` (verified from the retention checkpoint at event ${cp.seq}, hash ${cp.hash.slice(0, 16)}…, made ${cp.at}; events before ${cp.cutoff.slice(0, 10)} were purged, export manifest sha256 ${cp.manifestSha256})`
    : '';
  if (result.ok) {
    println(io.stdout, `audit chain intact: ${result.events} events${from}`);
    return EXIT.ok;
  }
  println(io.stdout, `audit chain BROKEN at event ${result.broken!.seq}: ${result.broken!.reason} (${result.events} events verified before it)${from}`);
  return EXIT.failed;
}

async function flag(args: string[], io: CliIo, remove: boolean): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: 'string' } } });
  const requestId = positionals[0];
  if (!requestId || positionals.length > 1 || (!remove && !values.reason)) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  const server = runningServer(loadConfig(io.env));
  if (remove) {
    if (server) await operatorRequest(server, 'audit/unflag', { requestId });
    else await withDatabase(io, ({ db }) => unflagRecord(db, { requestId, actor: 'operator' }), { keys: true });
    println(io.stdout, `unflagged request ${requestId}`);
    return EXIT.ok;
  }
  const input = { requestId, reason: values.reason!, actor: 'operator' };
  const r = server ? await operatorRequest<{ requestId: string; reason: string }>(server, 'audit/flag', input) : await withDatabase(io, ({ db }) => flagRecord(db, input), { keys: true });
  println(io.stdout, `flagged request ${r.requestId} (${r.reason}): reads of it now raise alerts`);
  return EXIT.ok;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify' && rest.length === 0) return verify(io);
  if (sub === 'flag') return flag(rest, io, false);
  if (sub === 'unflag') return flag(rest, io, true);
  println(io.stderr, USAGE);
  return EXIT.usage;
}
