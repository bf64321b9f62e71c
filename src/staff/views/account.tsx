/** The user's own account (MFA state, own sessions) and the administrators' view of all sessions. */
import type { SessionListRow } from '../sessions.ts';
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

const STAGES: Record<string, string> = { full: 'signed in', mfa: 'code owed', enrol: 'enrolment owed' };

export function SessionsTable(p: { staff: StaffPrincipal; sessions: SessionListRow[]; showUser: boolean; back: 'account' | 'admin' }) {
  if (p.sessions.length === 0) return <p class="empty">No sessions.</p>;
  return (
    <table class="sessions">
      <thead>
        <tr>
          {p.showUser ? <th>User</th> : null}
          {p.showUser ? <th>Organization</th> : null}
          <th>Started</th>
          <th>Last seen</th>
          <th>Ends at the latest</th>
          <th>Browser</th>
          <th>State</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {p.sessions.map((s) => (
          <tr data-session={s.id}>
            {p.showUser ? <td>{s.username}</td> : null}
            {p.showUser ? <td>{s.orgId ?? 'all'}</td> : null}
            <td>{stamp(s.createdAt)}</td>
            <td>{stamp(s.lastSeenAt)}</td>
            <td>{stamp(s.expiresAt)}</td>
            <td class="ua">{s.userAgent ?? '—'}</td>
            <td>
              {STAGES[s.stage] ?? s.stage}
              {s.id === p.staff.sessionId ? <strong> (this session)</strong> : null}
            </td>
            <td>
              <form method="post" action={`/ui/sessions/${s.id}/revoke`}>
                <input type="hidden" name="_csrf" value={p.staff.csrf} />
                <input type="hidden" name="back" value={p.back} />
                <button type="submit">{s.id === p.staff.sessionId ? 'Sign out' : 'Revoke'}</button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function accountPage(p: { staff: StaffPrincipal; mfa: { enabled: boolean; since: Date | null; recoveryCodesLeft: number; required: boolean }; sessions: SessionListRow[]; notice?: string }) {
  return documentOf(
    <Page title="Account" staff={p.staff} nav="account">
      <h1>Your account</h1>
      {p.notice ? <p class="notice">{p.notice}</p> : null}
      <section id="mfa">
        <h2>Two-step verification</h2>
        {p.mfa.enabled ? (
          <p>
            On since {stamp(p.mfa.since)} · {p.mfa.recoveryCodesLeft} unused recovery code(s). If you lose your phone, an administrator can reset
            it.
          </p>
        ) : (
          <p>
            Off{p.mfa.required ? ' (your role requires it)' : ''}. <a href="/ui/mfa/enrol">Set it up</a>
          </p>
        )}
      </section>
      <section id="sessions">
        <h2>Your sessions</h2>
        <SessionsTable staff={p.staff} sessions={p.sessions} showUser={false} back="account" />
      </section>
    </Page>,
  );
}

export function allSessionsPage(p: { staff: StaffPrincipal; sessions: SessionListRow[]; notice?: string }) {
  return documentOf(
    <Page title="Sessions" staff={p.staff} nav="admin">
      <h1>Sessions{p.staff.orgId ? ` · ${p.staff.orgId}` : ' · all organizations'}</h1>
      {p.notice ? <p class="notice">{p.notice}</p> : null}
      <SessionsTable staff={p.staff} sessions={p.sessions} showUser={true} back="admin" />
    </Page>,
  );
}
