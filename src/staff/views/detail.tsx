/**
 * One request: what happened and what staff can do (one sentence each), the actions that apply in
 * its state, the review panel while it is held, its facts, the decision per service line with
 * every X12 code in words, AAA errors, the timeline and the exchanged messages.
 */
import { APPEAL_OUTCOMES, APPEALABLE, EXTENDABLE } from '../actions.ts';
import { ATTACHABLE_TYPES, MAX_ATTACHMENT_BYTES } from '../documents.ts';
import { CALL_OUTCOMES, REQUEST_ACTIONS, type RequestAction } from '../request-actions.ts';
import type { PayerView, RequestDetail, TimelineEntry } from '../request-detail.ts';
import type { ReviewView } from '../review-view.ts';
import { stamp } from '../time.ts';
import { can } from '../permissions.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Notices, Page } from './layout.tsx';
import { StatusBadge, statusLabel } from './worklist.tsx';
import { QualityWarnings } from './quality-warnings.tsx';

const ACTIONS: Record<string, string> = {
  'request.submit': 'Submitted by the provider',
  'request.transition': 'Status changed',
  'request.fit': "Values changed to fit the payer's character set or delimiters",
  'request.appeal': 'Appeal recorded',
  'request.extension': 'Review timeframe extended',
  'request.hold': 'Held for review before sending',
  'request.review.approve': 'Approved for sending',
  'request.review.return': 'Returned to the provider',
  'request.review.documents': 'Documentation changed',
  'request.retry': 'Delivery retried',
  'request.resend': 'Resent as a new interchange',
  'request.cancel': 'Cancelled by staff',
  'request.payer-call': 'Call to the payer recorded',
  'phi.read': 'Viewed',
  'attachment.queued': 'Documents queued for the payer (X12 275)',
  'attachment.send': 'Documents sent to the payer (X12 275)',
  'attachment.acknowledged': 'Documents accepted by the payer (999)',
  'attachment.rejected': 'Documents rejected by the payer (999)',
  'attachment.failed': 'Documents could not be sent',
  'attachment.missing': 'Documents with nothing to send (no inline data)',
  'attachment.route': "Documents go by the payer's own route (no X12 275)",
  'attachment.skipped': 'Documents not sent: the request is closed',
  'attachment.bundle.queued': 'PAS Bundle queued for the payer (X12 275)',
  'attachment.bundle.send': 'PAS Bundle sent to the payer (X12 275)',
  'attachment.bundle.acknowledged': 'PAS Bundle accepted by the payer (999)',
  'attachment.bundle.rejected': 'PAS Bundle rejected by the payer (999)',
  'attachment.bundle.failed': 'PAS Bundle could not be sent',
  'attachment.bundle.skipped': 'PAS Bundle not sent: the request is closed',
  'payer.acknowledgment': "Payer's acknowledgment (999)",
};

const CALL_WORDS: Record<string, string> = { reached: 'reached the payer', 'left-message': 'left a message', 'no-answer': 'no answer' };

function describe(e: TimelineEntry): string {
  const base = ACTIONS[e.action] ?? e.action;
  const d = e.detail;
  if (e.action === 'request.transition' && e.from && e.to) return `${base}: ${statusLabel(e.from)} → ${statusLabel(e.to)}${typeof d.error === 'string' ? ` (${d.error})` : ''}`;
  if (e.action === 'request.fit' && Array.isArray(d.fittedToPayer)) return `${base}: ${(d.fittedToPayer as string[]).join(', ')}`;
  if (e.action === 'request.appeal' && typeof d.outcome === 'string') return `${base}: ${d.outcome}`;
  if (e.action === 'request.hold' && typeof d.reason === 'string') return `${base}: ${d.reason}`;
  if (e.action === 'request.review.return' && typeof d.reason === 'string') return `${base}: ${d.reason} (AAA ${String(d.code ?? '')})`;
  if (e.action === 'request.review.documents') return `${base}: ${String(d.removed ?? 0)} removed, ${String(d.added ?? 0)} added`;
  if (e.action === 'request.payer-call') return `${base}: ${CALL_WORDS[String(d.outcome)] ?? String(d.outcome)}${d.reference ? `, reference ${String(d.reference)}` : ''}`;
  const a = d as { controlNumber?: string; documents?: string[]; controlNumbers?: string[]; route?: string; codes?: string[] };
  if (e.action.startsWith('attachment.') || e.action === 'payer.acknowledgment') {
    const parts = [a.route, a.controlNumber ? `interchange ${a.controlNumber}` : undefined, (a.documents ?? a.controlNumbers)?.join(', '), a.codes?.join(', ')].filter(Boolean);
    return parts.length ? `${base}: ${parts.join(' · ')}` : base;
  }
  return base;
}

