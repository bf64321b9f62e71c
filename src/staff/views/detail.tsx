/** One request: summary, decision per service line, AAA errors, staff actions, timeline, messages. */
import { APPEAL_OUTCOMES } from '../actions.ts';
import type { RequestDetail, TimelineEntry } from '../request-detail.ts';
import { stamp } from '../time.ts';
import { can } from '../permissions.ts';
import type { StaffPrincipal } from '../types.ts';
import { documentOf, Page } from './layout.tsx';
import { StatusBadge, statusLabel } from './worklist.tsx';
import { QualityWarnings } from './quality-warnings.tsx';

const ACTIONS: Record<string, string> = {
  'request.submit': 'Submitted by the provider',
  'request.transition': 'Status changed',
  'request.fit': "Values changed to fit the payer's character set or delimiters",
  'request.appeal': 'Appeal recorded',
  'request.extension': 'Review timeframe extended',
  'phi.read': 'Viewed',
  'attachment.queued': 'Documents queued for the payer (X12 275)',
  'attachment.send': 'Documents sent to the payer (X12 275)',
  'attachment.acknowledged': 'Documents accepted by the payer (999)',
  'attachment.rejected': 'Documents rejected by the payer (999)',
  'attachment.failed': 'Documents could not be sent',
  'attachment.missing': 'Documents with nothing to send (no inline data)',
  'attachment.route': "Documents go by the payer's own route (no X12 275)",
  'attachment.skipped': 'Documents not sent: the request is closed',
  'payer.acknowledgment': "Payer's acknowledgment (999)",
};

function describe(e: TimelineEntry): string {
  const base = ACTIONS[e.action] ?? e.action;
  if (e.action === 'request.transition' && e.from && e.to) return `${base}: ${statusLabel(e.from)} → ${statusLabel(e.to)}`;
  if (e.action === 'request.fit' && Array.isArray(e.detail.fittedToPayer)) return `${base}: ${(e.detail.fittedToPayer as string[]).join(', ')}`;
  if (e.action === 'request.appeal' && typeof e.detail.outcome === 'string') return `${base}: ${e.detail.outcome}`;
  const d = e.detail as { controlNumber?: string; documents?: string[]; controlNumbers?: string[]; route?: string; codes?: string[] };
  if (e.action.startsWith('attachment.') || e.action === 'payer.acknowledgment') {
    const parts = [d.route, d.controlNumber ? `interchange ${d.controlNumber}` : undefined, (d.documents ?? d.controlNumbers)?.join(', '), d.codes?.join(', ')].filter(Boolean);
    return parts.length ? `${base}: ${parts.join(' · ')}` : base;
  }
  return base;
}

function Facts(p: { d: RequestDetail }) {
  const r = p.d.request;
  const facts: [string, string][] = [
    ['Payer', r.payerId ?? '—'],
    ['Urgency', r.urgency ?? '—'],
    ['Patient', r.patientInitials],
    ['Member id', r.memberId],
    ['Birth date', r.birthDate ?? '—'],
    ['Submitted', stamp(new Date(r.submittedAt))],
    ['Deadline', r.deadlineAt ? stamp(new Date(r.deadlineAt)) : '—'],
    ['Time left', r.timeLeft.text],
    ['Trace number', r.traceNumber ?? '—'],
    ['Claim identifier', r.claimIdentifier ?? '—'],
    ['Authorization number', r.authNumber ?? '—'],
    ['Documents (X12 275)', p.d.attachments ?? 'none'],
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
    <table class="lines">
      <thead>
        <tr>
          <th>#</th>
          <th>Service</th>
          <th>Decision (X12 306)</th>
          <th>What it means</th>
          <th>Reason codes</th>
          <th>Auth number</th>
          <th>Payer notes</th>
        </tr>
      </thead>
      <tbody>
        {p.d.lines.map((l) => (
          <tr>
            <td>{l.sequence}</td>
            <td>{l.service}</td>
            <td>
              {l.decision ? <span class="mono">{l.decision}</span> : null} {l.meaning}
            </td>
            <td>{l.next ?? ''}</td>
            <td class="mono">{l.reasons.join(', ')}</td>
            <td class="mono">{l.authNumber ?? ''}</td>
            <td>
              {l.notes.join(' ')}
              {l.period ? ` (valid ${l.period})` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Errors(p: { d: RequestDetail }) {
  if (p.d.errors.length === 0) return null;
  return (
    <section class="errors">
      <h2>Rejected by the payer (AAA)</h2>
      <p>The payer could not process the request: this is not a denial. Fix what it names and resubmit.</p>
      <ul>
        {p.d.errors.map((e) => (
          <li>
            <strong>
              <span class="mono">{e.code}</span> {e.reason}
            </strong>
            {e.loop ? ` (loop ${e.loop}${e.path ? `, ${e.path}` : ''})` : ''}
            <br />
            Next step: {e.followUp}
            {e.followUpCode ? <span class="mono"> [{e.followUpCode}]</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function StaffActions(p: { d: RequestDetail; staff: StaffPrincipal }) {
  if (!can(p.staff, 'requests.act') || p.d.request.kind !== 'prior-auth') return null;
  const id = p.d.request.id;
  return (
    <section class="actions">
      <h2>Record for CMS metrics</h2>
      <form method="post" action={`/ui/requests/${id}/appeal`}>
        <input type="hidden" name="_csrf" value={p.staff.csrf} />
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
      {p.d.request.extended ? null : (
        <form method="post" action={`/ui/requests/${id}/extension`}>
          <input type="hidden" name="_csrf" value={p.staff.csrf} />
          <button type="submit">Record extended review timeframe</button>
        </form>
      )}
    </section>
  );
}

export function detailPage(p: { staff: StaffPrincipal; d: RequestDetail; notice?: string }) {
  const r = p.d.request;
  return documentOf(
    <Page title={`Request ${r.id.slice(0, 8)}`} staff={p.staff} nav="worklist">
      <p>
        <a href="/ui">← worklist</a>
      </p>
      <h1>
        Request <span class="mono">{r.id}</span> <StatusBadge status={r.status} />
      </h1>
      {p.notice ? <p class="notice">{p.notice}</p> : null}
      {p.d.disposition ? <p class="disposition">Payer says: {p.d.disposition}</p> : null}
      <Facts d={p.d} />
      <h2>Decision per service line</h2>
      <Lines d={p.d} />
      <Errors d={p.d} />
      <QualityWarnings warnings={p.d.warnings} />
      <StaffActions d={p.d} staff={p.staff} />
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
          {m.text === null ? <p class="meta">The contents hold PHI your role does not see (requests.read.phi).</p> : <pre>{m.text}</pre>}
        </details>
      ))}
    </Page>,
  );
}
