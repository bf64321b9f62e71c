/** The API clients page (admin): each client's organization, scopes and state, with disable / enable. */
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

export interface ClientEntry {
  id: string;
  orgId: string;
  scopes: string[];
  active: boolean;
  createdAt: Date;
  tokensNotBefore: Date | null;
}

export function clientsPage(p: { staff: StaffPrincipal; clients: ClientEntry[]; notice?: string }) {
  return documentOf(
    <Page title="API clients" staff={p.staff} nav="admin">
      <h1>API clients</h1>
      {p.notice ? <p class="notice">{p.notice}</p> : null}
      <p>
        A disabled client gets no access token, and the tokens it holds stop working at once. Enabled again, it signs in anew; its old tokens stay refused.{' '}
        <a href="/ui/admin">Back to administration</a>
      </p>
      {p.clients.length === 0 ? (
        <p id="no-clients">No API clients.</p>
      ) : (
        <table class="clients">
          <thead>
            <tr>
              <th>Client</th>
              <th>Organization</th>
              <th>Scopes</th>
              <th>Registered</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {p.clients.map((c) => (
              <tr id={`client-${c.id}`}>
                <td class="mono">{c.id}</td>
                <td>{c.orgId}</td>
                <td class="mono">{c.scopes.join(' ')}</td>
                <td>{stamp(c.createdAt)}</td>
                <td>
                  {c.active ? 'enabled' : `disabled${c.tokensNotBefore ? ` since ${stamp(c.tokensNotBefore)}` : ''}`}
                  <form method="post" action={`/ui/admin/clients/${encodeURIComponent(c.id)}/${c.active ? 'disable' : 'enable'}`} class="inline">
                    <input type="hidden" name="_csrf" value={p.staff.csrf} />
                    <button type="submit">{c.active ? 'Disable' : 'Enable'}</button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>,
  );
}
