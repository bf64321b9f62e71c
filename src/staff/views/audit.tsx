/**
 * The audit trail page: the chain's verification status, filters (actor, action, request, date
 * range), a table of events newest first (when, who, what, which request, detail) with links into
 * the requests, paging by sequence number and CSV export of the filtered events.
 */
import type { AuditRow } from '../../db/queries/staff.ts';
import type { ChainStatus } from '../audit-status.ts';
import { can } from '../permissions.ts';
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { csvCell } from '../worklist.ts';
import { ChainBox } from './admin.tsx';
import { documentOf, Page } from './layout.tsx';

export interface AuditFilters {
  actor?: string;
  action?: string;
  request?: string;
  from?: string;
  to?: string;
  fromSeq?: number;
  toSeq?: number;
  /** Events older than this one (its id: unsealed events have no place in the log yet). */
  before?: number;
}

/** What each action means, for people who do not read event codes. */
const ACTION_WORDS: Record<string, string> = {
  'request.submit': 'Request submitted',
  'request.transition': 'Request status changed',
  'request.hold': 'Held for review',
  'request.review.approve': 'Review: approved for sending',
  'request.review.return': 'Review: returned to the provider',
  'request.review.documents': 'Review: documentation changed',
  'request.retry': 'Delivery retried',
  'request.resend': 'Resent as a new interchange',
  'request.cancel': 'Cancelled by staff',
  'request.payer-call': 'Payer call recorded',
  'request.appeal': 'Appeal recorded',
  'request.extension': 'Extension recorded',
  'phi.read': 'PHI viewed',
  'staff.login': 'Staff sign-in',
  'staff.logout': 'Staff sign-out',
  'staff.denied': 'Access refused',
  'auth.token': 'Access token issued',
  'audit.export': 'Audit trail exported',
  'alert.raise': 'Security alert raised',
  'alert.acknowledge': 'Security alert acknowledged',
  'eligibility.batch.create': 'Eligibility batch started',
  'eligibility.batch.finish': 'Eligibility batch finished',
  'eligibility.batch.cancel': 'Eligibility batch cancelled',
  'org.review-before-send': 'Review-before-sending setting changed',
};

export const AUDIT_COLUMNS = ['seq', 'at', 'actor', 'action', 'outcome', 'organization', 'entity_type', 'entity_id', 'correlation_id', 'detail'] as const;

export function auditCsvRow(e: AuditRow): string[] {
  return [e.seq === null ? '' : String(e.seq), e.at.toISOString(), e.actor, e.action, e.outcome, e.orgId ?? '', e.entityType ?? '', e.entityId ?? '', e.requestId ?? '', JSON.stringify(e.detail)].map((v) => csvCell(v));
}

/** The event's subject as a link: a request (its page, when the user may read requests) or the events of one. */
function Subject(p: { e: AuditRow; staff: StaffPrincipal }) {
  const e = p.e;
  if (e.entityType === 'request' && e.entityId) {
    return (
      <span>
        {can(p.staff, 'requests.read') ? (
          <a href={`/ui/requests/${e.entityId}`} class="mono">
            {e.entityId.slice(0, 8)}
          </a>
        ) : (
          <span class="mono">{e.entityId.slice(0, 8)}</span>
        )}{' '}
        <a href={`/ui/audit?request=${e.entityId}`} class="sub" aria-label={`events of request ${e.entityId.slice(0, 8)}`}>
          events
        </a>
      </span>
    );
  }
  const ids = (e.detail as { requestIds?: unknown }).requestIds;
  if (Array.isArray(ids)) return <span>{ids.length} request{ids.length === 1 ? '' : 's'} (a list)</span>;
  return <span class="mono">{e.entityType ? `${e.entityType}${e.entityId ? ` ${e.entityId.slice(0, 12)}` : ''}` : '—'}</span>;
}

function detailText(d: Record<string, unknown>): string {
  return Object.entries(d)
    .filter(([k, v]) => v !== null && v !== undefined && k !== 'requestIds')
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ')
    .slice(0, 300);
}

