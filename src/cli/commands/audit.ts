/** `priorgate audit verify`: re-computes the audit hash chain. Exit 0 intact, 1 broken. */
import { verifyAudit, type VerifyResult } from '../../audit/index.ts';
import { loadConfig } from '../../config/index.ts';
import { operatorCall, runningServer, withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args[0] !== 'verify') {
    println(io.stderr, 'usage: priorgate audit verify');
    return EXIT.usage;
  }
  const server = runningServer(loadConfig(io.env));
  const result: VerifyResult = server
    ? (await operatorCall<VerifyResult>(server, 'audit/verify', {})).body
    : await withDatabase(io, ({ db }) => verifyAudit(db));
  if (result.ok) {
    println(io.stdout, `audit chain intact: ${result.events} events`);
    return EXIT.ok;
  }
  println(io.stdout, `audit chain BROKEN at event ${result.broken!.seq}: ${result.broken!.reason} (${result.events} events verified before it)`);
  return EXIT.failed;
}
