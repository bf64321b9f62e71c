/**
 * The member index (`member_requests`): what the data-quality demographics check asks on every
 * `$submit` — "this organization's newest requests naming this member" — in one index probe per
 * member id. It must stay in step with `requests`: written with the request, filled for requests
 * stored before it existed (migration 0012), gone with a deleted request, and following the hashes
 * when a request is resealed. Run on the store under test.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/db/client.ts';
import { cipherOf } from '../../src/db/crypto/index.ts';
import { upsertOrganization } from '../../src/db/queries/clients.ts';
import { updateRequestSealed } from '../../src/db/queries/data-keys.ts';
import { requestsByMemberIds } from '../../src/db/queries/quality.ts';
import { insertRequest } from '../../src/db/queries/requests.ts';
import { memberRequests, requests } from '../../src/db/schema.ts';
import { testDatabase, type TestDatabase } from '../helpers/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await testDatabase();
  await upsertOrganization(t.db, { id: 'org-mi', name: 'Member index' });
  await upsertOrganization(t.db, { id: 'org-mi-other', name: 'Another' });
}, 60_000);
afterAll(() => t?.close());

const store = (orgId: string, memberIds: string[], birthDate: string) =>
  insertRequest(t.db, {
    orgId,
    kind: 'prior-auth',
    payerId: null,
    idempotencyKey: randomUUID(),
    traceNumber: randomUUID(),
    summary: { memberIds, demographics: { memberIds, birthDate } },
  });

const ids = async (orgId: string, memberIds: string[]) => [...(await requestsByMemberIds(t.db, orgId, memberIds))].map((r) => r.id);

describe('the member index', () => {
  it('gives the organization\'s newest requests naming any of the member ids, newest first, each opened (demographics readable), and nothing of another organization', async () => {
    const m = `MI${Date.now()}`;
    const older = await store('org-mi', [m], '1970-01-01');
    await new Promise((r) => setTimeout(r, 5));
    const newer = await store('org-mi', [`${m}-alias`, m], '1971-02-02');
    await store('org-mi-other', [m], '1999-09-09');
    const found = [...(await requestsByMemberIds(t.db, 'org-mi', [m]))];
    expect(found.map((r) => r.id)).toEqual([newer.row.id, older.row.id]);
    expect((found[0]!.summary.demographics as { birthDate: string }).birthDate).toBe('1971-02-02');
    // Either id of the patient finds the request once.
    expect(await ids('org-mi', [`${m}-alias`, m])).toEqual([newer.row.id, older.row.id]);
    expect(await ids('org-mi', ['nobody'])).toEqual([]);
  });

  it('is filled by migration 0012 for requests stored before it existed', async () => {
    const m = `MB${Date.now()}`;
    const { row } = await store('org-mi', [m], '1980-03-03');
    // As a database from before the index: the request is there, its index rows are not.
    await t.db.delete(memberRequests).where(eq(memberRequests.requestId, row.id));
    expect(await ids('org-mi', [m])).toEqual([]);
    const backfill = readFileSync(path.join(MIGRATIONS_DIR, '0012_member_requests_backfill.sql'), 'utf8');
    // Run for this request only (the file's statement, narrowed): other tests' rows are indexed already.
    await t.db.execute(sql.raw(`${backfill.replace(/;\s*$/, '')} WHERE "id" = '${row.id}'`));
    expect(await ids('org-mi', [m])).toEqual([row.id]);
  });

  it('loses a request that is deleted (retention), and follows its hashes when it is resealed', async () => {
    const m = `MD${Date.now()}`;
    const gone = await store('org-mi', [m], '1990-04-04');
    const kept = await store('org-mi', [m], '1990-04-04');
    await t.db.delete(requests).where(eq(requests.id, gone.row.id));
    expect(await ids('org-mi', [m])).toEqual([kept.row.id]);
    // Resealed with the same hashes (a key rotation): still found, once.
    await updateRequestSealed(t.db, kept.row.id, { summary: {}, summaryPhi: null, memberIdHashes: kept.row.memberIdHashes }, kept.row.memberIdHashes);
    expect(await ids('org-mi', [m])).toEqual([kept.row.id]);
    // Resealed under a new member id: found by it, no longer by the old one.
    const renamed = `${m}-new`;
    await updateRequestSealed(t.db, kept.row.id, { summary: {}, summaryPhi: null, memberIdHashes: [cipherOf(t.db).searchHash('member-id', renamed)] }, kept.row.memberIdHashes);
    expect(await ids('org-mi', [m])).toEqual([]);
    expect(await ids('org-mi', [renamed])).toEqual([kept.row.id]);
  });
});
