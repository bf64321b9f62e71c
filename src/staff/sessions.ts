/**
 * Seeing and ending sessions: every user lists and revokes their own; a user with
 * `sessions.admin` also those of everyone in their organization (all, when they have none). A
 * session outside what the caller may touch is "not found", exactly like one that does not exist.
 * Each revocation is audited (`staff.session.revoke`) in the transaction that deletes it.
 */
import { appendAudit, recordAudit } from '../audit/index.ts';
import { deleteSessionById, listSessions, sessionById, type SessionListRow } from '../db/queries/staff-auth.ts';
import { can } from './permissions.ts';
import { actorOf, type StaffDeps, type StaffPrincipal } from './types.ts';
import { withTransaction } from '../db/tx.ts';

export type { SessionListRow } from '../db/queries/staff-auth.ts';

export function ownSessions(deps: StaffDeps, who: StaffPrincipal): Promise<SessionListRow[]> {
  return listSessions(deps.db, { userId: who.userId, scope: null, now: deps.now() });
}

/** Everyone's sessions in the caller's scope (the route checks `sessions.admin`). */
export function scopeSessions(deps: StaffDeps, who: StaffPrincipal): Promise<SessionListRow[]> {
  return listSessions(deps.db, { scope: who.orgId, now: deps.now() });
}

/** Ends a session; false when there is none the caller may end (→ 404). */
export async function revokeSession(deps: StaffDeps, who: StaffPrincipal, sessionId: string, httpRequestId?: string): Promise<boolean> {
  const now = deps.now();
  const found = await sessionById(deps.db, sessionId);
  const own = found?.user.id === who.userId;
  const allowed = found && (own || (can(who, 'sessions.admin') && (who.orgId === null || found.user.orgId === who.orgId)));
  const base = { actor: actorOf(who), action: 'staff.session.revoke', requestId: httpRequestId ?? null, at: now };
  if (!found || !allowed) {
    // Probing for other people's sessions is worth a record; the ids are random handles, not PHI.
    await recordAudit(deps.db, { ...base, orgId: who.orgId, outcome: 'failure', entityType: 'staff_session', entityId: null, detail: { reason: 'not-found-or-not-allowed' } });
    return false;
  }
  return withTransaction(deps.db, async (tx) => {
    if (!(await deleteSessionById(tx, sessionId))) return false;
    await appendAudit(tx, {
      ...base,
      orgId: found.user.orgId,
      entityType: 'staff_user',
      entityId: found.user.id,
      detail: { sessionId, username: found.user.username, own },
    });
    return true;
  });
}
