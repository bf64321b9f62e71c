/**
 * The eligibility batch page: an upload form (a drop zone around the file picker: the page script
 * puts a dropped file into the picker, and the form works without it) and the organization's
 * batches with live progress, counts by result, results download and cancel.
 */
import { stamp } from '../time.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Notices, Page } from './layout.tsx';

export interface BatchView {
  id: string;
  status: string;
  payer: string;
  organization: string;
  createdBy: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  total: number;
  done: number;
  counts: Record<string, number>;
  error: string | null;
  results: string;
}

const RUNNING = ['queued', 'running'];
const COUNT_ORDER = ['active', 'inactive', 'unknown', 'error', 'failed', 'invalid'];
const STATUS_WORDS: Record<string, string> = { queued: 'waiting to start', running: 'running', done: 'finished', incomplete: 'finished, some rows failed', cancelled: 'cancelled', failed: 'stopped' };

export function countsText(counts: Record<string, number>): string {
  const parts = COUNT_ORDER.filter((k) => counts[k]).map((k) => `${k} ${counts[k]}`);
  return parts.length ? parts.join(' · ') : 'no results yet';
}

function Batch(p: { b: BatchView; staff: StaffPrincipal }) {
  const b = p.b;
  const pct = b.total ? Math.floor((100 * b.done) / b.total) : 0;
  return (
    <li class="batch" id={`batch-${b.id}`} data-batch={b.id} data-status={b.status}>
      <div class="batch-head">
        <strong>{b.payer}</strong> · <span class="batch-status">{STATUS_WORDS[b.status] ?? b.status}</span> ·{' '}
        <span class="meta">
          started {stamp(b.createdAt)} by {b.createdBy}
          {b.organization && !p.staff.orgId ? ` for ${b.organization}` : ''}
        </span>
      </div>
      <label class="progress">
        <span class="visually-hidden">Progress of the batch of {stamp(b.createdAt)}</span>
        <progress max={b.total} value={b.done}>
          {pct}%
        </progress>
        <span class="batch-done" aria-live="polite">
          {b.done} of {b.total} rows ({pct}%)
        </span>
      </label>
      <p class="batch-counts">{countsText(b.counts)}</p>
      {b.error ? <p class="error">{b.error}</p> : null}
      <div class="action-row">
        <a href={b.results} download class="button">
          {RUNNING.includes(b.status) ? 'Download results so far (CSV)' : 'Download results (CSV)'}
        </a>
        {RUNNING.includes(b.status) ? (
          <form method="post" action={`/ui/eligibility/${b.id}/cancel`} class="cancel-batch">
            <input type="hidden" name="_csrf" value={p.staff.csrf} />
            <button type="submit">Cancel this batch</button>
          </form>
        ) : null}
      </div>
    </li>
  );
}

export function eligibilityPage(p: {
  staff: StaffPrincipal;
  batches: BatchView[];
  payers: { id: string; name: string }[];
  orgs: { id: string; name: string }[];
  notice?: string;
  error?: string;
}) {
  return documentOf(
    <Page title="Eligibility batches" staff={p.staff} nav="eligibility">
      <h1>Eligibility batches</h1>
      <Notices notice={p.notice} error={p.error} />
      <form id="upload" method="post" action="/ui/eligibility" enctype="multipart/form-data" class="stack">
        <input type="hidden" name="_csrf" value={p.staff.csrf} />
        <h2>Check a roster</h2>
        <div class="dropzone" id="dropzone">
          <label>
            Roster CSV (header <code>member_id,first_name,last_name,birth_date[,service_type]</code>): drop the file here or choose it
            <input type="file" name="roster" id="roster" accept=".csv,text/csv" required />
          </label>
          <p class="meta" id="roster-name" aria-live="polite"></p>
        </div>
        <div class="inline-fields">
          <label>
            Payer
            <select name="payer" required>
              {p.payers.map((x) => (
                <option value={x.id}>{x.name}</option>
              ))}
            </select>
          </label>
          {p.staff.orgId ? null : (
            <label>
              For organization
              <select name="org" required>
                {p.orgs.map((o) => (
                  <option value={o.id}>{o.name}</option>
                ))}
              </select>
            </label>
          )}
          <button type="submit" class="primary">
            Start the batch
          </button>
        </div>
        <p class="meta">Each member gets one 270 to the payer; results come back in roster order, bad roster lines with their line number.</p>
      </form>
      <h2>Batches</h2>
      {p.batches.length === 0 ? (
        <p id="no-batches">No batches yet.</p>
      ) : (
        <ul class="batches" id="batches" data-poll="/api/eligibility/batches">
          {p.batches.map((b) => (
            <Batch b={b} staff={p.staff} />
          ))}
        </ul>
      )}
    </Page>,
  );
}
