/**
 * The worklist page: saved views ("pended, due soonest first" is the staff default), filters, a
 * sortable table of requests (a card per request on a phone), paging, CSV export of the view, and
 * a body the page script refreshes every 30 seconds without losing keyboard focus.
 */
import { STATES } from '../../workflow/states.ts';
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { toQuery, type WorklistPage, type WorklistParams, type WorklistRow } from '../worklist.ts';
import { VIEWS, viewOf, worklistHref } from '../worklist-views.ts';
import { documentOf, Page } from './layout.tsx';

const COLUMNS: { label: string; sort?: WorklistParams['sort'] }[] = [
  { label: 'Request' },
  { label: 'Status', sort: 'status' },
  { label: 'Payer', sort: 'payer' },
  { label: 'Patient' },
  { label: 'Service' },
  { label: 'Submitted', sort: 'submitted' },
  { label: 'Deadline', sort: 'deadline' },
  { label: 'Decision reason' },
  { label: 'Next step' },
];

/** The direction a column sorts in on its first click: deadlines soonest first, submissions newest first. */
export const FIRST_DIRECTION: Record<WorklistParams['sort'], 'asc' | 'desc'> = { deadline: 'asc', submitted: 'desc', status: 'asc', payer: 'asc', updated: 'desc' };

const STATUS_WORDS: Record<string, string> = { review: 'held for review', partially_certified: 'partly certified', not_required: 'no authorization needed' };
export const statusLabel = (s: string) => STATUS_WORDS[s] ?? s.replace(/_/g, ' ');

export function StatusBadge(p: { status: string }) {
  return <span class={`badge s-${p.status}`}>{statusLabel(p.status)}</span>;
}

function Row(p: { r: WorklistRow }) {
  const r = p.r;
  return (
    <tr class={`t-${r.timeLeft.state}`} data-id={r.id}>
      <th scope="row" data-label="Request">
        <a href={`/ui/requests/${r.id}`}>{r.claimIdentifier ?? r.id.slice(0, 8)}</a>
        <span class="sub mono" title={r.id}>
          {r.id.slice(0, 8)}
        </span>
        {r.urgency === 'expedited' ? <span class="tag">expedited</span> : null}
        {r.appeal ? <span class="tag">appeal</span> : null}
        {r.extended ? <span class="tag">extended</span> : null}
      </th>
      <td data-label="Status">
        <StatusBadge status={r.status} />
      </td>
      <td data-label="Payer">{r.payerId ?? '—'}</td>
      <td data-label="Patient">
        {r.patientInitials} <span class="mono sub">{r.memberId}</span>
      </td>
      <td data-label="Service">{r.service}</td>
      <td data-label="Submitted">{stamp(new Date(r.submittedAt))}</td>
      <td data-label="Deadline" class={`left ${r.timeLeft.state}`}>
        {r.deadlineAt ? stamp(new Date(r.deadlineAt)) : '—'}
        <span class="sub">{r.timeLeft.text}</span>
      </td>
      <td data-label="Decision reason">{r.reason || '—'}</td>
      <td data-label="Next step">{r.nextStep}</td>
    </tr>
  );
}

export function WorklistRows(p: { rows: WorklistRow[]; refreshUrl: string; generatedAt: string; total: number }) {
  return (
    <tbody id="worklist-rows" tabindex={-1} data-refresh={p.refreshUrl} data-generated={p.generatedAt} data-total={p.total}>
      {p.rows.length === 0 ? (
        <tr>
          <td colspan={COLUMNS.length} class="empty">
            No requests match these filters.
          </td>
        </tr>
      ) : (
        p.rows.map((r) => <Row r={r} />)
      )}
    </tbody>
  );
}