function Facts(p: { d: RequestDetail }) {
  const r = p.d.request;
  const facts: [string, string][] = [
    ['Claim identifier', r.claimIdentifier ?? '—'],
    ['Payer', p.d.payer?.name ?? r.payerId ?? '—'],
    ['Urgency', r.urgency ?? '—'],
    ['Patient', r.patientInitials],
    ['Member id', r.memberId],
    ['Birth date', r.birthDate ?? '—'],
    ['Submitted', stamp(new Date(r.submittedAt))],
    ['Deadline', r.deadlineAt ? stamp(new Date(r.deadlineAt)) : '—'],
    ['Time left', r.timeLeft.text],
    ['Trace number', r.traceNumber ?? '—'],
    ['Authorization number', r.authNumber ?? '—'],
    ['Documents (X12 275)', p.d.attachments ?? 'none'],
    ...(p.d.pasBundle ? [['PAS Bundle (X12 275)', p.d.pasBundle] as [string, string]] : []),
    ['Appeal', r.appeal ? (r.appealOutcome ?? 'recorded') : 'none'],
    ['Extended timeframe', r.extended ? 'yes' : 'no'],
  ];
  return (
    <dl class="facts">
      {facts.map(([k, v]) => (
        <div class={k === 'Time left' ? `left ${r.timeLeft.state}` : undefined}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Lines(p: { d: RequestDetail }) {
  return (
    <div class="table-wrap">
      <table class="lines cards">
        <caption class="visually-hidden">Decision per service line</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Service</th>
            <th scope="col">Decision (X12 306)</th>
            <th scope="col">What it means</th>
            <th scope="col">Decision reason (HCR03)</th>
            <th scope="col">Auth number</th>
            <th scope="col">Payer notes</th>
          </tr>
        </thead>
        <tbody>
          {p.d.lines.map((l) => (
            <tr>
              <th scope="row" data-label="#">
                {l.sequence}
              </th>
              <td data-label="Service">{l.service}</td>
              <td data-label="Decision">
                {l.decision ? <span class="mono">{l.decision}</span> : null} {l.meaning}
              </td>
              <td data-label="What it means">{l.next ?? ''}</td>
              <td data-label="Reason">{l.reasons.join('; ') || '—'}</td>
              <td data-label="Auth number" class="mono">
                {l.authNumber ?? ''}
              </td>
              <td data-label="Payer notes">
                {l.notes.join(' ')}
                {l.period ? ` (valid ${l.period})` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Errors(p: { d: RequestDetail }) {
  if (p.d.errors.length === 0) return null;
  const returned = p.d.request.status === 'returned';
  return (
    <section class="errors" aria-labelledby="errors-h">
      <h2 id="errors-h">{returned ? 'Returned to the provider (AAA)' : 'Rejected by the payer (AAA)'}</h2>
      <p>{returned ? 'Staff returned it without sending it: the provider corrects it and submits again.' : 'The payer could not process the request: this is not a denial. Fix what it names and resubmit.'}</p>
      <ul>
        {p.d.errors.map((e) => (
          <li>
            <strong>
              <span class="mono">{e.code}</span> {e.reason}
            </strong>{' '}
            <span class="meta">(X12 901)</span>
            {e.loop ? ` in loop ${e.loop}${e.path ? `, ${e.path}` : ''}` : ''}
            <br />
            Next step: {e.followUp}
            {e.followUpCode ? <span class="mono"> [889 {e.followUpCode}]</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

const Csrf = (p: { staff: StaffPrincipal }) => <input type="hidden" name="_csrf" value={p.staff.csrf} />;

function Contact(p: { payer: PayerView | null }) {
  const c = p.payer?.contact;
  if (!c) return <p>{p.payer ? `No contact is on file for ${p.payer.name} (rules/payers/${p.payer.id}.yaml).` : 'No payer.'}</p>;
  return (
    <dl class="contact">
      <div>
        <dt>Phone</dt>
        <dd>
          <a href={`tel:${c.phone.replace(/[^0-9+]/g, '')}`}>{c.phone}</a>
        </dd>
      </div>
      {c.hours ? (
        <div>
          <dt>Hours</dt>
          <dd>{c.hours}</dd>
        </div>
      ) : null}
      {c.portal ? (
        <div>
          <dt>Portal</dt>
          <dd>
            <a href={c.portal} rel="noopener noreferrer" target="_blank">
              {c.portal}
            </a>
          </dd>
        </div>
      ) : null}
      {c.email ? (
        <div>
          <dt>Email</dt>
          <dd>{c.email}</dd>
        </div>
      ) : null}
      {c.note ? (
        <div>
          <dt>Before you call</dt>
          <dd>{c.note}</dd>
        </div>
      ) : null}
    </dl>
  );
}

/** The actions that apply in this state, and only those (REQUEST_ACTIONS; appeals for determinations). */
function Actions(p: { d: RequestDetail; staff: StaffPrincipal }) {
  const id = p.d.request.id;
  const has = (a: RequestAction) => p.d.actions.includes(a);
  const status = p.d.request.status;
  const metrics = can(p.staff, 'requests.act') && p.d.request.kind === 'prior-auth';
  const appeal = metrics && APPEALABLE.includes(status);
  const extension = metrics && EXTENDABLE.includes(status) && !p.d.request.extended;
  if (!has('approve') && !has('retry') && !has('resend') && !has('cancel') && !has('call') && !appeal && !extension) return null;
  return (
    <section class="actions" aria-labelledby="actions-h">
      <h2 id="actions-h">Actions</h2>
      <div class="action-row">
        {has('approve') ? (
          <form method="post" action={`/ui/requests/${id}/approve`}>
            <Csrf staff={p.staff} />
            <button type="submit" class="primary">
              {REQUEST_ACTIONS.approve.label}
            </button>
          </form>
        ) : null}
        {has('retry') ? (
          <form method="post" action={`/ui/requests/${id}/retry`}>
            <Csrf staff={p.staff} />
            <button type="submit" class="primary">
              {REQUEST_ACTIONS.retry.label}
            </button>
          </form>
        ) : null}
        {has('resend') ? (
          <form method="post" action={`/ui/requests/${id}/resend`}>
            <Csrf staff={p.staff} />
            <button type="submit">{REQUEST_ACTIONS.resend.label}</button>
          </form>
        ) : null}
      </div>
      {has('cancel') ? (
        <form method="post" action={`/ui/requests/${id}/cancel`} class="stack">
          <Csrf staff={p.staff} />
          <label>
            Reason for cancelling (the provider sees it)
            <input name="reason" maxlength={200} />
          </label>
          <button type="submit">{REQUEST_ACTIONS.cancel.label}</button>
        </form>
      ) : null}
      {has('call') ? (
        <section class="call" aria-labelledby="call-h">
          <h3 id="call-h">Call {p.d.payer?.name ?? 'the payer'}</h3>
          <Contact payer={p.d.payer} />
          <form method="post" action={`/ui/requests/${id}/call`} class="inline-fields">
            <Csrf staff={p.staff} />
            <label>
              Outcome
              <select name="outcome">
                {CALL_OUTCOMES.map((o) => (
                  <option value={o}>{CALL_WORDS[o]}</option>
                ))}
              </select>
            </label>
            <label>
              Payer's call reference
              <input name="reference" maxlength={40} pattern="[A-Za-z0-9][A-Za-z0-9 ._/-]{0,39}" />
            </label>
            <button type="submit">Record the call</button>
          </form>
        </section>
      ) : null}
      {appeal || extension ? (
        <section aria-labelledby="cms-h">
          <h3 id="cms-h">Record for CMS metrics</h3>
          <div class="action-row">
            {appeal ? (
              <form method="post" action={`/ui/requests/${id}/appeal`} class="inline-fields">
                <Csrf staff={p.staff} />
                <label>
                  Appeal outcome
                  <select name="outcome">
                    {APPEAL_OUTCOMES.map((o) => (
                      <option value={o} selected={o === p.d.request.appealOutcome}>
                        {o}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit">Record appeal</button>
              </form>
            ) : null}
            {extension ? (
              <form method="post" action={`/ui/requests/${id}/extension`}>
                <Csrf staff={p.staff} />
                <button type="submit">Record extended review timeframe</button>
              </form>
            ) : null}
          </div>
        </section>
      ) : null}
    </section>
  );
}

function Review(p: { d: RequestDetail; r: ReviewView; staff: StaffPrincipal }) {
  const id = p.d.request.id;
  const may = p.d.actions.includes('documents');
  return (
    <section class="review" aria-labelledby="review-h">
      <h2 id="review-h">Review before sending</h2>
      <p>
        Held because: <strong>{p.r.reason}</strong>. Nothing goes to {p.d.payer?.name ?? 'the payer'} until it is approved; the deadline keeps running (
        {p.d.request.timeLeft.text}).
      </p>
      <h3>What the payer's rules say is missing</h3>
      {p.r.missing.length === 0 ? (
        <p id="missing-none">Nothing: every document the rules ask for is attached.</p>
      ) : (
        <ul id="missing">
          {p.r.missing.map((m) => (
            <li>
              Line {m.item}: {m.description} <span class="mono meta">({m.id})</span>
            </li>
          ))}
        </ul>
      )}
      <h3>Attached documentation</h3>
      {p.r.documents.length === 0 ? <p>No documents are attached.</p> : null}
      <form method="post" action={`/ui/requests/${id}/documents`} enctype="multipart/form-data" class="stack">
        <Csrf staff={p.staff} />
        {p.r.documents.length ? (
          <ul class="documents" id="documents">
            {p.r.documents.map((doc) => (
              <li>
                {doc.removable && may ? (
                  <label class="check">
                    <input type="checkbox" name="remove" value={doc.fullUrl} /> Remove: {doc.resourceType} · {doc.description}
                  </label>
                ) : (
                  <span>
                    {doc.resourceType} · {doc.description} <span class="meta">(sent by the provider)</span>
                  </span>
                )}
              </li>
            ))}
          </ul>
        ) : null}
        {may ? (
          <fieldset>
            <legend>Attach a file</legend>
            <label>
              What it is
              <input name="title" maxlength={80} placeholder="Physical therapy notes, 6 weeks" />
            </label>
            <label>
              File ({ATTACHABLE_TYPES.map((t) => t.split('/')[1]).join(', ')}; up to {MAX_ATTACHMENT_BYTES / 1024 / 1024} MB)
              <input type="file" name="file" accept={ATTACHABLE_TYPES.join(',')} />
            </label>
          </fieldset>
        ) : null}
        {may ? <button type="submit">Save documentation</button> : null}
      </form>
      <h3>What will be sent</h3>
      {p.r.fhir ? (
        <details class="message">
          <summary>PAS request Bundle (FHIR)</summary>
          <pre tabindex={0}>{p.r.fhir}</pre>
        </details>
      ) : null}
      {p.r.x12 ? (
        <details class="message">
          <summary>X12 278 request (control numbers are assigned when it is sent)</summary>
          <pre tabindex={0}>{p.r.x12}</pre>
        </details>
      ) : (
        <p class="meta">No 278 preview: {p.r.x12Note}.</p>
      )}
      {p.d.actions.includes('return') ? (
        <form method="post" action={`/ui/requests/${id}/return`} class="stack return">
          <Csrf staff={p.staff} />
          <h3>Return to the provider</h3>
          <label>
            Reason
            <select name="reason">
              {p.r.returnReasons.map((r) => (
                <option value={r.id}>{r.label}</option>
              ))}
            </select>
          </label>
          <label>
            Note for the provider (their $inquire and notification show it)
            <textarea name="note" maxlength={500} rows={3}></textarea>
          </label>
          <button type="submit">Return to the provider</button>
        </form>
      ) : null}
    </section>
  );
}

export function detailPage(p: { staff: StaffPrincipal; d: RequestDetail; notice?: string; error?: string }) {
  const r = p.d.request;
  return documentOf(
    <Page title={`Request ${r.claimIdentifier ?? r.id.slice(0, 8)}`} staff={p.staff} nav="worklist">
      <p>
        <a href="/ui">← worklist</a>
      </p>
      <h1>
        Request {r.claimIdentifier ?? <span class="mono">{r.id.slice(0, 8)}</span>} <StatusBadge status={r.status} />
      </h1>
      <p class="meta mono">{r.id}</p>
      <Notices notice={p.notice} error={p.error} />
      <section class="story" aria-label="Where it stands">
        <p id="happened">
          <strong>What happened:</strong> {p.d.story.happened}
        </p>
        <p id="next-step">
          <strong>What you can do:</strong> {p.d.story.next}
        </p>
      </section>
      <Actions d={p.d} staff={p.staff} />
      {p.d.review ? <Review d={p.d} r={p.d.review} staff={p.staff} /> : null}
      <h2>Details</h2>
      <Facts d={p.d} />
      {p.d.disposition ? (
        <p class="disposition">
          {p.d.dispositionBy === 'payer' ? `${p.d.payer?.name ?? 'The payer'} says: ` : 'The gateway told the provider: '}
          {p.d.disposition}
        </p>
      ) : null}
      <h2>Decision per service line</h2>
      <Lines d={p.d} />
      <Errors d={p.d} />
      <QualityWarnings warnings={p.d.warnings} />
      <h2>Timeline</h2>
      <ol class="timeline">
        {p.d.timeline.map((e) => (
          <li class={`a-${e.action.replace(/\./g, '-')} o-${e.outcome}`}>
            <time datetime={e.at}>{stamp(new Date(e.at))}</time> {describe(e)} <span class="actor">by {e.actor}</span>
          </li>
        ))}
      </ol>
      <h2>Messages</h2>
      {p.d.messages.map((m) => (
        <details class="message">
          <summary>
            {stamp(new Date(m.at))} · {m.direction === 'in' ? 'received' : 'sent'} · {m.format.toUpperCase()} {m.transactionSet ?? ''}
            {m.controlNumber ? ` · control ${m.controlNumber}` : ''}
          </summary>
          {m.text === null ? (
            <p class="meta">The contents hold PHI your role does not see (requests.read.phi).</p>
          ) : (
            <pre tabindex={0}>{m.text}</pre>
          )}
        </details>
      ))}
    </Page>,
  );
}
