import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/auth/index.ts';
import { run } from '../../src/cli/commands/staff.ts';
import { upsertOrganization } from '../../src/db/queries/clients.ts';
import { staffByUsername } from '../../src/db/queries/staff.ts';
import { auditEvents, staffSessions, staffUsers } from '../../src/db/schema.ts';
import { cliStore, type CliStore } from '../helpers/db.ts';
import { runCommand } from '../helpers/cli-io.ts';

let store: CliStore;
let env: Record<string, string>;
const withDb: CliStore['withDb'] = (fn) => store.withDb(fn);

beforeAll(async () => {
  store = await cliStore('pg-staff-cli-');
  env = store.env;
  await withDb((db) => upsertOrganization(db, { id: 'org-cli', name: 'CLI Clinic' }));
});
afterAll(() => store.close());

const staff = (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) => runCommand(run, args, { ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}), env: { ...env, ...opts.env } });

describe('priorgate staff add', () => {
  it('creates a viewer of one organization with the password from stdin (scrypt-hashed)', async () => {
    const r = await staff(['add', '--username', 'cli-viewer', '--role', 'viewer', '--org', 'org-cli'], { stdin: 'a long enough secret\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('staff user cli-viewer created (viewer, organization org-cli)');
    const user = await withDb((db) => staffByUsername(db, 'cli-viewer'));
    expect(user).toMatchObject({ role: 'viewer', orgId: 'org-cli' });
    expect(user!.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('a long enough secret', user!.passwordHash)).toBe(true);
  });

  it('takes the password from PRIORGATE_STAFF_PASSWORD', async () => {
    const r = await staff(['add', '--username', 'cli-admin', '--role', 'admin'], { env: { PRIORGATE_STAFF_PASSWORD: 'another long secret' } });
    expect(r.code, r.stderr).toBe(0);
    const user = await withDb((db) => staffByUsername(db, 'cli-admin'));
    expect(user).toMatchObject({ role: 'admin', orgId: null });
  });

  it('refuses a password on the command line', async () => {
    const r = await staff(['add', '--username', 'x1', '--role', 'viewer', '--password', 'in the process list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('never taken from the command line');
  });

  it('refuses bad roles, short passwords and unknown organizations with exit 2, and duplicates with exit 1', async () => {
    expect((await staff(['add', '--username', 'x2', '--role', 'root'], { stdin: 'a long enough secret' })).code).toBe(2);
    expect((await staff(['add', '--username', 'x3', '--role', 'viewer'], { stdin: 'short' })).code).toBe(2);
    expect((await staff(['add', '--username', 'x4', '--role', 'viewer', '--org', 'nope'], { stdin: 'a long enough secret' })).code).toBe(2);
    expect((await staff(['add'])).code).toBe(2);
    const dup = await staff(['add', '--username', 'cli-viewer', '--role', 'viewer'], { stdin: 'a long enough secret' });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
  });

  it('creates staff and auditor users too', async () => {
    for (const role of ['staff', 'auditor']) {
      const r = await staff(['add', '--username', `cli-${role}`, '--role', role], { stdin: 'a long enough secret' });
      expect(r.code, r.stderr).toBe(0);
      expect(await withDb((db) => staffByUsername(db, `cli-${role}`))).toMatchObject({ role });
    }
  });
});

describe('priorgate staff reset-mfa', () => {
  it("turns a user's two-step verification off, ends their sessions and audits it as the operator; exit 1 for an unknown user", async () => {
    const user = (await withDb((db) => staffByUsername(db, 'cli-admin')))!;
    await withDb(async (db) => {
      await db.update(staffUsers).set({ mfaSecret: 'plain:JBSWY3DPEHPK3PXP', mfaEnabledAt: new Date() }).where(eq(staffUsers.id, user.id));
      await db.insert(staffSessions).values({ id: randomUUID(), tokenHash: 'cli-test-session', userId: user.id, expiresAt: new Date(Date.now() + 3_600_000) });
    });
    const r = await staff(['reset-mfa', '--username', 'cli-admin']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('two-step verification of cli-admin reset; 1 session(s) ended');
    const after = await withDb(async (db) => ({
      user: await staffByUsername(db, 'cli-admin'),
      sessions: await db.select().from(staffSessions).where(eq(staffSessions.userId, user.id)),
      audit: await db.select().from(auditEvents).where(eq(auditEvents.action, 'staff.mfa.reset')),
    }));
    expect(after.user).toMatchObject({ mfaSecret: null, mfaEnabledAt: null });
    expect(after.sessions).toEqual([]);
    expect(after.audit).toMatchObject([{ actor: 'operator', entityId: user.id }]);
    expect((await staff(['reset-mfa', '--username', 'nobody'])).code).toBe(1);
  });
});
