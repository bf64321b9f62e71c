/** The admin page: audit-chain verification and the staff users in the admin's scope. */
import type { VerifyResult } from '../../audit/index.ts';
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

export interface StaffListEntry {
  username: string;
  role: string;
  orgId: string | null;
  lockedUntil: Date | null;
  failedLogins: number;
}

export function adminPage(p: { staff: StaffPrincipal; chain: VerifyResult; checkedAt: Date; users: StaffListEntry[] }) {
  const c = p.chain;
  return documentOf(
    <Page title="Admin" staff={p.staff} nav="admin">
      <h1>Administration</h1>
      <section id="audit-chain" class={c.ok ? 'chain ok' : 'chain broken'}>
        <h2>Audit chain</h2>
        {c.ok ? (
          <p>
            <strong>Intact</strong>: {c.events} events verified (hash chain re-computed {stamp(p.checkedAt)}).
          </p>
        ) : (
          <p role="alert">
            <strong>BROKEN</strong> at event {c.broken?.seq}: {c.broken?.reason} ({c.events} events verified before it). Run{' '}
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
            </tr>
          </thead>
          <tbody>
            {p.users.map((u) => (
              <tr>
                <td>{u.username}</td>
                <td>{u.role === 'admin' ? 'admin' : 'viewer'}</td>
                <td>{u.orgId ?? 'all'}</td>
                <td>
                  {u.lockedUntil && u.lockedUntil > p.checkedAt
                    ? `locked until ${stamp(u.lockedUntil)}`
                    : u.failedLogins > 0
                      ? `${u.failedLogins} failed attempt(s)`
                      : 'ok'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          Add users with <code>priorgate staff add --username U --role viewer|admin [--org ORG]</code> (password from{' '}
          <code>PRIORGATE_STAFF_PASSWORD</code> or stdin).
        </p>
      </section>
    </Page>,
  );
}
