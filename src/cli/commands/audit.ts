/**
 * `priorgate audit verify [--witness FILE]`: checks every sealed event, every signed tree head and
 * their consistency (from the latest retention checkpoint, when older events were purged), and with
 * a witness file that the log still holds every head the witness received. Exit 0 intact, 1 broken
 * (the first wrong event or head is named), 2 unreadable witness file.
 * `priorgate audit heads --out FILE`: appends the newest signed tree head to a witness file.
 * `priorgate audit proof EVENT_ID`: the event's inclusion proof against the latest signed head (JSON).
 * `priorgate audit flag REQUEST_ID --reason vip|employee|other`, `priorgate audit unflag REQUEST_ID`:
 * reads of a flagged request raise `flagged-record` alerts. Exit 0, 2 unknown request or reason.
 * On a held embedded store each goes through the running server.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exportHeadToFile, inclusionProof, readWitnessFile, verifyAudit, type VerifyResult, type WitnessHead } from '../../audit/index.ts';
import { loadConfig } from '../../config/index.ts';
import { flagRecord, unflagRecord } from '../../monitor/index.ts';
import { operatorCall, operatorRequest, runningServer, withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { usageOf } from '../help.ts';

const USAGE = usageOf('audit');

function describe(result: VerifyResult): string {
  const cp = result.checkpoint;
  const from = cp
    ? ` (verified from the retention checkpoint at event ${cp.seq}, hash ${cp.hash.slice(0, 16)}…, made ${cp.at}; events before ${cp.cutoff.slice(0, 10)} were purged, export manifest sha256 ${cp.manifestSha256})`
    : '';
  const pending = result.unsealed ? `; ${result.unsealed} newer events not sealed yet` : '';
  const witnessed = result.witnessed !== undefined ? `; all ${result.witnessed} witnessed heads present` : '';
  const legacy = result.legacy ? `; the first ${result.legacy.events} events came from the old hash chain (${result.legacy.intact ? 'intact when sealed' : `broken when sealed: ${result.legacy.broken}`})` : '';
  if (result.ok) {
    const h = result.latestHead;
    const head = h ? ` in ${result.heads} signed tree heads (latest #${h.headNo}: ${h.treeSize} leaves, root ${h.rootHash.slice(0, 16)}…, sealed ${h.sealedAt})` : '';
    return `audit log intact: ${result.events} events${head}${pending}${witnessed}${legacy}${from}`;
  }
  const b = result.broken!;
  const where = b.seq !== undefined && b.head === undefined ? `event ${b.seq}` : b.head !== undefined && b.seq === undefined ? `tree head #${b.head}` : `event ${b.seq} (tree head #${b.head})`;
  return `audit log BROKEN at ${where}: ${b.reason} (${result.events} events and ${result.heads} heads verified before it)${from}`;
}

async function verify(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { witness: { type: 'string' } } });
  let witness: WitnessHead[] | undefined;
  if (values.witness) {
    try {
      witness = readWitnessFile(path.resolve(values.witness));
    } catch (e) {
      println(io.stderr, `cannot read the witness file: ${(e as Error).message}`);
      return EXIT.usage;
    }
  }
  const server = runningServer(loadConfig(io.env));
  const result: VerifyResult = server
    ? (await operatorCall<VerifyResult>(server, 'audit/verify', { witness })).body
    : await withDatabase(io, ({ db }) => verifyAudit(db, { witness }));
  println(io.stdout, describe(result));
  return result.ok ? EXIT.ok : EXIT.failed;
}

async function heads(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  if (!values.out) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  const file = path.resolve(values.out);
  const server = runningServer(loadConfig(io.env));
  const head = server
    ? (await operatorRequest<{ head?: WitnessHead }>(server, 'audit/heads', { out: file })).head
    : await withDatabase(io, ({ db }) => exportHeadToFile(db, file));
  println(io.stdout, head ? `appended tree head #${head.headNo} (${head.treeSize} leaves, root ${head.rootHash}) to ${file}` : `${file} already has the newest tree head`);
  return EXIT.ok;
}

async function proof(args: string[], io: CliIo): Promise<number> {
  const id = Number(args[0]);
  if (args.length !== 1 || !Number.isSafeInteger(id) || id <= 0) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  const server = runningServer(loadConfig(io.env));
  const r = server ? await operatorRequest<{ proof?: unknown; state: string }>(server, 'audit/proof', { id }) : await withDatabase(io, async ({ db }) => {
    const p = await inclusionProof(db, id);
    return p.kind === 'proof' ? { state: 'sealed', proof: p.proof } : { state: p.kind };
  });
  if (r.state === 'missing') {
    println(io.stderr, `there is no audit event ${id}`);
    return EXIT.usage;
  }
  if (r.state === 'unsealed') {
    println(io.stderr, `audit event ${id} is not sealed yet (a running gateway seals it within a second)`);
    return EXIT.failed;
  }
  println(io.stdout, JSON.stringify(r.proof, null, 2));
  return EXIT.ok;
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
  if (sub === 'verify') return verify(rest, io);
  if (sub === 'heads') return heads(rest, io);
  if (sub === 'proof') return proof(rest, io);
  if (sub === 'flag') return flag(rest, io, false);
  if (sub === 'unflag') return flag(rest, io, true);
  println(io.stderr, USAGE);
  return EXIT.usage;
}