function SortHeader(p: { label: string; sort?: WorklistParams['sort']; params: WorklistParams }) {
  if (!p.sort) return <th scope="col">{p.label}</th>;
  const current = p.params.sort === p.sort;
  const dir = current ? (p.params.dir === 'asc' ? 'desc' : 'asc') : FIRST_DIRECTION[p.sort];
  const words = p.sort === 'deadline' ? (dir === 'asc' ? 'soonest first' : 'latest first') : dir === 'asc' ? 'ascending' : 'descending';
  return (
    <th scope="col" aria-sort={current ? (p.params.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
      <a href={worklistHref(p.params, { sort: p.sort, dir, page: undefined })} aria-label={`${p.label}: sort ${words}`}>
        {p.label}
        {current ? (p.params.dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </a>
    </th>
  );
}

function Views(p: { params: WorklistParams }) {
  const current = viewOf(p.params);
  return (
    <nav class="views" aria-label="Saved views">
      {VIEWS.map((v) => (
        <a href={worklistHref(v.params)} class={current === v.id ? 'current' : undefined} aria-current={current === v.id ? 'page' : undefined}>
          {v.label}
        </a>
      ))}
    </nav>
  );
}

function Filters(p: { params: WorklistParams; payers: { id: string; name: string }[] }) {
  const selected = p.params.status.length === 1 ? p.params.status[0] : '';
  return (
    <form class="filters" method="get" action="/ui" role="search" aria-label="Filter requests">
      <label>
        Status
        <select name="status">
          <option value="">any</option>
          {p.params.status.length > 1 ? (
            <option value={p.params.status.join(',')} selected>
              {p.params.status.map(statusLabel).join(', ')}
            </option>
          ) : null}
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
        <input type="search" name="text" value={p.params.text ?? ''} placeholder="claim id, member id, trace" />
      </label>
      <input type="hidden" name="sort" value={p.params.sort} />
      <input type="hidden" name="dir" value={p.params.dir} />
      <button type="submit">Filter</button>
    </form>
  );
}

export function worklistPage(p: { staff: StaffPrincipal; page: WorklistPage; payers: { id: string; name: string }[]; remembered?: boolean; undelivered?: number }) {
  const { params, rows, total, pages, generatedAt } = p.page;
  return documentOf(
    <Page title="Worklist" staff={p.staff} nav="worklist" skipTo={{ href: '#worklist-rows', label: 'Skip to the requests' }}>
      <h1>Prior-authorization worklist</h1>
      {p.undelivered ? (
        <p class="notice" role="alert" id="undelivered">
          {p.undelivered} payer answer{p.undelivered === 1 ? '' : 's'} could not be delivered to a request. <a href="/ui/unmatched">See which</a>.
        </p>
      ) : null}
      <Views params={params} />
      <Filters params={params} payers={p.payers} />
      <p class="meta">
        <span id="count" aria-live="polite">
          {total} request{total === 1 ? '' : 's'}
        </span>{' '}
        · page {params.page} of {pages} · <span id="refreshed">updated {stamp(new Date(generatedAt))}</span> ·{' '}
        <a href={`/ui/worklist.csv${toQuery(params, { page: undefined })}`} download>
          Export this view (CSV)
        </a>
        {p.remembered ? <span class="remembered"> · your last filters</span> : null}
        <span class="legend">
          Time left: <span class="left overdue">■ overdue</span> <span class="left due-soon">■ due within 24 h</span>
        </span>
      </p>
      <div class="table-wrap">
        <table class="worklist cards" id="requests" aria-describedby="count">
          <caption class="visually-hidden">Requests, {viewOf(params) ? VIEWS.find((v) => v.id === viewOf(params))!.label : 'filtered'}</caption>
          <thead>
            <tr>
              {COLUMNS.map((col) => (
                <SortHeader label={col.label} sort={col.sort} params={params} />
              ))}
            </tr>
          </thead>
          <WorklistRows rows={rows} refreshUrl={`/ui/worklist/rows${toQuery(params)}`} generatedAt={generatedAt} total={total} />
        </table>
      </div>
      <nav class="pager" aria-label="Pages">
        {params.page > 1 ? <a href={worklistHref(params, { page: params.page - 1 })}>← previous</a> : <span />}
        {params.page < pages ? <a href={worklistHref(params, { page: params.page + 1 })}>next →</a> : <span />}
      </nav>
    </Page>,
  );
}
