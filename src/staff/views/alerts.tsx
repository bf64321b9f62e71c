/** The security alerts page (admin): what the audit monitor raised, and acknowledging it. */
import type { AlertRow } from '../../db/queries/monitor.ts';
import { RULES, type RuleId } from '../../monitor/index.ts';
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';

function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

function AlertRowView(p: { a: AlertRow; staff: StaffPrincipal }) {
  const a = p.a;
  return (
    <tr id={`alert-${a.id}`} class={a.acknowledgedAt ? 'alert acknowledged' : `alert open severity-${a.severity}`}>
      <td data-label="Raised">{stamp(a.createdAt)}</td>
      <td data-label="Rule">
        <strong>{RULES[a.rule as RuleId]?.label ?? a.rule}</strong>
        <br />
        <span class="mono">{a.rule}</span>
      </td>
      <td data-label="Severity">{a.severity}</td>
      <td data-label="Actor" class="mono">{a.actor}</td>
      <td data-label="Organization">{a.orgId ?? '—'}</td>
      <td data-label="Audit events">
        <a class="mono" href={`/ui/audit?fromSeq=${a.firstSeq}&toSeq=${a.lastSeq}${a.actor ? `&actor=${encodeURIComponent(a.actor)}` : ''}`}>
          {a.firstSeq === a.lastSeq ? `#${a.firstSeq}` : `#${a.firstSeq}–#${a.lastSeq}`}
          <span class="visually-hidden"> (the audit events)</span>
        </a>{' '}
        ({a.count} event{a.count === 1 ? '' : 's'}, {stamp(a.firstAt)}
        {a.lastSeq !== a.firstSeq ? ` to ${stamp(a.lastAt)}` : ''})
      </td>
      <td data-label="Detail" class="mono detail">{describeDetail(a.detail)}</td>
      <td data-label="Status">
        {a.clearedAt ? <span class="cleared">condition over since {stamp(a.clearedAt)}; </span> : null}
        {a.acknowledgedAt ? (
          <span>
            acknowledged by {a.acknowledgedBy} {stamp(a.acknowledgedAt)}
          </span>
        ) : (
          <form method="post" action={`/ui/admin/alerts/${a.id}/acknowledge`}>
            <input type="hidden" name="_csrf" value={p.staff.csrf} />
            <button type="submit">Acknowledge</button>
          </form>
        )}
      </td>
    </tr>
  );
}

export function alertsPage(p: { staff: StaffPrincipal; alerts: AlertRow[]; showAll: boolean; notice?: string }) {
  return documentOf(
    <Page title="Security alerts" staff={p.staff} nav="admin">
      <h1>Security alerts</h1>
      {p.notice ? <p class="notice">{p.notice}</p> : null}
      <p>
        Raised by the audit monitor from the audit trail.{' '}
        {p.showAll ? <a href="/ui/admin/alerts">Show open alerts only</a> : <a href="/ui/admin/alerts?show=all">Show acknowledged alerts too</a>} ·{' '}
        <a href="/fhir/AuditEvent?type=alert">FHIR AuditEvent export</a> · <a href="/ui/admin">Back to administration</a>
      </p>
      {p.alerts.length === 0 ? (
        <p id="no-alerts">{p.showAll ? 'No alerts.' : 'No open alerts.'}</p>
      ) : (
        <div class="table-wrap">
        <table class="alerts cards">
          <thead>
            <tr>
              <th scope="col">Raised</th>
              <th scope="col">Rule</th>
              <th scope="col">Severity</th>
              <th scope="col">Actor</th>
              <th scope="col">Organization</th>
              <th scope="col">Audit events</th>
              <th scope="col">Detail</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {p.alerts.map((a) => (
              <AlertRowView a={a} staff={p.staff} />
            ))}
          </tbody>
        </table>
        </div>
      )}
    </Page>,
  );
}
