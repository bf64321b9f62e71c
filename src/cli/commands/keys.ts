/** `priorgate keys rotate`: a new token-signing key; the old one verifies until its tokens expire. */
import { appendAudit } from '../../audit/index.ts';
import { createSigningKey } from '../../auth/index.ts';
import { withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args[0] !== 'rotate') {
    println(io.stderr, 'usage: priorgate keys rotate');
    return EXIT.usage;
  }
  return withDatabase(io, async ({ db }) => {
    const kid = await createSigningKey(db);
    await db.transaction((tx) => appendAudit(tx as never, { actor: 'operator', action: 'keys.rotate', entityType: 'signing_key', entityId: kid }));
    println(io.stdout, `new signing key ${kid} is active; running servers pick it up on their next unknown-kid check or restart`);
    return EXIT.ok;
  });
}