const qs = (f: AuditFilters, change: Partial<AuditFilters> = {}) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...change })) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export function auditPageView(p: { staff: StaffPrincipal; filters: AuditFilters; rows: AuditRow[]; more: boolean; actions: string[]; chain: ChainStatus }) {
  const f = p.filters;
  const { before: _b, ...filters } = f;
  return documentOf(
    <Page title="Audit trail" staff={p.staff} nav="audit">
      <h1>Audit trail</h1>
      <ChainBox chain={p.chain} />
      <form class="filters" method="get" action="/ui/audit" role="search" aria-label="Filter audit events">
        <label>
          Actor
          <input name="actor" value={f.actor ?? ''} placeholder="staff:clerk, client:, payer:" maxlength={120} />
        </label>
        <label>
          Action
          <select name="action">
            <option value="">any</option>
            {[...new Set(p.actions.map((a) => a.split('.')[0]!))].map((family) => (
              <option value={family} selected={f.action === family}>
                {family}.* (all)
              </option>
            ))}
            {p.actions.map((a) => (
              <option value={a} selected={f.action === a}>
                {ACTION_WORDS[a] ? `${ACTION_WORDS[a]} (${a})` : a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Request id
          <input name="request" value={f.request ?? ''} maxlength={36} class="mono" />
        </label>
        <label>
          From
          <input type="date" name="from" value={f.from ?? ''} />
        </label>
        <label>
          To (inclusive)
          <input type="date" name="to" value={f.to ?? ''} />
        </label>
        {f.fromSeq ? <input type="hidden" name="fromSeq" value={String(f.fromSeq)} /> : null}
        {f.toSeq ? <input type="hidden" name="toSeq" value={String(f.toSeq)} /> : null}
        <button type="submit">Filter</button>
        <a href="/ui/audit">Clear</a>
      </form>
      <p class="meta">
        {f.fromSeq || f.toSeq ? `Events #${f.fromSeq ?? 1} to #${f.toSeq ?? '…'} · ` : ''}
        {p.rows.length} event{p.rows.length === 1 ? '' : 's'} shown, newest first{p.staff.orgId ? ` · ${p.staff.orgId}` : ''} ·{' '}
        <a href={`/ui/audit.csv${qs(filters)}`} download>
          Export these events (CSV)
        </a>{' '}
        · <a href="/fhir/AuditEvent?_count=50">FHIR AuditEvent export</a>
      </p>
      <div class="table-wrap">
        <table class="audit cards" id="audit-events">
          <caption class="visually-hidden">Audit events</caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Which request</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {p.rows.length === 0 ? (
              <tr>
                <td colspan={6} class="empty">
                  No events match these filters.
                </td>
              </tr>
            ) : (
              p.rows.map((e) => (
                <tr class={e.outcome === 'failure' ? 'o-failure' : undefined} data-seq={e.seq ?? undefined} data-id={e.id}>
                  <th scope="row" data-label="#" class="mono">
                    {e.seq ?? <span title="written, not sealed into the log yet (within a second)">new</span>}
                  </th>
                  <td data-label="When">
                    <time datetime={e.at.toISOString()}>{stamp(e.at)}</time>
                  </td>
                  <td data-label="Who">
                    <a href={`/ui/audit${qs({ actor: e.actor })}`} class="mono">
                      {e.actor}
                    </a>
                  </td>
                  <td data-label="What">
                    {ACTION_WORDS[e.action] ?? e.action}
                    {e.outcome === 'failure' ? <strong> (failed)</strong> : null} <span class="mono sub">{e.action}</span>
                  </td>
                  <td data-label="Which request">
                    <Subject e={e} staff={p.staff} />
                  </td>
                  <td data-label="Detail" class="detail mono">
                    {detailText(e.detail as Record<string, unknown>)}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        {f.before ? <a href={`/ui/audit${qs(filters)}`}>← newest</a> : <span />}
        {p.more && p.rows.length ? <a href={`/ui/audit${qs(filters, { before: p.rows[p.rows.length - 1]!.id })}`}>older →</a> : <span />}
      </nav>
    </Page>,
  );
}
