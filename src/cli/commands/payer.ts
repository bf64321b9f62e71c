/**
 * `priorgate payer secret --payer ID`: issues a new secret for the payer's deliveries to
 * `/payer/x12` (HTTP Basic, payer id : secret). Printed once; only its hash is stored.
 */
import { parseArgs } from 'node:util';
import { appendAudit } from '../../audit/index.ts';
import { issuePayerSecret } from '../../payers/inbound-auth.ts';
import { withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { withTransaction } from '../../db/tx.ts';
import { usageOf } from '../help.ts';

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { payer: { type: 'string' } } });
  if (sub !== 'secret' || !values.payer) {
    println(io.stderr, usageOf('payer'));
    return EXIT.usage;
  }
  return withDatabase(io, async ({ db }) => {
    const secret = await issuePayerSecret(db, values.payer!);
    if (!secret) {
      println(io.stderr, `priorgate payer secret: unknown payer "${values.payer}" (payers come from rules/payers and appear after the first start)`);
      return EXIT.usage;
    }
    await withTransaction(db, (tx) => appendAudit(tx, { actor: 'operator', action: 'payer.secret', entityType: 'payer', entityId: values.payer! }));
    println(io.stdout, secret);
    return EXIT.ok;
  });
}
