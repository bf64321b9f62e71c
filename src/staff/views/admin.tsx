/** The admin page: audit-chain verification and the staff users in the admin's scope. */
import type { VerifyResult } from '../../audit/index.ts';
import { stamp } from '../time.ts';
import { roleOf, type StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

export interface StaffListEntry {
  id: string;
  username: string;
  role: string;
  orgId: string | null;
  lockedUntil: Date | null;
  failedLogins: number;
  mfaEnabledAt: Date | null;
}

export function adminPage(p: { staff: StaffPrincipal; chain: VerifyResult; checkedAt: Date; users: StaffListEntry[]; notice?: string }) {
  const c = p.chain;
  return documentOf(
    <Page title="Admin" staff={p.staff} nav="admin">
      <h1>Administration</h1>
      {p.notice ? <p class="notice">{p.notice}</p> : null}
      <p>
        <a href="/ui/admin/sessions">Sessions of all users</a> · <a href="/ui/admin/clients">API clients</a> · <a href="/ui/unmatched">Undelivered payer answers</a>
      </p>
      <section id="audit-chain" class={c.ok ? 'chain ok' : 'chain broken'}>
        <h2>Audit chain</h2>
        {c.ok ? (
          <p>
            <strong>Intact</strong>: {c.events} events verified, with {c.heads} signed tree heads (Merkle log re-checked {stamp(p.checkedAt)}
            {c.unsealed ? `; ${c.unsealed} newer events not sealed yet` : ''}).
          </p>
        ) : (
          <p role="alert">
            <strong>BROKEN</strong> at {c.broken?.seq !== undefined ? `event ${c.broken.seq}` : `tree head #${c.broken?.head}`}: {c.broken?.reason} ({c.events} events verified before it). Run{' '}
            <code>priorgate audit verify</code> and investigate before trusting the trail.
          </p>
        )}
        {c.checkpoint ? (
          <p>
            Verified from the retention checkpoint at event {c.checkpoint.seq} (events before {stamp(new Date(c.checkpoint.cutoff))} were exported and purged{' '}
            {stamp(new Date(c.checkpoint.at))}).
          </p>
        ) : null}
        <p>
          Export: <a href="/fhir/AuditEvent?_count=50">/fhir/AuditEvent</a> (FHIR AuditEvent searchset, filter with <code>entity=</code>).
        </p>
        <p>
          <a href="/ui/admin/alerts">Security alerts</a> raised by the audit monitor.
        </p>
      </section>
      <section>
        <h2>Staff users</h2>
        <table>
          <thead>
            <tr>
              <th>Username</th>
              <th>Role</th>
              <th>Organization</th>
              <th>Login state</th>
              <th>Two-step verification</th>
            </tr>
          </thead>
          <tbody>
            {p.users.map((u) => (
              <tr>
                <td>{u.username}</td>
                <td>{roleOf(u.role)}</td>
                <td>{u.orgId ?? 'all'}</td>
                <td>
                  {u.lockedUntil && u.lockedUntil > p.checkedAt
                    ? `paused until ${stamp(u.lockedUntil)} (from the address that failed)`
                    : u.failedLogins > 0
                      ? `${u.failedLogins} failed attempt(s)`
                      : 'ok'}
                  {u.failedLogins > 0 || (u.lockedUntil && u.lockedUntil > p.checkedAt) ? (
                    <form method="post" action={`/ui/admin/users/${u.id}/unlock`} class="inline">
                      <input type="hidden" name="_csrf" value={p.staff.csrf} />
                      <button type="submit">Unlock</button>
                    </form>
                  ) : null}
                </td>
                <td>
                  {u.mfaEnabledAt ? `on since ${stamp(u.mfaEnabledAt)}` : 'off'}
                  {u.mfaEnabledAt && u.id !== p.staff.userId ? (
                    <form method="post" action={`/ui/admin/users/${u.id}/mfa-reset`} class="inline">
                      <input type="hidden" name="_csrf" value={p.staff.csrf} />
                      <button type="submit">Reset (ends their sessions)</button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          Add users with <code>priorgate staff add --username U --role viewer|staff|admin|auditor [--org ORG]</code> (password from{' '}
          <code>PRIORGATE_STAFF_PASSWORD</code> or stdin).
        </p>
      </section>
    </Page>,
  );
}
