/** `priorgate migrate`: applies migrations to DATABASE_URL (or the embedded store). */
import { migrationStatus } from '../../db/client.ts';
import { withDatabase } from '../database.ts';
import { type CliIo, println } from '../io.ts';

export async function run(_args: string[], io: CliIo): Promise<number> {
  return withDatabase(io, async (database) => {
    const m = await migrationStatus(database.db);
    println(io.stdout, `migrations applied: ${m.applied}/${m.onDisk} (${database.kind} store)`);
    return 0;
  });
}
