/** The admin page: audit-chain verification, the organizations' review setting, and the staff users in the admin's scope. */
import type { ChainStatus } from '../audit-status.ts';
import { can } from '../permissions.ts';
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

export interface OrgEntry {
  id: string;
  name: string;
  npi: string | null;
  reviewBeforeSend: boolean;
}

/** The chain's status in one block (also on the audit page). */
export function ChainBox(p: { chain: ChainStatus }) {
  const c = p.chain;
  return (
    <section id="audit-chain" class={c.ok ? 'chain ok' : 'chain broken'} aria-labelledby="chain-h">
      <h2 id="chain-h">Audit trail verification</h2>
      {c.ok ? (
        <p>
          <strong>Intact</strong>: {c.events} events verified, with {c.heads} signed tree heads ({c.method} {stamp(c.checkedAt)}
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
    </section>
  );
}

function Orgs(p: { staff: StaffPrincipal; orgs: OrgEntry[] }) {
  const may = can(p.staff, 'org.settings');
  return (
    <section aria-labelledby="orgs-h">
      <h2 id="orgs-h">Organizations</h2>
      <p>With review before sending on, every prior-authorization request of the organization waits for a staff member's approval before the 278 leaves (payer rules can ask for review too).</p>
      <div class="table-wrap">
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">NPI</th>
              <th scope="col">Review before sending</th>
            </tr>
          </thead>
          <tbody>
            {p.orgs.map((o) => (
              <tr>
                <th scope="row" data-label="Organization">
                  {o.name} <span class="mono sub">{o.id}</span>
                </th>
                <td data-label="NPI" class="mono">
                  {o.npi ?? '—'}
                </td>
                <td data-label="Review before sending">
                  {o.reviewBeforeSend ? 'on' : 'off'}
                  {may ? (
                    <form method="post" action={`/ui/admin/orgs/${o.id}/review`} class="inline">
                      <input type="hidden" name="_csrf" value={p.staff.csrf} />
                      <input type="hidden" name="review" value={o.reviewBeforeSend ? 'off' : 'on'} />
                      <button type="submit">{o.reviewBeforeSend ? 'Turn off' : 'Turn on'}</button>
                    </form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function adminPage(p: { staff: StaffPrincipal; chain: ChainStatus; checkedAt: Date; users: StaffListEntry[]; orgs: OrgEntry[]; notice?: string }) {
  const c = p.chain;
  return documentOf(
    <Page title="Admin" staff={p.staff} nav="admin">
      <h1>Administration</h1>
      {p.notice ? <p class="notice">{p.notice}</p> : null}
      <p>
        <a href="/ui/admin/sessions">Sessions of all users</a> · <a href="/ui/admin/clients">API clients</a> · <a href="/ui/unmatched">Undelivered payer answers</a>
      </p>
      <ChainBox chain={c} />
      <p>
        <a href="/ui/audit">Audit trail</a> (filters, links to requests, CSV) · <a href="/fhir/AuditEvent?_count=50">FHIR AuditEvent export</a> ·{' '}
        <a href="/ui/admin/alerts">Security alerts</a> raised by the audit monitor.
      </p>
      <Orgs staff={p.staff} orgs={p.orgs} />
      <section aria-labelledby="users-h">
        <h2 id="users-h">Staff users</h2>
        <div class="table-wrap">
        <table class="cards">
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Organization</th>
              <th scope="col">Login state</th>
              <th scope="col">Two-step verification</th>
            </tr>
          </thead>
          <tbody>
            {p.users.map((u) => (
              <tr>
                <th scope="row" data-label="Username">{u.username}</th>
                <td data-label="Role">{roleOf(u.role)}</td>
                <td data-label="Organization">{u.orgId ?? 'all'}</td>
                <td data-label="Login state">
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
                <td data-label="Two-step verification">
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
        </div>
        <p>
          Add users with <code>priorgate staff add --username U --role viewer|staff|admin|auditor [--org ORG]</code> (password from{' '}
          <code>PRIORGATE_STAFF_PASSWORD</code> or stdin).
        </p>
      </section>
    </Page>,
  );
}
