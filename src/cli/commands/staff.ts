/**
 * `priorgate staff add --username U --role viewer|staff|admin|auditor [--org ORG]` creates a staff
 * user. The password comes from PRIORGATE_STAFF_PASSWORD or the first line of stdin, never from
 * argv (argv is visible to every user of the machine in the process list).
 * Exit 0 created, 1 the user exists, 2 bad usage.
 *
 * `priorgate staff reset-mfa --username U` turns a user's two-step verification off and ends their
 * sessions (for the last administrator who lost their phone; admins reset others on /ui/admin).
 * Exit 0 reset, 1 no such user, 2 bad usage.
 *
 * `priorgate staff unlock --username U` lifts the sign-in pauses of a user name (every address;
 * src/staff/throttle.ts). Exit 0, 1 no such user, 2 bad usage.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { appendAudit } from '../../audit/index.ts';
import { hashPassword } from '../../auth/index.ts';
import { insertStaffUser, organizationExists, staffByUsername } from '../../db/queries/staff.ts';
import { resetMfa, ROLES, unlockUser } from '../../staff/index.ts';
import { withDatabase } from '../database.ts';
import { type CliIo, EXIT, println } from '../io.ts';
import { withTransaction } from '../../db/tx.ts';
import { usageOf } from '../help.ts';

const USAGE = usageOf('staff');
const MIN_PASSWORD = 12;

/** The first line of stdin (without its line ending). */
async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (rest.some((a) => a === '--password' || a.startsWith('--password='))) {
    println(io.stderr, 'priorgate staff add: passwords are never taken from the command line; set PRIORGATE_STAFF_PASSWORD or pipe it on stdin');
    return EXIT.usage;
  }
  const { values } = parseArgs({ args: rest, options: { username: { type: 'string' }, role: { type: 'string' }, org: { type: 'string' } } });
  if (sub === 'reset-mfa' && values.username && !values.role && !values.org) return resetMfaCommand(values.username, io);
  if (sub === 'unlock' && values.username && !values.role && !values.org) return unlockCommand(values.username, io);
  if (sub !== 'add' || !values.username || !values.role) {
    println(io.stderr, USAGE);
    return EXIT.usage;
  }
  if (!(ROLES as readonly string[]).includes(values.role)) {
    println(io.stderr, `priorgate staff add: --role must be one of ${ROLES.join(', ')}`);
    return EXIT.usage;
  }
  if (!/^[A-Za-z0-9._@-]{2,64}$/.test(values.username)) {
    println(io.stderr, 'priorgate staff add: --username must be 2-64 letters, digits or . _ @ -');
    return EXIT.usage;
  }
  if (!io.env.PRIORGATE_STAFF_PASSWORD && (io.stdin as { isTTY?: boolean }).isTTY) println(io.stderr, 'Password (one line):');
  const password = io.env.PRIORGATE_STAFF_PASSWORD || (await firstLine(io.stdin));
  if (password.length < MIN_PASSWORD) {
    println(io.stderr, `priorgate staff add: the password must be at least ${MIN_PASSWORD} characters`);
    return EXIT.usage;
  }
  const username = values.username;
  const role = values.role;
  const orgId = values.org ?? null;
  return withDatabase(io, async ({ db }) => {
    if (orgId && !(await organizationExists(db, orgId))) {
      println(io.stderr, `priorgate staff add: no organization "${orgId}"`);
      return EXIT.usage;
    }
    const passwordHash = await hashPassword(password);
    const id = randomUUID();
    const created = await withTransaction(db, async (tx) => {
      if (!(await insertStaffUser(tx, { id, username, passwordHash, role, orgId }))) return false;
      await appendAudit(tx, { actor: 'operator', action: 'staff.add', orgId, entityType: 'staff_user', entityId: id, detail: { username, role, orgId } });
      return true;
    });
    if (!created) {
      println(io.stderr, `priorgate staff add: a staff user "${username}" already exists`);
      return EXIT.failed;
    }
    println(io.stdout, `staff user ${username} created (${role}${orgId ? `, organization ${orgId}` : ', all organizations'})`);
    return EXIT.ok;
  });
}

async function resetMfaCommand(username: string, io: CliIo): Promise<number> {
  return withDatabase(io, async ({ db }) => {
    const user = await staffByUsername(db, username);
    if (!user) {
      println(io.stderr, `priorgate staff reset-mfa: no staff user "${username}"`);
      return EXIT.failed;
    }
    const { sessionsEnded } = await resetMfa(db, user, 'operator', new Date());
    println(io.stdout, `two-step verification of ${username} reset; ${sessionsEnded} session(s) ended`);
    return EXIT.ok;
  });
}

async function unlockCommand(username: string, io: CliIo): Promise<number> {
  return withDatabase(
    io,
    async ({ db }) => {
      const user = await staffByUsername(db, username);
      if (!user) {
        println(io.stderr, `priorgate staff unlock: no staff user "${username}"`);
        return EXIT.failed;
      }
      const { cleared } = await unlockUser(db, user, 'operator', new Date());
      println(io.stdout, cleared ? `sign-in of ${username} unlocked (${cleared} paused or counting address${cleared === 1 ? '' : 'es'} cleared)` : `${username} had no failed sign-ins on record`);
      return EXIT.ok;
    },
    // The throttle keys are keyed hashes under the data key ring.
    { keys: true },
  );
}
