/** The worklist page: filters, a sortable table of requests, paging, and a live-refreshed body. */
import { STATES } from '../../workflow/states.ts';
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { toQuery, type WorklistPage, type WorklistParams, type WorklistRow } from '../worklist.ts';
import { documentOf, Page } from './layout.tsx';

const COLUMNS: { label: string; sort?: WorklistParams['sort'] }[] = [
  { label: 'Request' },
  { label: 'Status', sort: 'status' },
  { label: 'Payer', sort: 'payer' },
  { label: 'Patient' },
  { label: 'Member id' },
  { label: 'Service' },
  { label: 'Submitted', sort: 'submitted' },
  { label: 'Deadline', sort: 'deadline' },
  { label: 'Time left' },
];

export const statusLabel = (s: string) => s.replace(/_/g, ' ');

export function StatusBadge(p: { status: string }) {
  return <span class={`badge s-${p.status}`}>{statusLabel(p.status)}</span>;
}

export function WorklistRows(p: { rows: WorklistRow[]; refreshUrl: string; generatedAt: string }) {
  return (
    <tbody id="worklist-rows" data-refresh={p.refreshUrl} data-generated={p.generatedAt}>
      {p.rows.length === 0 ? (
        <tr>
          <td colspan={COLUMNS.length} class="empty">
            No requests match these filters.
          </td>
        </tr>
      ) : (
        p.rows.map((r) => (
          <tr class={`t-${r.timeLeft.state}`} data-id={r.id}>
            <td>
              <a href={`/ui/requests/${r.id}`} class="mono">
                {r.id.slice(0, 8)}
              </a>
              {r.urgency === 'expedited' ? <span class="tag">expedited</span> : null}
              {r.appeal ? <span class="tag">appeal</span> : null}
              {r.extended ? <span class="tag">extended</span> : null}
            </td>
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td>{r.payerId ?? '—'}</td>
            <td>{r.patientInitials}</td>
            <td class="mono">{r.memberId}</td>
            <td>{r.service}</td>
            <td>{stamp(new Date(r.submittedAt))}</td>
            <td>{r.deadlineAt ? stamp(new Date(r.deadlineAt)) : '—'}</td>
            <td class={`left ${r.timeLeft.state}`}>{r.timeLeft.text}</td>
          </tr>
        ))
      )}
    </tbody>
  );
}

function SortHeader(p: { label: string; sort?: WorklistParams['sort']; params: WorklistParams }) {
  if (!p.sort) return <th scope="col">{p.label}</th>;
  const current = p.params.sort === p.sort;
  const dir = current && p.params.dir === 'desc' ? 'asc' : 'desc';
  return (
    <th scope="col" aria-sort={current ? (p.params.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <a href={`/ui${toQuery(p.params, { sort: p.sort, dir, page: undefined })}`}>
        {p.label}
        {current ? (p.params.dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </a>
    </th>
  );
}

function Filters(p: { params: WorklistParams; payers: { id: string; name: string }[] }) {
  const selected = p.params.status[0] ?? '';
  return (
    <form class="filters" method="get" action="/ui" role="search">
      <label>
        Status
        <select name="status">
          <option value="">any</option>
          {STATES.map((s) => (
            <option value={s} selected={s === selected}>
              {statusLabel(s)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Payer
        <select name="payer">
          <option value="">any</option>
          {p.payers.map((x) => (
            <option value={x.id} selected={x.id === p.params.payer}>
              {x.id}
            </option>
          ))}
        </select>
      </label>
      <label class="check">
        <input type="checkbox" name="overdue" value="1" checked={p.params.overdue} /> Overdue only
      </label>
      <label>
        Search
        <input type="search" name="text" value={p.params.text ?? ''} placeholder="member id, trace, claim id" />
      </label>
      {p.params.sort !== 'submitted' ? <input type="hidden" name="sort" value={p.params.sort} /> : null}
      {p.params.dir !== 'desc' ? <input type="hidden" name="dir" value={p.params.dir} /> : null}
      <button type="submit">Filter</button>
      <a href="/ui">Clear</a>
    </form>
  );
}

export function worklistPage(p: { staff: StaffPrincipal; page: WorklistPage; payers: { id: string; name: string }[]; undelivered?: number }) {
  const { params, rows, total, pages, generatedAt } = p.page;
  return documentOf(
    <Page title="Worklist" staff={p.staff} nav="worklist">
      <h1>Prior-authorization worklist</h1>
      {p.undelivered ? (
        <p class="notice" role="alert" id="undelivered">
          {p.undelivered} payer answer{p.undelivered === 1 ? '' : 's'} could not be delivered to a request. <a href="/ui/unmatched">See which</a>.
        </p>
      ) : null}
      <Filters params={params} payers={p.payers} />
      <p class="meta">
        <span id="count">
          {total} request{total === 1 ? '' : 's'}
        </span>{' '}
        · page {params.page} of {pages} · <span id="refreshed">updated {stamp(new Date(generatedAt))}</span>
        <span class="legend">
          Time left: <span class="left overdue">■ overdue</span> <span class="left due-soon">■ due within 24 h</span>
        </span>
      </p>
      <table class="worklist">
        <thead>
          <tr>
            {COLUMNS.map((col) => (
              <SortHeader label={col.label} sort={col.sort} params={params} />
            ))}
          </tr>
        </thead>
        <WorklistRows rows={rows} refreshUrl={`/ui/worklist/rows${toQuery(params)}`} generatedAt={generatedAt} />
      </table>
      <nav class="pager" aria-label="pages">
        {params.page > 1 ? <a href={`/ui${toQuery(params, { page: params.page - 1 })}`}>← previous</a> : <span />}
        {params.page < pages ? <a href={`/ui${toQuery(params, { page: params.page + 1 })}`}>next →</a> : <span />}
      </nav>
    </Page>,
  );
}
